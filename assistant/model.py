"""The domain model every layer speaks: sources, segments, evidence, items, stages, maps, revisions.

Pure pydantic v2, no I/O. The public JSON contract (field names below) is API: exported maps,
`parcours verify`, the UI and the MCP server all read these names. Offsets are Python string indices
(Unicode code points) into `Source.text`; `Source.text[start:end] == Evidence.quote` always holds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = "1.0"

LanguageCode = Annotated[
    str, Field(pattern=r"^[a-z]{2,3}$", description="ISO 639 code; 'und' when undetermined")
]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Lane(StrEnum):
    """Rows of a journey map. The first seven are the customer's side and need verbatim evidence;
    opportunities and KPIs are the analyst's side and cite the customer items they answer."""

    ACTION = "action"
    MOTIVATION = "motivation"
    QUESTION = "question"
    OBSTACLE = "obstacle"
    TOUCHPOINT = "touchpoint"
    EMOTION = "emotion"
    EXPECTATION = "expectation"
    OPPORTUNITY = "opportunity"
    KPI = "kpi"

    @property
    def customer_side(self) -> bool:
        return self not in ANALYST_LANES


ANALYST_LANES = frozenset({Lane.OPPORTUNITY, Lane.KPI})
CUSTOMER_LANES = tuple(lane for lane in Lane if lane not in ANALYST_LANES)


class SourceKind(StrEnum):
    INTERVIEW = "interview"
    REVIEW = "review"
    SURVEY = "survey"


class Role(StrEnum):
    """Only participant speech is evidence of the customer's experience."""

    INTERVIEWER = "interviewer"
    PARTICIPANT = "participant"
    UNKNOWN = "unknown"


class Alignment(StrEnum):
    """How a claimed quote was found in its source (see `assistant.grounding`)."""

    EXACT = "exact"
    NORMALIZED = "normalized"
    FUZZY = "fuzzy"


class ItemStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False, use_enum_values=False)


class Segment(_Model):
    """A sentence of a source, with the speaker turn it belongs to. The unit we embed and cite."""

    id: str = Field(description="'<source_id>:<index>'")
    source_id: str
    index: int = Field(ge=0)
    turn: int = Field(ge=0, description="Speaker turn number within the source")
    speaker: str | None = None
    role: Role = Role.UNKNOWN
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    timestamp: str | None = Field(default=None, description="HH:MM:SS of the turn, when known")


class Source(_Model):
    """One interview, review or survey answer, as ingested. `text` is what offsets index."""

    id: str
    name: str = Field(description="File name, plus '#row N' for a row of a table")
    kind: SourceKind
    language: LanguageCode
    sha256: str = Field(description="SHA-256 of the original bytes (the file, or the row's text)")
    text: str
    persona: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    segments: list[Segment] = Field(default_factory=list)

    @model_validator(mode="after")
    def _segments_inside_text(self) -> Source:
        for segment in self.segments:
            if not 0 <= segment.start <= segment.end <= len(self.text):
                raise ValueError(f"segment {segment.id} lies outside the text of {self.id}")
        return self

    def ref(self, *, with_text: bool = False) -> SourceRef:
        return SourceRef(
            id=self.id,
            name=self.name,
            kind=self.kind,
            language=self.language,
            sha256=self.sha256,
            persona=self.persona,
            text=self.text if with_text else None,
            segments=list(self.segments) if with_text else None,
        )

    def segment_at(self, offset: int) -> Segment | None:
        """The segment containing `offset`, or the turn's segment just before it."""
        best: Segment | None = None
        for segment in self.segments:
            if segment.start <= offset:
                best = segment
            if segment.start <= offset < segment.end:
                return segment
        return best


class SourceRef(_Model):
    """A source as a map cites it. `text` and `segments` only in exports made `--with-sources`."""

    id: str
    name: str
    kind: SourceKind
    language: LanguageCode
    sha256: str
    persona: str | None = None
    text: str | None = None
    segments: list[Segment] | None = None


class Evidence(_Model):
    """A verbatim quote: always the exact substring `source.text[start:end]`."""

    source_id: str
    quote: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    speaker: str | None = None
    timestamp: str | None = None
    alignment: Alignment
    segment_id: str | None = None
    source_kind: SourceKind | None = None

    @model_validator(mode="after")
    def _span_matches_quote(self) -> Evidence:
        if self.end - self.start != len(self.quote):
            raise ValueError(
                f"evidence in {self.source_id}: span {self.start}-{self.end} does not fit its quote"
            )
        return self


class Support(_Model):
    quotes: int = Field(default=0, ge=0)
    sources: int = Field(default=0, ge=0)
    participants: int = Field(default=0, ge=0)


class Item(_Model):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    lane: Lane
    text: str = Field(min_length=1)
    status: ItemStatus = ItemStatus.PROPOSED
    valence: int | None = Field(
        default=None, ge=-2, le=2, description="-2 very negative … +2 very positive (emotions)"
    )
    support: Support = Field(default_factory=Support)
    evidence: list[Evidence] = Field(default_factory=list)
    cites: list[str] = Field(
        default_factory=list, description="Item ids an opportunity or KPI answers"
    )
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _grounded_or_cited(self) -> Item:
        if self.lane.customer_side and not self.evidence:
            raise ValueError(
                f"item {self.id} ({self.lane}) has no evidence; customer items need quotes"
            )
        if not self.lane.customer_side and not self.cites:
            raise ValueError(f"item {self.id} ({self.lane}) cites no customer item")
        return self


class MomentKind(StrEnum):
    """Moments of truth (DOMAIN.md): zero = information search before contact, first = purchase
    decision, second = first use of the product, third = the customer shares the experience."""

    ZMOT = "ZMOT"
    FMOT = "FMOT"
    SMOT = "SMOT"
    TMOT = "TMOT"


class MomentOfTruth(_Model):
    """A moment of truth marked on a stage, optionally illustrated by one item of the map."""

    kind: MomentKind
    item_id: str | None = None
    note: str | None = None


class Stage(_Model):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1)
    order: int = Field(ge=0)
    items: list[Item] = Field(default_factory=list)
    valence: float | None = Field(
        default=None, ge=-2.0, le=2.0, description="Mean emotion valence of the stage"
    )
    moments_of_truth: list[MomentOfTruth] = Field(default_factory=list)


class Ungrounded(_Model):
    """What an extractor claimed but could not be tied to a source: shown to the reviewer."""

    claim: str
    quote: str | None = None
    source_id: str | None = None
    stage_id: str | None = None
    lane: Lane | None = None
    reason: str


class TokenUsage(_Model):
    input_tokens: int = 0
    output_tokens: int = 0


class Provenance(_Model):
    tool_version: str
    created_at: datetime = Field(default_factory=utc_now)
    extractor: str
    model: str | None = None
    prompt_version: str | None = None
    embedder: str | None = None
    data_versions: dict[str, str] = Field(default_factory=dict)
    parameters: dict[str, float | int | str | bool] = Field(default_factory=dict)
    token_usage: TokenUsage | None = None
    failures: dict[str, str] = Field(
        default_factory=dict,
        description="Source id → why the build could not use it; non-empty means a partial map",
    )


class JourneyMap(_Model):
    schema_version: Literal["1.0"] = "1.0"
    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    title: str
    language: LanguageCode
    persona: str | None = None
    revision: int = Field(ge=1)
    stages: list[Stage]
    ungrounded: list[Ungrounded] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)
    provenance: Provenance

    @model_validator(mode="after")
    def _consistent(self) -> JourneyMap:
        stage_ids = [stage.id for stage in self.stages]
        if len(set(stage_ids)) != len(stage_ids):
            raise ValueError(f"map {self.id}: duplicate stage ids {stage_ids}")
        item_ids = [item.id for stage in self.stages for item in stage.items]
        if len(set(item_ids)) != len(item_ids):
            raise ValueError(f"map {self.id}: duplicate item ids")
        known_sources = {source.id for source in self.sources}
        for stage in self.stages:
            for item in stage.items:
                for evidence in item.evidence:
                    if known_sources and evidence.source_id not in known_sources:
                        raise ValueError(
                            f"item {item.id} cites source {evidence.source_id}, "
                            "which is not in the map's sources"
                        )
        return self

    def items(self) -> list[tuple[Stage, Item]]:
        return [(stage, item) for stage in self.stages for item in stage.items]

    def lane_counts(self) -> dict[str, dict[str, int]]:
        """stage id → lane → number of items (the demo's summary table)."""
        return {
            stage.id: {lane.value: sum(item.lane == lane for item in stage.items) for lane in Lane}
            for stage in self.stages
        }


# -- edit operations -----------------------------------------------------------------------------
# Typed, JSON-serialisable changes to a map (applied by `assistant.edits.apply_operations`). They
# address items and stages by id; quotes are given as text and aligned to their source on apply.

ItemId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
Valence = Annotated[int, Field(ge=-2, le=2)]


class QuoteRef(_Model):
    """A quote claimed from a source; `apply_operations` aligns it and stores the exact span."""

    source_id: str
    quote: str = Field(min_length=1)


class AddItem(_Model):
    op: Literal["add_item"] = "add_item"
    stage_id: str
    lane: Lane = Field(description="A customer-side lane (analyst items: add_opportunity/add_kpi)")
    text: str = Field(min_length=1)
    evidence: list[QuoteRef] = Field(min_length=1)
    valence: Valence | None = None
    status: ItemStatus = ItemStatus.PROPOSED
    id: ItemId | None = Field(default=None, description="Default: the next free I<n>")


class UpdateItem(_Model):
    op: Literal["update_item"] = "update_item"
    item_id: str
    text: str | None = Field(default=None, min_length=1)
    valence: Valence | None = None
    clear_valence: bool = False
    cites: list[str] | None = Field(default=None, description="Analyst items only")


class DeleteItem(_Model):
    op: Literal["delete_item"] = "delete_item"
    item_id: str


class MoveItem(_Model):
    op: Literal["move_item"] = "move_item"
    item_id: str
    stage_id: str | None = None
    lane: Lane | None = None


class MergeItems(_Model):
    """One item with all their evidence (or citations), in the first one's place: its id, stage,
    lane and status."""

    op: Literal["merge_items"] = "merge_items"
    item_ids: list[str] = Field(min_length=2)
    text: str | None = Field(default=None, min_length=1)


class SplitPart(_Model):
    text: str = Field(min_length=1)
    evidence: list[int] = Field(default_factory=list, description="Indices of evidence kept")
    quotes: list[str] = Field(default_factory=list, description="Or the quotes kept, verbatim")
    cites: list[str] | None = Field(default=None, description="Analyst items: default all")
    valence: Valence | None = None


class SplitItem(_Model):
    """The first part keeps the item's id; every quote must go to at least one part."""

    op: Literal["split_item"] = "split_item"
    item_id: str
    parts: list[SplitPart] = Field(min_length=2)


class AttachEvidence(_Model):
    op: Literal["attach_evidence"] = "attach_evidence"
    item_id: str
    source_id: str
    quote: str = Field(min_length=1)


class DetachEvidence(_Model):
    """Give `index` (position in the item's evidence) or `quote`, not both."""

    op: Literal["detach_evidence"] = "detach_evidence"
    item_id: str
    index: int | None = Field(default=None, ge=0)
    quote: str | None = None


class SetStatus(_Model):
    op: Literal["set_status"] = "set_status"
    item_id: str
    status: ItemStatus


class AddStage(_Model):
    """Inserted `after` a stage id, or at `position` (0 = first); at the end by default."""

    op: Literal["add_stage"] = "add_stage"
    name: str = Field(min_length=1)
    id: ItemId | None = Field(default=None, description="Default: a slug of the name")
    after: str | None = None
    position: int | None = Field(default=None, ge=0)


class RenameStage(_Model):
    op: Literal["rename_stage"] = "rename_stage"
    stage_id: str
    name: str = Field(min_length=1)


class ReorderStages(_Model):
    op: Literal["reorder_stages"] = "reorder_stages"
    stage_ids: list[str] = Field(description="Every stage id of the map, in the new order")


class DeleteStage(_Model):
    """Its items go to `move_items_to`, or are deleted with `delete_items`: one is required."""

    op: Literal["delete_stage"] = "delete_stage"
    stage_id: str
    move_items_to: str | None = None
    delete_items: bool = False


class SetPersona(_Model):
    op: Literal["set_persona"] = "set_persona"
    persona: str | None


class _AnalystItemFields(_Model):
    stage_id: str
    text: str = Field(min_length=1)
    cites: list[str] = Field(min_length=1, description="Ids of the customer items it answers")
    status: ItemStatus = ItemStatus.PROPOSED
    id: ItemId | None = None


class AddOpportunity(_AnalystItemFields):
    op: Literal["add_opportunity"] = "add_opportunity"


class AddKpi(_AnalystItemFields):
    op: Literal["add_kpi"] = "add_kpi"


class MarkMomentOfTruth(_Model):
    op: Literal["mark_moment_of_truth"] = "mark_moment_of_truth"
    kind: MomentKind
    stage_id: str
    item_id: str | None = None
    note: str | None = None


class UnmarkMomentOfTruth(_Model):
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
    | AddOpportunity
    | AddKpi
    | MarkMomentOfTruth
    | UnmarkMomentOfTruth,
    Field(discriminator="op"),
]


class Revision(_Model):
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
    map: JourneyMap

    @model_validator(mode="after")
    def _numbered_like_its_map(self) -> Revision:
        if self.map.revision != self.number:
            raise ValueError(
                f"revision {self.number} holds a map marked revision {self.map.revision}"
            )
        return self


class EmbedderInfo(_Model):
    name: str
    dim: int = Field(gt=0)


class FileRecord(_Model):
    sha256: str
    base_id: str
    source_ids: list[str]
    ingested_at: datetime = Field(default_factory=utc_now)


class WorkspaceManifest(_Model):
    """`workspace.json`: what was ingested, from which file, with which embedder."""

    schema_version: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: uuid4().hex[:16], pattern=r"^[a-z0-9]+$")
    created_at: datetime = Field(default_factory=utc_now)
    embedder: EmbedderInfo | None = None
    chroma_url: str | None = Field(
        default=None, description="Chroma server holding the vectors; None: the local store"
    )
    files: dict[str, FileRecord] = Field(default_factory=dict)


STAGE_IDS = ("awareness", "consideration", "purchase", "retention", "advocacy")
_STAGE_NAMES: dict[str, tuple[str, ...]] = {
    "fr": ("Sensibilisation", "Considération", "Achat", "Rétention", "Recommandation"),
    "en": ("Awareness", "Consideration", "Purchase", "Retention", "Advocacy"),
}


def default_stages(language: str) -> list[Stage]:
    """The five default stages of DOMAIN.md, named in `language` (English when unknown)."""
    names = _STAGE_NAMES.get(language, _STAGE_NAMES["en"])
    return [
        Stage(id=stage_id, name=name, order=order)
        for order, (stage_id, name) in enumerate(zip(STAGE_IDS, names, strict=True))
    ]


def journey_map_json_schema() -> dict[str, Any]:
    """The JSON Schema of an exported map (shipped as assistant/schema/journey-map.schema.json)."""
    schema = JourneyMap.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://parcours.dev/schema/journey-map-{SCHEMA_VERSION}.json"
    return schema
