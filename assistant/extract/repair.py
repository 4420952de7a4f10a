"""Targeted repair: only the failing items go back, each with the segments it may cite.

After every chunk's first answer, the items whose quote is not copied from their segments are
*pending*. A repair call carries a batch of them — from any chunk of the build, so the fixed cost
of a call is paid once per batch, not per chunk — each item with (the start of) the quote the
model gave and the numbered text of the segments it cited, or the nearest ones; never the whole
chunk, never the conversation. Items are numbered 1..k in the call; a chunk's items share one
data block (segment numbers are a chunk's). The model answers, per item it can fix, the
segments and the quote; the fix is checked like a first answer.

What a repair cannot do stays visible, once, with its reason: an item the answer leaves out,
refused by the check, still wrong after the last attempt, or whose repair call failed. An
unreadable repair answer changes nothing: its items stay pending for the next attempt. Claims an
answer got right are never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.evidence.claims import Claim
from assistant.extract.answers import ItemCheck, Offer, with_reason
from assistant.extract.chunks import Chunk, TokenCounter, defuse, nonce_of
from assistant.model import Segment, TokenUsage, Ungrounded

HINT_CHARS = 60


@dataclass(eq=False)
class Pending:
    """An item waiting for a repair, with the segments a repair shows."""

    state: ChunkState = field(repr=False)
    item: dict[str, Any]
    source_id: str
    ungrounded: Ungrounded
    context: tuple[Segment, ...]
    note: str | None = None
    """Why the last repair attempt changed nothing (an unreadable answer)."""


@dataclass(eq=False)
class ChunkState:
    """One chunk through the chain: what its answers got right, refused, or left pending."""

    chunk: Chunk
    key: str
    offer: Offer
    messages: list[Any]
    raw: Any = None
    """The first readable answer (the bench's whole-conversation repair replays it)."""
    accepted: dict[tuple[str, str, str, str], tuple[dict[str, Any], Claim]] = field(
        default_factory=dict
    )
    final: list[tuple[dict[str, Any], Ungrounded]] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    usage: TokenUsage = field(default_factory=TokenUsage)
    calls: int = 0
    cached: bool = False
    cacheable: bool = True
    error: str | None = None

    def accept(self, item: dict[str, Any], claim: Claim) -> None:
        key = (claim.source_id, claim.stage_id, claim.lane.value, claim.quote)
        self.accepted.setdefault(key, (item, claim))

    def take(self, checks: Sequence[ItemCheck], *, repair: bool = True) -> None:
        """File an answer's checked items: claims, final refusals, pending problems."""
        for check in checks:
            if check.claim is not None:
                self.accept(check.item, check.claim)
            elif check.ungrounded is not None:
                if repair and check.repairable and check.source_id is not None:
                    pending = Pending(
                        self, check.item, check.source_id, check.ungrounded, check.context
                    )
                    self.pending.append(pending)
                else:
                    self.final.append((check.item, check.ungrounded))

    def give_up(self, pending: Pending, reason: str) -> None:
        self.final.append((pending.item, with_reason(pending.ungrounded, reason)))

    def cache_items(self) -> list[dict[str, Any]]:
        return [item for item, _ in self.accepted.values()] + [item for item, _ in self.final]


def render_item(number: int, pending: Pending) -> str:
    """One item's lines: its number and what it quoted (or, without a quote, its claim), then
    the numbered segments to take the quote from. The problem is the prompt's (the quote is not
    copied from its segments); the map keeps the full reason."""
    quote = str(pending.item.get("quote") or "")
    said = f"quote: {_hint(quote)}" if quote else f"claim: {_hint(pending.ungrounded.claim)}"
    offer = pending.state.offer
    text = offer.sources[pending.source_id].text
    lines = [f"{number}. {said}"]
    for segment in sorted(pending.context, key=lambda s: s.index):
        spoken = " ".join(text[segment.start : segment.end].split("\n"))
        lines.append(f"[{offer.numbers[segment.id]}] {spoken}")
    return "\n".join(lines)


def _hint(text: str) -> str:
    """What the model said, cut at `HINT_CHARS` characters (the segments follow in full, and
    the answer must be copied from them)."""
    hint = text if len(text) <= HINT_CHARS else text[:HINT_CHARS].rstrip() + "…"
    return json.dumps(hint, ensure_ascii=False)


def render_repair(batch: Sequence[Pending]) -> str:
    """The data of one repair call: items numbered from 1, one block per chunk (segment numbers
    are a chunk's), under one nonce."""
    groups: list[list[tuple[int, Pending]]] = []
    for number, entry in enumerate(batch, 1):
        if groups and groups[-1][0][1].state is entry.state:
            groups[-1].append((number, entry))
        else:
            groups.append([(number, entry)])
    bodies = ["\n".join(render_item(n, entry) for n, entry in group) for group in groups]
    nonce = nonce_of(bodies)
    return "\n".join(
        f'<source-{nonce} items="{group[0][0]}-{group[-1][0]}">\n{defuse(body)}\n</source-{nonce}>'
        for group, body in zip(groups, bodies, strict=True)
    )


def shown_numbers(batch: Sequence[Pending]) -> list[int]:
    """The numbers the batch's blocks show (the repair schema's enum)."""
    return sorted({p.state.offer.numbers[segment.id] for p in batch for segment in p.context})


def batches(pending: Sequence[Pending], budget: int, count: TokenCounter) -> list[list[Pending]]:
    """Consecutive runs of pending items whose blocks fit in `budget` tokens."""
    groups: list[list[Pending]] = []
    used = 0
    for entry in pending:
        size = count(render_item(len(groups[-1]) + 1 if groups else 1, entry))
        if not groups or used + size > budget:
            groups.append([])
            used = 0
        groups[-1].append(entry)
        used += size
    return groups


def merged(pending: Pending, fix: dict[str, Any]) -> dict[str, Any]:
    """The item with the segments and quote a repair gave it."""
    return {**pending.item, "segments": fix["segments"], "quote": fix["quote"]}


def fixes_by_item(fixes: Sequence[dict[str, Any]], size: int) -> dict[int, dict[str, Any]]:
    """The first fix given for each item number of the batch (later ones are ignored)."""
    chosen: dict[int, dict[str, Any]] = {}
    for fix in fixes:
        number = fix["item"]
        if 1 <= number <= size:
            chosen.setdefault(number, fix)
    return chosen
