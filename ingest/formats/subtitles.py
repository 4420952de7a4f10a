"""Subtitle files: WebVTT (.vtt, webvtt-py) and SubRip (.srt, pysrt).

Speakers come from WebVTT voice tags (`<v Paul Martin>…`, Teams) or a `Name: text` prefix in
the cue (Zoom's .vtt, hand-made captions; `>> Name:` and `- Name:` too); a cue without one
continues the last speaker. Consecutive cues of the same speaker merge into one turn, stamped
with its first cue's start (HH:MM:SS). Cues with no speaker at all merge until a sentence ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pysrt
import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from ingest.formats.base import FormatError, ParsedText, TextBuilder, one_line, seconds_to_timestamp
from ingest.transcript import DISCOURSE_LABELS, INTERVIEWER_LABELS, METADATA_KEYS

_PREFIX = re.compile(
    r"^(?:>>+|-)?[ \t]*(?P<name>[^\W\d_][\w.'’-]*(?:[ \t][\w.'’-]+){0,3}?)[ \t]*:[ \t]+"
    r"(?P<speech>\S.*)$",
    re.DOTALL,
)
_SENTENCE_END = re.compile(r"[.!?…][\"'»”)\]]*$")


@dataclass(frozen=True)
class Cue:
    seconds: float | None
    text: str
    voice: str | None = None


def parse_vtt(text: str) -> ParsedText:
    if not text.lstrip().startswith("WEBVTT"):
        raise FormatError("malformed WebVTT: the file does not start with 'WEBVTT'", _HINT)
    try:
        captions = webvtt.from_string(text).captions
    except (MalformedFileError, MalformedCaptionError) as error:
        raise FormatError(f"malformed WebVTT ({error})", _HINT) from None
    except Exception as error:  # the library's parser on arbitrary input
        raise FormatError(f"malformed WebVTT ({type(error).__name__}: {error})", _HINT) from None
    cues = [Cue(c.start_time.in_milliseconds() / 1000, c.text, c.voice) for c in captions]
    return merge_cues(cues, "webvtt")


def parse_srt(text: str) -> ParsedText:
    try:
        items = pysrt.from_string(text, error_handling=pysrt.ERROR_RAISE)
    except pysrt.Error as error:
        where = (
            f" near line {error.args[0] + 1}"
            if error.args and isinstance(error.args[0], int)
            else ""
        )
        raise FormatError(f"malformed SubRip: a cue has broken timestamps{where}", _HINT) from None
    except Exception as error:
        raise FormatError(f"malformed SubRip ({type(error).__name__}: {error})", _HINT) from None
    cues = [Cue(item.start.ordinal / 1000, item.text_without_tags) for item in items]
    return merge_cues(cues, "srt")


_HINT = "re-export the captions from the meeting tool, or export the transcript as .txt or .docx"


def merge_cues(cues: list[Cue], kind: str) -> ParsedText:
    """Consecutive cues of one speaker as one turn (also for JSON transcripts' utterances)."""
    if not any(cue.text.strip() for cue in cues):
        raise FormatError("no captions with text in the file", _HINT)
    merged: list[tuple[str | None, float | None, list[str]]] = []
    speaker: str | None = None
    for cue in cues:
        body = one_line(cue.text)
        if not body:
            continue
        if cue.voice:
            speaker = one_line(cue.voice)
        else:
            named, body = _split_prefix(body)
            speaker = named or speaker
        last = merged[-1] if merged else None
        same = last is not None and last[0] == speaker
        if (
            same
            and last is not None
            and (speaker is not None or not _SENTENCE_END.search(last[2][-1]))
        ):
            last[2].append(body)
        else:
            merged.append((speaker, cue.seconds, [body]))
    builder = TextBuilder()
    for name, seconds, bodies in merged:
        stamp = seconds_to_timestamp(seconds) if seconds is not None else None
        builder.add_turn(name, " ".join(bodies), stamp)
    return builder.build({"format": kind})


def _split_prefix(body: str) -> tuple[str | None, str]:
    match = _PREFIX.match(body)
    if not match:
        return None, body
    name = match["name"].strip()
    key = name.casefold()
    if key in DISCOURSE_LABELS or key in METADATA_KEYS:
        return None, body
    if key in INTERVIEWER_LABELS or all(word[:1].isupper() for word in name.split()):
        return name, match["speech"]
    return None, body
