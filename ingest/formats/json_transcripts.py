"""JSON transcripts, as transcription services and meeting tools export them, told apart from a
list of reviews by their shape:

    WhisperX / Whisper   {"segments": [{"start": 1.2, "end": 3.4, "text", "speaker": "SPEAKER_00"}]}
    AssemblyAI           {"utterances": [{"speaker": "A", "start": 250, "end": 2990, "text"}]} (ms)
    Deepgram             {"results": {"utterances": [{"speaker": 0, "start", "end", "transcript"}]}}
                         or results.channels[0].alternatives[0].paragraphs.paragraphs[].sentences[]
    Rev.ai               {"monologues": [{"speaker": 0, "elements": [{"value": "…", "ts": 0.5}]}]}
    meeting tools        {"meeting_transcripts": [{"speaker": "…", "content": "…"}]}
    any other            a list (top level, or under one key) of objects with a text and a speaker
                         (`speaker`, `speaker_label`, `speakerName`…), or a text with start and end
                         times in the recording (not dates: those are a subscription's, say)

Times are seconds, milliseconds (`*_ms` keys, AssemblyAI, or integers whose median utterance
would last over 100 s), `"HH:MM:SS(.mmm)"` strings or ISO date-times (counted from the first).
Speakers given as a number or a single letter become `Speaker 0`, `Speaker A` (a bare "A" would
read as the "A:" answer label). Consecutive utterances of one speaker merge into one turn,
stamped with the first one's start, as for captions. Anything else is left to the reviews reader.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import statistics
from collections.abc import Mapping
from typing import Any

from ingest.formats.base import FormatError, ParsedText, one_line
from ingest.formats.subtitles import Cue, merge_cues

HINT = "export the transcript as JSON utterances (speaker, start, text), or as .txt or .vtt"
TEXT_KEYS = ("text", "transcript", "content", "utterance", "sentence")
SPEAKER_KEYS = (
    "speaker",
    "speaker_label",
    "speakerLabel",
    "speaker_name",
    "speakerName",
    "speaker_id",
    "speakerId",
    "spk",
)
WEAK_SPEAKER_KEYS = ("participant", "participantName", "participant_name", "who")
START_KEYS = ("start", "start_time", "startTime", "start_ms", "startMs", "begin", "offset", "ts")
END_KEYS = ("end", "end_time", "endTime", "end_ms", "endMs", "stop", "end_ts")
_CLOCK = re.compile(r"^(?:(\d{1,2}):)?(\d{1,2}):(\d{2}(?:[.,]\d+)?)$")

Item = Mapping[str, Any]


def read_json_transcript(text: str) -> ParsedText | None:
    """The transcript a JSON text holds, or None when it is something else (reviews…)."""
    try:
        loaded = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None  # the reviews reader reports it
    found = _find(loaded)
    if found is None:
        return None
    kind, items = found
    cues = _cues(kind, items)
    if not any(cue.text.strip() for cue in cues):
        raise FormatError("the JSON transcript's utterances hold no text", HINT)
    parsed = merge_cues(cues, f"json ({kind})")
    return ParsedText(parsed.text, parsed.turns, parsed.metadata | _language(loaded))


def _find(loaded: object) -> tuple[str, list[Item]] | None:
    if isinstance(loaded, list):
        return ("utterances", _dicts(loaded)) if _utterance_list(loaded) else None
    if not isinstance(loaded, dict):
        return None
    named: list[tuple[str, object]] = [
        ("assemblyai", loaded.get("utterances")),
        ("whisperx", loaded.get("segments")),
        ("meeting transcript", loaded.get("meeting_transcripts")),
        ("rev.ai", loaded.get("monologues")),
    ]
    results = loaded.get("results")
    if isinstance(results, dict):
        named += [
            ("deepgram", results.get("utterances")),
            ("deepgram", _deepgram_paragraphs(results)),
            ("amazon transcribe", results.get("audio_segments")),
        ]
    for kind, value in named:
        if isinstance(value, list) and value and _named_list(kind, value):
            if kind == "whisperx" and not any(_key(i, SPEAKER_KEYS) for i in _dicts(value)):
                kind = "whisper"
            return kind, _dicts(value)
    for value in loaded.values():
        if isinstance(value, list) and _utterance_list(value):
            return "utterances", _dicts(value)
    return None


def _dicts(values: list[Any]) -> list[Item]:
    return [value for value in values if isinstance(value, dict)]


def _named_list(kind: str, values: list[Any]) -> bool:
    items = _dicts(values)
    if len(items) < 0.8 * len(values) or not items:
        return False
    if kind == "rev.ai":
        return all(isinstance(item.get("elements"), list) for item in items)
    if kind == "deepgram" and all(isinstance(item.get("sentences"), list) for item in items):
        return True
    return sum(_key(item, TEXT_KEYS) is not None for item in items) >= 0.8 * len(items)


def _utterance_list(values: list[Any]) -> bool:
    """A list of utterances, not of reviews: texts with speakers, or with start and end."""
    items = _dicts(values)
    if not items or len(items) < 0.8 * len(values):
        return False

    def utterance(item: Item) -> bool:
        if _key(item, TEXT_KEYS) is None:
            return False
        start = _key(item, START_KEYS)
        timed = start is not None and _media_time(item[start])
        if _key(item, SPEAKER_KEYS) is not None:
            return True
        if _key(item, WEAK_SPEAKER_KEYS) is not None and timed:
            return True
        return timed and _key(item, END_KEYS) is not None

    return sum(utterance(item) for item in items) >= 0.8 * len(items)


def _media_time(value: object) -> bool:
    """12.5, 61000, "00:01:02.5": a time in a recording (a date is a subscription's start)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    text = value.strip() if isinstance(value, str) else ""
    return bool(re.fullmatch(r"\d+(?:[.,]\d+)?s?", text) or _CLOCK.match(text))


def _deepgram_paragraphs(results: Mapping[str, Any]) -> object:
    try:
        return results["channels"][0]["alternatives"][0]["paragraphs"]["paragraphs"]
    except (KeyError, IndexError, TypeError):
        return None


def _key(item: Item, keys: tuple[str, ...]) -> str | None:
    return next((key for key in keys if item.get(key) not in (None, "")), None)


def _cues(kind: str, items: list[Item]) -> list[Cue]:
    texts: list[str] = []
    in_ms: list[bool] = []  # given under a `*_ms` key
    starts: list[object] = []
    ends: list[object] = []
    speakers: list[str | None] = []
    for item in items:
        if kind == "rev.ai":
            elements = _dicts(item.get("elements") or [])
            texts.append("".join(str(e.get("value") or "") for e in elements))
            timed = [e for e in elements if e.get("ts") is not None]
            starts.append(timed[0].get("ts") if timed else None)
            ends.append(timed[-1].get("end_ts") if timed else None)
        elif kind == "deepgram" and isinstance(item.get("sentences"), list):
            sentences = _dicts(item["sentences"])
            texts.append(" ".join(str(s.get("text") or "") for s in sentences))
            starts.append(item.get("start", sentences[0].get("start") if sentences else None))
            ends.append(item.get("end"))
        else:
            text_key = _key(item, TEXT_KEYS)
            texts.append(str(item.get(text_key) or "") if text_key else "")
            start_key, end_key = _key(item, START_KEYS), _key(item, END_KEYS)
            starts.append(item.get(start_key) if start_key else None)
            in_ms.append(bool(start_key) and str(start_key).lower().endswith("ms"))
            ends.append(item.get(end_key) if end_key else None)
        in_ms += [False] * (len(starts) - len(in_ms))
        name = item.get("speaker_name") or item.get(
            _key(item, SPEAKER_KEYS + WEAK_SPEAKER_KEYS) or ""
        )
        speakers.append(_speaker(name))
    seconds = _seconds(kind, starts, ends, in_ms)
    return [
        Cue(second, one_line(text), speaker)
        for second, text, speaker in zip(seconds, texts, speakers, strict=True)
    ]


def _speaker(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("label") or value.get("id")
    if value is None or isinstance(value, bool | list | dict):
        return None
    name = one_line(str(value))
    if not name:
        return None
    if name.isdigit() or len(name) == 1:
        return f"Speaker {name}"
    return name


def _seconds(
    kind: str, starts: list[object], ends: list[object], in_ms: list[bool]
) -> list[float | None]:
    """Start of each utterance in seconds from the beginning of the recording."""
    parsed = [_time(value) for value in starts]
    parsed_ends = [_time(value) for value in ends]
    known = [value for value in parsed if value is not None]
    origin = min(known) if known and min(known) > 1e8 else 0.0  # date-times: from the first
    numbers = [value for value in starts if value is not None]
    integers = bool(numbers) and all(
        isinstance(value, int) and not isinstance(value, bool) for value in numbers
    )
    steps = [
        e - s for s, e in zip(parsed, parsed_ends, strict=True) if s is not None and e is not None
    ]
    if not steps:
        steps = [b - a for a, b in itertools.pairwise(known)]
    long_steps = bool(steps) and statistics.median(steps) > 100
    all_ms = integers and (kind == "assemblyai" or long_steps)
    return [
        None if value is None else (value - origin) / (1000 if ms or all_ms else 1)
        for value, ms in zip(parsed, in_ms, strict=True)
    ]


def _time(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str) or not value.strip():
        return None
    raw = value.strip()
    try:
        return float(raw.rstrip("s"))
    except ValueError:
        pass
    clock = _CLOCK.match(raw)
    if clock:
        hours, minutes, seconds = clock.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds.replace(",", "."))
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.timestamp()


def _language(loaded: object) -> dict[str, str]:
    if not isinstance(loaded, dict):
        return {}
    declared = loaded.get("language") or loaded.get("language_code")
    primary = declared.split("-")[0].split("_")[0].lower() if isinstance(declared, str) else ""
    return {"language": primary} if re.fullmatch(r"[a-z]{2,3}|french|english", primary) else {}
