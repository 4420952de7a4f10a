"""Edit operations: typed, JSON-serialisable changes to a map, and the revisions that hold them.

Applied by `assistant.editing.edits.apply_operations`. They address items and stages by id;
quotes are given as text and aligned to their source on apply.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.model.base import StrictModel, utc_now
from assistant.model.journey import ItemStatus, JourneyMap, Lane, MomentKind

ItemId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
Valence = Annotated[int, Field(ge=-2, le=2)]


class QuoteRef(StrictModel):
    """A quote claimed from a source; `apply_operations` aligns it and stores the exact span."""

    source_id: str
    quote: str = Field(min_length=1)


class AddItem(StrictModel):
    op: Literal["add_item"] = "add_item"
    stage_id: str
    lane: Lane = Field(description="A customer-side lane (analyst items: add_opportunity/add_kpi)")
    text: str = Field(min_length=1)
    evidence: list[QuoteRef] = Field(min_length=1)
    valence: Valence | None = None
    status: ItemStatus = ItemStatus.PROPOSED
    id: ItemId | None = Field(default=None, description="Default: the next free I<n>")


class UpdateItem(StrictModel):
    op: Literal["update_item"] = "update_item"
    item_id: str
    text: str | None = Field(default=None, min_length=1)
    valence: Valence | None = None
    clear_valence: bool = False
    cites: list[str] | None = Field(default=None, description="Analyst items only")


class DeleteItem(StrictModel):
    op: Literal["delete_item"] = "delete_item"
    item_id: str


class MoveItem(StrictModel):
    op: Literal["move_item"] = "move_item"
    item_id: str
    stage_id: str | None = None
    lane: Lane | None = None


class MergeItems(StrictModel):
    """One item with all their evidence (or citations), in the first one's place: its id, stage,
    lane and status."""

    op: Literal["merge_items"] = "merge_items"
    item_ids: list[str] = Field(min_length=2)
    text: str | None = Field(default=None, min_length=1)


class SplitPart(StrictModel):
    text: str = Field(min_length=1)
    evidence: list[int] = Field(default_factory=list, description="Indices of evidence kept")
    quotes: list[str] = Field(default_factory=list, description="Or the quotes kept, verbatim")
    cites: list[str] | None = Field(default=None, description="Analyst items: default all")
    valence: Valence | None = None
    id: ItemId | None = Field(
        default=None, description="Parts after the first: default the next free I<n>"
    )


class SplitItem(StrictModel):
    """The first part keeps the item's id; every quote must go to at least one part."""

    op: Literal["split_item"] = "split_item"
    item_id: str
    parts: list[SplitPart] = Field(min_length=2)


class AttachEvidence(StrictModel):
    op: Literal["attach_evidence"] = "attach_evidence"
    item_id: str
    source_id: str
    quote: str = Field(min_length=1)


class DetachEvidence(StrictModel):
    """Give `index` (position in the item's evidence) or `quote`, not both."""

    op: Literal["detach_evidence"] = "detach_evidence"
    item_id: str
    index: int | None = Field(default=None, ge=0)
    quote: str | None = None


class SetStatus(StrictModel):
    op: Literal["set_status"] = "set_status"
    item_id: str
    status: ItemStatus


class AddStage(StrictModel):
    """Inserted `after` a stage id, or at `position` (0 = first); at the end by default."""

    op: Literal["add_stage"] = "add_stage"
    name: str = Field(min_length=1)
    id: ItemId | None = Field(default=None, description="Default: a slug of the name")
    after: str | None = None
    position: int | None = Field(default=None, ge=0)


class RenameStage(StrictModel):
    op: Literal["rename_stage"] = "rename_stage"
    stage_id: str
    name: str = Field(min_length=1)


class ReorderStages(StrictModel):
    op: Literal["reorder_stages"] = "reorder_stages"
    stage_ids: list[str] = Field(description="Every stage id of the map, in the new order")


class DeleteStage(StrictModel):
    """Its items go to `move_items_to`, or are deleted with `delete_items`: one is required."""

    op: Literal["delete_stage"] = "delete_stage"
    stage_id: str
    move_items_to: str | None = None
    delete_items: bool = False


class SetTargetValence(StrictModel):
    """The emotion the team aims for at a stage: an ideal map's target curve (null clears it)."""

    op: Literal["set_target_valence"] = "set_target_valence"
    stage_id: str
    valence: float | None = Field(ge=-2.0, le=2.0)


class SetPersona(StrictModel):
    op: Literal["set_persona"] = "set_persona"
    persona: str | None


class _AnalystItemFields(StrictModel):
    stage_id: str
    text: str = Field(min_length=1)
    cites: list[str] = Field(min_length=1, description="Ids of the customer items it answers")
    status: ItemStatus = ItemStatus.PROPOSED
    id: ItemId | None = None


class AddOpportunity(_AnalystItemFields):
    op: Literal["add_opportunity"] = "add_opportunity"


class AddKpi(_AnalystItemFields):
    op: Literal["add_kpi"] = "add_kpi"


class MarkMomentOfTruth(StrictModel):
    op: Literal["mark_moment_of_truth"] = "mark_moment_of_truth"
    kind: MomentKind
    stage_id: str
    item_id: str | None = None
    note: str | None = None


class UnmarkMomentOfTruth(StrictModel):
    op: Literal["unmark_moment_of_truth"] = "unmark_moment_of_truth"
    kind: MomentKind
    stage_id: str
    item_id: str | None = None


EditOp = Annotated[
    AddItem
    | UpdateItem
    | DeleteItem
    | MoveItem
    | MergeItems
    | SplitItem
    | AttachEvidence
    | DetachEvidence
    | SetStatus
    | AddStage
    | RenameStage
    | ReorderStages
    | DeleteStage
    | SetPersona
    | SetTargetValence
    | AddOpportunity
    | AddKpi
    | MarkMomentOfTruth
    | UnmarkMomentOfTruth,
    Field(discriminator="op"),
]


class Conflict(StrictModel):
    """An edit a rebuild could not replay onto the new extraction, and why."""

    revision: int = Field(description="The revision that made the edit")
    operation: EditOp
    target: str | None = Field(default=None, description="The item or stage it addresses")
    reason: str
    hint: str


class Rebase(StrictModel):
    """What a rebuild did with the researcher's edits: it extracted `built` afresh from the
    sources, then replayed onto it the edits in effect on revision `onto` (the revision's
    `operations`, each made in revision `origins[i]`); `conflicts` could not be replayed."""

    onto: int = Field(ge=1, description="The revision whose edits were replayed")
    built: JourneyMap = Field(description="The map the build extracted, before the replay")
    origins: list[int] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)


class Revision(StrictModel):
    number: int = Field(ge=1)
    parent: int | None = None
    author: Literal["user", "assistant", "system"] = "system"
    message: str
    created_at: datetime = Field(default_factory=utc_now)
    operations: list[EditOp] = Field(
        default_factory=list, description="The edits this revision applied to its parent's map"
    )
    undoes: int | None = Field(default=None, description="The revision whose change this undoes")
    redoes: int | None = Field(default=None, description="The undone revision this re-applies")
    restores: int | None = Field(default=None, description="The revision whose map this copies")
    rebase: Rebase | None = Field(
        default=None, description="A rebuild: the extraction and the edits replayed onto it"
    )
    map: JourneyMap

    @property
    def is_build(self) -> bool:
        """Made from the sources (a build or a rebuild), not from its parent's map."""
        return _made_from_sources(self)

    @model_validator(mode="after")
    def _numbered_like_its_map(self) -> Revision:
        if self.map.revision != self.number:
            raise ValueError(
                f"revision {self.number} holds a map marked revision {self.map.revision}"
            )
        if self.rebase is not None and len(self.rebase.origins) != len(self.operations):
            raise ValueError(f"revision {self.number}: one origin per replayed operation")
        return self


class RebaseLog(BaseModel):
    """`Rebase` without the extraction it holds."""

    model_config = ConfigDict(extra="ignore")
    origins: list[int] = Field(default_factory=list)


class RevisionLog(BaseModel):
    """A revision without its map: what a walk through the history reads (a rebuild crosses
    every revision since the last build). `Revision` has the same fields."""

    model_config = ConfigDict(extra="ignore")
    number: int
    parent: int | None = None
    author: str = "system"
    operations: list[EditOp] = Field(default_factory=list)
    undoes: int | None = None
    redoes: int | None = None
    restores: int | None = None
    rebase: RebaseLog | None = None

    @property
    def is_build(self) -> bool:
        """`Revision.is_build`."""
        return _made_from_sources(self)


def _made_from_sources(revision: Revision | RevisionLog) -> bool:
    """A build or a rebuild: the system saved it, and it points back at no other revision."""
    return revision.rebase is not None or (
        revision.author == "system"
        and not revision.operations
        and revision.undoes is None
        and revision.redoes is None
        and revision.restores is None
    )
