"""Every input format, built in the test: speakers, roles, timestamps, and exact offsets."""

from __future__ import annotations

import io
import json

import docx
import pytest
from openpyxl import Workbook
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from assistant.errors import UnreadableFileError
from assistant.model import Role, Source, SourceKind
from ingest.formats.pdf import NO_TEXT_LAYER
from ingest.loaders import load_file
from ingest.segment import SpacySegmenter


def make_pdf(lines: list[str], *, password: str | None = None) -> bytes:
    """A one-page PDF whose text layer holds `lines` (Helvetica, WinAnsi), or no text at all."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    if lines:
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
        fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
        operators = ["BT", "/F1 11 Tf", "14 TL", "72 720 Td"]
        for line in lines:
            raw = line.encode("cp1252").replace(b"\\", b"\\\\")
            raw = raw.replace(b"(", b"\\(").replace(b")", b"\\)")
            operators.append(f"({raw.decode('latin-1')}) Tj T*")
        operators.append("ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(operators).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    if password is not None:
        writer.encrypt(user_password=password, owner_password="owner", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_docx(paragraphs: list[str], tables: list[list[list[str]]] | None = None) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    for rows in tables or []:
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for row, values in zip(table.rows, rows, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def said(source: Source) -> list[tuple[str | None, Role, str | None, str]]:
    """(speaker, role, timestamp, text) per segment, checking every offset on the way."""
    out = []
    for segment in source.segments:
        quote = source.text[segment.start : segment.end]
        assert quote and quote == quote.strip()
        out.append((segment.speaker, segment.role, segment.timestamp, quote))
    return out


def assert_clean(source: Source) -> None:
    import unicodedata

    assert "\r" not in source.text
    assert unicodedata.is_normalized("NFC", source.text)
    for segment in source.segments:
        assert 0 <= segment.start < segment.end <= len(source.text)


# --- Word ----------------------------------------------------------------------------------


def test_docx_paragraph_turns(segmenter: SpacySegmenter) -> None:
    data = make_docx(
        [
            "Participant : Léa",
            "",
            "Enquêtrice : Comment avez-vous connu la marque ?",
            "Léa : Sur Instagram. J'ai adoré le canapé.",
            "Et la livraison était rapide.",
        ]
    )
    [source] = load_file("entretien.docx", data, segmenter)
    assert_clean(source)
    assert source.language == "fr" and source.kind == SourceKind.INTERVIEW
    assert said(source) == [
        ("Enquêtrice", Role.INTERVIEWER, None, "Comment avez-vous connu la marque ?"),
        ("Léa", Role.PARTICIPANT, None, "Sur Instagram."),
        ("Léa", Role.PARTICIPANT, None, "J'ai adoré le canapé."),
        ("Léa", Role.PARTICIPANT, None, "Et la livraison était rapide."),
    ]
    assert source.metadata["format"] == "docx"


def test_docx_transcript_table_and_other_tables(segmenter: SpacySegmenter) -> None:
    data = make_docx(
        ["Entretien n°4 — boutique de Lyon"],
        [
            [["Âge", "34 ans"], ["Ville", "Lyon"]],  # a form, kept as text
            [
                ["Intervenant", "Temps", "Texte"],
                ["Modératrice", "00:00:05", "Qu'est-ce qui vous a décidée ?"],
                ["Nadia", "00:00:09", "Les avis clients, surtout ceux avec des photos."],
                ["Modératrice", "00:01:10", "Et ensuite ?"],
                ["Nadia", "00:01:12", "J'ai commandé le soir même."],
            ],
        ],
    )
    [source] = load_file("nadia.docx", data, segmenter)
    assert_clean(source)
    assert "Âge | 34 ans" in source.text  # the form's cells stay in the text …
    assert said(source) == [  # … but only the transcript table's rows are turns
        ("Modératrice", Role.INTERVIEWER, "00:00:05", "Qu'est-ce qui vous a décidée ?"),
        ("Nadia", Role.PARTICIPANT, "00:00:09", "Les avis clients, surtout ceux avec des photos."),
        ("Modératrice", Role.INTERVIEWER, "00:01:10", "Et ensuite ?"),
        ("Nadia", Role.PARTICIPANT, "00:01:12", "J'ai commandé le soir même."),
    ]


def test_docx_teams_export(segmenter: SpacySegmenter) -> None:
    data = make_docx(
        [
            "Customer interview - Transcript",
            "Paul Martin   0:03",
            "How did you first hear about the store?",
            "Jess Lee   0:09",
            "A friend sent me a link. I ordered the lamp that night.",
            "Paul Martin   1:02:03",
            "Why that night?",
        ]
    )
    [source] = load_file("teams.docx", data, segmenter)
    assert said(source) == [
        ("Paul Martin", Role.INTERVIEWER, "00:00:03", "How did you first hear about the store?"),
        ("Jess Lee", Role.PARTICIPANT, "00:00:09", "A friend sent me a link."),
        ("Jess Lee", Role.PARTICIPANT, "00:00:09", "I ordered the lamp that night."),
        ("Paul Martin", Role.INTERVIEWER, "01:02:03", "Why that night?"),
    ]
    assert source.metadata["format"] == "docx (teams)" and source.language == "en"


# --- PDF -----------------------------------------------------------------------------------


def test_pdf_text_layer(segmenter: SpacySegmenter) -> None:
    data = make_pdf(
        [
            "Enquêtrice : Comment avez-vous connu la marque ?",
            "Léa : Sur Instagram. J'ai adoré le canapé (très confortable).",
        ]
    )
    [source] = load_file("lea.pdf", data, segmenter)
    assert_clean(source)
    assert said(source) == [
        ("Enquêtrice", Role.INTERVIEWER, None, "Comment avez-vous connu la marque ?"),
        ("Léa", Role.PARTICIPANT, None, "Sur Instagram."),
        ("Léa", Role.PARTICIPANT, None, "J'ai adoré le canapé (très confortable)."),
    ]
    assert source.metadata["format"] == "pdf" and source.metadata["pages"] == "1"


def test_pdf_protected_by_an_owner_password_only_opens(segmenter: SpacySegmenter) -> None:
    data = make_pdf(["Léa : J'ai adoré le canapé, vraiment très confortable."], password="")
    [source] = load_file("lea.pdf", data, segmenter)
    assert said(source)[0][0] == "Léa"


def test_pdf_without_text_layer_or_with_a_password_is_refused(segmenter: SpacySegmenter) -> None:
    with pytest.raises(UnreadableFileError) as caught:
        load_file("scan.pdf", make_pdf([]), segmenter)
    assert caught.value.reason == NO_TEXT_LAYER
    with pytest.raises(UnreadableFileError, match="needs a password"):
        load_file("secret.pdf", make_pdf(["Léa : bonjour"], password="s3cret"), segmenter)


# --- captions ------------------------------------------------------------------------------

VTT = """WEBVTT

1
00:00:01.000 --> 00:00:04.000
<v Paul Martin>How did you find us?</v>

2
00:00:04.500 --> 00:00:07.000
<v Jess Lee>Through a friend who sent me

3
00:00:07.000 --> 00:00:09.000
<v Jess Lee>a link to the lamp. I loved it.

4
00:01:23.000 --> 00:01:25.000
<v Paul Martin>And then what happened?
"""


def test_vtt_voices_timestamps_and_merged_cues(segmenter: SpacySegmenter) -> None:
    [source] = load_file("call.vtt", VTT.encode(), segmenter)
    assert_clean(source)
    assert said(source) == [
        ("Paul Martin", Role.INTERVIEWER, "00:00:01", "How did you find us?"),
        (
            "Jess Lee",
            Role.PARTICIPANT,
            "00:00:04",
            "Through a friend who sent me a link to the lamp.",
        ),
        ("Jess Lee", Role.PARTICIPANT, "00:00:04", "I loved it."),
        ("Paul Martin", Role.INTERVIEWER, "00:01:23", "And then what happened?"),
    ]
    assert source.metadata["format"] == "webvtt"


def test_zoom_vtt_names_in_the_cue_text(segmenter: SpacySegmenter) -> None:
    vtt = (
        "WEBVTT\n\n1\n00:00:02.100 --> 00:00:05.000\nEnquêtrice: Comment avez-vous connu la marque ?\n\n"
        "2\n00:00:06.000 --> 00:00:09.000\nMarie Dubois: Par une amie, sur Instagram.\n"
    )
    [source] = load_file("zoom.vtt", vtt.encode(), segmenter)
    assert [(s, r, t) for s, r, t, _ in said(source)] == [
        ("Enquêtrice", Role.INTERVIEWER, "00:00:02"),
        ("Marie Dubois", Role.PARTICIPANT, "00:00:06"),
    ]


SRT = """1
00:00:01,000 --> 00:00:03,500
Interviewer: What made you buy it?

2
00:00:04,000 --> 00:00:06,000
Sam: The reviews, mostly.

3
00:00:06,000 --> 00:00:08,000
They had real photos.

4
00:10:00,000 --> 00:10:02,000
Interviewer: Anything else?
"""


def test_srt_names_timestamps_and_continuation(segmenter: SpacySegmenter) -> None:
    [source] = load_file("call.srt", SRT.encode(), segmenter)
    assert_clean(source)
    assert said(source) == [
        ("Interviewer", Role.INTERVIEWER, "00:00:01", "What made you buy it?"),
        ("Sam", Role.PARTICIPANT, "00:00:04", "The reviews, mostly."),
        ("Sam", Role.PARTICIPANT, "00:00:04", "They had real photos."),
        ("Interviewer", Role.INTERVIEWER, "00:10:00", "Anything else?"),
    ]


# --- meeting-tool text exports -------------------------------------------------------------


def test_zoom_one_line_export(segmenter: SpacySegmenter) -> None:
    text = (
        "00:00:05 Paul Martin: Comment avez-vous connu la marque ?\n"
        "00:00:09 Marie Dubois: Sur Instagram, une publicité.\n"
    )
    [source] = load_file("zoom.txt", text.encode(), segmenter)
    assert said(source) == [
        ("Paul Martin", Role.INTERVIEWER, "00:00:05", "Comment avez-vous connu la marque ?"),
        ("Marie Dubois", Role.PARTICIPANT, "00:00:09", "Sur Instagram, une publicité."),
    ]


def test_zoom_two_line_export(segmenter: SpacySegmenter) -> None:
    text = (
        "[Paul Martin] 10:02:03\nComment avez-vous connu la marque ?\n\n"
        "[Marie Dubois] 10:02:09\nSur Instagram. Une publicité pour la lampe.\n\n"
        "[Paul Martin] 10:03:00\nEt ensuite ?\n"
    )
    [source] = load_file("zoom.txt", text.encode(), segmenter)
    assert_clean(source)
    assert said(source) == [
        ("Paul Martin", Role.INTERVIEWER, "10:02:03", "Comment avez-vous connu la marque ?"),
        ("Marie Dubois", Role.PARTICIPANT, "10:02:09", "Sur Instagram."),
        ("Marie Dubois", Role.PARTICIPANT, "10:02:09", "Une publicité pour la lampe."),
        ("Paul Martin", Role.INTERVIEWER, "10:03:00", "Et ensuite ?"),
    ]
    assert source.metadata["format"] == "zoom"


def test_teams_text_export(segmenter: SpacySegmenter) -> None:
    text = (
        "Paul Martin   0:03\nComment avez-vous connu la marque ?\n"
        "Marie Dubois   0:07\nPar une amie.\n"
        "Paul Martin   1:15\nEt pourquoi ce canapé ?\n"
    )
    [source] = load_file("teams.txt", text.encode(), segmenter)
    assert [(s, r, t) for s, r, t, _ in said(source)] == [
        ("Paul Martin", Role.INTERVIEWER, "00:00:03"),
        ("Marie Dubois", Role.PARTICIPANT, "00:00:07"),
        ("Paul Martin", Role.INTERVIEWER, "00:01:15"),
    ]
    assert source.metadata["format"] == "teams"


def test_teams_legacy_cue_export(segmenter: SpacySegmenter) -> None:
    text = (
        "0:0:0.0 --> 0:0:4.200\nPaul Martin\nHow did you hear about us?\n\n"
        "0:0:4.200 --> 0:0:9.800\nJess Lee\nMy sister told me about it.\n"
    )
    [source] = load_file("teams.txt", text.encode(), segmenter)
    assert said(source) == [
        ("Paul Martin", Role.INTERVIEWER, "00:00:00", "How did you hear about us?"),
        ("Jess Lee", Role.PARTICIPANT, "00:00:04", "My sister told me about it."),
    ]


def test_otter_export_drops_the_footer(segmenter: SpacySegmenter) -> None:
    text = (
        "Speaker 1  0:03\nSo how did you first hear about the lamp?\n\n"
        "Jess Lee  0:08\nA friend posted it and I ordered it the same night. It arrived fast.\n\n"
        "Speaker 1  0:20\nWhat happened next?\n\n"
        "Transcribed by https://otter.ai\n"
    )
    [source] = load_file("otter.txt", text.encode(), segmenter)
    quotes = said(source)
    assert quotes[0][:3] == ("Speaker 1", Role.INTERVIEWER, "00:00:03")
    assert quotes[1][:3] == ("Jess Lee", Role.PARTICIPANT, "00:00:08")
    assert quotes[-1][3] == "What happened next?"
    assert source.metadata["format"] == "otter"


def test_a_stray_time_in_an_ordinary_transcript_is_not_a_header(
    segmenter: SpacySegmenter,
) -> None:
    text = "Q : Vous êtes passée quand ?\nR : Le mardi.\nRendez-vous à 14:30\nQ : Et alors ?\n"
    [source] = load_file("q.txt", text.encode(), segmenter)
    assert [s for s, *_ in said(source)][:2] == ["Q", "R"]
    assert {s for s, *_ in said(source)} == {"Q", "R"} and "format" not in source.metadata


# --- Transcriber ---------------------------------------------------------------------------

TRS = """<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE Trans SYSTEM "trans-14.dtd">
<Trans scribe="labo" audio_filename="ent07" version="3" version_date="2024-03-01">
<Speakers>
<Speaker id="spk1" name="Enquêtrice" check="no" dialect="native" accent="" scope="local"/>
<Speaker id="spk2" name="Hélène" check="no" dialect="native" accent="" scope="local"/>
</Speakers>
<Episode>
<Section type="report" startTime="0" endTime="95.2">
<Turn speaker="spk1" startTime="0" endTime="4.1">
<Sync time="0"/>
comment avez-vous
<Sync time="2.0"/>
connu la boutique ?
</Turn>
<Turn speaker="spk2" startTime="4.1" endTime="75.3">
<Sync time="4.1"/>
par mon frère <Event desc="rire" type="noise" extent="instantaneous"/> elle adore
<Sync time="9.7"/>
les lampes.
</Turn>
<Turn speaker="spk1 spk2" startTime="75.3" endTime="80">
<Sync time="75.3"/>
<Who nb="1"/>
d'accord
<Who nb="2"/>
voilà
</Turn>
<Turn startTime="80" endTime="95.2">
<Sync time="80"/>
</Turn>
</Section>
</Episode>
</Trans>
"""


def test_transcriber_trs_latin1(segmenter: SpacySegmenter) -> None:
    [source] = load_file("ent07.trs", TRS.encode("iso-8859-1"), segmenter)
    assert_clean(source)
    assert said(source) == [
        ("Enquêtrice", Role.INTERVIEWER, "00:00:00", "comment avez-vous connu la boutique ?"),
        ("Hélène", Role.PARTICIPANT, "00:00:04", "par mon frère elle adore les lampes."),
        ("Enquêtrice", Role.INTERVIEWER, "00:01:15", "d'accord"),
        ("Hélène", Role.PARTICIPANT, "00:01:15", "voilà"),
    ]
    assert source.metadata["format"] == "transcriber"


def test_transcriber_declared_latin1_but_really_utf8(segmenter: SpacySegmenter) -> None:
    [source] = load_file("ent07.trs", TRS.encode("utf-8"), segmenter)
    assert {s for s, *_ in said(source)} == {"Enquêtrice", "Hélène"}


# --- tables --------------------------------------------------------------------------------


def test_xlsx_rows_with_detected_and_explicit_columns(segmenter: SpacySegmenter) -> None:
    import datetime as dt

    data = make_xlsx(
        {
            "Avis": [
                ["Date de publication", "Note", "Auteur", "Canal", "Votre avis"],
                [
                    dt.datetime(2026, 1, 2),
                    2.0,
                    "Sophie M.",
                    "Google",
                    "Livraison en retard. Déçue.",
                ],
                [dt.datetime(2026, 1, 3), 5, "Tom", "Trustpilot", None],
                [
                    dt.datetime(2026, 1, 4),
                    4.5,
                    "Paul",
                    "App Store",
                    "Super canapé, je recommande !",
                ],
            ]
        }
    )
    with pytest.raises(UnreadableFileError, match="no text column"):
        load_file("avis.xlsx", data, segmenter)
    sources = load_file("avis.xlsx", data, segmenter, text_column="votre avis")
    assert [s.id for s in sources] == ["avis-001", "avis-003"]
    assert sources[0].metadata == {
        "rating": "2",
        "date": "2026-01-02",
        "author": "Sophie M.",
        "channel": "Google",
    }
    assert sources[1].metadata["rating"] == "4.5" and sources[1].name == "avis.xlsx#row 3"
    assert said(sources[0]) == [
        ("Sophie M.", Role.PARTICIPANT, None, "Livraison en retard."),
        ("Sophie M.", Role.PARTICIPANT, None, "Déçue."),
    ]


def test_xlsx_with_several_sheets(segmenter: SpacySegmenter) -> None:
    data = make_xlsx(
        {
            "Google": [["review", "rating"], ["Fast delivery and a lovely lamp.", 5]],
            "Notes": [["id", "owner"], [1, "me"]],
            "Survey": [["answer"], ["The checkout asked for my phone twice."]],
        }
    )
    sources = load_file("feedback.xlsx", data, segmenter)
    assert [(s.id, s.name, s.kind) for s in sources] == [
        ("feedback-google-001", "feedback.xlsx#Google row 1", SourceKind.REVIEW),
        ("feedback-survey-001", "feedback.xlsx#Survey row 1", SourceKind.SURVEY),
    ]


def test_json_list_and_wrapped_list(segmenter: SpacySegmenter) -> None:
    records = [
        {"reviewText": "Arrived broken, refund took three weeks.", "stars": 1, "user": "kim"},
        {"reviewText": "", "stars": 3},
        {"reviewText": "Lovely lamp, great service.", "stars": 5, "platform": "Google"},
    ]
    for payload in (records, {"meta": {"n": 3}, "reviews": records}, {"data": records}):
        sources = load_file("reviews.json", json.dumps(payload).encode(), segmenter)
        assert [s.id for s in sources] == ["reviews-001", "reviews-003"]
        assert sources[0].metadata == {"rating": "1", "author": "kim"}
        assert sources[1].metadata == {"rating": "5", "channel": "Google"}
        assert all(s.language == "en" for s in sources)


def test_explicit_columns_override_and_missing_ones_are_named(segmenter: SpacySegmenter) -> None:
    table = "id;verbatim;commentaire interne;score\n1;Le site plante au paiement.;RAS;3\n"
    [source] = load_file("s.csv", table.encode(), segmenter, rating_column="score")
    assert source.kind == SourceKind.SURVEY and source.text == "Le site plante au paiement."
    [other] = load_file("s.csv", table.encode(), segmenter, text_column="Commentaire interne")
    assert other.text == "RAS" and other.metadata["rating"] == "3"
    assert other.metadata["language_note"] == "too short to tell French from English"
    with pytest.raises(UnreadableFileError, match=r"no column 'avis' among \['id'"):
        load_file("s.csv", table.encode(), segmenter, text_column="avis")


def test_ragged_csv_keeps_an_unquoted_comma_in_the_last_column(
    segmenter: SpacySegmenter,
) -> None:
    table = "note,avis\n4,Livraison rapide, emballage soigné.\n5\n"
    [source] = load_file("avis.csv", table.encode(), segmenter)
    assert source.text == "Livraison rapide, emballage soigné."


# --- languages -----------------------------------------------------------------------------


def test_other_languages_are_kept_and_flagged(segmenter: SpacySegmenter) -> None:
    text = (
        "Interviewerin: Wie haben Sie den Laden gefunden?\n"
        "Lukas: Durch eine Freundin, die mir einen Link geschickt hat. Ich habe die Lampe noch "
        "am selben Abend gekauft, weil sie reduziert war.\n"
    )
    [source] = load_file("lukas.txt", text.encode(), segmenter)
    assert source.language == "und"
    assert "neither French nor English" in source.metadata["language_note"]
    assert said(source)
