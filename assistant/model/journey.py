"""A journey map: stages × lanes of items, each customer item backed by verbatim evidence.

`Source.text[start:end] == Evidence.quote` always holds. The field names are the public JSON
contract (`parcours schema`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, model_validator

from assistant.model.base import SCHEMA_VERSION, LanguageCode, StrictModel, utc_now
from assistant.model.sources import SourceKind, SourceRef


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


class Alignment(StrEnum):
    """How a claimed quote was found in its source (see `assistant.evidence.grounding`)."""

    EXACT = "exact"
    NORMALIZED = "normalized"
    FUZZY = "fuzzy"


class ItemStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Evidence(StrictModel):
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


class Support(StrictModel):
    """How much evidence a finding has: a participant is a (source, speaker)."""

    quotes: int = Field(default=0, ge=0)
    sources: int = Field(default=0, ge=0)
    participants: int = Field(default=0, ge=0)
    source_kinds: list[SourceKind] = Field(
        default_factory=list, description="Kinds of source the quotes come from"
    )


class Item(StrictModel):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    lane: Lane
    text: str = Field(min_length=1)
    status: ItemStatus = ItemStatus.PROPOSED
    valence: int | None = Field(
        default=None, ge=-2, le=2, description="-2 very negative … +2 very positive (emotions)"
    )
    valence_spread: float | None = Field(
        default=None,
        ge=0.0,
        description="Standard deviation of the valences of an emotion finding's quotes",
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


class MomentOfTruth(StrictModel):
    """A moment of truth marked on a stage, optionally illustrated by one item of the map."""

    kind: MomentKind
    item_id: str | None = None
    note: str | None = None


class Stage(StrictModel):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1)
    order: int = Field(ge=0)
    items: list[Item] = Field(default_factory=list)
    valence: float | None = Field(
        default=None, ge=-2.0, le=2.0, description="Mean emotion valence of the stage"
    )
    moments_of_truth: list[MomentOfTruth] = Field(default_factory=list)
    target_valence: float | None = Field(
        default=None,
        ge=-2.0,
        le=2.0,
        description="Ideal maps: the emotion the team aims for at this stage (the target curve)",
    )

    @property
    def curve_valence(self) -> float | None:
        """The point this stage puts on an emotion curve: its target when it has one (ideal
        maps), else its mean emotion."""
        return self.target_valence if self.target_valence is not None else self.valence


class Ungrounded(StrictModel):
    """What an extractor claimed but could not be tied to a source: shown to the reviewer."""

    claim: str
    quote: str | None = None
    source_id: str | None = None
    stage_id: str | None = None
    lane: Lane | None = None
    reason: str


class TokenUsage(StrictModel):
    input_tokens: int = 0
    output_tokens: int = 0


class Provenance(StrictModel):
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
    sources_changed: str | None = Field(
        default=None,
        description="Set when files were ingested or removed while the map was being built: "
        "the map uses the sources it started with, and says what changed",
    )


MapKind = Literal["actual", "ideal"]
"""An actual map lays out the journey customers live today; an ideal map the journey the team
wants to reach (per stage: the customer's goals, expectations and the target experience)."""


class JourneyMap(StrictModel):
    schema_version: Literal["1.0"] = "1.0"
    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    kind: MapKind = Field(default="actual", description="actual: as lived today; ideal: the aim")
    actual_map_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Ideal maps: the id of the actual map they were drafted from",
    )
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


COMPANIONS = ("ideal", "gap")
"""Top-level members an export may add to a map (derived, left out on import): the ideal map of
an actual map, and the gap between the pair (`parcours gap --json` has the same shape)."""


def journey_map_json_schema() -> dict[str, Any]:
    """The JSON Schema of an exported map (shipped as assistant/schema/journey-map.schema.json)."""
    schema = JourneyMap.model_json_schema(mode="serialization")
    schema["properties"]["ideal"] = {
        "$ref": "#",
        "description": "Exports of an actual map whose ideal map exists: that ideal map",
    }
    schema["properties"]["gap"] = {
        "type": "object",
        "description": "Exports of either map of an actual/ideal pair: the gap between them "
        "(stages, priorities, KPIs; the shape of `parcours gap --json`)",
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://parcours.dev/schema/journey-map-{SCHEMA_VERSION}.json"
    return schema
