"""The stage and map handlers of `apply_operations` (`assistant.editing.edits`): add, rename,
reorder and delete stages; the persona; moments of truth. Pure; they raise `Refused`.
"""

from __future__ import annotations

from assistant.editing.state import EditState, Refused, clean, insert_by_lane, stage_slug
from assistant.model import (
    AddStage,
    DeleteStage,
    MarkMomentOfTruth,
    MomentOfTruth,
    RenameStage,
    ReorderStages,
    SetPersona,
    SetTargetValence,
    Stage,
    UnmarkMomentOfTruth,
)


# -- stages ---------------------------------------------------------------------------------------
def add_stage(state: EditState, op: AddStage) -> None:
    stages = state.map.stages
    name = clean(op.name, "stage name")
    if op.after is not None and op.position is not None:
        raise Refused("after and position contradict each other", "give one of them")
    if op.id is not None and any(stage.id == op.id for stage in stages):
        raise Refused(f"stage id {op.id!r} is already used", "choose another id, or leave it out")
    stage_id = op.id or stage_slug(name, (stage.id for stage in stages))
    if op.after is not None:
        position = stages.index(state.stage(op.after)) + 1
    elif op.position is not None:
        if op.position > len(stages):
            raise Refused(
                f"position {op.position} is past the end ({len(stages)} stages)",
                f"give a position from 0 to {len(stages)}",
            )
        position = op.position
    else:
        position = len(stages)
    stages.insert(position, Stage(id=stage_id, name=name, order=position))
    state.renumber_stages()
    state.pinned = op.model_copy(update={"id": stage_id})


def rename_stage(state: EditState, op: RenameStage) -> None:
    state.stage(op.stage_id).name = clean(op.name, "stage name")


def reorder_stages(state: EditState, op: ReorderStages) -> None:
    current = [stage.id for stage in state.map.stages]
    if sorted(op.stage_ids) != sorted(current):
        missing = [s for s in current if s not in op.stage_ids]
        unknown = [s for s in op.stage_ids if s not in current]
        repeated = sorted({s for s in op.stage_ids if op.stage_ids.count(s) > 1})
        problems = [
            f"{label} {', '.join(ids)}"
            for label, ids in (("missing", missing), ("unknown", unknown), ("repeated", repeated))
            if ids
        ]
        raise Refused(
            f"the new order must list every stage once ({'; '.join(problems)})",
            f"list exactly these stages: {', '.join(current)}",
        )
    by_id = {stage.id: stage for stage in state.map.stages}
    state.map.stages = [by_id[stage_id] for stage_id in op.stage_ids]
    state.renumber_stages()


def delete_stage(state: EditState, op: DeleteStage) -> None:
    stage = state.stage(op.stage_id)
    if op.move_items_to is None and not op.delete_items:
        raise Refused(
            f"the {len(stage.items)} items of stage {stage.id} need a destination",
            "give move_items_to=<stage id>, or delete_items=true",
        )
    if op.move_items_to is not None and op.delete_items:
        raise Refused("move_items_to and delete_items contradict each other", "give one")
    if len(state.map.stages) == 1:
        raise Refused("a map needs at least one stage", "add another stage first")
    if op.move_items_to is not None:
        target = state.stage(op.move_items_to)
        if target is stage:
            raise Refused("its items cannot move to the stage being deleted", "pick another stage")
        for item in stage.items:
            insert_by_lane(target, item)
            state.touch(target, item)
        for moment in stage.moments_of_truth:
            if moment not in target.moments_of_truth:
                target.moments_of_truth.append(moment)
    else:
        state.remove_items({item.id for item in stage.items})
    state.map.stages = [other for other in state.map.stages if other.id != stage.id]
    state.touched_stages.discard(stage.id)
    state.renumber_stages()


# -- the map --------------------------------------------------------------------------------------
def set_persona(state: EditState, op: SetPersona) -> None:
    state.map.persona = optional_text(op.persona)


def mark_moment(state: EditState, op: MarkMomentOfTruth) -> None:
    stage = state.stage(op.stage_id)
    if op.item_id is not None:
        state.locate(op.item_id)
    if any(m.kind == op.kind and m.item_id == op.item_id for m in stage.moments_of_truth):
        raise Refused(
            f"{stage.id} is already marked {op.kind.value}"
            + (f" with {op.item_id}" if op.item_id else ""),
            "unmark it first to change its note",
        )
    moment = MomentOfTruth(kind=op.kind, item_id=op.item_id, note=optional_text(op.note))
    stage.moments_of_truth.append(moment)


def unmark_moment(state: EditState, op: UnmarkMomentOfTruth) -> None:
    stage = state.stage(op.stage_id)
    found = [
        moment
        for moment in stage.moments_of_truth
        if moment.kind == op.kind and (op.item_id is None or moment.item_id == op.item_id)
    ]
    if not found:
        raise Refused(f"{stage.id} is not marked {op.kind.value}", "nothing to unmark")
    if len(found) > 1:
        items = ", ".join(str(moment.item_id) for moment in found)
        raise Refused(
            f"{stage.id} has {len(found)} {op.kind.value} moments", f"give item_id: {items}"
        )
    stage.moments_of_truth = [moment for moment in stage.moments_of_truth if moment is not found[0]]


def optional_text(text: str | None) -> str | None:
    return " ".join(text.split()) or None if text is not None else None


def set_target_valence(state: EditState, op: SetTargetValence) -> None:
    state.stage(op.stage_id).target_valence = op.valence
