"""Word documents (.docx, python-docx).

Paragraphs, in document order, form a text read like a .txt transcript (`Marie : texte`, the
Teams `Paul Martin   0:03` form…; see `ingest.formats.text`). A table whose rows are
speaker / text (optionally a timestamp column, optionally a header row) is a transcript: each row
is a turn. Any other table's cells are kept as paragraphs, row by row.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

import docx
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from ingest.formats.base import (
    FormatError,
    ParsedText,
    TextBuilder,
    check_office_zip,
    clean_text,
    one_line,
)
from ingest.formats.text import parse_text
from ingest.transcript import METADATA_KEYS, normalize_timestamp

HINT = "open it in Word and save it again as .docx, or export the transcript as .txt"
_TS = re.compile(r"^\[?\(?(\d{1,2}:\d{2}(?::\d{2})?)(?:[.,]\d+)?\]?\)?$")
_HEADER_WORDS = frozenset(
    "speaker intervenant intervenante locuteur locutrice nom name qui who personne role rôle "
    "participant orateur".split()
)

Block = str | list[tuple[str | None, str, str | None]]  # paragraph text, or transcript rows


def parse_docx(data: bytes) -> ParsedText:
    check_office_zip(data, "a Word .docx document", "word/document.xml", HINT)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = _blocks(document.iter_inner_content())
    except FormatError:
        raise
    except Exception as error:  # python-docx, lxml and zipfile errors on a damaged file
        raise FormatError(f"damaged .docx ({type(error).__name__}: {error})", HINT) from None
    tables = [block for block in blocks if isinstance(block, list)]
    if not tables:
        parsed = parse_text("\n".join(b for b in blocks if isinstance(b, str)))
        shape = parsed.metadata.get("format")
        kind = f"docx ({shape})" if shape else "docx"
        return ParsedText(parsed.text, parsed.turns, parsed.metadata | {"format": kind})
    builder = TextBuilder()
    metadata: dict[str, str] = {}
    paragraphs: list[str] = []
    for block in [*blocks, []]:
        if isinstance(block, str):
            paragraphs.append(block)
            continue
        if paragraphs:
            parsed = parse_text("\n".join(paragraphs))
            metadata = parsed.metadata | metadata
            # Titles and notes around a transcript table are kept as text, not as speech.
            builder.add_parsed(parsed, keep_anonymous=False)
            paragraphs = []
        for speaker, speech, timestamp in block:
            builder.add_turn(speaker, speech, timestamp)
    return builder.build(metadata | {"format": "docx (transcript table)"})


def _blocks(content: Any) -> list[Block]:
    blocks: list[Block] = []
    for item in content:
        if isinstance(item, Paragraph):
            blocks.append(clean_text(item.text))
        elif isinstance(item, DocxTable):
            rows = [_row_cells(row) for row in item.rows]
            rows = [row for row in rows if any(row)]
            turns = _transcript_rows(rows)
            if turns:
                blocks.append(turns)
            else:
                blocks.extend(" | ".join(cell for cell in row if cell) for row in rows)
    return blocks


def _row_cells(row: Any) -> list[str]:
    cells: list[str] = []
    previous = None
    for cell in row.cells:
        if cell._tc is previous:  # a merged cell is returned once per grid column it spans
            continue
        previous = cell._tc
        cells.append(clean_text(cell.text).strip())
    return cells


def _transcript_rows(rows: list[list[str]]) -> list[tuple[str | None, str, str | None]]:
    """Rows of a speaker/text table as (speaker, speech, timestamp); [] if it is not one."""
    width = max((len(row) for row in rows), default=0)
    if len(rows) < 2 or width < 2 or any(len(row) != width for row in rows):
        return []
    columns = [[row[i] for row in rows] for i in range(width)]
    skip = int(any(one_line(c).casefold() in _HEADER_WORDS for c in rows[0]))
    body = rows[skip:]
    columns = [column[skip:] for column in columns]
    if not body:
        return []
    stamps = {i for i in range(width) if _mostly(columns[i], _is_timestamp)}
    names = [i for i in range(width) if i not in stamps and _mostly(columns[i], _is_name)]
    if not names:
        return []
    speaker_col = names[0]
    others = [i for i in range(width) if i not in stamps and i != speaker_col]
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
    out: list[tuple[str | None, str, str | None]] = []
    for row in body:
        stamp = _TS.match(row[stamp_col].strip()) if stamp_col is not None else None
        out.append(
            (
                one_line(row[speaker_col]) or None,
                row[text_col],
                normalize_timestamp(stamp.group(1)) if stamp else None,
            )
        )
    return out


def _mostly(cells: list[str], test: Any) -> bool:
    filled = [cell for cell in cells if cell]
    return bool(filled) and sum(bool(test(cell)) for cell in filled) >= 0.8 * len(filled)


def _is_timestamp(cell: str) -> bool:
    return bool(_TS.match(cell.strip()))


def _is_name(cell: str) -> bool:
    words = cell.split()
    return 0 < len(words) <= 5 and len(cell) <= 40 and not cell.rstrip().endswith(("?", "!"))
