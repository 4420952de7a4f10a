"""The result of `assistant.mapping.gap.gap_between`: JSON-serialisable records (the shape of
`parcours gap --json`, of the MCP `gap` tool and of an export's `gap`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.model import Lane, MomentKind, Support


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GapQuote(_Model):
    item_id: str
    source_id: str
    quote: str
    speaker: str | None = None
    timestamp: str | None = None


class GapItem(_Model):
    id: str
    lane: Lane
    text: str
    valence: int | None = None
    support: Support
    quotes: list[GapQuote] = Field(default_factory=list)


class Contradiction(_Model):
    """An actual obstacle or negative emotion, and how close it is to the expectation it breaks."""

    item: GapItem
    similarity: float = Field(description="cosine + keyword_weight × keyword overlap")
    shared_words: list[str] = Field(default_factory=list)
    severity: float = Field(
        default=1.0, description="1, or |valence|, or the worst emotion its participants voiced"
    )


class BrokenExpectation(_Model):
    expectation: GapItem
    broken_by: list[Contradiction]
    participants: int = Field(description="Distinct participants among the contradicting quotes")
    severity: float


class Kpi(_Model):
    """A suggested indicator; `cites` are the items it tracks (as an analyst KPI item would)."""

    stage_id: str
    text: str
    cites: list[str] = Field(default_factory=list)


class StageGap(_Model):
    id: str
    name: str
    order: int
    actual_valence: float | None
    target_valence: float
    valence_gap: float | None = Field(description="target − actual, when the actual is known")
    moments: list[MomentKind] = Field(default_factory=list)
    goals: list[GapItem] = Field(default_factory=list)
    expectations: list[GapItem] = Field(default_factory=list)
    targets: list[str] = Field(default_factory=list, description="The target experience texts")
    broken: list[BrokenExpectation] = Field(default_factory=list)
    pain_points: list[Contradiction] = Field(
        default_factory=list, description="Obstacles and negative emotions breaking no expectation"
    )
    kpis: list[Kpi] = Field(default_factory=list)
    note: str | None = Field(default=None, description="e.g. no expectation heard at this stage")


class Priority(_Model):
    rank: int
    stage_id: str
    stage_name: str
    kind: Literal["broken_expectation", "pain_point"]
    text: str = Field(description="The expectation broken, or the pain point")
    moment: MomentKind | None = None
    participants: int
    severity: float
    score: float
    item_ids: list[str] = Field(description="The expectation first, then what breaks it")
    quotes: list[GapQuote]


class GapSide(_Model):
    id: str
    revision: int


class Gap(_Model):
    actual: GapSide
    ideal: GapSide
    language: str
    method: str
    stages: list[StageGap]
    priorities: list[Priority]
