"""Bytes → sources: encodings, bad input with a reason, tables of reviews."""

from __future__ import annotations

import pytest

from assistant.errors import UnreadableFileError
from assistant.model import Role, SourceKind
from ingest.loaders import decode, load_file
from ingest.segment import SpacySegmenter

INTERVIEW = (
    "---\npersona: impulsive\nparticipant: Léa\n---\n"
    "Enquêtrice : Comment avez-vous connu la marque ?\n"
    "Léa : Sur Instagram. J'ai adoré le canapé, M. Dupont aussi.\n"
)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t \n", "only whitespace"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3", "PDF"),
        (b"abc\x00\x00\x01\x02def" * 10, "binary"),
        (bytes(range(128, 256)) * 4, "undecodable"),
    ],
)
def test_unreadable_bytes_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableFileError) as caught:
        decode("notes.txt", data)
    assert "notes.txt" in str(caught.value) and reason in str(caught.value)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("Très bien, livraison à l'heure".encode("latin-1"), "Très bien, livraison à l'heure"),
        (
            "Marie : J’ai adoré « ça » — vraiment.".encode("cp1252"),
            "Marie : J’ai adoré « ça » — vraiment.",
        ),
        ("Ça a été long".encode("utf-16"), "Ça a été long"),
        ("\ufeffCafé".encode(), "Café"),
        (b"ligne 1\r\nligne 2\rligne 3", "ligne 1\nligne 2\nligne 3"),
        ("De\u0301cu".encode(), "Décu"),
    ],
)
def test_encodings_and_newlines_are_normalised(data: bytes, text: str) -> None:
    assert decode("f.txt", data).text == text


def test_unknown_extension_names_the_supported_ones(segmenter: SpacySegmenter) -> None:
    with pytest.raises(UnreadableFileError, match=r"unsupported format '\.key'.*\.txt"):
        load_file("slides.key", b"whatever", segmenter)


def test_transcript_source_has_roles_persona_language_and_exact_segments(
    segmenter: SpacySegmenter,
) -> None:
    [source] = load_file("lea.md", INTERVIEW.encode(), segmenter)
    assert (source.id, source.kind, source.language, source.persona) == (
        "lea",
        SourceKind.INTERVIEW,
        "fr",
        "impulsive",
    )
    said = [(s.speaker, s.role, source.text[s.start : s.end]) for s in source.segments]
    assert said == [
        ("Enquêtrice", Role.INTERVIEWER, "Comment avez-vous connu la marque ?"),
        ("Léa", Role.PARTICIPANT, "Sur Instagram."),
        ("Léa", Role.PARTICIPANT, "J'ai adoré le canapé, M. Dupont aussi."),
    ]


def test_generic_participant_label_takes_the_participants_name(segmenter: SpacySegmenter) -> None:
    text = "Participant : Nadia\n\nQ : Et alors ?\nR : J'ai commandé le tapis le soir même."
    [source] = load_file("nadia.txt", text.encode(), segmenter)
    assert {s.speaker for s in source.segments if s.role == Role.PARTICIPANT} == {"Nadia"}


def test_english_sentences_keep_abbreviations_whole(segmenter: SpacySegmenter) -> None:
    text = "Interviewer: And then?\nJess: Mr. Smith said it was $49.99! I bought it... Then I left."
    [source] = load_file("jess.txt", text.encode(), segmenter)
    assert source.language == "en"
    assert [source.text[s.start : s.end] for s in source.segments][1:] == [
        "Mr. Smith said it was $49.99!",
        "I bought it... Then I left.",
    ]


def test_csv_rows_become_review_sources_with_detected_columns(segmenter: SpacySegmenter) -> None:
    table = (
        "date;note;canal;auteur;avis\n"
        '2026-01-02;2;Google;Sophie M.;"Livraison en retard; aucun appel. Déçue."\n'
        "2026-01-03;5;Trustpilot;Tom;\n"
        "2026-01-04;5;App Store;Paul R.;Super canapé, je recommande !\n"
    )
    sources = load_file("avis.csv", table.encode("cp1252"), segmenter)
    assert [s.id for s in sources] == ["avis-001", "avis-003"]
    first = sources[0]
    assert first.kind == SourceKind.REVIEW and first.language == "fr"
    assert first.metadata == {
        "rating": "2",
        "date": "2026-01-02",
        "author": "Sophie M.",
        "channel": "Google",
    }
    assert first.name == "avis.csv#row 1"
    assert [first.text[s.start : s.end] for s in first.segments] == [
        "Livraison en retard; aucun appel.",
        "Déçue.",
    ]


def test_csv_without_a_text_column_says_which_columns_it_saw(segmenter: SpacySegmenter) -> None:
    with pytest.raises(UnreadableFileError, match=r"no text column among \['id', 'score'\]"):
        load_file("x.csv", b"id,score\n1,2\n", segmenter)
