"""Bytes → text: BOM-aware, UTF-8 first, then charset-normalizer's best guess among the Western
European legacy encodings. The result is NFC-normalised with `\\n` newlines."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from charset_normalizer import from_bytes

from ingest.formats.base import FormatError

MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (.docx, .xlsx, …)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.doc, .xls) or a protected one"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "an executable"),
    (b"ID3", "an MP3 file"),
    (b"RIFF", "a RIFF media file (.wav, .avi)"),
)

# Our users' files that are not UTF-8 come from Western European Windows or Mac exports.
# Unrestricted guessing reads short French latin-1 text as cp1250 ("trčs"), so we restrict it.
LEGACY_ENCODINGS = ("cp1252", "latin_1", "iso8859_15", "mac_roman")

TEXT_HINT = "export the transcript as .txt, .md, .docx or .csv"


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def sniff_binary(data: bytes) -> str | None:
    """What a binary file is, from its first bytes ('a PNG image'), or None."""
    for magic, what in MAGIC:
        if data.startswith(magic):
            return what
    return None


def decode_text(data: bytes) -> Decoded:
    if not data:
        raise FormatError("the file is empty", "check the export, then ingest again")
    what = sniff_binary(data)
    if what:
        raise FormatError(f"this is {what}, not text", TEXT_HINT)
    encoding = bom_encoding(data)
    if encoding is None and b"\x00" in data[:8192]:
        raise FormatError("binary content (NUL bytes)", TEXT_HINT)
    try:
        text = data.decode(encoding or "utf-8")
        encoding = encoding or "utf-8"
    except UnicodeDecodeError:
        best = from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
        if best is None or best.encoding is None:
            raise FormatError(
                "undecodable bytes (not UTF-8, and no other encoding fits)",
                "re-save the file as UTF-8 text",
            ) from None
        text, encoding = str(best), best.encoding
    text = unicodedata.normalize(
        "NFC", text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    )
    if not text.strip():
        raise FormatError("the file holds only whitespace", "check the export")
    return Decoded(text, encoding)


def bom_encoding(data: bytes) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return None
