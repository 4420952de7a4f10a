"""Detections, replacements and offsets: how a redacted text relates to the original.

Everything outside a replaced span is kept byte for byte; `map_offset` moves an offset of the
original text onto the redacted text.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ingest.redact.vault import PiiKind, PlaceholderVault


@dataclass(frozen=True, slots=True)
class Replacement:
    """text[start:end] of the original became placeholder at new_start in the redacted text."""

    start: int
    end: int
    placeholder: str
    kind: PiiKind
    new_start: int

    @property
    def new_end(self) -> int:
        return self.new_start + len(self.placeholder)


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    replacements: tuple[Replacement, ...]


@dataclass(frozen=True, slots=True)
class Detection:
    start: int
    end: int
    kind: PiiKind
    source: str  # which detector found it (for evaluation)


def map_offset(offset: int, replacements: Sequence[Replacement], *, inside: str = "start") -> int:
    """Offset in the original text → offset in the redacted text (replacements sorted by start).

    Outside replaced spans the text is identical, so the offset just shifts. An offset strictly
    inside a replaced span maps to the placeholder's start (``inside="start"``) or end
    (``inside="end"``); a span's end maps to its placeholder's end."""
    starts = [r.start for r in replacements]
    index = bisect_right(starts, offset) - 1
    if index < 0:
        return offset
    r = replacements[index]
    if offset == r.start:
        return r.new_start
    if offset < r.end:
        return r.new_start if inside == "start" else r.new_end
    return r.new_end + (offset - r.end)


def apply(
    text: str, detections: Iterable[Detection], vault: PlaceholderVault, language: str
) -> Redaction:
    """Replace non-overlapping detections (sorted here) with their placeholders."""
    parts: list[str] = []
    replacements: list[Replacement] = []
    position = 0
    new_position = 0
    for d in sorted(detections, key=lambda d: d.start):
        if d.start < position:
            continue
        kept = text[position : d.start]
        parts.append(kept)
        new_position += len(kept)
        placeholder = vault.placeholder(d.kind, text[d.start : d.end], language)
        replacements.append(Replacement(d.start, d.end, placeholder, d.kind, new_position))
        parts.append(placeholder)
        new_position += len(placeholder)
        position = d.end
    parts.append(text[position:])
    return Redaction("".join(parts), tuple(replacements))
