"""Which parser reads which extension, and reading one file's bytes into a transcript or tables.

A `.json` file is a transcript when its shape says so (`json_transcripts`: utterances with
speakers and times), else rows of reviews (`tables.read_json`), as before.
"""

from __future__ import annotations

from collections.abc import Callable

from ingest.formats.base import FormatError, ParsedText, Table
from ingest.formats.encoding import decode_text
from ingest.formats.json_transcripts import read_json_transcript
from ingest.formats.pdf import parse_pdf
from ingest.formats.subtitles import parse_srt, parse_vtt
from ingest.formats.tables import read_csv, read_json, read_xlsx
from ingest.formats.tei import parse_tei
from ingest.formats.text import parse_text
from ingest.formats.transcriber import parse_trs
from ingest.formats.word import parse_docx

# Transcripts read from decoded text, and from the raw bytes.
TEXT_TRANSCRIPTS: dict[str, Callable[[str], ParsedText]] = {
    ".txt": parse_text,
    ".md": parse_text,
    ".markdown": parse_text,
    ".vtt": parse_vtt,
    ".srt": parse_srt,
}
BINARY_TRANSCRIPTS: dict[str, Callable[[bytes], ParsedText]] = {
    ".docx": parse_docx,
    ".pdf": parse_pdf,
    ".trs": parse_trs,
    ".xml": parse_tei,  # also .tei.xml; a <Trans> root is read as .trs
}
TEXT_TABLES: dict[str, Callable[[str], Table]] = {
    ".csv": read_csv,
    ".tsv": read_csv,
    ".json": read_json,
}
BINARY_TABLES: dict[str, Callable[[bytes], list[Table]]] = {".xlsx": read_xlsx}

TRANSCRIPT_SUFFIXES = tuple(TEXT_TRANSCRIPTS) + tuple(BINARY_TRANSCRIPTS)
TABLE_SUFFIXES = tuple(TEXT_TABLES) + tuple(BINARY_TABLES)
SUPPORTED_SUFFIXES = TRANSCRIPT_SUFFIXES + TABLE_SUFFIXES
BINARY_SUFFIXES = tuple(BINARY_TRANSCRIPTS) + tuple(BINARY_TABLES)

Read = tuple[ParsedText, str | None] | list[Table]  # (transcript, encoding) or tables


def read_file(suffix: str, data: bytes) -> Read:
    """A transcript and the encoding its text was decoded from (None for binary formats), or
    the tables of a file of reviews. Raises `FormatError`."""
    if suffix in BINARY_SUFFIXES and not data.strip():
        raise FormatError("the file is empty", "check the export, then ingest again")
    if suffix in BINARY_TRANSCRIPTS:
        return BINARY_TRANSCRIPTS[suffix](data), None
    if suffix in BINARY_TABLES:
        return BINARY_TABLES[suffix](data)
    decoded = decode_text(data)
    if suffix == ".json":
        transcript = read_json_transcript(decoded.text)
        if transcript is not None:
            return transcript, decoded.encoding
    if suffix in TEXT_TABLES:
        return [TEXT_TABLES[suffix](decoded.text)]
    return TEXT_TRANSCRIPTS[suffix](decoded.text), decoded.encoding
