"""The REFI-QDA export: a zip QualCoder, MAXQDA and ATLAS.ti open, whose coded segments are
exactly the map's quotes at their exact character offsets."""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring, parse

from assistant.errors import MapError, VerificationError
from assistant.exports.qdpx import QDA_NAMESPACE, export_qdpx
from assistant.model import (
    Alignment,
    Evidence,
    Item,
    ItemStatus,
    JourneyMap,
    Lane,
    Provenance,
    Source,
    SourceKind,
    Stage,
    Support,
    Ungrounded,
)
from assistant.project import Project

NS = f"{{{QDA_NAMESPACE}}}"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# The children of <Project>, in the order of Project-mrt2019.xsd's ProjectType sequence.
PROJECT_ORDER = "Users CodeBook Variables Cases Sources Notes Links Sets Graphs Description NoteRef"

LEA = (
    "Intervieweur : Comment s'est passé l'achat ?\n"
    "Léa : Franchement 😡😡 les frais de livraison sont apparus à la toute fin, c'était énervant.\n"
    "Léa : Après coup 👍🏽 le canapé est très confortable, j'en suis ravie ! Ça, c'est « top ».\n"
)
REVIEW = "Delivery was a week late 🚚 but they kept me informed. Great sofa."
HOSTILE = 'Price <b>&amp;</b> "fees" ]]> \x01 were hidden'


def source(source_id: str, text: str, *, name: str | None = None, language: str = "fr") -> Source:
    return Source(
        id=source_id,
        name=name or f"{source_id}.md",
        kind=SourceKind.INTERVIEW if language == "fr" else SourceKind.REVIEW,
        language=language,
        sha256="0" * 64,
        text=text,
        persona="Jeune parent" if language == "fr" else None,
    )


def quote(src: Source, words: str, speaker: str | None = None) -> Evidence:
    start = src.text.index(words)
    return Evidence(
        source_id=src.id,
        quote=words,
        start=start,
        end=start + len(words),
        speaker=speaker,
        alignment=Alignment.EXACT,
    )


def item(item_id: str, lane: Lane, text: str, *evidence: Evidence, **extra: object) -> Item:
    support = Support(quotes=len(evidence), sources=len({e.source_id for e in evidence}))
    return Item.model_validate(
        {"id": item_id, "lane": lane, "text": text, "evidence": list(evidence), "support": support}
        | extra
    )


def journey(
    sources: list[Source], stages: list[Stage], *, language: str = "fr", **extra: object
) -> JourneyMap:
    provenance = Provenance(
        tool_version="0.1.0",
        extractor="offline",
        created_at=datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC),
    )
    return JourneyMap.model_validate(
        {
            "id": "overall",
            "title": "Parcours « test » & <co>",
            "language": language,
            "revision": 3,
            "stages": stages,
            "sources": [s.ref() for s in sources],
            "provenance": provenance,
        }
        | extra
    )


@pytest.fixture
def sources() -> list[Source]:
    return [
        source("lea", LEA, name="fr-01-léa <&>.md"),
        source("rev-1", REVIEW, name="reviews.csv#row 1", language="en"),
        source("rev-2", HOSTILE, name="reviews.csv#row 2", language="en"),
    ]


@pytest.fixture
def french_map(sources: list[Source]) -> JourneyMap:
    lea, review, hostile = sources
    fees = quote(lea, "les frais de livraison sont apparus à la toute fin", "Léa")
    purchase = Stage(
        id="purchase",
        name="Achat",
        order=2,
        valence=-1.0,
        items=[
            item(
                "I1",
                Lane.OBSTACLE,
                "Frais de livraison découverts à la fin",
                fees,
                quote(review, "Delivery was a week late 🚚"),
            ),
            item("I2", Lane.EMOTION, "Agacement 😡 face aux frais", fees, valence=-2),
            item("I3", Lane.OBSTACLE, HOSTILE, quote(hostile, HOSTILE), status=ItemStatus.REJECTED),
            item("O1", Lane.OPPORTUNITY, "Afficher les frais dès la fiche produit", cites=["I1"]),
            item("K1", Lane.KPI, "Taux d'abandon au paiement", cites=["I1", "I2"]),
        ],
    )
    retention = Stage(
        id="retention",
        name="Rétention",
        order=3,
        items=[
            item(
                "I4",
                Lane.EMOTION,
                "Ravie du confort",
                quote(lea, "j'en suis ravie ! Ça, c'est « top »", "Léa"),
            ),
            item("I5", Lane.ACTION, "Ravie du confort", quote(review, "Great sofa.")),
        ],
    )
    ungrounded = [
        Ungrounded(
            claim="Le SAV ne répond pas",
            quote="le SAV 📞 est nul",
            source_id="lea",
            reason="quote not in source",
        )
    ]
    return journey(sources, [retention, purchase], ungrounded=ungrounded)


def unzip(data: bytes) -> tuple[Element, dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    root: Element = fromstring(files["project.qde"])
    return root, files


def all_codes(root: Element) -> list[Element]:
    return list(root.iter(f"{NS}Code"))


def segments(root: Element) -> set[tuple[str, str, int, int]]:
    """(source name, code guid, start, end) of every coded selection."""
    found = set()
    for text_source in root.iter(f"{NS}TextSource"):
        for selection in text_source.iter(f"{NS}PlainTextSelection"):
            for ref in selection.iter(f"{NS}CodeRef"):
                start, end = (
                    int(selection.get("startPosition", -1)),
                    int(selection.get("endPosition", -1)),
                )
                found.add((text_source.get("name", ""), ref.get("targetGUID", ""), start, end))
    return found


def item_guids(root: Element) -> dict[str, str]:
    """Item id → code guid, read from the "Parcours: <id>" line of each code's description."""
    guids = {}
    for code in all_codes(root):
        description = code.findtext(f"{NS}Description") or ""
        if code.get("isCodable") == "true":
            guids[description.rsplit("Parcours: ", 1)[1]] = code.get("guid", "")
    return guids


def test_the_export_is_a_zip_of_project_qde_and_sources(
    french_map: JourneyMap, sources: list[Source]
) -> None:
    data = export_qdpx(french_map, sources)
    assert zipfile.is_zipfile(io.BytesIO(data))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
    assert "project.qde" in names
    assert all(name == "project.qde" or name.startswith("sources/") for name in names)
    assert len([n for n in names if n.endswith(".txt")]) == len(sources) + 1  # + the note


def test_project_qde_has_the_structure_of_the_schema(
    french_map: JourneyMap, sources: list[Source]
) -> None:
    root, _ = unzip(export_qdpx(french_map, sources))
    assert root.tag == f"{NS}Project" and root.get("name") == "Parcours « test » & <co>"
    assert (
        root.get("origin", "").startswith("Parcours")
        and root.get("creationDateTime") == "2025-03-04T05:06:07Z"
    )
    children = [child.tag.removeprefix(NS) for child in root]
    assert children == sorted(children, key=PROJECT_ORDER.split().index)
    assert {"Users", "CodeBook", "Sources", "Description"} <= set(children)
    codebook = root.find(f"{NS}CodeBook")
    assert codebook is not None and [c.tag for c in codebook] == [f"{NS}Codes"]
    sources_element = root.find(f"{NS}Sources")
    assert sources_element is not None and {c.tag for c in sources_element} == {f"{NS}TextSource"}
    for element in root.iter():
        assert element.tag.startswith(NS), element.tag
        if element.tag.removeprefix(NS) in {
            "User",
            "Code",
            "TextSource",
            "PlainTextSelection",
            "Coding",
            "Note",
            "Variable",
        }:
            assert GUID.match(element.get("guid", "")), element.tag
    for code in all_codes(root):
        assert code.get("name") and code.get("isCodable") in {"true", "false"}
        assert code.get("color") is None or re.fullmatch(r"#[0-9A-F]{6}", code.get("color", ""))
    guids = [e.get("guid") for e in root.iter() if e.get("guid")]
    assert len(guids) == len(set(guids))


def test_an_empty_map_leaves_out_the_elements_the_schema_wants_filled() -> None:
    root, files = unzip(export_qdpx(journey([], []), []))
    assert [child.tag.removeprefix(NS) for child in root] == ["Users", "Description"]
    assert set(files) == {"sources/", "project.qde"}


def test_every_text_source_points_at_a_file_holding_its_exact_text(
    french_map: JourneyMap, sources: list[Source]
) -> None:
    root, files = unzip(export_qdpx(french_map, sources))
    texts = {s.name: s.text for s in sources}
    seen = set()
    for text_source in root.iter(f"{NS}TextSource"):
        path = text_source.get("plainTextPath", "")
        assert path.startswith("internal://")
        data = files[f"sources/{path.removeprefix('internal://')}"]
        assert not data.startswith(b"\xef\xbb\xbf"), "no BOM: QualCoder would count it"
        assert data.decode("utf-8") == texts[text_source.get("name", "")]
        seen.add(text_source.get("name"))
    assert seen == set(texts)


def test_coded_segments_are_exactly_the_evidence_quotes(
    french_map: JourneyMap, sources: list[Source]
) -> None:
    root, _ = unzip(export_qdpx(french_map, sources))
    guids = item_guids(root)
    names = {s.id: s.name for s in sources}
    expected = {
        (names[e.source_id], guids[i.id], e.start, e.end)
        for _, i in french_map.items()
        for e in i.evidence
    }
    assert segments(root) == expected
    texts = {s.name: s.text for s in sources}
    quotes = {
        (names[e.source_id], e.start, e.end): e.quote
        for _, i in french_map.items()
        for e in i.evidence
    }
    for name, _, start, end in segments(root):
        assert texts[name][start:end] == quotes[(name, start, end)]


def test_every_code_ref_targets_a_codable_code(
    french_map: JourneyMap, sources: list[Source]
) -> None:
    root, _ = unzip(export_qdpx(french_map, sources))
    codable = {c.get("guid") for c in all_codes(root) if c.get("isCodable") == "true"}
    refs = {ref.get("targetGUID") for ref in root.iter(f"{NS}CodeRef")}
    assert refs and refs <= codable


def test_codes_are_stages_then_stage_lanes_then_items(
    french_map: JourneyMap, sources: list[Source]
) -> None:
    root, _ = unzip(export_qdpx(french_map, sources))
    codes = root.find(f"{NS}CodeBook/{NS}Codes")
    assert codes is not None
    assert [(c.get("name"), c.get("isCodable")) for c in codes] == [
        ("Achat", "false"),
        ("Rétention", "false"),
    ]
    lanes = [lane.get("name") for lane in codes[0].findall(f"{NS}Code")]
    assert lanes == ["Achat · obstacles", "Achat · émotions", "Achat · opportunités", "Achat · KPI"]
    obstacles = codes[0].findall(f"{NS}Code")[0].findall(f"{NS}Code")
    assert obstacles[0].get("name") == "Frais de livraison découverts à la fin"
    assert "(rejeté)" in (obstacles[1].get("name") or "")
    description = obstacles[0].findtext(f"{NS}Description") or ""
    assert (
        description.startswith("Frais de livraison découverts à la fin\n")
        and "Statut : proposé" in description
    )
    names = [c.get("name") for c in all_codes(root) if c.get("isCodable") == "true"]
    assert len(names) == len(set(names)), "QualCoder merges codes of the same name"
    english = journey(
        sources,
        [Stage(id="purchase", name="Purchase", order=0, items=[french_map.stages[1].items[0]])],
        language="en",
    )
    english_root, _ = unzip(export_qdpx(english, sources))
    assert [c.get("name") for c in english_root.iter(f"{NS}Code")][:2] == [
        "Purchase",
        "Purchase · obstacles",
    ]


def test_french_accents_and_emoji_offsets_are_code_points(
    french_map: JourneyMap, sources: list[Source]
) -> None:
    root, files = unzip(export_qdpx(french_map, sources))
    lea = sources[0]
    words = "j'en suis ravie ! Ça, c'est « top »"
    start = lea.text.index(words)
    utf16_start = len(lea.text[:start].encode("utf-16-le")) // 2
    assert utf16_start == start + 4  # 😡😡 and 👍🏽 (emoji + skin tone) are surrogate pairs
    selections = [
        s for s in root.iter(f"{NS}PlainTextSelection") if s.get("startPosition") == str(start)
    ]
    assert len(selections) == 1 and selections[0].get("endPosition") == str(start + len(words))
    (path,) = {
        t.get("plainTextPath", "")
        for t in root.iter(f"{NS}TextSource")
        if t.get("name") == lea.name
    }
    text = files[f"sources/{path.removeprefix('internal://')}"].decode("utf-8")
    assert text[start : start + len(words)] == words


def test_two_exports_of_one_map_are_byte_identical(
    french_map: JourneyMap, sources: list[Source]
) -> None:
    first = export_qdpx(french_map, sources)
    assert export_qdpx(french_map.model_copy(deep=True), list(reversed(sources))) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_analyst_items_are_codes_with_descriptions_and_no_segments(
    french_map: JourneyMap, sources: list[Source]
) -> None:
    root, _ = unzip(export_qdpx(french_map, sources))
    guids = item_guids(root)
    coded = {ref.get("targetGUID") for ref in root.iter(f"{NS}CodeRef")}
    assert guids["O1"] not in coded and guids["K1"] not in coded
    kpi = next(c for c in all_codes(root) if c.get("guid") == guids["K1"])
    description = kpi.findtext(f"{NS}Description") or ""
    assert "Répond à : I1 Frais de livraison" in description and "; I2 Agacement" in description


def test_ungrounded_claims_are_one_note_never_coded(
    french_map: JourneyMap, sources: list[Source]
) -> None:
    root, files = unzip(export_qdpx(french_map, sources))
    (note,) = root.iter(f"{NS}Note")
    assert note.get("name") and note.get("creationDateTime")
    text = files[f"sources/{note.get('plainTextPath', '').removeprefix('internal://')}"].decode(
        "utf-8"
    )
    assert (
        "Le SAV ne répond pas" in text
        and "le SAV 📞 est nul" in text
        and "fr-01-léa <&>.md" in text
    )
    ref = root.find(f"{NS}NoteRef")
    assert ref is not None and ref.get("targetGUID") == note.get("guid")
    assert "SAV" not in " ".join(c.get("name", "") for c in all_codes(root))
    clean = french_map.model_copy(update={"ungrounded": []})
    clean_root, _ = unzip(export_qdpx(clean, sources))
    assert clean_root.find(f"{NS}Notes") is None and clean_root.find(f"{NS}NoteRef") is None


def test_untrusted_text_is_escaped_not_interpreted(
    french_map: JourneyMap, sources: list[Source]
) -> None:
    root, _ = unzip(export_qdpx(french_map, sources))
    hostile = next(c for c in all_codes(root) if (c.get("name") or "").startswith("Price"))
    assert hostile.get("name", "").startswith('Price <b>&amp;</b> "fees" ]]> were hidden')
    assert not list(hostile.iter(f"{NS}b"))
    assert (hostile.findtext(f"{NS}Description") or "").startswith(HOSTILE.replace("\x01", ""))
    assert any(t.get("name") == "fr-01-léa <&>.md" for t in root.iter(f"{NS}TextSource"))


def test_refuses_what_would_import_shifted_or_missing(
    french_map: JourneyMap, sources: list[Source]
) -> None:
    with pytest.raises(MapError, match="not given to the export"):
        export_qdpx(french_map, sources[1:])
    stale = sources[0].model_copy(update={"text": "Léa : " + LEA})
    with pytest.raises(VerificationError, match="is not the text"):
        export_qdpx(french_map, [stale, *sources[1:]])
    carriage = sources[1].model_copy(update={"text": REVIEW.replace(" but", "\r\nbut", 1)})
    with pytest.raises(MapError, match="carriage returns"):
        export_qdpx(french_map, [sources[0], carriage, sources[2]])


def qualcoder_import(qdpx: Path) -> dict[str, object]:
    """What QualCoder's RefiImport (src/qualcoder/refi.py) does with a .qdpx, minus the database:
    extract the zip, find the .qde, take Codes as CodeBook's first child, read each TextSource's
    plainTextPath under "<folder>/sources" in text mode, slice codings as `fulltext[pos0:pos1]`."""
    folder = str(qdpx)[:-4] + "_temporary"
    with zipfile.ZipFile(qdpx) as archive:
        archive.extractall(folder)
    sources_name = "/sources" if "sources" in os.listdir(folder) else "/Sources"
    qde = next(name for name in os.listdir(folder) if name.endswith(".qde"))
    root: Element | None = parse(os.path.join(folder, qde)).getroot()
    assert root is not None
    version = root[0].tag.split("{urn:QDA-XML:project:")[1].split("}")[0]
    ns = f"{{urn:QDA-XML:project:{version}}}"
    assert "ATLAS" not in (root.get("origin") or "").upper()  # .upper() on None crashes QualCoder
    codes: dict[str, str] = {}
    categories: list[str] = []

    def sub_codes(element: Element) -> None:
        if element.get("isCodable") == "false":
            categories.append(element.get("name", ""))
        else:
            codes[element.get("guid", "")] = element.get("name", "")
        for child in element.findall(f"{ns}Code"):
            sub_codes(child)

    codebook = root.find(f"{ns}CodeBook")
    assert codebook is not None
    for code in codebook[0]:  # QualCoder: "<Codes> tag is only element"
        sub_codes(code)
    codings: list[tuple[str, str, int, int, str]] = []
    for text_source in root.iter(f"{ns}TextSource"):
        path = folder + sources_name + text_source.get("plainTextPath", "").split("internal:/")[1]
        with open(path, "rb") as raw:
            assert b"\r\n" not in raw.readline(), "QualCoder would pad every line end"
        with open(path, encoding="utf-8", errors="replace") as handle:
            fulltext = handle.read()
        for selection in text_source.findall(f"{ns}PlainTextSelection"):
            pos0, pos1 = (
                int(selection.get("startPosition", "")),
                int(selection.get("endPosition", "")),
            )
            for coding in selection.findall(f"{ns}Coding"):
                cid = codes[coding[0].get("targetGUID", "")]
                codings.append((text_source.get("name", ""), cid, pos0, pos1, fulltext[pos0:pos1]))
    users = [user.get("name") for user in root.iter(f"{ns}User")]
    return {"codes": codes, "categories": categories, "codings": codings, "users": users}


def test_qualcoder_reads_every_quote_back_exactly(
    tmp_path: Path, french_map: JourneyMap, sources: list[Source]
) -> None:
    path = tmp_path / "map.qdpx"
    path.write_bytes(export_qdpx(french_map, sources))
    imported = qualcoder_import(path)
    codes, categories = imported["codes"], imported["categories"]
    assert isinstance(codes, dict) and isinstance(categories, list)
    assert len(set(codes.values())) == len(codes) and len(set(categories)) == len(categories)
    assert imported["users"] == ["Parcours"]
    names = {s.id: s.name for s in sources}
    code_names = {
        i.id: codes[g]
        for i, g in (
            (i, item_guids(unzip(path.read_bytes())[0])[i.id]) for _, i in french_map.items()
        )
    }
    expected = {
        (names[e.source_id], code_names[i.id], e.start, e.end, e.quote)
        for _, i in french_map.items()
        for e in i.evidence
    }
    codings = imported["codings"]
    assert (
        isinstance(codings, list) and len(codings) == len(set(codings)) and set(codings) == expected
    )


@pytest.mark.slow
def test_a_built_workspace_map_exports_its_quotes_exactly(tmp_path: Path, project: Project) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "fr-lea.txt").write_text(
        "Intervieweur : Comment s'est passé votre achat ?\n\n"
        "Léa : J'ai commandé sur l'appli 📱 parce que c'était plus simple. Les frais de livraison "
        "sont apparus à la toute fin, j'étais vraiment énervée 😡. Le canapé est très confortable, "
        "j'en suis ravie et je le recommande à mes amis.\n",
        encoding="utf-8",
    )
    project.ingest([folder])
    project.build()
    journey_map = project.load_map()
    cited = project.cited_sources(journey_map)
    root, _ = unzip(export_qdpx(journey_map, cited))
    names = {s.id: s.name for s in cited}
    guids = item_guids(root)
    expected = {
        (names[e.source_id], guids[i.id], e.start, e.end)
        for _, i in journey_map.items()
        for e in i.evidence
    }
    assert expected and segments(root) == expected
    assert export_qdpx(journey_map, cited) == export_qdpx(journey_map, cited)
