"""Views of a map for shells that show it piece by piece (the MCP server, the MCP App page, the UI).

`map_view` is the map flattened for a reader: every stage, then a page of items with their
support (and, in the full view, their quotes with source, speaker and time). `explain` is one
item with each quote in its context: the text of the source around it. Quotes and source text
stay in fields: a shell passes them on as data, never as instructions.
"""

from __future__ import annotations

from collections.abc import Mapping
from math import ceil
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.errors import MapError
from assistant.model import (
    Evidence,
    Item,
    ItemStatus,
    JourneyMap,
    Lane,
    MomentOfTruth,
    Source,
    SourceKind,
    SourceRef,
    Stage,
    Support,
    Ungrounded,
)

ViewKind = Literal["compact", "full"]
PAGE_SIZE: dict[str, int] = {"compact": 100, "full": 30}
"""Items per page: about 10k tokens of JSON, what a chat can hold beside the conversation."""
CONTEXT_CHARS = 320
"""Source text shown on each side of a quote by `explain`, cut at a segment's edge."""


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvidenceView(_View):
    source_id: str
    source_name: str | None = None
    source_kind: SourceKind | None = None
    speaker: str | None = None
    timestamp: str | None = None
    quote: str
    start: int
    end: int


class ItemView(_View):
    id: str
    stage_id: str
    lane: Lane
    text: str
    status: ItemStatus
    valence: int | None = None
    support: Support
    confidence: float | None = None
    cites: list[str] = Field(
        default_factory=list, exclude_if=lambda cited: not cited, description="Analyst items"
    )
    evidence: list[EvidenceView] = Field(
        default_factory=list,
        exclude_if=lambda quotes: not quotes,
        description="The quotes (full view and explain only)",
    )


class StageView(_View):
    id: str
    name: str
    order: int
    valence: float | None = None
    items: int = Field(description="How many items the stage holds (all pages)")
    moments_of_truth: list[MomentOfTruth] = Field(default_factory=list)


class MapView(_View):
    map_id: str
    title: str
    language: str
    persona: str | None = None
    revision: int
    view: ViewKind
    page: int
    pages: int
    total_items: int
    lanes: list[Lane]
    stages: list[StageView]
    items: list[ItemView]
    ungrounded: list[Ungrounded] = Field(
        default_factory=list, description="What could not be tied to a source (last page)"
    )
    sources: int
    extractor: str


class QuoteInContext(_View):
    evidence: EvidenceView
    before: str = Field(description="Source text just before the quote")
    after: str = Field(description="Source text just after the quote")


class ItemExplanation(_View):
    map_id: str
    revision: int
    stage_name: str
    item: ItemView
    quotes: list[QuoteInContext]
    cited_items: list[ItemView] = Field(
        default_factory=list, description="What an opportunity or KPI answers"
    )


def evidence_view(evidence: Evidence, source: Source | SourceRef | None) -> EvidenceView:
    return EvidenceView(
        source_id=evidence.source_id,
        source_name=source.name if source is not None else None,
        source_kind=evidence.source_kind or (source.kind if source is not None else None),
        speaker=evidence.speaker,
        timestamp=evidence.timestamp,
        quote=evidence.quote,
        start=evidence.start,
        end=evidence.end,
    )


def item_view(
    stage: Stage,
    item: Item,
    sources: Mapping[str, Source | SourceRef] | None = None,
) -> ItemView:
    """`sources` given: the view carries the item's quotes."""
    quotes = (
        [evidence_view(e, sources.get(e.source_id)) for e in item.evidence]
        if sources is not None
        else []
    )
    return ItemView(
        id=item.id,
        stage_id=stage.id,
        lane=item.lane,
        text=item.text,
        status=item.status,
        valence=item.valence,
        support=item.support,
        confidence=item.confidence,
        cites=item.cites,
        evidence=quotes,
    )


def reading_order(journey_map: JourneyMap) -> list[tuple[Stage, Item]]:
    """Every cell's first item, then every cell's second…: page 1 of a large map is an overview
    of all its cells (each cell's items keep the map's order, strongest support first)."""
    lanes = list(Lane)
    rank: dict[tuple[str, Lane], int] = {}
    keyed = []
    for stage, item in journey_map.items():
        cell = (stage.id, item.lane)
        rank[cell] = rank.get(cell, -1) + 1
        keyed.append(((rank[cell], stage.order, lanes.index(item.lane)), stage, item))
    keyed.sort(key=lambda entry: entry[0])
    return [(stage, item) for _, stage, item in keyed]


def map_view(journey_map: JourneyMap, view: ViewKind = "compact", page: int = 1) -> MapView:
    """Page `page` (from 1) of the map's items in `reading_order`, every stage on every page."""
    everything = reading_order(journey_map)
    size = PAGE_SIZE[view]
    pages = max(1, ceil(len(everything) / size))
    if not 1 <= page <= pages:
        raise MapError(
            f"map {journey_map.id} has {pages} page(s) of {size} items in the {view} view",
            f"ask for a page from 1 to {pages}",
        )
    refs = {ref.id: ref for ref in journey_map.sources}
    chosen = everything[(page - 1) * size : page * size]
    return MapView(
        map_id=journey_map.id,
        title=journey_map.title,
        language=journey_map.language,
        persona=journey_map.persona,
        revision=journey_map.revision,
        view=view,
        page=page,
        pages=pages,
        total_items=len(everything),
        lanes=list(Lane),
        stages=[
            StageView(
                id=stage.id,
                name=stage.name,
                order=stage.order,
                valence=stage.valence,
                items=len(stage.items),
                moments_of_truth=stage.moments_of_truth,
            )
            for stage in journey_map.stages
        ],
        items=[item_view(stage, item, refs if view == "full" else None) for stage, item in chosen],
        ungrounded=journey_map.ungrounded if page == pages else [],
        sources=len(journey_map.sources),
        extractor=journey_map.provenance.extractor,
    )


def find_item(journey_map: JourneyMap, item_id: str) -> tuple[Stage, Item]:
    for stage, item in journey_map.items():
        if item.id == item_id:
            return stage, item
    raise MapError(
        f"map {journey_map.id} (revision {journey_map.revision}) has no item {item_id!r}",
        "look the id up with get_map (items are named I1, I2…)",
    )


def quote_in_context(evidence: Evidence, source: Source | None) -> QuoteInContext:
    """The quote with up to CONTEXT_CHARS of its source on each side, cut at the nearest segment
    edge so the context reads as whole turns (speaker labels included, as in the source)."""
    view = evidence_view(evidence, source)
    if source is None:
        return QuoteInContext(evidence=view, before="", after="")
    text = source.text
    low = max(0, evidence.start - CONTEXT_CHARS)
    high = min(len(text), evidence.end + CONTEXT_CHARS)
    starts = [s.start for s in source.segments if low <= s.start <= evidence.start]
    ends = [s.end for s in source.segments if evidence.end <= s.end <= high]
    low = min(starts) if starts else low
    high = max(ends) if ends else high
    return QuoteInContext(
        evidence=view, before=text[low : evidence.start], after=text[evidence.end : high]
    )


def explain(
    journey_map: JourneyMap, item_id: str, sources: Mapping[str, Source]
) -> ItemExplanation:
    """An item with every quote in context, and for an analyst item the items it cites."""
    stage, item = find_item(journey_map, item_id)
    refs: dict[str, Source | SourceRef] = {ref.id: ref for ref in journey_map.sources}
    refs.update(sources)
    cited = [item_view(s, i, refs) for s, i in journey_map.items() if i.id in set(item.cites)]
    return ItemExplanation(
        map_id=journey_map.id,
        revision=journey_map.revision,
        stage_name=stage.name,
        item=item_view(stage, item, refs),
        quotes=[quote_in_context(e, sources.get(e.source_id)) for e in item.evidence],
        cited_items=cited,
    )
