"""Speaker / time / text rows: a transcript laid out as a table, in a .docx table or as
tab-separated lines of a .txt (`Dan<TAB>00:01:02<TAB>So how do you…`).

A table is a transcript when one column holds names that come back (the speakers), one the
speech, optionally one timestamps (`00:01:02`, `[1:02]`, `00:01:02 - 00:01:09`) and one line
numbers, and an optional first row names the columns. Line numbers and timestamps are never
speech: the turn's timestamp is the row's, and the rebuilt text holds `[time] Speaker: speech`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from ingest.formats.base import ParsedText, TextBuilder, clean_text, one_line
from ingest.transcript import METADATA_KEYS, normalize_timestamp

Row = tuple[str | None, str, str | None]  # speaker, speech, HH:MM:SS

_TS = re.compile(
    r"^[\[(]?(\d{1,2}:\d{2}(?::\d{2})?)(?:[.,]\d+)?[\])]?"
    r"(?:[ \t]*(?:-->|-|–|to|à)[ \t]*[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])]?)?$"
)
_NUMBER = re.compile(r"^\d{1,5}$")
HEADER_WORDS = frozenset(
    "speaker intervenant intervenante locuteur locutrice nom name qui who personne role rôle "
    "participant orateur time temps heure timestamp horodatage start début debut text texte "
    "transcript transcription verbatim propos line ligne n° utterance".split()
)


def transcript_rows(rows: list[list[str]]) -> list[Row]:
    """Rows of a speaker/text table as (speaker, speech, timestamp); [] if it is not one."""
    width = max((len(row) for row in rows), default=0)
    if len(rows) < 2 or width < 2 or any(len(row) != width for row in rows):
        return []
    skip = int(any(one_line(c).casefold() in HEADER_WORDS for c in rows[0]))
    body = rows[skip:]
    if not body:
        return []
    columns = [[row[i] for row in body] for i in range(width)]
    numbers = {i for i in range(width) if _mostly(columns[i], _is_number)}
    stamps = {i for i in range(width) if i not in numbers and _mostly(columns[i], _is_timestamp)}
    free = [i for i in range(width) if i not in numbers | stamps]
    names = [i for i in free if _mostly(columns[i], _is_name)]
    if not names:
        return []
    speaker_col = names[0]
    others = [i for i in free if i != speaker_col]
    if not others:
        return []
    text_col = max(others, key=lambda i: sum(len(c) for c in columns[i]))
    speakers = Counter(one_line(c).casefold() for c in columns[speaker_col] if c)
    said = sum(len(c) for c in columns[text_col]) / len(body)
    named = sum(len(c) for c in columns[speaker_col]) / len(body)
    if (
        len(speakers) > max(2, len(body) // 2)  # names that never come back: a list of people
        or any(name in METADATA_KEYS for name in speakers)  # "Date | 12 mars": a form
        or said < max(15, 2 * named)  # "Âge | 34": attributes, not speech
    ):
        return []
    stamp_col = min(stamps) if stamps else None
    out: list[Row] = []
    speaker: str | None = None
    for row in body:
        stamp = _TS.match(row[stamp_col].strip()) if stamp_col is not None else None
        # "Dan:" names Dan; an empty cell is the same speaker again
        speaker = one_line(row[speaker_col]).rstrip(":").strip() or speaker
        out.append((speaker, row[text_col], normalize_timestamp(stamp.group(1)) if stamp else None))
    return out


def parse_tab_table(text: str) -> ParsedText | None:
    """A .txt whose lines are tab-separated speaker / time / text cells, or None.

    Lines before the table are kept as text (a title), not speech; a line without tabs inside
    the table continues the speech of the row before (a wrapped cell)."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if "\t" in line.strip()), None)
    if first is None:
        return None
    cells: list[list[str]] = []
    widths: Counter[int] = Counter()
    loose = 0
    for line in lines[first:]:
        if not line.strip():
            continue
        if "\t" in line.strip():
            row = [clean_text(cell).strip() for cell in line.strip().split("\t")]
            cells.append(row)
            widths[len(row)] += 1
        elif cells:
            cells[-1] = [*cells[-1][:-1], f"{cells[-1][-1]} {line.strip()}".strip()]
            loose += 1
    if not widths:
        return None
    width, count = widths.most_common(1)[0]
    if count < 2 or count < 0.8 * len(cells) or loose > len(cells):
        return None
    rows = transcript_rows([row for row in cells if len(row) == width])
    if not rows:
        return None
    builder = TextBuilder()
    builder.add_text("\n".join(lines[:first]))
    for speaker, speech, timestamp in rows:
        builder.add_turn(speaker, one_line(speech), timestamp)
    return builder.build({"format": "tab-separated"})


def _mostly(cells: list[str], test: Callable[[str], bool]) -> bool:
    filled = [cell for cell in cells if cell]
    return bool(filled) and sum(test(cell) for cell in filled) >= 0.8 * len(filled)


def _is_number(cell: str) -> bool:
    return bool(_NUMBER.match(cell.strip()))


def _is_timestamp(cell: str) -> bool:
    return bool(_TS.match(cell.strip()))


def _is_name(cell: str) -> bool:
    words = cell.split()
    return 0 < len(words) <= 5 and len(cell) <= 40 and not cell.rstrip().endswith(("?", "!"))
