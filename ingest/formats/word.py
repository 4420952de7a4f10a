"""Word documents (.docx, python-docx).

Paragraphs, in document order, form a text read like a .txt transcript (`Marie : texte`, the
Teams `Paul Martin   0:03` form…; see `ingest.formats.text`). A table whose rows are
speaker / text (optionally timestamp and line-number columns, optionally a header row; see
`ingest.formats.rows`) is a transcript: each row is a turn. Any other table's cells are kept as
paragraphs, row by row.
"""

from __future__ import annotations

import io
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
)
from ingest.formats.rows import Row, transcript_rows
from ingest.formats.text import parse_text

HINT = "open it in Word and save it again as .docx, or export the transcript as .txt"

Block = str | list[Row]  # paragraph text, or transcript rows


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
            turns = transcript_rows(rows)
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
