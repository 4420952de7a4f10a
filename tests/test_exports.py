"""The export formats (markdown, csv, html, mermaid, the registry) and importing a JSON export
back into a workspace, through the library and the CLI."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from assistant.cli import app
from assistant.errors import ConfigError, MapError, VerificationError
from assistant.export_files import verify_export
from assistant.exports import EXPORT_FORMATS, export_map
from assistant.exports.csv import COLUMNS, export_csv, guard, read_rows, unguard
from assistant.exports.html import MAP_CSS, export_html
from assistant.exports.markdown import escape_markdown, export_markdown
from assistant.exports.mermaid import export_mermaid
from assistant.model import (
    Alignment,
    Evidence,
    Item,
    JourneyMap,
    Lane,
    Role,
    Source,
    Stage,
    Ungrounded,
)
from assistant.project import Project
from assistant.settings import Settings
from ingest.embedders import HashingEmbedder
from tests.test_edits import MAP, SOURCES, make_source, new_workspace

runner = CliRunner()
NBSP = "\u00a0"  # French typography: before « » : ;
ALL_SOURCES = list(SOURCES.values())
UNGROUNDED = Ungrounded(
    claim="Trouve le site lent",
    quote="le site rame",
    source_id="lea",
    stage_id="consideration",
    lane=Lane.OBSTACLE,
    reason="quote not found in lea",
)
FULL_MAP = MAP.model_copy(update={"ungrounded": [UNGROUNDED]})

EVIL = (
    "# Titre injecté [clic](http://evil.example/a) ![img](http://evil.example/x.png) "
    "<script>alert(1)</script> <b>gras</b> **fort** _it_ | a | b | &amp; `code` "
    "https://evil.example/path"
)
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+33 6 12", "-2 étoiles", "@SUM(A1)", "'déjà"]


def evil_map(texts: list[str] = [EVIL]) -> tuple[JourneyMap, Source]:  # noqa: B006
    """A map whose items quote hostile sentences (one item per sentence)."""
    source = make_source("evil", [("Eve", Role.PARTICIPANT, texts)])
    items = []
    for number, segment in enumerate(source.segments, start=1):
        quote = source.text[segment.start : segment.end]
        evidence = Evidence(
            source_id=source.id,
            quote=quote,
            start=segment.start,
            end=segment.end,
            speaker="Eve",
            alignment=Alignment.EXACT,
        )
        items.append(Item(id=f"I{number}", lane=Lane.ACTION, text=quote, evidence=[evidence]))
    stage = Stage(id="awareness", name="Sensibilisation", order=0, items=items)
    hostile = Ungrounded(claim=EVIL, quote=EVIL, source_id="evil", reason=EVIL)
    journey = MAP.model_copy(
        update={"stages": [stage], "ungrounded": [hostile], "sources": [source.ref()]}
    )
    return JourneyMap.model_validate(journey.model_dump()), source


# -- markdown ---------------------------------------------------------------------------------
def test_markdown_has_every_stage_item_quote_and_ungrounded_claim() -> None:
    text = export_markdown(FULL_MAP, ALL_SOURCES)
    assert text.startswith(f"# {escape_markdown(MAP.title)}\n")
    positions = [text.index(f"## {n}. {stage.name}") for n, stage in enumerate(MAP.stages, 1)]
    assert positions == sorted(positions)
    for _, item in MAP.items():
        assert f"**{escape_markdown(item.text)}** ({item.id})" in text
        for evidence in item.evidence:
            assert f"> «{NBSP}{escape_markdown(evidence.quote)}{NBSP}» — " in text
    assert f"Répond à{NBSP}: I5 (Frais de port cachés), I6" in text
    assert "FMOT (décision d’achat) — I5" in text
    tail = text[text.index("## Affirmations non sourcées") :]
    assert f"**Trouve le site lent** — raison{NBSP}: quote not found in lea" in tail
    assert "Extrait par hand" in text


def test_markdown_in_english_uses_english_labels_and_quotes() -> None:
    english = MAP.model_copy(update={"language": "en"})
    text = export_markdown(english, ALL_SOURCES)
    assert "### Touchpoints" in text and "## Ungrounded claims" in text
    assert "> “Delivery took two weeks” — avis-en.md" in text


def test_a_quote_cannot_inject_markdown() -> None:
    journey, _ = evil_map()
    text = export_markdown(journey)
    parser = MarkdownIt("commonmark")
    tokens = parser.parse(text)
    kinds = {token.type for token in tokens}
    inline = {child.type for token in tokens for child in token.children or []}
    assert not (kinds | inline) & {"link_open", "image", "html_inline", "html_block"}
    headings = [
        tokens[i + 1].content for i, token in enumerate(tokens) if token.type == "heading_open"
    ]
    assert not any("Titre injecté" in heading for heading in headings)
    rendered = parser.render(text)
    assert "<script>" not in rendered and "<a " not in rendered and "<img" not in rendered
    assert "[clic](" in rendered and "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert "<code>https://evil.example/path</code>" in rendered  # autolinkers skip code


# -- csv --------------------------------------------------------------------------------------
def test_csv_has_one_row_per_quote_and_per_analyst_item() -> None:
    data = export_csv(MAP, ALL_SOURCES)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == COLUMNS
    quotes = sum(len(item.evidence) for _, item in MAP.items())
    analysts = sum(not item.lane.customer_side for _, item in MAP.items())
    assert len(rows) - 1 == quotes + analysts
    records = read_rows(data)
    kpi = next(row for row in records if row["lane"] == "kpi")
    assert kpi["quote"] == kpi["start"] == "" and kpi["cites"] == "I5 I6"
    for row in records:
        if row["quote"]:
            text = SOURCES[row["source_id"]].text
            assert text[int(row["start"]) : int(row["end"])] == row["quote"]
    fees = [row for row in records if row["item_id"] == "I5"]
    assert {row["source_name"] for row in fees} == {"lea.md", "avis-fr.md"}
    assert {row["support_participants"] for row in fees} == {"2"}


def test_csv_semicolon_for_french_spreadsheets() -> None:
    data = export_csv(MAP, ALL_SOURCES, delimiter=";")
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("stage_id;stage;lane;item_id")
    assert len(read_rows(data, delimiter=";")) == len(read_rows(export_csv(MAP)))
    with pytest.raises(ConfigError, match="delimiter"):
        export_csv(MAP, delimiter="|")


def test_csv_guards_formulas_and_quotes_stay_recoverable() -> None:
    journey, source = evil_map(FORMULAS)
    data = export_csv(journey, [source])
    raw = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    for row, formula in zip(raw, FORMULAS, strict=True):
        assert row["quote"] == "'" + formula and row["item"] == "'" + formula
        start, end = int(row["start"]), int(row["end"])
        assert source.text[start:end] == unguard(row["quote"]) == formula
    assert guard("Bonjour") == "Bonjour" and unguard(guard("'x")) == "'x"


# -- mermaid ----------------------------------------------------------------------------------
def test_mermaid_is_a_journey_naming_every_stage() -> None:
    empty = Stage(id="ideal", name="Idéal: demain; ou jamais", order=5)
    journey = MAP.model_copy(update={"stages": [*MAP.stages, empty]})
    text = export_mermaid(journey)
    lines = text.splitlines()
    assert lines[0] == "journey" and lines[1].startswith("    title Parcours client")
    sections = [line.strip() for line in lines if line.strip().startswith("section ")]
    assert sections == [f"section {stage.name}" for stage in MAP.stages] + [
        "section Idéal demain ou jamais"
    ]
    tasks = [line.strip() for line in lines[2:] if not line.strip().startswith("section ")]
    for task in tasks:
        name, score, actor = task.split(": ")
        assert ":" not in name and ";" not in name and len(name) <= 60
        assert 1 <= int(score) <= 5 and actor == "clients"
    assert "Énervée par les frais: 1: clients" in tasks  # valence −2 → 1
    assert "(aucun élément): 3: clients" in tasks  # the empty stage keeps a section
    assert len([t for t in tasks if t]) <= 3 * len(journey.stages)


def test_mermaid_shortens_long_text_and_names_the_persona() -> None:
    long = "Très long : " + "mot " * 40
    stage = MAP.stages[0].model_copy(
        update={"items": [MAP.stages[0].items[0].model_copy(update={"text": long + "\nfin"})]}
    )
    journey = MAP.model_copy(update={"stages": [stage], "persona": "Jeune parent, pressé"})
    task = export_mermaid(journey, top=1).splitlines()[3].strip()
    name, _, actor = task.split(": ")
    assert len(name) == 60 and name.endswith("…") and actor == "Jeune parent  pressé"


# -- html -------------------------------------------------------------------------------------
def test_html_is_standalone_and_escapes_source_text() -> None:
    journey, source = evil_map()
    page = export_html(journey, [source])
    assert "<script>alert(1)" not in page and "<b>gras</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "http://" not in page.replace("http://evil.example", "")
    assert "@import" not in page and "url(" not in page and "<link" not in page
    assert MAP_CSS in page and "Content-Security-Policy" in page


def test_html_shows_every_stage_lane_item_and_the_curve() -> None:
    page = export_html(FULL_MAP, ALL_SOURCES)
    for stage in MAP.stages:
        assert f"<h2>{stage.name}</h2>" in page
    for _, item in MAP.items():
        assert f'id="item-{item.id}"' in page
    assert page.count('class="pc-dot') == sum(s.valence is not None for s in MAP.stages)
    assert "Opportunités" in page and "Points de contact" in page
    assert "Trouve le site lent" in page and "quote not found in lea" in page
    assert "@page { size: A3 landscape" in page


def test_html_caps_the_cards_of_a_cell() -> None:
    fees = MAP.stages[2].items[0]
    many = [fees.model_copy(update={"id": f"X{n}", "text": f"Obstacle {n}"}) for n in range(9)]
    stage = MAP.stages[2].model_copy(update={"items": many})
    journey = MAP.model_copy(update={"stages": [stage]})
    page = export_html(journey, cards_per_cell=4)
    assert page.count("<article") == 9 and "+5 de plus" in page


# -- the registry -----------------------------------------------------------------------------
def test_every_format_exports_through_the_registry() -> None:
    assert list(EXPORT_FORMATS) == ["json", "markdown", "csv", "html", "qdpx", "mermaid"]
    for name, spec in EXPORT_FORMATS.items():
        exported = export_map(MAP, ALL_SOURCES, name)
        assert exported.media_type == spec.media_type and exported.extension == spec.extension
        if spec.is_text:
            assert exported.text and exported.content == exported.text.encode()
        else:
            assert exported.content[:2] == b"PK"
            with pytest.raises(ConfigError, match="binary"):
                _ = exported.text
    assert export_map(MAP, [], "csv", delimiter=";").text.startswith("\ufeffstage_id;")


def test_unknown_format_or_option_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="json, markdown, csv, html, qdpx, mermaid"):
        export_map(MAP, [], "pdf")
    with pytest.raises(ConfigError, match="no option delimiter"):
        export_map(MAP, [], "json", delimiter=";")


def test_qdpx_missing_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "assistant.exports.qdpx", None)
    with pytest.raises(ConfigError, match="qdpx export is not available"):
        export_map(MAP, ALL_SOURCES, "qdpx")


# -- import -----------------------------------------------------------------------------------
def project_at(root: Path) -> Project:
    settings = Settings(workspace=root, redact=False)
    return Project(root, embedder=HashingEmbedder(), settings=settings)


@pytest.fixture
def origin(tmp_path: Path) -> Project:
    new_workspace(tmp_path / "origin").ensure_manifest()
    return project_at(tmp_path / "origin")


def test_json_round_trips_through_import_into_a_new_workspace(
    origin: Project, tmp_path: Path
) -> None:
    exported = tmp_path / "map.json"
    exported.write_text(origin.export(with_sources=True).text, encoding="utf-8")
    target = project_at(tmp_path / "target")
    result = target.import_map(exported)
    assert result.revision.number == 1 and result.revision.parent is None
    assert sorted(result.added_sources) == sorted(SOURCES)
    assert target.export(with_sources=True).text == exported.read_text(encoding="utf-8")
    again = target.export(with_sources=True, format="json").content
    (tmp_path / "again.json").write_bytes(again)
    assert verify_export(tmp_path / "again.json", target.workspace).ok
    assert target.search()("frais de port"), "added sources are searchable"
    assert target.load_map().sources[0].text is None  # the workspace keeps references


def test_import_of_a_known_map_is_its_next_revision(origin: Project, tmp_path: Path) -> None:
    exported = tmp_path / "map.json"
    exported.write_text(origin.export().text, encoding="utf-8")
    result = origin.import_map(exported)
    assert (result.revision.number, result.revision.parent) == (2, 1)
    assert result.revision.author == "system" and "import map.json" in result.revision.message
    assert result.added_sources == []
    before = MAP.model_dump(mode="json") | {"revision": 2}
    assert origin.load_map().model_dump(mode="json") == before
    renamed = origin.import_map(exported, map_id="copie")
    assert renamed.revision.number == 1 and origin.load_map("copie").id == "copie"


def test_import_without_the_sources_names_them(origin: Project, tmp_path: Path) -> None:
    exported = tmp_path / "map.json"
    exported.write_text(origin.export().text, encoding="utf-8")
    with pytest.raises(MapError) as caught:
        project_at(tmp_path / "empty").import_map(exported)
    message = str(caught.value)
    assert "does not hold" in message and "lea.md (lea)" in message
    assert "--with-sources" in message


def test_import_refuses_a_differing_or_tampered_source(origin: Project, tmp_path: Path) -> None:
    data = json.loads(origin.export(with_sources=True).text)
    lea = next(source for source in data["sources"] if source["id"] == "lea")
    lea["text"] = lea["text"].replace("Instagram", "Facebook!")
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(MapError, match="differ from the workspace's copy"):
        origin.import_map(changed)
    with pytest.raises(VerificationError, match="do not match their sources"):
        project_at(tmp_path / "fresh").import_map(changed)
    assert not (tmp_path / "fresh" / "maps").exists()


def test_import_of_something_else_says_what_it_is(origin: Project, tmp_path: Path) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text('{"title": "pas une carte"}', encoding="utf-8")
    with pytest.raises(MapError, match=r"notes\.json is not a Parcours map"):
        origin.import_map(bad)


# -- the CLI ----------------------------------------------------------------------------------
def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_cli_exports_each_format(origin: Project, tmp_path: Path, hashing_env: None) -> None:
    ws = str(origin.workspace.root)
    assert run("export", "-w", ws, "--format", "mermaid").startswith("journey\n")
    assert "## 3. Achat" in run("export", "-w", ws, "--format", "markdown")
    target = tmp_path / "map.csv"
    run("export", "-w", ws, "--format", "csv", "--delimiter", ";", "-o", str(target))
    assert target.read_bytes().startswith(b"\xef\xbb\xbfstage_id;")
    output = run("export", "-w", ws, "--format", "qdpx")
    default = origin.workspace.root / "exports" / "overall.qdpx"
    assert str(default) in output.replace("\n", "") and default.read_bytes()[:2] == b"PK"
    error = run("export", "-w", ws, "--format", "pdf", code=2)
    assert "use one of: json, markdown, csv, html, qdpx, mermaid" in error


def test_cli_import_round_trip(origin: Project, tmp_path: Path, hashing_env: None) -> None:
    exported = tmp_path / "map.json"
    run("export", "-w", str(origin.workspace.root), "--with-sources", "-o", str(exported))
    target = tmp_path / "target"
    output = run("import", str(exported), "-w", str(target))
    assert "added 3 source(s)" in output and "imported as map overall revision 1" in output
    again = tmp_path / "again.json"
    run("export", "-w", str(target), "--with-sources", "-o", str(again))
    assert again.read_text(encoding="utf-8") == exported.read_text(encoding="utf-8")
    assert "revision 2" in run("import", str(exported), "-w", str(target), "--map-id", "overall")
    missing = run("import", str(tmp_path / "nope.json"), "-w", str(target), code=2)
    assert "nope.json" in missing
