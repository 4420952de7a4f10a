"""Apply typed edit operations to a journey map. Pure: a new map out, the input never touched.

`apply_operations` is all or nothing: each operation is checked against the map as the previous
ones left it, and the first refusal raises one `EditError` naming the operation (its 1-based
position, name and item or stage) and what to do; nothing is applied. Policies:

- Grounding: quotes (add_item, attach_evidence) go through the aligner a build uses
  (`assistant.evidence.claims.ground_claim`): a stored quote is always
  `source.text[start:end]`, and a customer item never quotes the interviewer. A customer item
  always keeps at least one quote.
- Citations: opportunities and KPIs cite existing customer items. Deleting an item drops it from
  the citations naming it, refused if an opportunity or KPI would then cite nothing; merging
  rewrites citations to the kept (first) id; splitting leaves them on the first part, which keeps
  the id. Moments of truth follow suit (a deleted item's moment stays on its stage, item-less).
- Ids: a new item gets the next free `I<n>` (one above the highest `I<n>` of the map, the
  builder's scheme); a new stage, a slug of its name. Deterministic: the same operations on the
  same map give the same ids. (Deleting the highest item frees its id for the next new item.)
- Derived values: support counts and stage valence are recomputed with the synthesis helpers,
  only for the items and stages an operation touched, so an edit never rewrites the rest.
- Moving an item between the customer side and the analyst side is refused: one needs quotes,
  the other citations. Add a new item instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError

from assistant.editing import stage_edits
from assistant.editing.operations import (
    describe_operation,
    find_item,
    find_lane,
    find_stage,
    operation_target,
    quote_index,
)
from assistant.editing.state import (
    EditState,
    Refused,
    clean,
    dedupe_evidence,
    insert_by_lane,
    short,
)
from assistant.errors import EditError
from assistant.model import (
    AddItem,
    AddKpi,
    AddOpportunity,
    AddStage,
    AttachEvidence,
    DeleteItem,
    DeleteStage,
    DetachEvidence,
    EditOp,
    Item,
    JourneyMap,
    Lane,
    MarkMomentOfTruth,
    MergeItems,
    MoveItem,
    RenameStage,
    ReorderStages,
    SetPersona,
    SetStatus,
    SetTargetValence,
    Source,
    SplitItem,
    UnmarkMomentOfTruth,
    UpdateItem,
)

__all__ = [
    "apply_and_pin",
    "apply_operations",
    "describe_operation",
    "find_item",
    "find_lane",
    "find_stage",
    "operations_json_schema",
    "parse_operations",
]

_OPERATIONS: TypeAdapter[list[EditOp]] = TypeAdapter(list[EditOp])


def parse_operations(data: Any) -> list[EditOp]:
    """Operations from JSON-like data (a list of objects with an "op" field, as a chat model's
    tool call or a file gives them). EditError naming the first malformed one."""
    try:
        return _OPERATIONS.validate_python(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = [str(part) for part in first["loc"]]
        index = int(where[0]) if where and where[0].isdigit() else None
        name = (
            data[index].get("op") if index is not None and isinstance(data[index], dict) else None
        )
        field = ".".join(where[2:] if len(where) > 2 else where[1:])
        subject = "the operations are"
        if index is not None:
            subject = f"operation {index + 1}{f' ({name})' if name else ''} is"
        raise EditError(
            f"{subject} malformed: {field or 'value'}: {first['msg']}",
            'give a list of operations, each with an "op" and its fields '
            "(see operations_json_schema())",
        ) from None


def operations_json_schema() -> dict[str, Any]:
    """The JSON Schema of a list of operations (for a chat model's tool, or a file of edits)."""
    return _OPERATIONS.json_schema()


def apply_operations(
    journey_map: JourneyMap, operations: Sequence[EditOp], sources: Mapping[str, Source]
) -> JourneyMap:
    """The map after `operations`, in order. `sources` (by id) ground the quotes they add."""
    return apply_and_pin(journey_map, operations, sources)[0]


def apply_and_pin(
    journey_map: JourneyMap, operations: Sequence[EditOp], sources: Mapping[str, Source]
) -> tuple[JourneyMap, list[EditOp]]:
    """`apply_operations`, and the operations as they were applied, pinned: every id they
    created given explicitly, every quote named by text rather than by position. Pinned
    operations replay to the same result on a map that has new items (a rebuild's), which is
    what a revision stores."""
    state = EditState(journey_map.model_copy(deep=True), sources)
    pinned: list[EditOp] = []
    for index, operation in enumerate(operations):
        try:
            pinned.append(apply_in_place(state, operation))
        except Refused as refused:
            raise EditError(
                refused.message,
                refused.hint,
                index=index,
                total=len(operations),
                op=operation.op,
                target=operation_target(operation),
            ) from None
    return finished(state), pinned


def apply_in_place(state: EditState, operation: EditOp) -> EditOp:
    """One operation on `state`'s map, mutated in place; the operation pinned. On `Refused`
    the map may be partly changed: a caller that goes on keeps a copy to start again from."""
    state.pinned = operation
    _HANDLERS[type(operation)](state, operation)
    return state.pinned or operation


def finished(state: EditState) -> JourneyMap:
    """The map `state` holds, its derived values recomputed and validated."""
    state.finish()
    try:  # the model's own validators, as a last guard
        return JourneyMap.model_validate(state.map.model_dump())
    except ValidationError as error:
        raise EditError(
            f"these edits would leave map {state.map.id} invalid: {error.errors()[0]['msg']}",
            "nothing was applied; change the operations (and report this as a bug)",
        ) from None


# -- items ----------------------------------------------------------------------------------------
def _add_item(state: EditState, op: AddItem) -> None:
    stage = state.stage(op.stage_id)
    if not op.lane.customer_side:
        raise Refused(
            f"{op.lane.value} is an analyst lane: its items cite customer items, not quotes",
            "use add_opportunity or add_kpi",
        )
    text = clean(op.text, "item text")
    item_id = state.new_item_id(op.id)
    evidence = [state.ground(q.source_id, q.quote, op.lane, text) for q in op.evidence]
    item = Item(
        id=item_id,
        lane=op.lane,
        text=text,
        status=op.status,
        valence=op.valence,
        evidence=dedupe_evidence(evidence),
    )
    insert_by_lane(stage, item)
    state.touch(stage, item)
    state.pinned = op.model_copy(update={"id": item_id})


def _update_item(state: EditState, op: UpdateItem) -> None:
    stage, item = state.locate(op.item_id)
    if op.text is None and op.valence is None and not op.clear_valence and op.cites is None:
        raise Refused("nothing to change", "give text, valence, clear_valence or cites")
    if op.valence is not None and op.clear_valence:
        raise Refused("valence and clear_valence contradict each other", "give one of them")
    if op.cites is not None:
        if item.lane.customer_side:
            raise Refused(
                f"{item.id} is a customer item: quotes ground it, not citations",
                "attach or detach evidence instead",
            )
        item.cites = state.check_cites(op.cites, item.id)
    if op.text is not None:
        item.text = clean(op.text, "item text")
    if op.valence is not None or op.clear_valence:
        item.valence = op.valence
    state.touch(stage, item)


def _delete_item(state: EditState, op: DeleteItem) -> None:
    state.locate(op.item_id)
    state.remove_items({op.item_id})


def _move_item(state: EditState, op: MoveItem) -> None:
    if op.stage_id is None and op.lane is None:
        raise Refused("no destination", "give a stage_id, a lane, or both")
    stage, item = state.locate(op.item_id)
    target = state.stage(op.stage_id) if op.stage_id is not None else stage
    lane = op.lane or item.lane
    if lane.customer_side != item.lane.customer_side:
        raise Refused(
            f"{item.id} is {'a customer' if item.lane.customer_side else 'an analyst'} item "
            f"({item.lane.value}) and cannot move to the {lane.value} lane",
            "customer items need quotes and analyst items cite them: add a new item instead",
        )
    if target is stage and lane == item.lane:
        return  # already there
    stage.items = [other for other in stage.items if other.id != item.id]
    item.lane = lane
    insert_by_lane(target, item)
    state.touch(stage, item)
    state.touch(target, item)


def _merge_items(state: EditState, op: MergeItems) -> None:
    if len(set(op.item_ids)) != len(op.item_ids):
        raise Refused("an item is listed twice", "list each item to merge once")
    located = [state.locate(item_id) for item_id in op.item_ids]
    first_stage, first = located[0]
    for _, other in located[1:]:
        if other.lane.customer_side != first.lane.customer_side:
            raise Refused(
                f"{first.id} ({first.lane.value}) and {other.id} ({other.lane.value}) are not on "
                "the same side of the map",
                "merge customer items together, or opportunities and KPIs together",
            )
    others = [item for _, item in located[1:]]
    first.evidence = dedupe_evidence([e for item in [first, *others] for e in item.evidence])
    if not first.lane.customer_side:
        first.cites = list(dict.fromkeys(c for item in [first, *others] for c in item.cites))
    if op.text is not None:
        first.text = clean(op.text, "item text")
    if first.valence is None and first.lane == Lane.EMOTION:  # an emotion keeps a valence
        first.valence = next((o.valence for o in others if o.valence is not None), None)
    merged = {item.id for item in others}
    for stage, _ in located[1:]:
        stage.items = [item for item in stage.items if item.id not in merged]
        state.touch(stage)
    state.redirect(merged, first.id)
    state.touch(first_stage, first)


def _split_item(state: EditState, op: SplitItem) -> None:
    stage, item = state.locate(op.item_id)
    customer = item.lane.customer_side
    count = len(item.evidence)
    kept: list[list[int]] = []
    for number, part in enumerate(op.parts, 1):
        if not customer and (part.evidence or part.quotes or part.cites == []):
            raise Refused(
                f"part {number}: {item.id} is an {item.lane.value}; its parts cite items",
                "give each part its cites (or none, to keep them all)",
            )
        indices = list(part.evidence)
        for index in indices:
            if not 0 <= index < count:
                raise Refused(
                    f"part {number} keeps quote {index}, but {item.id} has {count} (0–{count - 1})",
                    "give indices of the item's evidence, counting from 0",
                )
        for quote in part.quotes:
            try:
                indices.append(quote_index(item, quote))
            except LookupError as error:
                raise Refused(str(error), "give the quote's index instead") from None
        if customer and not indices:
            raise Refused(
                f"part {number} {short(part.text)} keeps no quote",
                "each part of a customer item needs at least one of its quotes",
            )
        if customer and part.cites is not None:
            raise Refused(f"part {number} gives cites to a customer item", "give quotes instead")
        kept.append(sorted(set(indices)))
    orphans = sorted(set(range(count)) - {index for indices in kept for index in indices})
    if customer and orphans:
        raise Refused(
            f"quote {orphans[0]} {short(item.evidence[orphans[0]].quote)} goes to no part",
            "give it to a part, or detach it first",
        )
    position = stage.items.index(item)
    original = item.model_copy(deep=True)  # the parts are cut from this, not from part 1
    by_text = customer and _quotes_unique(original)  # a rebuild may reorder the quotes
    pinned_parts = []
    for number, (part, indices) in enumerate(zip(op.parts, kept, strict=True)):
        piece = item if number == 0 else original.model_copy(deep=True)
        piece.id = item.id if number == 0 else state.new_item_id(part.id)
        update: dict[str, Any] = {"id": None if number == 0 else piece.id}
        if by_text:
            update |= {"evidence": [], "quotes": [original.evidence[i].quote for i in indices]}
        pinned_parts.append(part.model_copy(update=update))
        piece.text = clean(part.text, "part text")
        piece.evidence = [original.evidence[index] for index in indices]
        if not customer:
            piece.cites = state.check_cites(part.cites or original.cites, f"part {number + 1}")
        if part.valence is not None:
            piece.valence = part.valence
        if number:
            stage.items.insert(position + number, piece)
        state.touch(stage, piece)
    state.pinned = op.model_copy(update={"parts": pinned_parts})


def _quotes_unique(item: Item) -> bool:
    """Whether every quote of `item` names one evidence only (`quote_index` finds it)."""
    try:
        return all(quote_index(item, e.quote) == n for n, e in enumerate(item.evidence))
    except LookupError:
        return False


def _attach_evidence(state: EditState, op: AttachEvidence) -> None:
    stage, item = state.locate(op.item_id)
    if not item.lane.customer_side:
        raise Refused(
            f"{item.id} is an {item.lane.value}: it cites customer items, not quotes",
            "attach the quote to the customer item it cites",
        )
    evidence = state.ground(op.source_id, op.quote, item.lane, item.text)
    if any((e.source_id, e.start, e.end) == (evidence.source_id, evidence.start, evidence.end)
           for e in item.evidence):  # fmt: skip
        raise Refused(
            f"{item.id} already quotes this passage of {op.source_id}", "nothing to attach"
        )
    item.evidence.append(evidence)
    state.touch(stage, item)


def _detach_evidence(state: EditState, op: DetachEvidence) -> None:
    stage, item = state.locate(op.item_id)
    if (op.index is None) == (op.quote is None):
        raise Refused("say which quote to detach", "give its index or its quote, not both")
    index = op.index
    if op.quote is not None:
        try:
            index = quote_index(item, op.quote)
        except LookupError as error:
            raise Refused(str(error), "give the quote's index in the item's evidence") from None
    assert index is not None  # one of the two was given
    if index >= len(item.evidence):
        raise Refused(
            f"{item.id} has {len(item.evidence)} quotes; there is no quote {index}",
            "give an index counting from 0",
        )
    if item.lane.customer_side and len(item.evidence) == 1:
        raise Refused(
            f"that quote is the only evidence of {item.id}; a customer item must keep one",
            "attach another quote first, or delete the item",
        )
    if _quotes_unique(item):
        state.pinned = op.model_copy(update={"index": None, "quote": item.evidence[index].quote})
    del item.evidence[index]
    state.touch(stage, item)


def _set_status(state: EditState, op: SetStatus) -> None:
    _, item = state.locate(op.item_id)
    item.status = op.status


def _add_analyst_item(lane: Lane) -> Callable[[EditState, AddOpportunity | AddKpi], None]:
    def add(state: EditState, op: AddOpportunity | AddKpi) -> None:
        stage = state.stage(op.stage_id)
        text = clean(op.text, "text")
        item_id = state.new_item_id(op.id)
        cites = state.check_cites(op.cites, f"the new {lane.value}")
        item = Item(id=item_id, lane=lane, text=text, status=op.status, cites=cites)
        insert_by_lane(stage, item)
        state.touch(stage, item)
        state.pinned = op.model_copy(update={"id": item_id})

    return add


_HANDLERS: dict[type[Any], Callable[[EditState, Any], None]] = {
    AddItem: _add_item,
    UpdateItem: _update_item,
    DeleteItem: _delete_item,
    MoveItem: _move_item,
    MergeItems: _merge_items,
    SplitItem: _split_item,
    AttachEvidence: _attach_evidence,
    DetachEvidence: _detach_evidence,
    SetStatus: _set_status,
    AddStage: stage_edits.add_stage,
    RenameStage: stage_edits.rename_stage,
    ReorderStages: stage_edits.reorder_stages,
    DeleteStage: stage_edits.delete_stage,
    SetPersona: stage_edits.set_persona,
    SetTargetValence: stage_edits.set_target_valence,
    AddOpportunity: _add_analyst_item(Lane.OPPORTUNITY),
    AddKpi: _add_analyst_item(Lane.KPI),
    MarkMomentOfTruth: stage_edits.mark_moment,
    UnmarkMomentOfTruth: stage_edits.unmark_moment,
}
