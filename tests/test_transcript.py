"""Speaker turns in the shapes researchers' transcripts come in, and who is the interviewer."""

from __future__ import annotations

import pytest

from assistant.model import Role
from ingest.transcript import assign_roles, normalize_timestamp, parse_transcript


def speakers(text: str) -> list[tuple[str | None, str | None, str]]:
    parsed = parse_transcript(text)
    return [(t.speaker, t.timestamp, text[t.start : t.end]) for t in parsed.turns]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Marie : Bonjour.\nPaul : Salut.",
            [("Marie", None, "Bonjour."), ("Paul", None, "Salut.")],
        ),
        ("Q : Ça va ?\nR : Oui.", [("Q", None, "Ça va ?"), ("R", None, "Oui.")]),
        (
            "Interviewer: Why?\nJess: Because.",
            [("Interviewer", None, "Why?"), ("Jess", None, "Because.")],
        ),
        (
            "[00:01:23] Paul: Hi.\n[00:01:30] Ana: Hey.",
            [("Paul", "00:01:23", "Hi."), ("Ana", "00:01:30", "Hey.")],
        ),
        (
            "00:01:23 Paul: Hi.\n1:30 Ana: Hey.",
            [("Paul", "00:01:23", "Hi."), ("Ana", "00:01:30", "Hey.")],
        ),
        (
            "Paul (1:23) : Hi.\nAna [00:02:00]: Hey.",
            [("Paul", "00:01:23", "Hi."), ("Ana", "00:02:00", "Hey.")],
        ),
        (
            "**Enquêtrice :** Et ensuite ?\n**Léa :** Rien.",
            [("Enquêtrice", None, "Et ensuite ?"), ("Léa", None, "Rien.")],
        ),
    ],
)
def test_usual_turn_shapes(text: str, expected: list[tuple[str, str | None, str]]) -> None:
    assert speakers(text) == expected


def test_a_continuation_line_belongs_to_the_turn_before() -> None:
    text = "Enquêteur : Et la livraison ?\nBernard : Alors, en retard.\nDeux fois, même.\nEnquêteur : Ah."
    turns = speakers(text)
    assert turns[1] == ("Bernard", None, "Alors, en retard.\nDeux fois, même.")


def test_a_colon_inside_an_answer_is_not_a_speaker() -> None:
    text = "Q : Et alors ?\nR : Je vous explique.\nBref : c'était long.\nQ : D'accord."
    assert [s for s, _, _ in speakers(text)] == ["Q", "R", "Q"]


def test_front_matter_and_metadata_lines_are_metadata_not_turns() -> None:
    text = "---\npersona: impulsive\nparticipant: Léa\n---\n# Entretien\nEnquêtrice : Bonjour.\nLéa : Bonjour."
    parsed = parse_transcript(text)
    assert parsed.metadata["persona"] == "impulsive"
    assert [t.speaker for t in parsed.turns] == ["Enquêtrice", "Léa"]
    text = "Persona : deliberate\nParticipant : Marc\n\nQ : Bonjour ?\nR : Oui."
    parsed = parse_transcript(text)
    assert parsed.metadata == {"persona": "deliberate", "participant": "Marc"}
    assert [t.speaker for t in parsed.turns] == ["Q", "R"]


def test_text_without_turns_is_one_anonymous_turn() -> None:
    parsed = parse_transcript("J'ai adoré le canapé. Livraison rapide.")
    assert len(parsed.turns) == 1 and parsed.turns[0].speaker is None


def test_known_labels_decide_roles() -> None:
    text = "Enquêtrice : Alors ?\nLéa : Bien.\nEnquêtrice : Et ?"
    roles = assign_roles(text, parse_transcript(text).turns)
    assert roles == {"Enquêtrice": Role.INTERVIEWER, "Léa": Role.PARTICIPANT}


def test_the_speaker_who_asks_the_questions_is_the_interviewer() -> None:
    text = "Sophie : Comment l'avez-vous connu ?\nMarc : Par un ami.\nSophie : Et ensuite ?\nMarc : J'ai acheté."
    roles = assign_roles(text, parse_transcript(text).turns)
    assert roles == {"Sophie": Role.INTERVIEWER, "Marc": Role.PARTICIPANT}


def test_declared_interviewers_and_metadata_participant_win() -> None:
    text = "Anne : Oui ?\nBob : Non ?"
    turns = parse_transcript(text).turns
    assert assign_roles(text, turns, interviewers=frozenset({"bob"}))["Bob"] == Role.INTERVIEWER
    assert assign_roles(text, turns, participant_name="Bob") == {
        "Anne": Role.INTERVIEWER,
        "Bob": Role.PARTICIPANT,
    }


def test_timestamps_are_normalised() -> None:
    assert normalize_timestamp("1:23") == "00:01:23"
    assert normalize_timestamp("01:02:03.456") == "01:02:03"
