"""Transcriber .trs files (XML; the usual format of French speech research corpora).

`<Speakers>` gives each speaker id a name; each `<Turn speaker="spk1" startTime="12.3">` is a
turn stamped with its start (HH:MM:SS). Its text is the text between the `<Sync>`, `<Event>`,
`<Comment>` and `<Background>` marks (whitespace runs become one space). An overlapping turn
(`speaker="spk1 spk2"` with `<Who nb="1"/>`, `<Who nb="2"/>`) gives one turn per speaker.

Parsing uses defusedxml: no entity expansion, no external DTD or entity is fetched. The XML
prolog's encoding (often ISO-8859-1) is honoured; a file declared ISO-8859-1 whose bytes are in
fact UTF-8 (a common mistake of converters) is read as UTF-8.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ingest.formats.base import FormatError, ParsedText, TextBuilder, one_line, seconds_to_timestamp
from ingest.formats.encoding import decode_text

HINT = "open the file in Transcriber and save it again, or export the transcript as .txt"
_PROLOG = re.compile(rb"^(\s*<\?xml[^>]*?encoding=[\"'])([^\"']+)([\"'])", re.IGNORECASE)
_LATIN = {b"iso-8859-1", b"iso8859-1", b"latin-1", b"latin1", b"iso-8859-15", b"windows-1252"}


def parse_trs(data: bytes) -> ParsedText:
    root = parse_xml(data)
    if root.tag != "Trans":
        raise FormatError(
            f"this XML is not a Transcriber file (root <{root.tag}>, not <Trans>)", HINT
        )
    names = {
        speaker.get("id", ""): one_line(speaker.get("name") or speaker.get("id") or "")
        for speaker in root.iter("Speaker")
    }
    builder = TextBuilder()
    for turn in root.iter("Turn"):
        ids = (turn.get("speaker") or "").split()
        stamp = _timestamp(turn.get("startTime"))
        for who, speech in _speech_by_speaker(turn, len(ids)):
            speaker_id = ids[who] if who < len(ids) else None
            speaker = names.get(speaker_id or "", speaker_id) if speaker_id else None
            builder.add_turn(speaker or None, speech, stamp)
    parsed = builder.build({"format": "transcriber"})
    if not parsed.turns:
        raise FormatError("the Transcriber file has no transcribed speech", HINT)
    return parsed


def parse_xml(data: bytes, hint: str = HINT) -> Element:
    """The root of an XML file, safely (defusedxml), honouring or repairing its prolog."""
    if not data.strip():
        raise FormatError("the file is empty", "check the export, then ingest again")
    prolog = _PROLOG.match(data)
    if prolog and prolog.group(2).lower() in _LATIN and not data.isascii():
        try:
            data.decode("utf-8")
            data = data[: prolog.start(2)] + b"UTF-8" + data[prolog.end(2) :]
        except UnicodeDecodeError:
            pass
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException as error:
        raise FormatError(f"unsafe XML refused ({type(error).__name__})", hint) from None
    except ParseError as error:
        if "encoding" in str(error) or "invalid token" in str(error):
            return _parse_legacy(data, hint)
        raise FormatError(f"malformed XML ({error})", hint) from None
    except Exception as error:
        raise FormatError(f"malformed XML ({type(error).__name__}: {error})", hint) from None


def _parse_legacy(data: bytes, hint: str) -> Element:
    """Bytes that do not match the declared encoding: decode them as any text file."""
    text = decode_text(data).text
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        return SafeET.fromstring(text)
    except (ParseError, DefusedXmlException, ValueError) as error:
        raise FormatError(f"malformed XML ({error})", hint) from None


def _speech_by_speaker(turn: Element, speakers: int) -> list[tuple[int, str]]:
    """(speaker index, text) pieces of a turn; `<Who nb="2"/>` switches to the 2nd speaker."""
    pieces: dict[int, list[str]] = {}
    order: list[int] = []
    current = 0

    def add(text: str | None) -> None:
        if text and text.strip():
            if current not in pieces:
                pieces[current] = []
                order.append(current)
            pieces[current].append(text)

    add(turn.text)
    for child in turn:
        if child.tag == "Who" and speakers > 1:
            try:
                current = max(int(child.get("nb", "1")) - 1, 0)
            except ValueError:
                current = 0
        add(child.tail)
    return [(who, one_line(" ".join(pieces[who]))) for who in order]


def _timestamp(raw: str | None) -> str | None:
    try:
        return seconds_to_timestamp(float(raw)) if raw else None
    except ValueError:
        return None
