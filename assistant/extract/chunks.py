"""Plan the extraction calls and render their data blocks. Pure.

One call per chunk, every stage and lane at once. A chunk is one source, a piece of a long source
cut on speaker turns, or several short sources (reviews) packed together — so the prompt's fixed
cost is paid per ~budget tokens of source text, not per review or per stage.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.model import Source

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


def render_chunk(chunk: Chunk, sources: dict[str, Source]) -> tuple[str, str]:
    """The user message holding the chunk's text as data, and the nonce of its tags.

    Tags carry a nonce derived from the content, so text inside a source cannot close its block;
    look-alike tags in the text are defused as well.
    """
    bodies = [sources[p.source_id].text[p.start : p.end] for p in chunk.parts]
    nonce = hashlib.sha256("\x00".join(bodies).encode()).hexdigest()[:8]
    blocks = []
    for part, body in zip(chunk.parts, bodies, strict=True):
        source = sources[part.source_id]
        safe = _LOOKALIKE.sub(lambda m: m.group(0).replace("<", "‹"), body)
        blocks.append(f'<source-{nonce} id="{source.id}">\n{safe}\n</source-{nonce}>')
    return "\n".join(blocks), nonce
