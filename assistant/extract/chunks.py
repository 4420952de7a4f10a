"""Plan the extraction calls and render their data blocks. Pure.

One call per chunk, every stage and lane at once. A chunk is one source, a piece of a long source
cut on speaker turns, or several short sources (reviews) packed together — so the prompt's fixed
cost is paid per ~budget tokens of source text, not per review or per stage.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from assistant.model import Role, Segment, Source, SourceKind

TokenCounter = Callable[[str], int]


def estimate_tokens(text: str) -> int:
    """~4 characters per token: the usual rate of GPT-style tokenizers on French and English.
    An estimate (tiktoken needs a download); real usage comes from the responses."""
    return max(1, (len(text) + 3) // 4)


@dataclass(frozen=True)
class ChunkPart:
    source_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    parts: tuple[ChunkPart, ...]

    @property
    def source_ids(self) -> list[str]:
        return list(dict.fromkeys(part.source_id for part in self.parts))


def _turn_spans(source: Source) -> list[tuple[int, int]]:
    """Where each speaker turn starts and ends in the text (the places we may cut)."""
    spans: dict[int, list[int]] = {}
    for segment in source.segments:
        bounds = spans.setdefault(segment.turn, [segment.start, segment.end])
        bounds[0] = min(bounds[0], segment.start)
        bounds[1] = max(bounds[1], segment.end)
    return [(start, end) for start, end in sorted(spans.values())]


def split_source(source: Source, budget: int, count: TokenCounter) -> list[ChunkPart]:
    """The whole source when it fits, else consecutive runs of whole turns that fit."""
    if count(source.text) <= budget:
        return [ChunkPart(source.id, 0, len(source.text))]
    parts: list[ChunkPart] = []
    start = 0
    end = 0
    for _turn_start, turn_end in _turn_spans(source):
        if end > start and count(source.text[start:turn_end]) > budget:
            parts.append(ChunkPart(source.id, start, end))
            start = end
        end = turn_end
    parts.append(ChunkPart(source.id, start, len(source.text)))
    return parts


def plan_chunks(sources: Sequence[Source], budget: int, count: TokenCounter) -> list[Chunk]:
    """Chunks in a stable order: long sources alone (cut on turns when over the budget), short
    ones (reviews, survey answers) packed together up to the budget."""
    chunks: list[Chunk] = []
    pack: list[ChunkPart] = []
    used = 0
    for source in sources:
        size = count(source.text)
        if size > budget // 4:
            chunks.extend(Chunk((part,)) for part in split_source(source, budget, count))
            continue
        if pack and used + size > budget:
            chunks.append(Chunk(tuple(pack)))
            pack, used = [], 0
        pack.append(ChunkPart(source.id, 0, len(source.text)))
        used += size
    if pack:
        chunks.append(Chunk(tuple(pack)))
    return chunks


_LOOKALIKE = re.compile(r"</?\s*source", re.IGNORECASE)
MARKER = re.compile(r"(?:^|\s)\[\d+\][ \t]")
"""A segment's number as `render_part` writes it (a model may copy it into a quote)."""


def part_segments(source: Source, part: ChunkPart) -> list[Segment]:
    """The segments inside a chunk part, in text order."""
    inside = [s for s in source.segments if part.start <= s.start and s.end <= part.end]
    return sorted(inside, key=lambda segment: segment.start)


def numbering(chunk: Chunk, sources: Mapping[str, Source]) -> dict[str, int]:
    """The number each citable segment carries in the chunk's request, by segment id: 1..N
    over the chunk's parts in order. Only participants' words are citable: interviewer
    segments carry no number (the request's own short ids; the map keeps the segment ids)."""
    numbers: dict[str, int] = {}
    for part in chunk.parts:
        for segment in part_segments(sources[part.source_id], part):
            if segment.role != Role.INTERVIEWER:
                numbers[segment.id] = len(numbers) + 1
    return numbers


def render_part(source: Source, part: ChunkPart, numbers: Mapping[str, int]) -> str:
    """The part's speech, one line per speaker turn — `Léa : [2] Oui, alors… [3] Je suis…` —
    each citable segment behind its number. Segments are the source's text (line breaks inside
    a turn become spaces); what lies outside them (front matter, titles, timestamps, label
    formatting, a review's author) is metadata the segments already carry, and is left out."""
    text = source.text
    lines: list[str] = []
    previous: Segment | None = None
    labelled = source.kind == SourceKind.INTERVIEW  # a review's author is not a speaker turn
    for segment in part_segments(source, part):
        if previous is None or segment.turn != previous.turn:
            lines.append(f"{segment.speaker} : " if labelled and segment.speaker else "")
        elif gap := text[previous.end : segment.start].strip():
            lines[-1] += f" {gap}"
        if lines[-1] and not lines[-1].endswith(" "):
            lines[-1] += " "
        number = numbers.get(segment.id)
        lines[-1] += (f"[{number}] " if number else "") + text[segment.start : segment.end]
        previous = segment
    if previous is None:  # no segments: the text as it is
        return text[part.start : part.end].strip("\n")
    return "\n".join(" ".join(line.split("\n")) for line in lines)


def defuse(text: str) -> str:
    """Look-alike tags in source text lose their power: `<source` becomes `‹source`."""
    return _LOOKALIKE.sub(lambda m: m.group(0).replace("<", "‹"), text)


def nonce_of(bodies: Sequence[str]) -> str:
    """Derived from the content, so that the content cannot close its own tags."""
    return hashlib.sha256("\x00".join(bodies).encode()).hexdigest()[:6]


def render_chunk(chunk: Chunk, sources: Mapping[str, Source]) -> tuple[str, str]:
    """The user message holding the chunk's text as data, and the nonce of its tags.

    Tags carry a nonce derived from the content, so text inside a source cannot close its block;
    look-alike tags in the text are defused as well. Segments are numbered (`render_part`).
    """
    numbers = numbering(chunk, sources)
    bodies = [render_part(sources[p.source_id], p, numbers) for p in chunk.parts]
    nonce = nonce_of(bodies)
    blocks = [
        f'<source-{nonce} id="{part.source_id}">\n{defuse(body)}\n</source-{nonce}>'
        for part, body in zip(chunk.parts, bodies, strict=True)
    ]
    return "\n".join(blocks), nonce
