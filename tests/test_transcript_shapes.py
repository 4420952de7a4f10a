"""The transcript-shape corpus (tests/data/transcript_shapes): speakers and roles right, and no
quote ever holding a line number, a speaker label, a timestamp or a page's furniture."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.errors import UnreadableFileError
from assistant.model import Role, Source
from assistant.project import Project
from ingest.formats.json_transcripts import read_json_transcript
from ingest.formats.line_numbered import parse_line_numbered
from ingest.formats.text import parse_text
from ingest.loaders import load_file
from ingest.segment import SpacySegmenter
from ingest.transcript import role_of_label

CORPUS = Path(__file__).resolve().parent / "data" / "transcript_shapes"
INT, PAR = Role.INTERVIEWER, Role.PARTICIPANT
TIMESTAMP = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?|#\d")
LINE_NUMBER = re.compile(r"^\s*\d{1,5}\s")
FURNITURE = re.compile(r"\bpage \d|^\s*-\s*\d+\s*-\s*$|Study B|Étude mobilité|Entretien n°", re.I)


@dataclass(frozen=True)
class Shape:
    roles: dict[str, Role]
    timestamps: bool  # every segment has one
    format: str


SHAPES = {
    "numbered_en.txt": Shape({"Dan": INT, "Maya": PAR}, False, "line-numbered"),
    "maxqda_f4_fr.txt": Shape({"I": INT, "Nadia": PAR}, True, "line-numbered"),
    "numbered_fr.pdf": Shape({"Enquêteur": INT, "Sophie": PAR}, False, "pdf (line-numbered)"),
    "otter_en.txt": Shape({"Speaker 1": INT, "Sam Okafor": PAR}, True, "otter"),
    "rev_paren_en.txt": Shape({"Interviewer": INT, "Priya": PAR}, True, "timestamped"),
    "paren_fr.txt": Shape({"Enquêteur": INT, "Amandine": PAR}, True, "timestamped"),
    "brackets_fr.txt": Shape({"Enquêtrice": INT, "Julien": PAR}, False, "brackets"),
    "brackets_en.txt": Shape({"Interviewer": INT, "Tom": PAR}, False, "brackets"),
    "tab_table_en.txt": Shape({"Interviewer": INT, "Ines": PAR}, True, "tab-separated"),
    "tabs_en.docx": Shape({"Moderator": INT, "Lena": PAR}, True, "docx (tab-separated)"),
    "table_fr.docx": Shape({"Modératrice": INT, "Karim": PAR}, True, "docx (transcript table)"),
    "tei_fr.tei.xml": Shape({"Camille": INT, "Bernard": PAR}, False, "tei"),
    "teicorpo_en.xml": Shape({"INV": INT, "Grace": PAR}, True, "tei"),
    "whisperx_en.json": Shape({"SPEAKER_00": INT, "SPEAKER_01": PAR}, True, "json (whisperx)"),
    "assemblyai_fr.json": Shape({"Speaker A": INT, "Speaker B": PAR}, True, "json (assemblyai)"),
    "deepgram_en.json": Shape({"Speaker 0": INT, "Speaker 1": PAR}, True, "json (deepgram)"),
    "deepgram_paragraphs_fr.json": Shape(
        {"Speaker 0": INT, "Speaker 1": PAR}, True, "json (deepgram)"
    ),
    "meeting_en.json": Shape({"Rachel": INT, "Olivia": PAR}, False, "json (meeting transcript)"),
}


def load(
    name: str, segmenter: SpacySegmenter, interviewers: frozenset[str] = frozenset()
) -> Source:
    data = (CORPUS / name).read_bytes()
    [source] = load_file(name, data, segmenter, interviewers=interviewers)
    return source


def quotes(source: Source) -> list[str]:
    return [source.text[s.start : s.end] for s in source.segments]


def assert_clean_quotes(source: Source, speakers: list[str]) -> None:
    """No line number, label, timestamp or page furniture in any segment."""
    labels = [
        re.compile(rf"(?:^|\s|\[){re.escape(name)}\s*(?:[:\]]|\(\d)", re.I) for name in speakers
    ]
    for quote in quotes(source):
        assert quote == quote.strip() and quote
        assert not LINE_NUMBER.match(quote), quote
        assert not TIMESTAMP.search(quote), quote
        assert not FURNITURE.search(quote), quote
        assert not any(label.search(quote) for label in labels), quote


def test_the_corpus_is_all_tested() -> None:
    data = {p.name for p in CORPUS.iterdir() if p.suffix not in (".md", ".py")}
    assert data - set(SHAPES) == {"numbered_prompts_fr.txt", "reviews_with_lists.json"}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_each_shape_has_its_speakers_roles_and_clean_quotes(
    name: str, segmenter: SpacySegmenter
) -> None:
    shape = SHAPES[name]
    source = load(name, segmenter)
    assert source.metadata["format"] == shape.format
    assert {s.speaker: s.role for s in source.segments} == shape.roles
    assert_clean_quotes(source, list(shape.roles))
    if shape.timestamps:
        assert all(re.fullmatch(r"\d\d:\d\d:\d\d", s.timestamp or "") for s in source.segments)
    assert {"en": "en", "fr": "fr"}[name.split(".")[0].rsplit("_", 1)[-1]] == source.language


def test_line_numbers_go_and_wrapped_sentences_come_back_whole(segmenter: SpacySegmenter) -> None:
    source = load("numbered_en.txt", segmenter)
    said = quotes(source)
    assert "So how do you usually do your grocery shopping?" in said
    assert (
        "I use the FreshCart app on Sunday evenings, because the delivery slots fill up fast."
        in said
    )
    assert source.text.count("Study B") == 1  # the title stays as text, the repeats go
    assert source.metadata["page_furniture"] == (
        "2 page numbers, 1 repeated header/footer lines removed"
    )
    pdf = load("numbered_fr.pdf", segmenter)  # a sentence across a page break, footer between
    assert "Presque soixante euros, alors que le pass bus coûtait vingt euros." in quotes(pdf)


def test_f4_time_marks_stamp_the_next_turn(segmenter: SpacySegmenter) -> None:
    source = load("maxqda_f4_fr.txt", segmenter)
    stamps = {source.text[s.start : s.end]: s.timestamp for s in source.segments}
    assert stamps["Et qu'est-ce qui vous a fait commander ?"] == "00:00:15"
    assert stamps["Le colis est arrivé cassé."] == "00:00:34"


def test_declared_interviewer_on_a_line_numbered_file_with_plain_names(
    segmenter: SpacySegmenter,
) -> None:
    """Claire gives prompts, not questions: nothing in the file says she interviews."""
    source = load("numbered_prompts_fr.txt", segmenter, interviewers=frozenset({"claire"}))
    assert {s.speaker: s.role for s in source.segments} == {"Claire": INT, "Hugo": PAR}
    assert_clean_quotes(source, ["Claire", "Hugo"])
    participant = [source.text[s.start : s.end] for s in source.segments if s.role == PAR]
    assert "Racontez-moi comment vous avez choisi votre vélo." not in participant
    assert "Au final je le recommande quand même à mes collègues." in participant
    # and on the other line-numbered file, the option agrees with the heuristics
    other = load("numbered_en.txt", segmenter, interviewers=frozenset({"Dan"}))
    assert {s.speaker: s.role for s in other.segments} == {"Dan": INT, "Maya": PAR}


def test_tei_turns_speakers_times_and_what_is_not_speech(segmenter: SpacySegmenter) -> None:
    source = load("tei_fr.tei.xml", segmenter)
    said = [(s.speaker, s.timestamp, source.text[s.start : s.end]) for s in source.segments]
    assert said[:3] == [
        ("Camille", "00:00:00", "alors comment vous avez choisi votre cuisiniste ?"),
        (
            "Bernard",
            "00:00:04",
            "euh on a vu une pub à la télé et puis ma femme voulait un îlot central",
        ),
        ("Camille", "00:00:12", "d'accord"),
    ]
    assert said[4][:2] == ("Camille", "00:01:37")  # interval since another <when>
    for noise in ("rire", "téléphone", "épaules", "PT1S"):
        assert noise not in source.text
    assert source.metadata["title"] == "Entretien 3 – achat d'une cuisine"
    iso = load("teicorpo_en.xml", segmenter)
    assert quotes(iso)[0] == "why did you switch networks?"  # <w> tokens, <pc> attached
    assert "pourquoi" not in iso.text and "laughs" not in iso.text  # <spanGrp> annotations


def test_tei_header_roles_win_over_who_asks_the_questions(segmenter: SpacySegmenter) -> None:
    tei = """<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><profileDesc><particDesc>
    <person xml:id="a" role="interviewer"><persName>Zoé</persName></person>
    <person xml:id="b"><persName>Marc</persName></person></particDesc></profileDesc></teiHeader>
    <text><body><u who="#b">vous voulez savoir quoi ?</u><u who="#a">parlez-moi du magasin</u>
    <u who="#b">le vendeur était pressé et la caisse fermée ?</u></body></text></TEI>"""
    [source] = load_file("t.xml", tei.encode(), segmenter)
    assert {s.speaker: s.role for s in source.segments} == {"Marc": PAR, "Zoé": INT}


def test_xml_that_is_not_a_tei_transcription(segmenter: SpacySegmenter) -> None:
    with pytest.raises(UnreadableFileError, match=r"not a TEI transcription \(root <rss>"):
        load_file("feed.xml", b"<rss><channel/></rss>", segmenter)
    with pytest.raises(UnreadableFileError, match="no transcribed speech"):
        load_file(
            "letter.xml", b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><text/></TEI>', segmenter
        )
    trs = b'<Trans><Speakers><Speaker id="s1" name="Eva"/></Speakers><Episode><Section>'
    trs += b'<Turn speaker="s1" startTime="1"><Sync time="1"/>bonjour</Turn></Section></Episode></Trans>'
    [source] = load_file("saved-as.xml", trs, segmenter)
    assert source.metadata["format"] == "transcriber" and quotes(source) == ["bonjour"]


def test_reviews_json_stays_reviews(segmenter: SpacySegmenter) -> None:
    sources = load_file("avis.json", (CORPUS / "reviews_with_lists.json").read_bytes(), segmenter)
    assert [s.id for s in sources] == ["avis-001", "avis-002"]
    assert sources[0].metadata["author"] == "kim"
    several = {"a": [{"text": "Super."}], "b": [{"text": "Nul."}]}
    with pytest.raises(UnreadableFileError, match="several lists"):
        load_file("x.json", json.dumps(several).encode(), segmenter)
    survey = [{"participant": "P1", "text": "Trop cher."}, {"participant": "P2", "text": "Bien."}]
    assert read_json_transcript(json.dumps(survey)) is None  # answers of several people
    plans = [
        {"start": "2025-01-04", "end": "2025-06-30", "text": "Trop cher pour ce que c'est."},
        {"start": "2025-02-11", "end": "2025-03-01", "text": "Appli qui plante."},
    ]
    assert read_json_transcript(json.dumps(plans)) is None  # subscriptions' dates, not times


def test_json_times_in_ms_keys_strings_and_dates() -> None:
    def stamps(items: list[dict[str, object]]) -> list[str | None]:
        parsed = read_json_transcript(json.dumps(items))
        assert parsed is not None
        return [turn.timestamp for turn in parsed.turns]

    assert stamps(
        [
            {"speaker": "Ana", "start_ms": 61000, "text": "Pourquoi ?"},
            {"speaker": "Léo", "start_ms": 65500, "text": "Le prix."},
        ]
    ) == ["00:01:01", "00:01:05"]
    assert stamps(
        [
            {"speaker": "Ana", "start": "00:02:03.5", "end": "00:02:05", "text": "Why?"},
            {"speaker": "Léo", "start": "2:10", "end": "2:20", "text": "The price."},
        ]
    ) == ["00:02:03", "00:02:10"]
    assert stamps(
        [
            {"speaker": "Ana", "startTime": "2026-03-01T10:00:00Z", "text": "Why?"},
            {"speaker": "Léo", "startTime": "2026-03-01T10:00:42Z", "text": "The price."},
        ]
    ) == ["00:00:00", "00:00:42"]


@pytest.mark.parametrize(
    "text",
    [
        "1 kilo de pommes, 3 poires.\nR : Et 12 oranges.\n40 euros en tout.\n",
        "1\n00:00:01,000 --> 00:00:03,500\nInterviewer: Why?\n\n2\n00:00:04,000 --> 00:00:06,000\n"
        "Sam: Because.\n",
        "Q : Combien ?\nR : 3 fois.\n2 fois le mois dernier.\n",
        "Q : Pourquoi ?\nR : Trois raisons :\n1 le prix\n2 la livraison\n3 le SAV\nQ : D'accord.\n",
    ],
)
def test_numbers_at_line_starts_are_not_always_line_numbers(text: str) -> None:
    assert parse_line_numbered(text) is None


def test_bracketed_annotations_are_not_speakers() -> None:
    text = "Q : Et alors ?\nR : J'ai hésité.\n[rires]\nR : Puis j'ai acheté.\n[Pause] Voilà.\n"
    assert {t.speaker for t in parse_text(text).turns} == {"Q", "R"}
    text = "[Musique de fond]\nBonjour.\n[Musique de fond]\nAu revoir.\n"
    assert {t.speaker for t in parse_text(text).turns} == {None}


def test_numbered_role_labels() -> None:
    assert role_of_label("Interviewer 2") == INT and role_of_label("I1") == INT
    assert role_of_label("P3") == PAR and role_of_label("Enquêtée") == PAR
    assert role_of_label("Dan") is None and role_of_label("Speaker 1") is None


def test_through_project_ingest(project: Project) -> None:
    names = {
        "numbered-en": "numbered_en.txt",
        "tei-fr-tei": "tei_fr.tei.xml",  # the id drops the last suffix only
        "whisperx-en": "whisperx_en.json",
        "assemblyai-fr": "assemblyai_fr.json",
    }
    report = project.ingest([CORPUS / name for name in names.values()])
    assert [o.status for o in report.outcomes] == ["ingested"] * len(names)
    assert project.workspace.source_ids() == sorted(names)
    segments = 0
    for source_id, name in names.items():
        source = project.workspace.load_source(source_id)
        assert {s.speaker: s.role for s in source.segments} == SHAPES[name].roles
        assert_clean_quotes(source, list(SHAPES[name].roles))
        segments += len(source.segments)
    assert project.store.count() == segments


def test_project_ingest_with_a_declared_interviewer(project: Project) -> None:
    path = CORPUS / "numbered_prompts_fr.txt"
    report = project.ingest([path], interviewers=frozenset({"Claire"}))
    assert report.outcomes[0].status == "ingested"
    source = project.workspace.load_source("numbered-prompts-fr")
    assert {s.speaker: s.role for s in source.segments} == {"Claire": INT, "Hugo": PAR}
