"""The working state of `apply_operations` (`assistant.editing.edits`): lookups, grounding,
citations. Pure.

Handlers mutate a deep copy of the map through `EditState` and raise `Refused` (which
`apply_operations` turns into an `EditError` naming the operation); support counts and stage
valence are recomputed at the end, only where an operation touched something.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from assistant.evidence.claims import Claim, ground_claim
from assistant.evidence.grounding import FUZZY_THRESHOLD, SourceText
from assistant.mapping.synthesis import stage_valence, support_of
from assistant.model import EditOp, Evidence, Item, JourneyMap, Lane, Source, Stage

_LANE_RANK = {lane: rank for rank, lane in enumerate(Lane)}
_NUMBERED_ID = re.compile(r"^I(\d+)$")


class Refused(Exception):
    """An operation cannot be applied: `message` says why, `hint` what to do."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class EditState:
    """The working copy of the map (mutated in place) and what the operations touched."""

    def __init__(self, journey_map: JourneyMap, sources: Mapping[str, Source]) -> None:
        self.map = journey_map
        self.sources = sources
        self.texts: dict[str, SourceText] = {}  # normalized views, built once per source
        self.touched_items: set[str] = set()
        self.touched_stages: set[str] = set()
        self.pinned: EditOp | None = None
        """The operation being applied, as a handler pinned it (see `apply_and_pin`)."""

    # -- lookups ---------------------------------------------------------------------------
    def stage(self, stage_id: str) -> Stage:
        for stage in self.map.stages:
            if stage.id == stage_id:
                return stage
        known = ", ".join(stage.id for stage in self.map.stages)
        raise Refused(f"stage {stage_id!r} does not exist", f"use one of: {known}")

    def locate(self, item_id: str) -> tuple[Stage, Item]:
        for stage in self.map.stages:
            for item in stage.items:
                if item.id == item_id:
                    return stage, item
        ids = sorted((item.id for _, item in self.map.items()), key=_natural)
        span = f" ({ids[0]} … {ids[-1]})" if ids else ""
        raise Refused(
            f"item {item_id!r} does not exist",
            f"use an item id of the current map{span}; reload it if it changed",
        )

    def new_item_id(self, requested: str | None) -> str:
        """`requested` if free, else the next `I<n>` after the highest in the map."""
        taken = {item.id for _, item in self.map.items()}
        if requested is not None:
            if requested in taken:
                raise Refused(
                    f"item id {requested!r} is already used",
                    "choose another id, or leave it out to get the next free one",
                )
            return requested
        numbers = [int(m.group(1)) for i in taken if (m := _NUMBERED_ID.match(i))]
        return f"I{max(numbers, default=0) + 1}"

    def touch(self, stage: Stage, item: Item | None = None) -> None:
        self.touched_stages.add(stage.id)
        if item is not None:
            self.touched_items.add(item.id)

    # -- grounding and citations -----------------------------------------------------------
    def ground(self, source_id: str, quote: str, lane: Lane, text: str) -> Evidence:
        """The quote aligned to its source, exactly as a build grounds an extractor's claim."""
        source = self.sources.get(source_id)
        if source is None:
            raise Refused(
                f"source {source_id!r} is not in the workspace",
                "quote a source the workspace holds, by its id",
            )
        if source_id not in self.texts:
            self.texts[source_id] = SourceText(source.text)
        claim = Claim(stage_id="", lane=lane, text=text, quote=quote, source_id=source_id)
        result = ground_claim(claim, {source_id: source}, self.texts, FUZZY_THRESHOLD)
        if not isinstance(result, Evidence):
            raise Refused(
                f"the quote {short(quote)} cannot be grounded: {result.reason}",
                "copy the participant's words exactly from the source (search it first)",
            )
        if self.map.sources and source_id not in {ref.id for ref in self.map.sources}:
            self.map.sources.append(source.ref())  # the map lists every source it quotes
        return result

    def check_cites(self, cites: Iterable[str], what: str) -> list[str]:
        """Cited ids, deduplicated; each must be an existing customer item."""
        checked: list[str] = []
        for cited in cites:
            try:
                _, item = self.locate(cited)
            except Refused as refused:
                message = f"{what} cites item {cited!r}, which does not exist"
                raise Refused(message, refused.hint) from None
            if not item.lane.customer_side:
                raise Refused(
                    f"{what} cites {cited}, an {item.lane.value} item",
                    "opportunities and KPIs cite customer items (actions, obstacles, emotions…)",
                )
            if cited not in checked:
                checked.append(cited)
        if not checked:
            raise Refused(f"{what} cites no item", "cite at least one customer item id")
        return checked

    def remove_items(self, removed: set[str]) -> None:
        """Delete items, dropping them from citations (refused when one would cite nothing) and
        from moments of truth (which stay on their stage)."""
        for stage, item in self.map.items():
            if item.id in removed or not set(item.cites) & removed:
                continue
            kept = [cited for cited in item.cites if cited not in removed]
            if not kept:
                gone = ", ".join(sorted(set(item.cites) & removed))
                raise Refused(
                    f"{item.lane.value} {item.id} cites only {gone}, and would cite nothing",
                    f"delete {item.id} first, or give it other citations with update_item",
                )
            item.cites = kept
            self.touch(stage, item)
        for stage in self.map.stages:
            if any(item.id in removed for item in stage.items):
                stage.items = [item for item in stage.items if item.id not in removed]
                self.touch(stage)
            for moment in stage.moments_of_truth:
                if moment.item_id in removed:
                    moment.item_id = None
        self.touched_items -= removed

    def redirect(self, merged: set[str], kept: str) -> None:
        """Citations and moments naming a merged item now name the kept one."""
        for stage, item in self.map.items():
            if set(item.cites) & merged:
                item.cites = list(dict.fromkeys(kept if c in merged else c for c in item.cites))
                self.touch(stage, item)
        for stage in self.map.stages:
            for moment in stage.moments_of_truth:
                if moment.item_id in merged:
                    moment.item_id = kept

    def renumber_stages(self) -> None:
        for order, stage in enumerate(self.map.stages):
            stage.order = order

    def finish(self) -> None:
        """Support counts (then stage valence, which they weight) where something changed."""
        for stage in self.map.stages:
            for item in stage.items:
                if item.id in self.touched_items and item.lane.customer_side:
                    item.support = support_of(item.evidence)
            if stage.id in self.touched_stages:
                stage.valence = stage_valence(stage.items)


def _natural(item_id: str) -> tuple[str, int]:
    """ "I10" after "I9"."""
    match = re.match(r"^(.*?)(\d+)$", item_id)
    return (match.group(1), int(match.group(2))) if match else (item_id, -1)


def clean(text: str, what: str) -> str:
    """Whitespace collapsed; refused when nothing is left."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise Refused(f"the {what} is empty", f"give a {what}")
    return cleaned


def insert_by_lane(stage: Stage, item: Item) -> None:
    """Insert keeping the stage's items grouped by lane, after the others of its lane."""
    rank = _LANE_RANK[item.lane]
    position = next(
        (n for n, other in enumerate(stage.items) if _LANE_RANK[other.lane] > rank),
        len(stage.items),
    )
    stage.items.insert(position, item)


def dedupe_evidence(evidence: Iterable[Evidence]) -> list[Evidence]:
    """First occurrence of each (source, span), in order."""
    seen: dict[tuple[str, int, int], Evidence] = {}
    for quote in evidence:
        seen.setdefault((quote.source_id, quote.start, quote.end), quote)
    return list(seen.values())


def stage_slug(name: str, taken: Iterable[str]) -> str:
    """An ASCII id from a stage name ("Après-vente" → "apres-vente"), unique among `taken`."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_name = "".join(char for char in decomposed if not unicodedata.combining(char))
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.casefold()).strip("-") or "stage"
    used = set(taken)
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    return slug


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"«{text if len(text) <= limit else text[: limit - 1] + '…'}»"
