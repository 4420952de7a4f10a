"""Stable identity across builds: a finding is recognised by its evidence, not by its position.

A rebuild synthesises findings afresh and numbers them I1, I2… in reading order. `carry_ids`
gives each new finding the id of the finding of the previous build whose quotes it shares most
(the spans, source and offsets, it has in common over all the spans either has), one to one, best
pairs first; a new finding that shares no quote with any earlier one takes the next free number
above every id the map has used, so an id never comes back meaning something else. Chat commands,
MCP calls and a researcher's notes that say "I12" keep pointing at the same finding when new
interviews arrive.

Pure: the previous map is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from assistant.model import Item, JourneyMap, Stage

Span = tuple[str, int, int]
_NUMBERED = re.compile(r"^I(\d+)$")
SAME_CELL_BONUS = 0.1
"""Added to the overlap of two findings in the same stage and lane: ties go to the cell."""


def spans(item: Item) -> set[Span]:
    return {(e.source_id, e.start, e.end) for e in item.evidence}


def overlap(a: set[Span], b: set[Span]) -> float:
    """Shared spans over all spans (Jaccard); 0 when nothing is shared."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / len(a | b) if shared else 0.0


def _highest_number(ids: Iterable[str]) -> int:
    numbers = [int(m.group(1)) for i in ids if (m := _NUMBERED.match(i))]
    return max(numbers, default=0)


def carry_ids(
    stages: Sequence[Stage], previous: JourneyMap | None, used: Iterable[str] = ()
) -> list[Stage]:
    """`stages` with each finding renamed after the previous build's finding it continues.

    `used`: ids the map's history holds beyond `previous` (edits added items): new numbers start
    above them too.
    """
    if previous is None:
        return list(stages)
    old = [(stage.id, item) for stage, item in previous.items() if item.lane.customer_side]
    new = [(stage.id, item) for stage in stages for item in stage.items]
    old_spans = [spans(item) for _, item in old]
    candidates = []
    for n, (stage_id, item) in enumerate(new):
        mine = spans(item)
        for o, (old_stage, old_item) in enumerate(old):
            score = overlap(mine, old_spans[o])
            if score > 0:
                same_cell = old_stage == stage_id and old_item.lane is item.lane
                candidates.append((score + (SAME_CELL_BONUS if same_cell else 0.0), n, o))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    names: dict[int, str] = {}
    taken: set[int] = set()
    for _, n, o in candidates:
        if n not in names and o not in taken:
            names[n] = old[o][1].id
            taken.add(o)
    every_id = [item.id for _, item in previous.items()] + list(used)
    next_number = _highest_number(every_id) + 1
    for n in range(len(new)):
        if n not in names:
            names[n] = f"I{next_number}"
            next_number += 1
    renamed: list[Stage] = []
    index = 0
    for stage in stages:
        items: list[Item] = []
        moved: dict[str | None, str | None] = {}
        for item in stage.items:
            moved[item.id] = names[index]
            items.append(item.model_copy(update={"id": names[index]}))
            index += 1
        moments = [
            m.model_copy(update={"item_id": moved.get(m.item_id, m.item_id)})
            for m in stage.moments_of_truth
        ]
        renamed.append(stage.model_copy(update={"items": items, "moments_of_truth": moments}))
    return renamed
