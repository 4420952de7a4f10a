"""Bytes of one file → sources with segments. Pure given a segmenter: no disk, no store.

Formats (the parsers live in `ingest.formats`, one module per family; the extension chooses):
    .txt .md .markdown   transcripts: the usual shapes (`ingest.transcript`), Zoom, Teams and
                         Otter exports, `[Name]` lines, tab-separated speaker / time / text,
                         line-numbered QDA exports, f4 time marks, detected from the content
    .docx                Word: paragraphs read as a .txt, speaker/text tables as turns
    .pdf                 the text layer (no OCR: a scan is refused), page furniture dropped
    .vtt .srt            captions: cue times become turn timestamps, voices become speakers
    .trs .xml            Transcriber XML; TEI speech transcriptions (`<u who=…>`)
    .json                transcripts of transcription services (WhisperX, AssemblyAI…), else
    .csv .tsv .xlsx      reviews or survey answers: one row = one source
Anything else, and empty, binary, undecodable, damaged or oversized input, raises
`UnreadableFileError` naming the file, the reason and what to do.

Size limits. A two-hour interview is about 150 KB of text; 20 MB of text is some 300 hours of
speech, or ~70,000 reviews, which takes about an hour to embed on two cores. So a text file
(.txt, .md, .vtt, .srt, .trs, .csv, .tsv, .json) over `MAX_TEXT_BYTES` (20 MB), a .docx, .pdf
or .xlsx over `MAX_BINARY_BYTES` (100 MB, images included), and any file whose extracted text
exceeds `MAX_TEXT_CHARS` (20 million characters) is refused with its size: what goes beyond is
almost always a log, a dump or a concatenation of many interviews, and is better split into one
file per interview (or per few thousand reviews), which also makes re-ingesting cheaper.

Every transcript goes through `_source_from_transcript` and every table row through
`_source_from_row`: the text is final there and the segments are built from it, so that is where
a step that rewrites text (redaction) belongs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace

from assistant.errors import UnreadableFileError
from assistant.model import Role, Segment, Source, SourceKind
from ingest.formats.base import FormatError, ParsedText, Table
from ingest.formats.encoding import LEGACY_ENCODINGS, Decoded, decode_text
from ingest.formats.registry import BINARY_SUFFIXES, SUPPORTED_SUFFIXES, read_file
from ingest.formats.tables import (
    AUTHOR_COLUMNS,
    CHANNEL_COLUMNS,
    DATE_COLUMNS,
    RATING_COLUMNS,
    SURVEY_COLUMNS,
    TEXT_COLUMNS,
    Columns,
    is_survey,
    pick_columns,
)
from ingest.language import detect_language
from ingest.redact import WorkspaceRedaction, map_offset
from ingest.segment import Segmenter, split_lines
from ingest.transcript import INTERVIEWER_LABELS, PARTICIPANT_LABELS, Turn, assign_roles

__all__ = [
    "AUTHOR_COLUMNS",
    "CHANNEL_COLUMNS",
    "DATE_COLUMNS",
    "LEGACY_ENCODINGS",
    "RATING_COLUMNS",
    "SUPPORTED_SUFFIXES",
    "SURVEY_COLUMNS",
    "TEXT_COLUMNS",
    "Decoded",
    "decode",
    "load_file",
    "sha256",
    "slugify",
]

MAX_TEXT_BYTES = 20 * 1024 * 1024
MAX_BINARY_BYTES = 100 * 1024 * 1024
MAX_TEXT_CHARS = 20_000_000
_SPLIT_HINT = "split it into one file per interview (or per few thousand rows), then ingest them"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:48] or "source"


def decode(name: str, data: bytes) -> Decoded:
    """Text of a file: BOM-aware, UTF-8 first, then charset-normalizer's best guess among the
    Western European legacy encodings.

    The result is NFC-normalised with \\n newlines: that is the text offsets index.
    """
    try:
        return decode_text(data)
    except FormatError as error:
        raise UnreadableFileError(name, error.reason, error.hint) from None


def load_file(
    name: str,
    data: bytes,
    segmenter: Segmenter,
    *,
    source_id: str | None = None,
    interviewers: frozenset[str] = frozenset(),
    text_column: str | None = None,
    rating_column: str | None = None,
    date_column: str | None = None,
    author_column: str | None = None,
    channel_column: str | None = None,
    redaction: WorkspaceRedaction | None = None,
) -> list[Source]:
    """Sources of one file. `name` is how the file is reported (its path as given).

    The `*_column` arguments name a table's columns (None: found by their usual names).
    With `redaction`, personal data is replaced by placeholders before segmentation: offsets
    index the redacted text, and nothing downstream (vectors, prompts) sees the originals."""
    suffix = _suffix(name)
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFileError(
            name,
            f"unsupported format {suffix or '(no extension)'!r}",
            f"Parcours reads {', '.join(SUPPORTED_SUFFIXES)}; convert the file to one of them",
        )
    _check_size(name, suffix, len(data))
    base_id = source_id or slugify(name.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0])
    display = name.replace("\\", "/").rsplit("/", 1)[-1]
    explicit = {
        "text": text_column,
        "rating": rating_column,
        "date": date_column,
        "author": author_column,
        "channel": channel_column,
    }
    try:
        read = read_file(suffix, data)
        if isinstance(read, list):
            return _sources_from_tables(
                name, display, read, explicit, segmenter, base_id=base_id, redaction=redaction
            )
        parsed, encoding = read
    except FormatError as error:
        raise UnreadableFileError(name, error.reason, error.hint) from None
    except UnreadableFileError:
        raise
    except Exception as error:  # a parser's library met input nobody foresaw: report, go on
        raise UnreadableFileError(
            name,
            f"could not be read ({type(error).__name__}: {error})",
            "check that the file opens in its usual program, export it as .txt or .csv, and "
            "tell the Parcours developers about this file",
        ) from error
    if len(parsed.text) > MAX_TEXT_CHARS:
        raise UnreadableFileError(
            name,
            f"the text is {len(parsed.text) / 1e6:.1f} million characters "
            f"(limit {MAX_TEXT_CHARS / 1e6:.0f} million)",
            _SPLIT_HINT,
        )
    if encoding:
        parsed = replace(parsed, metadata=parsed.metadata | {"encoding": encoding})
    return [
        _source_from_transcript(
            display,
            parsed,
            source_id=base_id,
            sha=sha256(data),
            segmenter=segmenter,
            interviewers=interviewers,
            redaction=redaction,
        )
    ]


def _suffix(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[-1].lower() if "." in base.lstrip(".") else ""


def _check_size(name: str, suffix: str, size: int) -> None:
    limit = MAX_BINARY_BYTES if suffix in BINARY_SUFFIXES else MAX_TEXT_BYTES
    if size > limit:
        raise UnreadableFileError(
            name,
            f"the file is {size / 2**20:.1f} MB, over the {limit // 2**20} MB limit for "
            f"{suffix} files",
            _SPLIT_HINT,
        )


# --- transcripts ---------------------------------------------------------------------------


def _source_from_transcript(
    display: str,
    parsed: ParsedText,
    *,
    source_id: str,
    sha: str,
    segmenter: Segmenter,
    interviewers: frozenset[str] = frozenset(),
    redaction: WorkspaceRedaction | None = None,
) -> Source:
    """The one place a transcript's (text, turns, metadata) becomes a Source: from here on the
    text is what offsets index."""
    participant = parsed.metadata.get("participant") or parsed.metadata.get("participante")
    roles = assign_roles(
        parsed.text,
        parsed.turns,
        interviewers=interviewers,
        participant_name=participant,
        known=parsed.roles,
    )
    spoken = " ".join(
        parsed.text[t.start : t.end]
        for t in parsed.turns
        if roles.get(t.speaker) != Role.INTERVIEWER
    )
    language = _declared_language(parsed.metadata) or detect_language(spoken or parsed.text)
    if redaction is not None:
        parsed, roles = _redact_transcript(parsed, roles, language, redaction)
        participant = parsed.metadata.get("participant") or parsed.metadata.get("participante")
    text, turns = parsed.text, parsed.turns
    segments = _segments(text, source_id, turns, roles, segmenter, language, participant)
    kind = parsed.metadata.get("kind", "interview")
    metadata = {k: v for k, v in parsed.metadata.items() if k not in ("persona", "kind")}
    if not any(turn.speaker for turn in turns):
        metadata["speaker_turns"] = "none found: the whole text is one participant turn"
    metadata |= _language_note(language, spoken or text)
    return Source(
        id=source_id,
        name=display,
        kind=SourceKind(kind) if kind in SourceKind._value2member_map_ else SourceKind.INTERVIEW,
        language=language,
        sha256=sha,
        text=text,
        persona=parsed.metadata.get("persona"),
        metadata=metadata,
        segments=segments,
    )


def _redact_transcript(
    parsed: ParsedText,
    roles: dict[str | None, Role],
    language: str,
    redaction: WorkspaceRedaction,
) -> tuple[ParsedText, dict[str | None, Role]]:
    """Replace personal data in the text, the speaker names and the metadata; move the turns
    onto the redacted text. Role labels (Q, Enquêtrice, Interviewer…) are not names."""
    people = {
        name
        for name in (
            *(t.speaker for t in parsed.turns),
            parsed.metadata.get("participant"),
            parsed.metadata.get("participante"),
        )
        if name and name.casefold() not in INTERVIEWER_LABELS | PARTICIPANT_LABELS
    }
    result, names = redaction.redact(parsed.text, language, sorted(people))
    moved = [
        Turn(
            speaker=names.get(t.speaker, t.speaker) if t.speaker else None,
            start=map_offset(t.start, result.replacements, inside="start"),
            end=map_offset(t.end, result.replacements, inside="end"),
            timestamp=t.timestamp,
        )
        for t in parsed.turns
    ]
    metadata = {
        key: names.get(value, value) if key in ("participant", "participante") else value
        for key, value in parsed.metadata.items()
    }
    metadata["redaction"] = f"{len(result.replacements)} replacements"
    new_roles = {
        names.get(speaker, speaker) if speaker else None: role for speaker, role in roles.items()
    }
    return ParsedText(result.text, moved, metadata), new_roles


def _declared_language(metadata: dict[str, str]) -> str | None:
    declared = (metadata.get("langue") or metadata.get("language") or "").strip().lower()
    aliases = {"français": "fr", "francais": "fr", "french": "fr", "anglais": "en", "english": "en"}
    declared = aliases.get(declared, declared)
    return declared if re.fullmatch(r"[a-z]{2,3}", declared) else None


def _language_note(language: str, text: str) -> dict[str, str]:
    """Sources in another language are kept, and say so (segmented with the English rules)."""
    if language in ("fr", "en"):
        return {}
    if language != "und":
        return {"language_note": f"declared {language!r}: segmented with the English rules"}
    if len(text.split()) < 12:
        return {"language_note": "too short to tell French from English"}
    return {
        "language_note": "neither French nor English recognised: kept, segmented with the "
        "English rules; check the source's language"
    }


def _segments(
    text: str,
    source_id: str,
    turns: Sequence[Turn],
    roles: dict[str | None, Role],
    segmenter: Segmenter,
    language: str,
    participant: str | None,
) -> list[Segment]:
    lines = [
        (turn_no, span)
        for turn_no, turn in enumerate(turns)
        for span in split_lines(text, turn.start, turn.end)
    ]
    sentence_spans = segmenter.split([text[s:e] for _, (s, e) in lines], language)
    segments: list[Segment] = []
    for (turn_no, (line_start, _)), spans in zip(lines, sentence_spans, strict=True):
        turn = turns[turn_no]
        role = roles.get(turn.speaker, Role.PARTICIPANT)
        speaker = turn.speaker
        if participant and (speaker is None or speaker.casefold() in PARTICIPANT_LABELS):
            speaker = participant  # "R :" or an unlabelled monologue: name the person
        for start, end in spans:
            segments.append(
                Segment(
                    id=f"{source_id}:{len(segments)}",
                    source_id=source_id,
                    index=len(segments),
                    turn=turn_no,
                    speaker=speaker,
                    role=role,
                    start=line_start + start,
                    end=line_start + end,
                    timestamp=turn.timestamp,
                )
            )
    return segments


# --- tables --------------------------------------------------------------------------------


def _sources_from_tables(
    name: str,
    display: str,
    tables: list[Table],
    explicit: dict[str, str | None],
    segmenter: Segmenter,
    *,
    base_id: str,
    redaction: WorkspaceRedaction | None = None,
) -> list[Source]:
    """One source per non-empty row of each table (sheet) that has a text column."""
    chosen: list[tuple[Table, Columns]] = []
    first_error: FormatError | None = None
    for table in tables:
        try:
            chosen.append((table, pick_columns(table.header, explicit)))
        except FormatError as error:
            first_error = first_error or error
    if not chosen:
        assert first_error is not None
        raise first_error
    sources: list[Source] = []
    several = len(chosen) > 1
    for table, columns in chosen:
        bodies = [
            unicodedata.normalize("NFC", row.get(columns.text, "")).strip() for row in table.rows
        ]
        file_language = detect_language(" ".join(bodies))
        kind = SourceKind.SURVEY if is_survey(columns.text) else SourceKind.REVIEW
        sheet = table.name or ""
        for number, (row, body) in enumerate(zip(table.rows, bodies, strict=True), start=1):
            if not body:
                continue
            fields = {
                key: row.get(column, "").strip() for key, column in columns.optional().items()
            }
            where = f"{sheet} row {number}" if several else f"row {number}"
            row_id = (
                f"{base_id}-{slugify(sheet)}-{number:03d}" if several else f"{base_id}-{number:03d}"
            )
            sources.append(
                _source_from_row(
                    f"{display}#{where}",
                    body,
                    {key: value for key, value in fields.items() if value},
                    source_id=row_id,
                    kind=kind,
                    fallback_language=file_language,
                    segmenter=segmenter,
                    redaction=redaction,
                )
            )
    if not sources:
        columns_used = ", ".join(repr(c.text) for _, c in chosen)
        raise UnreadableFileError(
            name, f"column {columns_used} is empty in every row", "check the export"
        )
    return sources


def _source_from_row(
    name: str,
    body: str,
    fields: dict[str, str],
    *,
    source_id: str,
    kind: SourceKind,
    fallback_language: str,
    segmenter: Segmenter,
    redaction: WorkspaceRedaction | None = None,
) -> Source:
    """The one place a table row's text becomes a Source: `body` is the text offsets index."""
    language = detect_language(body)
    language = fallback_language if language == "und" else language
    metadata = dict(fields) | _language_note(language, body)
    digest = sha256(body.encode())  # of the original words, as for files
    if redaction is not None:
        author = fields.get("author")
        result, names = redaction.redact(body, language, [author] if author else [])
        body = result.text
        if author:
            fields = fields | {"author": names[author]}
        metadata = metadata | fields | {"redaction": f"{len(result.replacements)} replacements"}
    spans = segmenter.split([body], language)[0]
    author = fields.get("author")
    segments = [
        Segment(
            id=f"{source_id}:{i}",
            source_id=source_id,
            index=i,
            turn=0,
            speaker=author,
            role=Role.PARTICIPANT,
            start=start,
            end=end,
        )
        for i, (start, end) in enumerate(spans)
    ]
    return Source(
        id=source_id,
        name=name,
        kind=kind,
        language=language,
        sha256=digest,
        text=body,
        metadata=metadata,
        segments=segments,
    )
