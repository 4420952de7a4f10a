"""A corpus of bad (and awkward but good) inputs, generated here: every bad file is reported by
name with its reason, every good one is ingested correctly, nothing crashes, nothing is written
outside the workspace, and the CLI exits 1."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.project import Project
from ingest.formats.pdf import NO_TEXT_LAYER
from ingest.loaders import MAX_TEXT_BYTES
from tests.test_formats import make_docx, make_pdf, make_xlsx

GOOD_FR = "Enquêtrice : Comment avez-vous connu la marque ?\nLéa : Sur Instagram. J'ai adoré le canapé, très confortable.\n"
XML_BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE Trans [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
    "<Trans><Episode><Section><Turn>&c;</Turn></Section></Episode></Trans>\n"
)


def image_only_pdf() -> bytes:
    """A scanned page: one inline image, no text operators at all."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    stream = DecodedStreamObject()
    pixels = bytes(range(256)) * 4 * 16
    stream.set_data(b"q 200 0 0 200 0 0 cm BI /W 64 /H 64 /CS /G /BPC 8 ID " + pixels + b" EI Q")
    page[NameObject("/Contents")] = writer._add_object(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def build_corpus(folder: Path) -> dict[str, tuple[str, str]]:
    """Write the corpus; returns file name → (expected status, expected reason fragment)."""
    folder.mkdir(parents=True)
    files: dict[str, tuple[bytes, str, str]] = {
        "empty.txt": (b"", "failed", "the file is empty"),
        "blank.md": (b"  \n\t\r\n   \n", "failed", "only whitespace"),
        "photo.txt": (b"\x89PNG\r\n\x1a\n" + bytes(200), "failed", "PNG image"),
        "nul-bytes.txt": (b"Marie : bonjour\x00\x00\x01\x02" * 20, "failed", "NUL bytes"),
        "garbled.txt": (bytes(range(128, 256)) * 4, "failed", "undecodable"),
        "page.md": (
            b"<!DOCTYPE html>\n<html><body><p>Marie : bonjour</p></body></html>",
            "failed",
            "HTML page",
        ),
        "slides.key": (b"whatever", "failed", "unsupported format '.key'"),
        "README": (b"Marie : bonjour", "failed", "(no extension)"),
        "truncated.docx": (make_docx([GOOD_FR])[:700], "failed", "damaged or truncated"),
        "renamed-text.docx": (b"Marie : un simple texte", "failed", "not a ZIP container"),
        "plain-zip.docx": (_zip({"hello.txt": "hi"}), "failed", "not a Word .docx"),
        "old-word.docx": (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
            "failed",
            "old binary Office file",
        ),
        "encrypted.pdf": (make_pdf(["Léa : bonjour"], password="s3cret"), "failed", "password"),
        "scan.pdf": (image_only_pdf(), "failed", NO_TEXT_LAYER),
        "not-a.pdf": (b"Marie : bonjour, ceci n'est pas un PDF", "failed", "not a PDF"),
        "broken.vtt": (b"00:01 --> nonsense\nhello\n", "failed", "malformed WebVTT"),
        "no-cues.vtt": (b"WEBVTT\n\nNOTE nothing here\n", "failed", "no captions"),
        "broken.srt": (
            b"1\n00:00:01,000 --> 00:00:03,000\nBonjour.\n\n2\n00:00:xx --> 00:00:05\nSuite.\n",
            "failed",
            "broken timestamps",
        ),
        "notext.csv": (b"id,score\n1,2\n", "failed", "no text column among ['id', 'score']"),
        "header-only.csv": (b"note;avis\n", "failed", "is empty in every row"),
        "corrupt.xlsx": (make_xlsx({"S": [["avis"], ["ok"]]})[:-300], "failed", "damaged"),
        "renamed-csv.xlsx": (b"avis\nTres bien\n", "failed", "not a ZIP container"),
        "invalid.json": (b'[{"avis": "ok",}]', "failed", "invalid JSON"),
        "wrong-shape.json": (b'{"count": 3}', "failed", "not a list of records"),
        "numbers.json": (b"[1, 2, 3]", "failed", "holds a number"),
        "deep.json": (b"[" * 100_000 + b"]" * 100_000, "failed", "JSON"),
        "malformed.trs": (b"<?xml version='1.0'?><Trans><Turn>oops", "failed", "malformed XML"),
        "bomb.trs": (XML_BOMB.encode(), "failed", "unsafe XML refused"),
        "huge.txt": (b"", "failed", "over the 20 MB limit"),  # written below, 50 MB
        # Awkward but good: these must be ingested, and read right.
        "latin1.txt": (
            "Participante : Zoé\n\nQ : Et la livraison ?\nR : Très rapide, j'étais ravie.\n".encode(
                "latin-1"
            ),
            "ingested",
            "",
        ),
        "cp1252.txt": (
            "Q : Et le prix ?\nMarc : J’ai trouvé ça « cher » — vraiment trop cher.\n".encode(
                "cp1252"
            ),
            "ingested",
            "",
        ),
        "utf16.txt": (
            "Q : Et le retour ?\nInès : Le retour était gratuit, c'est ça qui m'a décidée.\n".encode(
                "utf-16"
            ),
            "ingested",
            "",
        ),
        "mixed-newlines.txt": (
            b"Q : Premier contact ?\r\nNina : Une pub dans le metro.\rElle etait drole.\nQ : Ensuite ?\r\n",
            "ingested",
            "",
        ),
        "zero-width.txt": (
            "Q : Et\u200b le site ?\nAli : Le site\u200b était lent,\u200d j'ai failli\ufeff abandonner.\n".encode(),
            "ingested",
            "",
        ),
        "ragged.csv": (
            b"note,avis\n4,Livraison rapide, emballage soigne et livreur aimable.\n5\n",
            "ingested",
            "",
        ),
        "dup-a.md": (GOOD_FR.encode(), "ingested", ""),
        "dup-b.md": (GOOD_FR.encode(), "skipped", "same content as"),
    }
    for name, (data, _, _) in files.items():
        (folder / name).write_bytes(data)
    with (folder / "huge.txt").open("wb") as handle:
        line = b"Marie : une ligne de transcription tout a fait ordinaire.\n"
        handle.write(line * (50 * 1024 * 1024 // len(line) + 1))
    assert (folder / "huge.txt").stat().st_size > 2 * MAX_TEXT_BYTES
    # A link back to the folder itself: not followed (no endless walk).
    os.symlink(".", folder / "back")
    expected = {name: (status, reason) for name, (_, status, reason) in files.items()}
    # Dots in folder and file names: ids are slugs, nothing escapes the workspace.
    tricky = folder / "x..y"
    tricky.mkdir()
    (tricky / "notes..txt").write_text("Q : Et alors ?\nSam : Rien à signaler.\n", encoding="utf-8")
    expected["notes..txt"] = ("ingested", "")
    return expected


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _all_files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if not path.is_symlink()}


def test_bad_inputs_are_reported_and_good_ones_ingested(project: Project, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    expected = build_corpus(corpus)
    escape = corpus / "x..y" / ".." / ".." / "outside.txt"  # a path with '..' in it
    escape.write_text("Q : Et vous ?\nEve : Moi, j'ai tout renvoyé.\n", encoding="utf-8")
    expected["outside.txt"] = ("ingested", "")
    before = _all_files(tmp_path)

    report = project.ingest([corpus, escape])

    outcomes = {Path(o.path).name: o for o in report.outcomes}
    assert set(outcomes) == set(expected), set(outcomes) ^ set(expected)
    wrong = {
        name: (outcomes[name].status, outcomes[name].reason)
        for name, (status, reason) in expected.items()
        if outcomes[name].status != status or reason not in outcomes[name].reason
    }
    assert wrong == {}
    for outcome in report.by_status("failed"):
        assert " — " in outcome.reason  # the reason, then what to do
    assert report.exit_code == 1
    assert len(expected) >= 25 + 5

    # Nothing outside the workspace was written.
    workspace = project.workspace.root
    created = {
        p for p in _all_files(tmp_path) - before if p != workspace and workspace not in p.parents
    }
    assert created == set()

    # The awkward good files were read right.
    def text_of(source_id: str) -> str:
        return project.workspace.load_source(source_id).text

    ids = project.workspace.source_ids()
    assert "Très rapide, j'étais ravie." in text_of("latin1")
    assert "J’ai trouvé ça « cher » — vraiment trop cher." in text_of("cp1252")
    assert "c'est ça qui m'a décidée" in text_of("utf16")
    assert "\r" not in text_of("mixed-newlines")
    assert "Elle etait drole." in text_of("mixed-newlines").split("\n")
    assert "\u200b" in text_of("zero-width")  # kept: quotes stay verbatim
    assert text_of("ragged-001").endswith("livreur aimable.")
    assert {"notes", "outside", "dup-a"} <= set(ids)
    latin1 = project.workspace.load_source("latin1")
    assert {s.speaker for s in latin1.segments if s.role.value == "participant"} == {"Zoé"}
    for source_id in ids:
        source = project.workspace.load_source(source_id)
        for segment in source.segments:
            assert source.text[segment.start : segment.end].strip()
    assert project.store.count() == sum(len(project.workspace.load_source(i).segments) for i in ids)


def test_a_symlink_loop_is_reported_not_fatal(project: Project, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    os.symlink("loop-b.txt", corpus / "loop-a.txt")
    os.symlink("loop-a.txt", corpus / "loop-b.txt")
    (corpus / "good.md").write_text(GOOD_FR, encoding="utf-8")
    report = project.ingest([corpus])
    outcomes = {Path(o.path).name: o for o in report.outcomes}
    assert outcomes["good.md"].status == "ingested"
    for name in ("loop-a.txt", "loop-b.txt"):
        assert outcomes[name].status == "failed" and "symbolic links" in outcomes[name].reason


def test_a_folder_of_a_thousand_small_files(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(1000):
        (folder / f"avis-{i:04d}.txt").write_text(
            f"Client {i} : La commande numéro {i} est arrivée en {i % 9 + 1} jours.\n",
            encoding="utf-8",
        )
    report = project.ingest([folder])
    assert len(report.by_status("ingested")) == 1000 and report.exit_code == 0
    assert len(project.workspace.source_ids()) == 1000
    again = project.ingest([folder])
    assert len(again.by_status("skipped")) == 1000


@pytest.mark.usefixtures("hashing_env")
def test_cli_reports_bad_inputs_by_name_and_exits_1(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    expected = build_corpus(corpus)
    (corpus / "huge.txt").unlink()  # covered above; keeps this run short
    expected.pop("huge.txt")
    result = CliRunner().invoke(
        app, ["ingest", str(corpus), "-w", str(tmp_path / "ws")], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for name, (status, _) in expected.items():
        if status == "failed":
            assert name in result.output, name
    assert "ingested" in result.output and "failed" in result.output


def test_json_that_is_a_single_review_object_is_one_source(
    project: Project, tmp_path: Path
) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"avis": "Très bon accueil en boutique.", "note": 5}), "utf-8")
    report = project.ingest([path])
    assert report.outcomes[0].status == "ingested"
    assert project.workspace.load_source("one-001").metadata["rating"] == "5"
