"""TEI XML transcriptions of speech (.xml, .tei.xml): the format of French spoken-language
corpora (ORFEO, CLAPI, ESLO exports, TEICORPO) and of ISO 24624 ("TEI for transcriptions of
speech"), read like a Transcriber file.

- Turns: each `<u who="#spk1">` (TEI P5 spoken chapter), or `<annotationBlock who=… start=…>`
  holding a `<u>` (ISO 24624, TEICORPO; its `<spanGrp>` annotations are not speech), or
  `<sp>` with `<speaker>` (interviews encoded as drama). `who` may lack its `#`.
- Speakers: the teiHeader's `<particDesc>` `<person xml:id="spk1">`, named by `<persName>`, else
  `@n`, else the id; `@role` (or `<roleName>`) gives the role when it names one (interviewer,
  enquêteur, investigator, interviewee, informant…), which then wins over the heuristics.
- Times: `@start` / `@synch` pointing at the `<timeline>`'s `<when>` (`absolute`, or `interval`
  `since` another one; `unit` s or ms), a number of seconds, or the first `<anchor synch>`.
- Not speech: `<pause/>`, `<vocal>`, `<incident>`, `<kinesic>`, `<gap/>`, `<anchor/>`, `<note>`,
  `<desc>`, `<shift/>`; `<w>` tokens are joined by spaces, `<choice>` keeps its regularised form.
  Overlapping speech (`<anchor>` marks, `<overlap>`/`<seg>` wrappers) stays in each speaker's turn.
A `<Trans>` root (a Transcriber file saved as .xml) is read as one. Parsing uses defusedxml.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from assistant.model import Role
from ingest.formats.base import FormatError, ParsedText, TextBuilder, one_line, seconds_to_timestamp
from ingest.formats.transcriber import parse_trs, parse_xml
from ingest.transcript import role_of_label

HINT = "export the transcription as TEI (P5) with <u who=…> turns, or as .trs or .txt"
_XML = "{http://www.w3.org/XML/1998/namespace}"
_SILENT = frozenset(
    "pause vocal incident kinesic gap anchor note desc shift lb pb milestone timeline when "
    "figure spanGrp span certainty media speaker stage".split()
)
_SPACED = frozenset({"w", "seg", "p", "l", "ab", "s"})
_PREFERRED = ("reg", "corr", "expan", "seg")
_ATTACHED = frozenset({",", ".", "…", "...", ")", "]", "?", "!", ";", ":", "»"})
_ROLE_WORDS = {
    "investigator": Role.INTERVIEWER,
    "enquêteur·rice": Role.INTERVIEWER,
    "interviewee": Role.PARTICIPANT,
    "target_child": Role.PARTICIPANT,
    "subject": Role.PARTICIPANT,
}
_CLOCK = re.compile(r"(?:\d{4}-\d{2}-\d{2}T)?(\d{1,2}):(\d{2}):(\d{2}(?:[.,]\d+)?)")

Utterance = tuple[str | None, str | None, str]  # who (an id or a name), start, speech


def parse_tei(data: bytes) -> ParsedText:
    root = parse_xml(data, HINT)
    tag = _local(root.tag)
    if tag == "Trans":
        return parse_trs(data)
    if tag not in ("TEI", "teiCorpus", "TEI.2"):
        raise FormatError(f"this XML is not a TEI transcription (root <{tag}>, not <TEI>)", HINT)
    people = _people(root)
    times = _timeline(root)
    builder = TextBuilder()
    roles: dict[str, Role] = {}
    for who, start, speech in _utterances(root):
        name, role = people.get(who or "", (who, None))
        seconds = _seconds(start, times)
        builder.add_turn(
            name, speech, seconds_to_timestamp(seconds) if seconds is not None else None
        )
        if name and role:
            roles[one_line(name)] = role
    if not builder.turns:
        raise FormatError("the TEI file has no transcribed speech (no <u> or <sp> turns)", HINT)
    return builder.build({"format": "tei"} | _header_metadata(root), roles)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> Iterator[Element]:
    return (child for child in element.iter() if _local(child.tag) == name)


def _people(root: Element) -> dict[str, tuple[str | None, Role | None]]:
    """Speaker id → (name, role given by the header)."""
    people: dict[str, tuple[str | None, Role | None]] = {}
    for person in _children(root, "person"):
        ident = person.get(f"{_XML}id") or person.get("id")
        if not ident:
            continue
        named = next((one_line(" ".join(p.itertext())) for p in _children(person, "persName")), "")
        name = named or one_line(person.get("n") or "") or ident
        labels = [
            person.get("role") or "",
            *(" ".join(r.itertext()) for r in _children(person, "roleName")),
        ]
        role = next((r for label in labels if (r := _role(label)) is not None), None)
        people[ident] = (name, role or _role(ident))
    return people


def _role(label: str) -> Role | None:
    key = one_line(label).casefold()
    return _ROLE_WORDS.get(key) or role_of_label(key) if key else None


def _utterances(root: Element) -> Iterator[Utterance]:
    yield from _walk(root, None, None)  # every <text> of a <teiCorpus>, not the headers


def _walk(element: Element, who: str | None, start: str | None) -> Iterator[Utterance]:
    for child in element:
        name = _local(child.tag)
        if name in ("teiHeader", "timeline", "spanGrp", "note"):
            continue
        if name == "annotationBlock":
            yield from _walk(child, _who(child.get("who")) or who, child.get("start") or start)
        elif name == "u":
            speech = one_line(_speech(child))
            if speech:
                yield _who(child.get("who")) or who, _start(child) or start, speech
        elif name == "sp":
            named = next(
                (one_line(" ".join(s.itertext())) for s in _children(child, "speaker")), ""
            )
            speech = one_line(_speech(child))
            if speech:
                yield (
                    _who(child.get("who")) or named.rstrip(":").strip() or who,
                    _start(child),
                    speech,
                )
        else:
            yield from _walk(child, who, start)


def _who(raw: str | None) -> str | None:
    first = (raw or "").split()
    return first[0].lstrip("#") if first else None


def _start(u: Element) -> str | None:
    stamp = u.get("start") or u.get("synch")
    if stamp:
        return stamp
    return next((a.get("synch") for a in _children(u, "anchor") if a.get("synch")), None)


def _speech(element: Element) -> str:
    """The words of an element: silent marks become spaces, `<w>` tokens are spaced."""
    pieces: list[str] = [element.text or ""]
    for child in element:
        name = _local(child.tag)
        if name in _SILENT:
            pieces.append(" ")
        elif name == "choice":
            options = list(child)
            fallback = options[0] if options else None
            kept = next((o for o in options if _local(o.tag) in _PREFERRED), fallback)
            pieces.append(_speech(kept) if kept is not None else "")
        elif name == "pc":
            text = "".join(child.itertext()).strip()
            if text in _ATTACHED:  # tokens' punctuation sticks to the word before: "oui,"
                pieces = ["".join(pieces).rstrip(), text]
            else:
                pieces.append(f" {text}")
        elif name in _SPACED:
            pieces.append(f" {_speech(child)} ")
        else:
            pieces.append(_speech(child))
        pieces.append(child.tail or "")
    return "".join(pieces)


def _timeline(root: Element) -> dict[str, float]:
    """`<when>` id → seconds from the timeline's origin (or from 0)."""
    whens: dict[str, tuple[Element, float]] = {}
    origin: str | None = None
    for timeline in _children(root, "timeline"):
        factor = 0.001 if (timeline.get("unit") or "s").lower() == "ms" else 1.0
        origin = origin or _who(timeline.get("origin"))
        for when in _children(timeline, "when"):
            ident = when.get(f"{_XML}id") or when.get("id")
            if ident:
                unit = when.get("unit")
                whens[ident] = (when, factor if unit is None else (0.001 if unit == "ms" else 1.0))
    resolved: dict[str, float | None] = {}
    for ident in whens:
        chain: list[str] = []
        current: str | None = ident
        while current is not None and current not in resolved and current not in chain:
            chain.append(current)
            if current not in whens:
                resolved[current] = None
                break
            when = whens[current][0]
            since, interval = _who(when.get("since")), _number(when.get("interval"))
            if since and interval is not None:
                current = since
                continue
            resolved[current] = _clock(when.get("absolute"))
            break
        value = resolved.get(current) if current is not None else None
        for step in reversed(chain):
            if step in resolved:
                value = resolved[step]
                continue
            when, factor = whens[step]
            interval = _number(when.get("interval"))
            value = (
                value + interval * factor if value is not None and interval is not None else None
            )
            resolved[step] = value
    base = resolved.get(origin or "") or 0.0
    return {ident: value - base for ident, value in resolved.items() if value is not None}


def _seconds(start: str | None, times: dict[str, float]) -> float | None:
    if not start:
        return None
    ident = _who(start) or ""
    if ident in times:
        return times[ident]
    return _number(start) if not start.startswith("#") else None


def _number(raw: str | None) -> float | None:
    try:
        return float(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def _clock(raw: str | None) -> float | None:
    """'12.5' → 12.5; '00:01:02.5' → 62.5; '2024-03-01T10:00:00' → 36000."""
    number = _number(raw)
    if number is not None or not raw:
        return number
    match = _CLOCK.search(raw)
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds.replace(",", "."))


def _header_metadata(root: Element) -> dict[str, str]:
    metadata: dict[str, str] = {}
    header = next(_children(root, "teiHeader"), None)
    if header is not None:
        title = next((one_line(" ".join(t.itertext())) for t in _children(header, "title")), "")
        if title:
            metadata["title"] = title
        language = next((lang.get("ident") for lang in _children(header, "language")), None)
    else:
        language = None
    text = next(_children(root, "text"), None)
    language = (
        language
        or root.get(f"{_XML}lang")
        or (text.get(f"{_XML}lang") if text is not None else None)
    )
    primary = (language or "").split("-")[0].lower()
    if re.fullmatch(r"[a-z]{2,3}", primary):
        metadata["language"] = primary
    return metadata
