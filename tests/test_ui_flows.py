"""The review UI's flows through `streamlit.testing.v1.AppTest`: upload, build, a card's evidence
in context, accept, edit, move, merge, bulk reject of a filter and of a cell, undo, a free
question in the chat, the persona switcher and comparison, the downloads, a 500-item map.

Every change must land as a revision of the map (what the CLI and the MCP server would see).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import FileUploader

from assistant.editing.revisions import commit, history
from assistant.exports import EXPORT_FORMATS
from assistant.model import Item, ItemStatus, JourneyMap, Lane, Revision, SetStatus, UpdateItem
from assistant.project import Project
from assistant.settings import Settings
from assistant.workspace import Workspace
from ingest.embedders import HashingEmbedder
from ingest.segment import SpacySegmenter
from tests.conftest import SAMPLES
from tests.test_ui import LLM_SETTINGS, MAP, open_app
from ui.downloads import EXPORT_LABELS, exports_of
from ui.downloads import SCHEMA as SCHEMA_FILE
from ui.grid import related_maps

SCHEMA = json.loads(
    (Path(__file__).parent.parent / "assistant/schema/journey-map.schema.json").read_text()
)


@pytest.fixture(scope="module")
def two_personas(tmp_path_factory: pytest.TempPathFactory, segmenter: SpacySegmenter) -> Path:
    """Léa (impulsive) and Bernard (deliberate): the overall map and one map per persona."""
    root = tmp_path_factory.mktemp("personas") / "ws"
    settings = Settings(workspace=root, redact=False)
    project = Project(root, embedder=HashingEmbedder(), segmenter=segmenter, settings=settings)
    project.ingest(
        [SAMPLES / "interviews" / "fr-01-lea.md", SAMPLES / "interviews" / "fr-04-bernard.md"]
    )
    heard: list[tuple[float, str | None, str]] = []
    built = project.build_maps(all_personas=True, on_progress=lambda *step: heard.append(step))
    assert [b.map.id for b in built] == ["overall", "deliberate", "impulsive"]
    assert [done for done, _, _ in heard] == sorted(done for done, _, _ in heard)
    assert heard[0] == (0.0, None, "extract") and heard[-1][1:] == ("impulsive", "save")
    return root


@pytest.fixture
def workspace(two_personas: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    for name in LLM_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PARCOURS_REDACT", "false")
    monkeypatch.setenv("PARCOURS_EMBEDDER", "hashing")
    root = tmp_path / "ws"
    shutil.copytree(two_personas, root)
    return Workspace(root)


def click(app: AppTest, key: str) -> AppTest:
    app.button(key=key).click().run()
    assert not app.exception, app.exception
    return app


def item(workspace: Workspace, item_id: str, map_id: str = MAP) -> tuple[str, Item]:
    journey_map = workspace.load_map(map_id)
    return next((stage.id, i) for stage, i in journey_map.items() if i.id == item_id)


def first_card(app: AppTest) -> str:
    return next(str(b.key) for b in app.button if str(b.key).startswith("card-"))


def test_upload_then_build_from_an_empty_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARCOURS_REDACT", "false")
    monkeypatch.setenv("PARCOURS_EMBEDDER", "hashing")
    root = tmp_path / "new"
    app = open_app(root)
    lea = (SAMPLES / "interviews" / "fr-01-lea.md").read_bytes()
    broken = b"\x00\x01 not a transcript"
    uploader = app.get("file_uploader")[0]
    assert isinstance(uploader, FileUploader)
    uploader.set_value(
        [
            ("fr-01-lea.md", lea, "text/markdown"),
            ("broken.docx", broken, "application/octet-stream"),
        ]
    ).run()
    click(app, "sources:ingest")
    report = app.dataframe[0].value
    statuses = dict(zip(report["Fichier"], report["Statut"], strict=True))
    assert statuses == {"fr-01-lea.md": "importé", "broken.docx": "échec"}  # the rest went on
    assert "not a Word .docx document" in str(report["Raison"].tolist())
    assert app.warning[0].value == "1 importé(s) · 0 inchangé(s) · 1 en échec"
    sources = app.dataframe[1].value
    assert sources["Persona"].tolist() == ["impulsive"] and sources["Type"].tolist() == [
        "interview"
    ]

    app.sidebar.radio(key=f"ui:page:{root}").set_value("build").run()
    click(app, "build:run")
    assert app.success[0].value.startswith("Construit overall : ")
    assert "Aucun jeton de modèle dépensé" in app.success[0].value
    assert Workspace(root).head(MAP) == 1

    app.sidebar.radio(key=f"ui:page:{root}").set_value("map").run()
    assert not app.exception and first_card(app)


def test_the_api_key_is_never_drawn_back(workspace: Workspace) -> None:
    app = open_app(workspace.root)
    app.sidebar.radio(key=f"ui:page:{workspace.root}").set_value("build").run()
    app.radio(key="build:provider").set_value("compatible").run()
    app.text_input(key="build:key-input").input("sk-secret-123").run()
    assert not app.exception
    assert app.text_input(key="build:key-input").value == ""
    assert "Une clé d’API est définie" in " ".join(c.value for c in app.caption)
    drawn = [*app.text_input, *app.markdown, *app.caption, *app.info, *app.error]
    assert not any("sk-secret-123" in str(element.value) for element in drawn)


def test_a_build_through_an_openai_compatible_server_reports_its_tokens(
    workspace: Workspace,
) -> None:
    from assistant.testing import ScriptedOpenAIServer

    app = open_app(workspace.root)
    app.sidebar.radio(key=f"ui:page:{workspace.root}").set_value("build").run()
    app.radio(key="build:provider").set_value("compatible").run()
    with ScriptedOpenAIServer() as server:
        app.text_input(key="build:model:compatible").set_value("scripted")
        app.text_input(key="build:base-url").set_value(server.base_url)
        app.text_input(key="build:key-input").input("test-key").run()
        click(app, "build:run")
        assert server.requests  # the build asked the model
    summary = app.success[0].value
    assert summary.startswith("Construit overall : ") and "Jetons : " in summary
    built = workspace.load_map(MAP)
    assert built.provenance.extractor != "offline" and workspace.head(MAP) == 2


def test_a_card_opens_its_quotes_highlighted_in_context_then_accept_and_undo(
    workspace: Workspace,
) -> None:
    app = open_app(workspace.root)
    card = first_card(app)
    item_id = card.removeprefix("card-")
    click(app, card)
    shown = [h.proto.body for h in app.get("html") if "parcours-quote" in h.proto.body]
    _, found = item(workspace, item_id)
    quote = found.evidence[0].quote
    assert shown and 'class="parcours-quote"' in shown[0]
    assert quote.replace("'", "&#x27;") in shown[0]  # highlighted, escaped, among its turns
    assert len(shown[0]) > len(quote) + 100

    click(app, "panel:accept")
    assert item(workspace, item_id)[1].status is ItemStatus.ACCEPTED
    assert workspace.head(MAP) == 2
    assert app.success[0].value.startswith(f"Révision 2 : marquer {item_id}")

    app.button(key=f"{workspace.root}:{MAP}:undo").click().run()
    assert workspace.head(MAP) == 3
    assert item(workspace, item_id)[1].status is ItemStatus.PROPOSED


def test_edit_move_and_merge_from_the_evidence_panel(workspace: Workspace) -> None:
    app = open_app(workspace.root)
    journey_map = workspace.load_map(MAP)
    actions = [i for s, i in journey_map.items() if i.lane is Lane.ACTION]
    first, second = actions[0].id, actions[1].id
    click(app, f"card-{first}")
    app.text_input(key=f"panel:text:{first}").set_value("Compare les canapés en magasin")
    click(app, "panel:save")
    assert item(workspace, first)[1].text == "Compare les canapés en magasin"

    app.selectbox(key=f"panel:stage:{first}").set_value("purchase")
    app.selectbox(key=f"panel:lane:{first}").set_value(Lane.OBSTACLE)
    click(app, "panel:move")
    stage_id, moved = item(workspace, first)
    assert (stage_id, moved.lane) == ("purchase", Lane.OBSTACLE)

    click(app, f"card-{second}")
    target = next(
        i for s, i in workspace.load_map(MAP).items() if i.lane is Lane.ACTION and i.id != second
    )
    app.selectbox(key=f"panel:merge:{second}").set_value(target.id)
    click(app, "panel:merge-button")
    ids = [i.id for _, i in workspace.load_map(MAP).items()]
    assert target.id not in ids and second in ids
    assert [r.number for r in history(workspace, MAP)] == [1, 2, 3, 4]


def test_bulk_reject_of_a_filter_and_of_a_cell(workspace: Workspace) -> None:
    app = open_app(workspace.root)
    app.multiselect(key="filter:lanes").set_value([Lane.OBSTACLE]).run()
    obstacles = [i for _, i in workspace.load_map(MAP).items() if i.lane is Lane.OBSTACLE]
    click(app, "bulk:rejected")
    after = workspace.load_map(MAP)
    assert all(i.status is ItemStatus.REJECTED for _, i in after.items() if i.lane is Lane.OBSTACLE)
    assert all(
        i.status is ItemStatus.PROPOSED for _, i in after.items() if i.lane is not Lane.OBSTACLE
    )
    assert workspace.head(MAP) == 2 and len(obstacles) > 1

    app.multiselect(key="filter:lanes").set_value([]).run()
    boxes: dict[tuple[str, Lane], int] = {}
    for stage, i in after.items():
        boxes[(stage.id, i.lane)] = boxes.get((stage.id, i.lane), 0) + 1
    stage_id, lane = next(cell for cell, n in boxes.items() if n > 1 and cell[1] is Lane.ACTION)
    click(app, f"cell:{stage_id}:{lane.value}:accepted")
    accepted = [
        i.status for s, i in workspace.load_map(MAP).items() if s.id == stage_id and i.lane is lane
    ]
    assert set(accepted) == {ItemStatus.ACCEPTED} and workspace.head(MAP) == 3


def test_a_free_question_in_the_chat_is_answered_with_evidence(workspace: Workspace) -> None:
    app = open_app(workspace.root)
    app.chat_input[0].set_value("pourquoi les frais de livraison agacent ?").run()
    reply = app.chat_message[-1]
    assert reply.markdown[0].value.startswith("Ce n’est pas une commande que je connais")
    assert reply.expander[0].label.startswith("Citations (")
    assert workspace.head(MAP) == 1


def test_the_persona_switcher_and_the_comparison(workspace: Workspace) -> None:
    app = open_app(workspace.root)
    switch = app.sidebar.selectbox(key="ui:map")
    assert sorted(switch.options) == ["Tous les participants", "deliberate", "impulsive"]
    assert {line for line in str(app.get("arrow_vega_lite_chart")).split() if line}  # the curve
    switch.set_value("impulsive").run()
    assert not app.exception
    assert app.header[0].value.endswith("impulsive") or "impulsive" in app.header[0].value

    app.sidebar.radio(key=f"ui:page:{workspace.root}").set_value("personas").run()
    assert app.header[0].value == "Deux cartes côte à côte"
    app.selectbox(key="compare:a").set_value("impulsive").run()
    assert not app.exception
    heads = [s.value for s in app.subheader]
    assert heads and all("Valence :" in head for head in heads)
    assert any("Seulement dans impulsive" in m.value for m in app.markdown)


def test_every_download_is_the_library_export_and_the_json_validates(workspace: Workspace) -> None:
    app = open_app(workspace.root)
    labels = [b.proto.label for b in app.sidebar.get("download_button")]
    assert labels[:6] == [EXPORT_LABELS[name] for name in EXPORT_FORMATS]
    project = Project(workspace.root, embedder=HashingEmbedder())
    offered = exports_of(project, MAP, 1)  # what the buttons carry
    assert set(offered) == set(EXPORT_FORMATS)
    for name, exported in offered.items():
        same = project.export(MAP, format=name, with_sources=name == "json")
        assert exported.file_name(MAP) == same.file_name(MAP)
        if name not in ("qdpx", "html"):  # a zip and a page stamp their time
            assert exported.content == same.content
    jsonschema.validate(json.loads(offered["json"].content), SCHEMA)
    jsonschema.validate(json.loads(offered["json"].content), json.loads(SCHEMA_FILE.read_text()))


def synthetic_map(journey_map: JourneyMap, size: int) -> JourneyMap:
    """`journey_map` grown to `size` customer items, copies of its own (same evidence)."""
    pool = [(s.id, i) for s, i in journey_map.items() if i.lane.customer_side]
    stages = {s.id: s.model_copy(update={"items": list(s.items)}) for s in journey_map.stages}
    n = len(journey_map.items())
    while n < size:
        stage_id, original = pool[n % len(pool)]
        stages[stage_id].items.append(original.model_copy(update={"id": f"X{n}"}))
        n += 1
    return journey_map.model_copy(update={"stages": list(stages.values())})


def test_a_500_item_map_draws_a_bounded_number_of_cards(workspace: Workspace) -> None:
    big = synthetic_map(workspace.load_map(MAP), 500)
    revision = workspace.load_revision(MAP)
    workspace.save_revision(
        revision.model_copy(update={"number": 2, "map": big.model_copy(update={"revision": 2})})
    )
    app = open_app(workspace.root)
    cards = [b for b in app.button if str(b.key).startswith("card-")]
    cells = len(big.stages) * len([lane for lane in Lane if lane.customer_side])
    assert len(big.items()) == 500 and len(cards) <= 3 * cells
    assert any(b.label.startswith("+") and "de plus" in b.label for b in app.button)


def test_an_older_revision_shows_what_changed_and_can_be_restored(workspace: Workspace) -> None:
    app = open_app(workspace.root)
    card = first_card(app)
    click(app, card)
    click(app, "panel:reject")
    assert workspace.head(MAP) == 2
    app.sidebar.selectbox[1].set_value(1).run()  # the revision picker
    changes = [e for e in app.expander if "Ce qui a changé" in e.label]
    assert changes and "rejeté" in changes[0].markdown[0].value
    click(app, f"{workspace.root}:{MAP}:restore:1")
    assert workspace.head(MAP) == 3
    restored = workspace.load_map(MAP)
    assert restored.model_dump(exclude={"revision"}) == workspace.load_map(MAP, 1).model_dump(
        exclude={"revision"}
    )


def test_a_source_is_removed_from_the_sources_page(workspace: Workspace) -> None:
    app = open_app(workspace.root)
    app.sidebar.radio(key=f"ui:page:{workspace.root}").set_value("sources").run()
    before = workspace.source_ids()
    app.selectbox(key="sources:remove-choice").set_value(before[0]).run()
    click(app, "sources:remove")
    assert workspace.source_ids() == before[1:]
    assert app.success[0].value.startswith(f"{before[0]} retiré(s)")
    assert app.subheader[0].value == f"Sources de l’espace ({len(before) - 1})"


def test_a_persona_mapping_file_sets_personas(workspace: Workspace, tmp_path: Path) -> None:
    app = open_app(workspace.root)
    app.sidebar.radio(key=f"ui:page:{workspace.root}").set_value("build").run()
    mapping = b"source,persona\nfr-01-lea,pressee\n"
    uploader = app.get("file_uploader")[0]
    assert isinstance(uploader, FileUploader)
    uploader.set_value(("personas.csv", mapping, "text/csv")).run()
    click(app, "build:apply-mapping")
    assert app.success[0].value == "1 source(s) ont reçu un persona."
    assert "pressee" in app.selectbox(key="build:target").options


def test_the_curve_has_a_line_per_persona_and_the_ideal_when_there_is_one(
    workspace: Workspace,
) -> None:
    project = Project(workspace.root, embedder=HashingEmbedder())
    overall = workspace.load_map(MAP)
    lines = related_maps(project, overall, workspace.map_ids(), "fr")
    assert [label for label, _ in lines] == ["deliberate", "impulsive"]
    ideal = overall.model_copy(update={"id": f"{MAP}-ideal"})
    workspace.save_revision(
        Revision(number=1, parent=None, author="user", message="ideal", map=ideal)
    )
    lines = related_maps(project, overall, workspace.map_ids(), "fr")
    assert "idéal" in [label for label, _ in lines]
    impulsive = workspace.load_map("impulsive")
    assert related_maps(project, impulsive, workspace.map_ids(), "fr") == []


def test_a_rebuild_replays_the_edits_and_shows_what_it_could_not(workspace: Workspace) -> None:
    journey_map = workspace.load_map(MAP)
    alone = {i.id: {e.source_id for e in i.evidence} for _, i in journey_map.items() if i.evidence}
    bernard = next(i for i, found in alone.items() if found == {"fr-04-bernard"})
    lea = next(i for i, found in alone.items() if found == {"fr-01-lea"})
    commit(
        workspace,
        MAP,
        [
            UpdateItem(item_id=bernard, text="Renommé par l’équipe"),
            SetStatus(item_id=lea, status=ItemStatus.ACCEPTED),
        ],
        base_revision=journey_map.revision,
    )
    settings = Settings(workspace=workspace.root, redact=False)
    Project(workspace.root, embedder=HashingEmbedder(), settings=settings).remove("fr-04-bernard")
    app = open_app(workspace.root)
    app.sidebar.radio(key=f"ui:page:{workspace.root}").set_value("build").run()
    click(app, "build:run")
    assert "1 de vos modifications rejouées" in app.success[0].value
    assert "1 n’ont pas pu l’être" in app.success[0].value
    warning = app.warning[0].value
    assert bernard in warning and "fr\\-04\\-bernard" in warning
    assert "sources retirées de l’espace" in warning
    assert item(workspace, lea)[1].status is ItemStatus.ACCEPTED


def test_the_ideal_journey_draws_its_target_and_the_comparison_shows_the_gap(
    workspace: Workspace,
) -> None:
    project = Project(workspace.root, embedder=HashingEmbedder())
    ideal = project.ideal(MAP).map
    lines = related_maps(project, workspace.load_map(MAP), workspace.map_ids(), "fr")
    assert ("idéal", ideal) in lines
    app = open_app(workspace.root)
    app.sidebar.radio(key=f"ui:page:{workspace.root}").set_value("personas").run()
    app.selectbox(key="compare:a").set_value(MAP).run()
    app.selectbox(key="compare:b").set_value(ideal.id).run()
    assert not app.exception, app.exception
    heads = [s.value for s in app.subheader]
    assert heads[0] == "Priorités : là où la marque doit être irréprochable"
    assert any(e.label.startswith("1\\.") for e in app.expander), [e.label for e in app.expander]
