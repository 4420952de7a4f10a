"""Plain-text transcripts (.txt, .md, and the text of .docx/.pdf files): the usual shapes of
`ingest.transcript`, plus the exports of meeting tools, detected from the content:

    Zoom        00:01:23 Paul Martin: text              (one line; the usual timestamped shape)
                [Paul Martin] 10:02:03                  (two lines: header, then the speech)
                text
    Teams       Paul Martin   0:03                      (header line, then the speech)
                text
                0:0:3.52 --> 0:0:7.84                   (older .docx export: timing, speaker,
                Paul Martin                              then the speech)
                text
    Otter       Paul Martin  0:03                       (same shape as Teams; the file usually
                text                                     ends with "Transcribed by otter.ai")
    brackets    [Paul Martin]                           (the name alone on its line, or
                text                                     `[Paul Martin] text` when names come back)
    tab table   Paul<TAB>00:01:02<TAB>text              (speaker / time / text cells, `rows`)
    numbered    12   Paul: text                         (line numbers, page numbers, headers:
                     continuation                        `line_numbered`)
    f4 marks    I: text #00:01:23-4#                    (f4 / MAXQDA time marks)

Shapes that carry furniture (line numbers, cells, time marks) are rebuilt one turn per line
(`Speaker: speech`), so none of it is ever in a turn's speech; the others keep the text as it is.

A whole HTML page saved as .md/.txt is refused: its markup would become evidence.
"""

from __future__ import annotations

import re
from collections import Counter

from ingest.formats.base import FormatError, ParsedText
from ingest.formats.line_numbered import F4_MARK, parse_line_numbered, rebuild_turns
from ingest.formats.rows import parse_tab_table
from ingest.transcript import (
    DISCOURSE_LABELS,
    METADATA_KEYS,
    Turn,
    normalize_timestamp,
    role_of_label,
)
from ingest.transcript import parse_transcript as parse_usual_shapes

_TS = r"\d{1,2}:\d{2}(?::\d{2})?"
# "[Paul Martin] 10:02:03" alone on its line (Zoom's .txt transcript).
_ZOOM_HEADER = re.compile(rf"^[ \t]*\[(?P<name>[^\]\n]{{1,80}})\][ \t]+(?P<ts>{_TS})[ \t]*$")
# "Paul Martin   0:03" alone on its line (Teams, Otter). A name: 1-6 words, no sentence mark.
_NAME_TS_HEADER = re.compile(
    rf"^[ \t]*(?P<name>[^\W\d_][^\s:.,;!?]*(?:[ \t][^\s:,;!?]+){{0,5}}?)[ \t]+(?P<ts>{_TS})[ \t]*$"
)
# "0:0:3.52 --> 0:0:7.84" then the speaker's name on the next line (older Teams .docx).
_CUE_TIMING = re.compile(
    r"^[ \t]*(?P<ts>\d{1,2}:\d{1,2}:\d{1,2})(?:[.,]\d+)?[ \t]*-->[ \t]*\d{1,2}:\d{1,2}:\d{1,2}"
    r"(?:[.,]\d+)?[ \t]*$"
)
# "[Paul Martin]" alone on its line, or "[Paul Martin] text" / "[Paul Martin]: text".
_BRACKET = re.compile(
    r"^[ \t]*\[(?P<name>[^\W\d_][^\]\n]{0,39})\][ \t]*:?[ \t]*(?P<rest>.*?)[ \t]*$"
)
# What transcribers put in brackets at the start of a line without it being anyone's name.
_ANNOTATIONS = frozenset(
    "inaudible incompréhensible incomprehensible inintelligible unintelligible crosstalk "
    "chevauchement overlap overlapping laughter laughs laughing laugh rires rire rit sourire "
    "sourit music musique silence pause soupir soupire sigh sighs toux tousse cough coughs "
    "bruit bruits noise applause applaudissements coupure interruption blank_audio blank "
    "hésitation hesitation redacted anonymisé anonymise nom name inaudible".split()
)
_OTTER_FOOTER = re.compile(r"^[ \t]*Transcribed by https?://otter\.ai", re.IGNORECASE)
_HTML_PAGE = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!doctype html|<html[\s>])", re.IGNORECASE)

Header = tuple[int, int, str, str]  # header line start, speech start, speaker, raw timestamp


def parse_text(text: str) -> ParsedText:
    """Turns and metadata of a transcript text; offsets index the returned text (`text`
    itself, or its rebuilt form for the shapes with furniture)."""
    if _HTML_PAGE.match(text):
        raise FormatError(
            "this is an HTML page, not a transcript (its markup would become quotes)",
            "save the page as plain text (.txt) or open it in Word and save it as .docx",
        )
    rebuilt = parse_tab_table(text) or parse_line_numbered(text)
    if rebuilt is not None:
        return rebuilt
    usual = parse_usual_shapes(text)
    lines = _lines(text)
    for kind, headers in (
        ("zoom", _zoom_headers(lines)),
        ("brackets", _bracket_headers(lines)),
        ("teams", _teams_cue_headers(lines)),
        ("teams", _name_ts_headers(lines)),
    ):
        named_usual = sum(t.speaker is not None for t in usual.turns)
        if len(headers) >= 2 and len(headers) > named_usual // 2:
            if kind == "teams" and "otter.ai" in text.lower():
                kind = "otter"
            return ParsedText(text, _turns(text, lines, headers), usual.metadata | {"format": kind})
    if len(F4_MARK.findall(text)) >= 2 and any(t.speaker for t in usual.turns):
        return rebuild_turns(text, {"format": "f4 time marks"})
    metadata = dict(usual.metadata)
    if usual.turns and all(t.timestamp for t in usual.turns if t.speaker):
        metadata.setdefault("format", "timestamped")
    return ParsedText(text, usual.turns, metadata)


def _lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    position = 0
    for line in text.split("\n"):
        out.append((position, line))
        position += len(line) + 1
    return out


def _zoom_headers(lines: list[tuple[int, str]]) -> list[Header]:
    headers: list[Header] = []
    for index, (start, line) in enumerate(lines):
        match = _ZOOM_HEADER.match(line)
        if match:
            headers.append((start, _next_start(lines, index), match["name"].strip(), match["ts"]))
    return headers


def _name_ts_headers(lines: list[tuple[int, str]]) -> list[Header]:
    headers: list[Header] = []
    for index, (start, line) in enumerate(lines):
        match = _NAME_TS_HEADER.match(line)
        if not match or match["name"].strip().casefold() in DISCOURSE_LABELS | METADATA_KEYS:
            continue
        headers.append((start, _next_start(lines, index), match["name"].strip(), match["ts"]))
    names = Counter(name.casefold() for _, _, name, _ in headers)
    # A stray "Rendez-vous à 14:30" is not a transcript: speakers come back, or the file
    # opens with a header.
    if len(headers) >= 2 and (max(names.values()) >= 2 or len(headers) >= 3):
        return headers
    return []


def _bracket_headers(lines: list[tuple[int, str]]) -> list[Header]:
    found: list[tuple[int, int, str, bool]] = []  # line start, speech start, name, alone
    for index, (start, line) in enumerate(lines):
        match = _BRACKET.match(line)
        if not match or re.fullmatch(rf"{_TS}(?:[.,]\d+)?", match["rest"]):
            continue  # "[Paul Martin] 10:02:03" is Zoom's
        name = " ".join(match["name"].split())
        key = name.casefold()
        first = key.split()[0].strip(".,:;…")
        if (
            len(name.split()) > 4
            or key in DISCOURSE_LABELS | METADATA_KEYS
            or first in _ANNOTATIONS
        ):
            continue
        alone = not match["rest"]
        speech = _next_start(lines, index) if alone else start + match.start("rest")
        found.append((start, speech, name, alone))
    names = Counter(name.casefold() for _, _, name, _ in found)
    headers = [
        (start, speech, name, "")
        for start, speech, name, alone in found
        if names[name.casefold()] >= 2
        or role_of_label(name) is not None
        or (alone and all(word[:1].isupper() for word in name.split()))
    ]
    if len(headers) >= 2 and max(names.values()) >= 2:
        return headers
    return []


def _teams_cue_headers(lines: list[tuple[int, str]]) -> list[Header]:
    headers: list[Header] = []
    for index, (start, line) in enumerate(lines[:-2]):
        match = _CUE_TIMING.match(line)
        name = lines[index + 1][1].strip()
        if match and name and len(name) <= 80 and lines[index + 2][1].strip():
            headers.append((start, _next_start(lines, index + 1), name, match["ts"]))
    return headers


def _next_start(lines: list[tuple[int, str]], index: int) -> int:
    if index + 1 < len(lines):
        return lines[index + 1][0]
    return lines[index][0] + len(lines[index][1])


def _turns(text: str, lines: list[tuple[int, str]], headers: list[Header]) -> list[Turn]:
    footer = next((start for start, line in lines if _OTTER_FOOTER.match(line)), len(text))
    turns: list[Turn] = []
    for index, (_, speech_start, speaker, timestamp) in enumerate(headers):
        end = headers[index + 1][0] if index + 1 < len(headers) else len(text)
        end = min(end, footer) if speech_start < footer else end
        start = speech_start
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            turns.append(Turn(speaker, start, end, normalize_timestamp(timestamp)))
    return turns
