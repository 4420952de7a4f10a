"""Line-numbered transcripts: the shape QDA tools (MAXQDA, NVivo, ATLAS.ti) and published
studies export, often through a PDF:

    Interview 3 — Dan (extract)                  a title, kept as text (not speech)
    1    Interviewer: So how do you usually      a numbered turn start
    2    shop for groceries?                     a numbered continuation
    3    Dan: Mostly online. I use the app,
         because it's quicker.                   an unnumbered (indented) continuation
    - 2 -                                        a page number: dropped
    Interview 3 — Dan (extract)                  a repeated page header: dropped
    4    Interviewer: Why the app?

A text is line-numbered when at least three lines, and at least a third of its lines, start with
a number followed by a space or a tab, those numbers run in sequence (each 1 to 5 above the one
before, or starting again at 1 on a new page), and speaker labels, if any, follow the numbers
(`R : Trois raisons :` then `1 le prix`, `2 la livraison` is a list inside an answer). A number
out of sequence is speech ("40 euros, quoi."), not a line number. Bare numbers, `Page 3`, `- 3 -`
and `3/12` lines are page numbers (or numbered blank lines) and go; so do unnumbered lines after
the first numbered one that end with their page (`… – page 2/5`) or come back (page headers and
footers: twice with a page break or the title nearby, or three times). What remains is read as a
usual transcript (`ingest.transcript`), then each turn is rebuilt on one line — `Speaker: speech`
— so a wrapped sentence stays one sentence, and no line number, page number or header is ever in
a turn's speech.

f4 / MAXQDA time marks (`#00:01:23-4#`, at the end of a paragraph) are taken out of the speech
the same way; the mark that ends a turn stamps the next one.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass

from ingest.formats.base import ParsedText, TextBuilder, one_line
from ingest.transcript import normalize_timestamp, parse_transcript

_NUMBERED = re.compile(r"^[ \t]*(?P<n>\d{1,5})(?:[ \t]+(?P<rest>\S.*?))?[ \t]*$")
PAGE_MARK = re.compile(
    r"^[ \t]*(?:[-–—][ \t]*\d{1,4}[ \t]*[-–—]"
    r"|(?:page|p\.|pg\.|seite|pagina)[ \t]*\d{1,4}(?:[ \t]*(?:/|of|sur|de|von)[ \t]*\d{1,4})?"
    r"|\d{1,4}[ \t]*(?:/|of|sur)[ \t]*\d{1,4})[ \t]*$",
    re.IGNORECASE,
)
# A line ending with its page: "Entretien 12 – page 1/2", "Study B, p. 3".
_PAGE_AT_END = re.compile(
    r"(?:\bpage|\bp\.|\bseite)[ \t]*\d{1,4}(?:[ \t]*(?:/|of|sur|de|von)[ \t]*\d{1,4})?[ \t]*$",
    re.IGNORECASE,
)
F4_MARK = re.compile(r"[ \t]*#(?P<ts>\d{1,2}:\d{2}:\d{2})(?:[-.,]\d{1,3})?#")
_MAX_STEP = 5


@dataclass
class _Lines:
    kept: list[str]  # the lines without their numbers, furniture dropped
    first: int
    last: int
    page_numbers: int
    headers: int
    numbered: str  # the numbered lines' text, without their numbers


def parse_line_numbered(text: str) -> ParsedText | None:
    """The turns of a line-numbered transcript, or None when `text` is not one."""
    lines = _strip_numbers(text)
    if lines is None or _labels_without_numbers(text, lines):
        return None
    metadata = {"format": "line-numbered", "line_numbers": f"{lines.first}–{lines.last}"}
    removed = []
    if lines.page_numbers:
        removed.append(f"{lines.page_numbers} page numbers")
    if lines.headers:
        removed.append(f"{lines.headers} repeated header/footer lines")
    if removed:
        metadata["page_furniture"] = ", ".join(removed) + " removed"
    return rebuild_turns("\n".join(lines.kept), metadata)


def rebuild_turns(clean: str, metadata: dict[str, str]) -> ParsedText:
    """Read `clean` as a usual transcript, then write each turn on one line (`Speaker: speech`,
    time marks out of the speech), keeping the text before the first turn as text."""
    parsed = parse_transcript(clean)
    builder = TextBuilder()
    if parsed.turns:
        builder.add_text(clean[: clean.rfind("\n", 0, parsed.turns[0].start) + 1])
    mark: str | None = None
    for turn in parsed.turns:
        raw = clean[turn.start : turn.end]
        marks = [normalize_timestamp(m["ts"]) for m in F4_MARK.finditer(raw)]
        stamp = turn.timestamp or mark or (marks[0] if marks else None)
        builder.add_turn(turn.speaker, one_line(F4_MARK.sub("", raw)), stamp)
        mark = marks[-1] if marks else None
    return builder.build(parsed.metadata | metadata)


def _labels_without_numbers(text: str, lines: _Lines) -> bool:
    """Speaker labels at the start of unnumbered lines ("R : Trois raisons :" before a numbered
    list "1 le prix", "2 la livraison"): the numbers are speech, not line numbers."""
    plain = sum(turn.speaker is not None for turn in parse_transcript(text).turns)
    numbered = sum(turn.speaker is not None for turn in parse_transcript(lines.numbered).turns)
    return plain > numbered // 2


def _strip_numbers(text: str) -> _Lines | None:
    raw = text.replace("\f", "\n").split("\n")
    kinds: list[str] = []  # "numbered", "blank-numbered", "page", "text", "blank"
    rests: list[str] = []
    numbers: list[int] = []
    last: int | None = None
    for line in raw:
        match = _NUMBERED.match(line)
        number = int(match["n"]) if match else None
        in_sequence = number is not None and (
            last is None or 0 < number - last <= _MAX_STEP or (number <= 1 < last)
        )
        if match and in_sequence and number is not None:
            kinds.append("numbered" if match["rest"] else "blank-numbered")
            rests.append(match["rest"] or "")
            numbers.append(number)
            last = number
        elif (match and not match["rest"]) or PAGE_MARK.match(line):
            kinds.append("page")
            rests.append("")
        else:
            kinds.append("text" if line.strip() else "blank")
            rests.append(line.strip())
    spoken = kinds.count("numbered")
    text_lines = spoken + kinds.count("text")
    steps = [b - a for a, b in itertools.pairwise(numbers)]
    if spoken < 3 or spoken < text_lines / 3 or sum(s == 1 for s in steps) < 0.7 * len(steps):
        return None
    start = kinds.index("numbered") if "numbered" in kinds else len(kinds)
    start = min(start, kinds.index("blank-numbered") if "blank-numbered" in kinds else start)
    headers = _headers(raw, kinds, start)
    kept = [line.rstrip() for line, kind in zip(raw[:start], kinds, strict=False) if kind != "page"]
    page_numbers = 0
    for index in range(start, len(raw)):
        kind = kinds[index]
        if kind == "page":
            page_numbers += 1
        elif index not in headers:
            kept.append(rests[index])
    numbered = "\n".join(
        rest for rest, kind in zip(rests, kinds, strict=True) if kind == "numbered"
    )
    return _Lines(kept, numbers[0], numbers[-1], page_numbers, len(headers), numbered)


def _headers(raw: list[str], kinds: list[str], start: int) -> set[int]:
    """Unnumbered lines after the first numbered one that come back: headers and footers."""
    forms = [_form(line) for line in raw]
    counts = Counter(form for form, kind in zip(forms, kinds, strict=True) if kind == "text")
    before = set(forms[:start])
    breaks = [i for i, kind in enumerate(kinds) if kind == "page"]
    headers = set()
    for index in range(start, len(raw)):
        form = forms[index]
        if kinds[index] == "text" and _PAGE_AT_END.search(raw[index]):
            headers.add(index)
        if kinds[index] != "text" or counts[form] < 2 or len(form) < 3:
            continue
        near_break = any(abs(index - b) <= 3 for b in breaks)
        if form in before or near_break or counts[form] >= 3:
            headers.add(index)
    return headers


def _form(line: str) -> str:
    """A header's shape, whatever its page number: 'Entretien 3 – p. 2' → 'entretien # – p. #'."""
    return " ".join(re.sub(r"\d+", "#", line).casefold().split())
