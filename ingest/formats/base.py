"""What every format parser returns, and the helpers they share. Pure: no disk, no store.

A parser turns the bytes (or decoded text) of one file into either
- a `ParsedText`: the text offsets will index (NFC, `\\n` newlines), its speaker turns as spans
  of that text, and metadata; or
- `Table`s: rows of named cells (reviews, survey answers), one source per row.
A parser that cannot read its input raises `FormatError(reason, hint)`; `ingest.loaders` adds the
file name and turns it into `UnreadableFileError`.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from assistant.model import Role
from ingest.transcript import Turn

# Control characters that extraction (PDF, Word) can leave in a text; \t and \n are kept.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FormatError(Exception):
    """The content cannot be read as its format: `reason` says why, `hint` what to do."""

    def __init__(self, reason: str, hint: str) -> None:
        self.reason = reason
        self.hint = hint
        super().__init__(f"{reason} — {hint}")


@dataclass(frozen=True)
class ParsedText:
    """A transcript-like document: `turns` are spans of `text` (speech only, no labels);
    `roles` are the roles the file itself gives its speakers (a TEI header), if any."""

    text: str
    turns: list[Turn]
    metadata: dict[str, str] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    """Rows of one table (a CSV, a sheet, a JSON list). `rows[i]` is data row i + 1."""

    header: list[str]
    rows: list[dict[str, str]]
    name: str | None = None  # the sheet's name, for workbooks with several


def clean_text(text: str) -> str:
    """NFC, `\\n` newlines, no control characters: the form every source text takes."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n")
    return unicodedata.normalize("NFC", _CONTROL.sub("", text))


def one_line(text: str) -> str:
    """Wrapped caption or XML text as one line: whitespace runs become one space."""
    return " ".join(clean_text(text).split())


def seconds_to_timestamp(seconds: float) -> str:
    """12.3 → '00:00:12' (HH:MM:SS, as `Segment.timestamp` wants)."""
    total = max(int(seconds), 0)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


class TextBuilder:
    """Writes a readable transcript text turn by turn and records each turn's speech span, so
    offsets are right by construction. A turn renders as `[HH:MM:SS] Speaker: speech`."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.turns: list[Turn] = []

    def _write(self, piece: str) -> None:
        self._parts.append(piece)
        self._length += len(piece)

    def _newline(self) -> None:
        if self._length:
            self._write("\n")

    def add_turn(self, speaker: str | None, speech: str, timestamp: str | None = None) -> None:
        speech = clean_text(speech).strip()
        if not speech:
            return
        speaker = one_line(speaker or "") or None
        self._newline()
        prefix = f"[{timestamp}] " if timestamp else ""
        if speaker:
            prefix += f"{speaker}: "
        self._write(prefix)
        start = self._length
        self._write(speech)
        self.turns.append(Turn(speaker=speaker, start=start, end=self._length, timestamp=timestamp))

    def add_parsed(self, parsed: ParsedText, *, keep_anonymous: bool = True) -> None:
        """Append another parsed text (e.g. paragraphs between tables), shifting its turns."""
        if not parsed.text.strip():
            return
        self._newline()
        shift = self._length
        self._write(parsed.text)
        self.turns.extend(
            Turn(t.speaker, t.start + shift, t.end + shift, t.timestamp)
            for t in parsed.turns
            if keep_anonymous or t.speaker is not None
        )

    def add_text(self, text: str) -> None:
        """Text that is no one's speech (a title, a note), on its own lines."""
        if text.strip():
            self._newline()
            self._write(clean_text(text).strip())

    def build(
        self, metadata: dict[str, str] | None = None, roles: dict[str, Role] | None = None
    ) -> ParsedText:
        return ParsedText(
            "".join(self._parts), list(self.turns), dict(metadata or {}), dict(roles or {})
        )


# An Office file is a ZIP: refuse one that would unpack to more than this (a "zip bomb").
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024


def check_office_zip(data: bytes, what: str, required: str, hint: str) -> None:
    """Refuse early, with a clear reason, what python-docx or openpyxl would choke on.
    `what` names the format with its article ("a Word .docx document")."""
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise FormatError(
            f"this is not {what} but an old binary Office file (.doc/.xls), or the file is "
            "password-protected",
            f"remove the password or re-save it as {what.split(' ', 1)[1]} in Office, then ingest "
            "again",
        )
    if not data.startswith(b"PK"):
        raise FormatError(f"this is not {what} (it is not a ZIP container)", hint)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
        raise FormatError(f"damaged or truncated file ({error})", hint) from None
    if required not in names:
        raise FormatError(f"this ZIP archive is not {what} (no {required})", hint)
    if unpacked > MAX_UNZIPPED_BYTES:
        raise FormatError(
            f"the file would unpack to {unpacked / 2**20:.0f} MB "
            f"(limit {MAX_UNZIPPED_BYTES // 2**20} MB)",
            "save a copy without embedded media, or export the text, then ingest it",
        )
