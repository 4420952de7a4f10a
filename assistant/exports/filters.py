"""What a reviewer narrows a map to, and the edits a bulk action makes: pure functions the UI
calls (so do scripts), with no Streamlit in them.

A filter keeps an item when it passes every criterion given: its lane, its status, the kinds of
source its quotes come from, the persona of the sources its quotes come from. An analyst item
(opportunity, KPI) has no quotes of its own: it passes the source criteria when an item it cites
does. Stages always stay, empty or not, so a filtered grid keeps its columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from assistant.model import (
    Item,
    ItemStatus,
    JourneyMap,
    Lane,
    MomentKind,
    SetStatus,
    SourceKind,
    SourceRef,
    Stage,
)

Cell = tuple[str, Lane]
"""(stage id, lane): one box of the swimlane grid."""


@dataclass(frozen=True)
class MapFilter:
    """Empty sets and None mean "any"."""

    lanes: frozenset[Lane] = frozenset()
    statuses: frozenset[ItemStatus] = frozenset()
    source_kinds: frozenset[SourceKind] = frozenset()
    persona: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.lanes or self.statuses or self.source_kinds or self.persona)


def _sources_pass(item: Item, refs: Mapping[str, SourceRef], wanted: MapFilter) -> bool:
    if not wanted.source_kinds and wanted.persona is None:
        return True
    for evidence in item.evidence:
        ref = refs.get(evidence.source_id)
        kind = evidence.source_kind or (ref.kind if ref is not None else None)
        if wanted.source_kinds and kind not in wanted.source_kinds:
            continue
        if wanted.persona is not None and (ref is None or ref.persona != wanted.persona):
            continue
        return True
    return False


def item_passes(
    item: Item, refs: Mapping[str, SourceRef], wanted: MapFilter, by_id: Mapping[str, Item]
) -> bool:
    if wanted.lanes and item.lane not in wanted.lanes:
        return False
    if wanted.statuses and item.status not in wanted.statuses:
        return False
    if not item.lane.customer_side:
        cited = [by_id[i] for i in item.cites if i in by_id]
        return not (wanted.source_kinds or wanted.persona) or any(
            _sources_pass(other, refs, wanted) for other in cited
        )
    return _sources_pass(item, refs, wanted)


def filter_map(journey_map: JourneyMap, wanted: MapFilter) -> JourneyMap:
    """A copy of the map with only the items `wanted` keeps (every stage stays)."""
    if not wanted.active:
        return journey_map
    refs = {ref.id: ref for ref in journey_map.sources}
    by_id = {item.id: item for _, item in journey_map.items()}
    stages = [
        stage.model_copy(
            update={"items": [i for i in stage.items if item_passes(i, refs, wanted, by_id)]}
        )
        for stage in journey_map.stages
    ]
    return journey_map.model_copy(update={"stages": stages})


def cells(journey_map: JourneyMap) -> dict[Cell, list[Item]]:
    """Each (stage, lane) box's items, strongest support first (participants, then quotes;
    the map's order breaks ties)."""
    boxes: dict[Cell, list[Item]] = {}
    for stage in journey_map.stages:
        for item in stage.items:
            boxes.setdefault((stage.id, item.lane), []).append(item)
    for items in boxes.values():
        items.sort(key=lambda i: (-i.support.participants, -i.support.quotes))
    return boxes


def moments_of(stage: Stage) -> dict[str, list[MomentKind]]:
    """Item id → the moments of truth it illustrates in `stage`."""
    marked: dict[str, list[MomentKind]] = {}
    for moment in stage.moments_of_truth:
        if moment.item_id:
            marked.setdefault(moment.item_id, []).append(moment.kind)
    return marked


def lowest_stage(journey_map: JourneyMap) -> Stage | None:
    """The stage with the lowest valence (the emotional low point), if any stage has one."""
    rated = [stage for stage in journey_map.stages if stage.valence is not None]
    return min(rated, key=lambda s: (s.valence, s.order)) if rated else None


def status_operations(items: Iterable[Item], status: ItemStatus) -> list[SetStatus]:
    """One set_status per item not already at `status` (a bulk accept or reject)."""
    return [
        SetStatus(item_id=item.id, status=status) for item in items if item.status is not status
    ]
