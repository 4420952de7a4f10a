"""Bytes of one file → sources with segments. Pure given a segmenter: no disk, no store.

Formats: transcripts (.txt, .md, .markdown) and tables of reviews or survey answers (.csv, .tsv:
one row = one source). Anything else, empty, binary or undecodable input raises
`UnreadableFileError` naming the file, the reason and what to do.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from charset_normalizer import from_bytes

from assistant.errors import UnreadableFileError
from assistant.model import Role, Segment, Source, SourceKind
from ingest.language import detect_language
from ingest.segment import Segmenter, split_lines
from ingest.transcript import PARTICIPANT_LABELS, Turn, assign_roles, parse_transcript

TRANSCRIPT_SUFFIXES = (".txt", ".md", ".markdown")
TABLE_SUFFIXES = (".csv", ".tsv")
SUPPORTED_SUFFIXES = TRANSCRIPT_SUFFIXES + TABLE_SUFFIXES

_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (.docx, .xlsx, …)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "an executable"),
    (b"ID3", "an MP3 file"),
    (b"RIFF", "a RIFF media file (.wav, .avi)"),
)

TEXT_COLUMNS = (
    "avis",
    "commentaire",
    "commentaires",
    "comment",
    "comments",
    "review",
    "reviews",
    "text",
    "texte",
    "verbatim",
    "message",
    "content",
    "contenu",
    "feedback",
    "reponse",
    "answer",
    "response",
    "body",
)
RATING_COLUMNS = ("note", "rating", "score", "stars", "etoiles", "notation", "nps")
DATE_COLUMNS = ("date", "created_at", "publie", "published", "date de publication")
AUTHOR_COLUMNS = ("auteur", "author", "nom", "name", "pseudo", "user", "utilisateur", "client")
CHANNEL_COLUMNS = ("canal", "channel", "source", "plateforme", "platform", "site", "store")
SURVEY_COLUMNS = ("reponse", "answer", "response", "verbatim")


# Our users' files that are not UTF-8 come from Western European Windows or Mac exports.
# Unrestricted guessing reads short French latin-1 text as cp1250 ("trčs"), so we restrict it.
LEGACY_ENCODINGS = ("cp1252", "latin_1", "iso8859_15", "mac_roman")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


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
    if not data:
        raise UnreadableFileError(name, "the file is empty", "check the export, then ingest again")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise UnreadableFileError(
                name, f"this is {what}, not text", "export the transcript as .txt, .md or .csv"
            )
    encoding = _bom_encoding(data)
    if encoding is None and b"\x00" in data[:8192]:
        raise UnreadableFileError(
            name, "binary content (NUL bytes)", "export the transcript as .txt, .md or .csv"
        )
    try:
        text = data.decode(encoding or "utf-8")
        encoding = encoding or "utf-8"
    except UnicodeDecodeError:
        best = from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
        if best is None or best.encoding is None:
            raise UnreadableFileError(
                name,
                "undecodable bytes (not UTF-8, and no other encoding fits)",
                "re-save the file as UTF-8 text",
            ) from None
        text, encoding = str(best), best.encoding
    text = unicodedata.normalize(
        "NFC", text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    )
    if not text.strip():
        raise UnreadableFileError(name, "the file holds only whitespace", "check the export")
    return Decoded(text, encoding)


def _bom_encoding(data: bytes) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return None


def load_file(
    name: str,
    data: bytes,
    segmenter: Segmenter,
    *,
    source_id: str | None = None,
    interviewers: frozenset[str] = frozenset(),
) -> list[Source]:
    """Sources of one file. `name` is how the file is reported (its path as given)."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFileError(
            name,
            f"unsupported format {suffix or '(no extension)'!r}",
            f"Parcours reads {', '.join(SUPPORTED_SUFFIXES)}; convert the file to one of them",
        )
    decoded = decode(name, data)
    base_id = source_id or slugify(name.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    display = name.rsplit("/", 1)[-1]
    if suffix in TABLE_SUFFIXES:
        return load_table(display, decoded, segmenter, base_id=base_id)
    return [load_transcript(display, decoded, data, segmenter, base_id, interviewers)]


def load_transcript(
    display: str,
    decoded: Decoded,
    data: bytes,
    segmenter: Segmenter,
    source_id: str,
    interviewers: frozenset[str] = frozenset(),
) -> Source:
    text = decoded.text
    parsed = parse_transcript(text)
    participant = parsed.metadata.get("participant")
    roles = assign_roles(
        text, parsed.turns, interviewers=interviewers, participant_name=participant
    )
    spoken = " ".join(
        text[t.start : t.end] for t in parsed.turns if roles.get(t.speaker) != Role.INTERVIEWER
    )
    language = _declared_language(parsed.metadata) or detect_language(spoken or text)
    segments = _segments(text, source_id, parsed.turns, roles, segmenter, language, participant)
    kind = parsed.metadata.get("kind", "interview")
    metadata = {k: v for k, v in parsed.metadata.items() if k not in ("persona", "kind")}
    metadata["encoding"] = decoded.encoding
    if not any(turn.speaker for turn in parsed.turns):
        metadata["speaker_turns"] = "none found: the whole text is one participant turn"
    return Source(
        id=source_id,
        name=display,
        kind=SourceKind(kind) if kind in SourceKind._value2member_map_ else SourceKind.INTERVIEW,
        language=language,
        sha256=sha256(data),
        text=text,
        persona=parsed.metadata.get("persona"),
        metadata=metadata,
        segments=segments,
    )


def _declared_language(metadata: dict[str, str]) -> str | None:
    declared = (metadata.get("langue") or metadata.get("language") or "").strip().lower()
    aliases = {"français": "fr", "francais": "fr", "french": "fr", "anglais": "en", "english": "en"}
    declared = aliases.get(declared, declared)
    return declared if re.fullmatch(r"[a-z]{2,3}", declared) else None


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


def load_table(
    display: str, decoded: Decoded, segmenter: Segmenter, *, base_id: str
) -> list[Source]:
    """One source per non-empty row of a CSV/TSV of reviews or survey answers."""
    rows, header = _read_rows(display, decoded.text)
    columns = {_fold(name): name for name in header}
    text_column = _pick(columns, TEXT_COLUMNS)
    if text_column is None:
        raise UnreadableFileError(
            display,
            f"no text column among {header} (looked for {', '.join(TEXT_COLUMNS[:8])}…)",
            "rename the column holding the reviews to 'avis' or 'review'",
        )
    kind = SourceKind.SURVEY if _fold(text_column) in SURVEY_COLUMNS else SourceKind.REVIEW
    optional = {
        "rating": _pick(columns, RATING_COLUMNS),
        "date": _pick(columns, DATE_COLUMNS),
        "author": _pick(columns, AUTHOR_COLUMNS),
        "channel": _pick(columns, CHANNEL_COLUMNS),
    }
    file_language = detect_language(" ".join(row.get(text_column) or "" for row in rows))
    sources: list[Source] = []
    for number, row in enumerate(rows, start=1):
        body = unicodedata.normalize("NFC", (row.get(text_column) or "").strip())
        if not body:
            continue
        language = detect_language(body)
        language = file_language if language == "und" else language
        metadata = {key: (row.get(col) or "").strip() for key, col in optional.items() if col}
        metadata = {key: value for key, value in metadata.items() if value}
        source_id = f"{base_id}-{number:03d}"
        spans = segmenter.split([body], language)[0]
        author = metadata.get("author")
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
        sources.append(
            Source(
                id=source_id,
                name=f"{display}#row {number}",
                kind=kind,
                language=language,
                sha256=sha256(body.encode()),
                text=body,
                metadata=metadata,
                segments=segments,
            )
        )
    if not sources:
        raise UnreadableFileError(
            display, f"column {text_column!r} is empty in every row", "check the export"
        )
    return sources


def _read_rows(display: str, text: str) -> tuple[list[dict[str, str]], list[str]]:
    header_line = text.split("\n", 1)[0]
    # The header names the columns: the separator it uses most is the file's (French Excel
    # writes ';'). The sniffer only breaks ties, as quoted commas in reviews mislead it.
    counts = {delimiter: header_line.count(delimiter) for delimiter in ",;\t|"}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    try:
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        header = [name for name in (reader.fieldnames or []) if name]
        rows = [
            {k: v for k, v in row.items() if isinstance(k, str) and isinstance(v, str)}
            for row in reader
        ]
    except csv.Error as error:
        raise UnreadableFileError(
            display, f"malformed CSV ({error})", "re-export the table"
        ) from error
    if not header:
        raise UnreadableFileError(display, "no header row", "add a header row naming the columns")
    return rows, header


def _fold(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ascii_name.strip().lower()


def _pick(columns: dict[str, str], candidates: Sequence[str]) -> str | None:
    for candidate in candidates:
        if candidate in columns:
            return columns[candidate]
    return None
