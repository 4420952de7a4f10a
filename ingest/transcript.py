"""Speaker turns of a transcript (.txt / .md), in the usual French and English shapes. Pure.

Recognised turn starts (one per line, the speech may continue on the following lines):
    Marie : texte          Marie: text           **Marie :** texte        - Marie : texte
    Q : …  / R : …         Interviewer: …        Enquêtrice : …
    [00:01:23] Paul: …     00:01:23 Paul: …      Paul [00:01:23]: …       Paul (1:23) : …
A YAML front matter (--- … ---) and leading `Key : value` lines with known keys (persona,
participant, date, langue…) are metadata, not turns. A label counts as a speaker when it is a
known role label (numbered ones too: "Interviewer 2", "I1", "P3"), carries a timestamp, or starts
at least two turns, so that "Bref : …" inside an answer is not mistaken for a speaker.
Shapes with line numbers, page furniture, tab-separated cells or time marks are cleaned first by
`ingest.formats` (`line_numbered`, `rows`, `text`), which then read the rest with this module.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import yaml

from assistant.model import Role

INTERVIEWER_LABELS = frozenset(
    {
        "q",
        "question",
        "i",
        "int",
        "enq",
        "interviewer",
        "intervieweur",
        "intervieweuse",
        "interviewer·euse",
        "enquêteur",
        "enquêtrice",
        "enqueteur",
        "enquetrice",
        "enquêteur·rice",
        "modérateur",
        "modératrice",
        "moderateur",
        "moderatrice",
        "moderator",
        "facilitator",
        "animateur",
        "animatrice",
        "chercheur",
        "chercheuse",
        "researcher",
        "ux researcher",
        "uxr",
        "host",
        "journaliste",
        "journalist",
    }
)
PARTICIPANT_LABELS = frozenset(
    {
        "r",
        "réponse",
        "reponse",
        "a",
        "answer",
        "p",
        "participant",
        "participante",
        "répondant",
        "répondante",
        "repondant",
        "repondante",
        "respondent",
        "interviewee",
        "interviewé",
        "interviewée",
        "enquêté",
        "enquêtée",
        "enquete",
        "enquetee",
        "informant",
        "informateur",
        "informatrice",
        "client",
        "cliente",
        "customer",
        "user",
        "utilisateur",
        "utilisatrice",
    }
)
METADATA_KEYS = frozenset(
    {
        "persona",
        "participant",
        "participante",
        "date",
        "langue",
        "language",
        "lieu",
        "location",
        "durée",
        "duree",
        "duration",
        "titre",
        "title",
        "projet",
        "project",
        "étude",
        "etude",
        "study",
        "segment",
        "kind",
        "type",
        "canal",
        "channel",
    }
)

# Words that start a line with a colon without being anyone's name ("Bref : c'était long").
DISCOURSE_LABELS = frozenset(
    {
        "bref",
        "donc",
        "alors",
        "résultat",
        "resultat",
        "conclusion",
        "bilan",
        "note",
        "nb",
        "ps",
        "remarque",
        "attention",
        "exemple",
        "par exemple",
        "problème",
        "probleme",
        "voilà",
        "so",
        "anyway",
        "result",
        "example",
        "bottom line",
        "update",
        "edit",
        "summary",
        "warning",
        "tip",
        "question",
        "réponse",
    }
)

_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"
_TURN = re.compile(
    rf"""^[ \t]*(?:[-*][ \t]+)?
    (?:\[(?P<ts1>{_TS})\][ \t]*|(?P<ts2>{_TS})[ \t]+)?
    (?:\*\*|__)?
    (?P<label>[^\W\d_][\w.'’·-]*(?:[ \t][\w.'’·-]+){{0,3}}?)
    (?:[ \t]*[\[(](?P<ts3>{_TS})[\])])?
    [ \t]*(?:\*\*|__)?[ \t]*:(?:\*\*|__)?[ \t]*
    (?P<speech>.*)$""",
    re.VERBOSE,
)
_NUMBERED_LABEL = re.compile(r"(?<=[^\W\d_])[ \t_#-]*\d{1,3}$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class Turn:
    """One speaker turn: [start, end) spans the speech only (not the label or timestamp)."""

    speaker: str | None
    start: int
    end: int
    timestamp: str | None = None


@dataclass
class ParsedTranscript:
    turns: list[Turn]
    metadata: dict[str, str] = field(default_factory=dict)
    body_start: int = 0


def normalize_timestamp(raw: str | None) -> str | None:
    """'1:23' → '00:01:23'; '01:02:03.456' → '01:02:03'."""
    if not raw:
        return None
    parts = [int(part) for part in re.split(r"[.,]", raw)[0].split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    hours, minutes, seconds = parts
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"


def parse_transcript(text: str) -> ParsedTranscript:
    """Split `text` into speaker turns and metadata. Text with no turns is one anonymous turn."""
    metadata, body_start = _metadata(text)
    lines = _lines(text, body_start)
    candidates = []
    for start, line in lines:
        match = _TURN.match(line)
        if match and not line.lstrip().startswith("#"):
            candidates.append((start, match))
    labels = Counter(_label_key(match.group("label")) for _, match in candidates)
    turn_starts = [
        (start, match)
        for start, match in candidates
        if _is_speaker(match, labels[_label_key(match.group("label"))])
    ]
    turns: list[Turn] = []
    for index, (line_start, match) in enumerate(turn_starts):
        speech_start = line_start + match.start("speech")
        end = turn_starts[index + 1][0] if index + 1 < len(turn_starts) else len(text)
        timestamp = match.group("ts1") or match.group("ts2") or match.group("ts3")
        turns.append(
            Turn(
                speaker=_clean_label(match.group("label")),
                start=speech_start,
                end=_rstrip(text, speech_start, end),
                timestamp=normalize_timestamp(timestamp),
            )
        )
    if not turns:
        start = _lstrip(text, body_start, len(text))
        end = _rstrip(text, start, len(text))
        if end > start:
            turns.append(Turn(speaker=None, start=start, end=end))
    return ParsedTranscript(
        turns=[t for t in turns if t.end > t.start], metadata=metadata, body_start=body_start
    )


def _metadata(text: str) -> tuple[dict[str, str], int]:
    metadata: dict[str, str] = {}
    position = 0
    front = _FRONT_MATTER.match(text)
    if front:
        try:
            loaded = yaml.safe_load(front.group("body"))
        except yaml.YAMLError:
            loaded = None
        if isinstance(loaded, dict):
            metadata.update({str(k).lower(): str(v) for k, v in loaded.items() if v is not None})
        position = front.end()
    # Leading "Key : value" lines with known keys, up to the first blank line.
    for line_start, line in _lines(text, position):
        stripped = line.strip()
        if not stripped:
            if metadata:
                position = line_start + len(line)
                break
            continue
        key, sep, value = stripped.partition(":")
        if sep and key.strip().lower() in METADATA_KEYS and value.strip():
            metadata[key.strip().lower()] = value.strip()
            position = line_start + len(line)
        else:
            break
    return metadata, position


def _lines(text: str, start: int) -> list[tuple[int, str]]:
    out = []
    position = start
    for line in text[start:].split("\n"):
        out.append((position, line))
        position += len(line) + 1
    return out


def _label_key(label: str) -> str:
    return _clean_label(label).casefold()


def _clean_label(label: str) -> str:
    return label.strip().strip("*_").strip()


def _is_speaker(match: re.Match[str], occurrences: int) -> bool:
    key = _label_key(match.group("label"))
    if role_of_label(key) is not None:
        return True
    if match.group("ts1") or match.group("ts2") or match.group("ts3"):
        return True
    if key in METADATA_KEYS or key in DISCOURSE_LABELS or len(key) > 40:
        return False
    label = _clean_label(match.group("label"))
    return occurrences >= 2 or all(word[:1].isupper() for word in label.split())


def role_of_label(label: str | None) -> Role | None:
    """The role a label names: 'Enquêtrice', 'Q', 'Interviewer 2', 'I1', 'P3', 'R2'… or None."""
    key = " ".join((label or "").casefold().split())
    for candidate in (key, _NUMBERED_LABEL.sub("", key)):
        if candidate in INTERVIEWER_LABELS:
            return Role.INTERVIEWER
        if candidate in PARTICIPANT_LABELS:
            return Role.PARTICIPANT
    return None


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _lstrip(text: str, start: int, end: int) -> int:
    while start < end and text[start].isspace():
        start += 1
    return start


def assign_roles(
    text: str,
    turns: list[Turn],
    *,
    interviewers: frozenset[str] = frozenset(),
    participant_name: str | None = None,
    known: Mapping[str, Role] | None = None,
) -> dict[str | None, Role]:
    """Interviewer or participant per speaker.

    Order of evidence: names the user declared as interviewers; roles the file itself gives
    (`known`: a TEI header's `<person role=…>`); known role labels (Q/R, Enquêtrice,
    Interviewer 2…); the participant named in the metadata; then the speaker who asks the most
    questions is the interviewer. A lone speaker (or no label at all) is the participant.
    """
    speakers = list(dict.fromkeys(turn.speaker for turn in turns))
    declared = {name.casefold() for name in interviewers}
    given = {name.casefold(): role for name, role in (known or {}).items()}
    roles: dict[str | None, Role] = {}
    for speaker in speakers:
        key = (speaker or "").casefold()
        role = Role.INTERVIEWER if key in declared else given.get(key) or role_of_label(key)
        if role is not None:
            roles[speaker] = role
    unknown = [s for s in speakers if s not in roles]
    if not unknown:
        return roles
    if Role.INTERVIEWER in roles.values() or len(speakers) == 1:
        return roles | {s: Role.PARTICIPANT for s in unknown}
    named = (participant_name or "").casefold()
    if named and any((s or "").casefold() == named for s in unknown):
        return roles | {
            s: Role.PARTICIPANT if (s or "").casefold() == named else Role.INTERVIEWER
            for s in unknown
        }
    ratios = {s: question_ratio(text, turns, s) for s in unknown}
    asker = max(unknown, key=lambda s: ratios[s])
    if len(unknown) > 1 and ratios[asker] >= 0.3:
        return roles | {s: Role.INTERVIEWER if s == asker else Role.PARTICIPANT for s in unknown}
    return roles | {s: Role.PARTICIPANT for s in unknown}


def question_ratio(text: str, turns: list[Turn], speaker: str | None) -> float:
    """Share of a speaker's turns that end in a question (interviewers ask, participants tell)."""
    own = [turn for turn in turns if turn.speaker == speaker]
    if not own:
        return 0.0
    return sum(text[turn.start : turn.end].rstrip().endswith("?") for turn in own) / len(own)
