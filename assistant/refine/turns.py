"""Refinement turns: what an assistant (offline grammar or LLM) answers to one user message.

The contract shared by the offline command grammar (`assistant.refine.grammar`), the LLM chat
assistant (`assistant.refine.llm_assistant`), the CLI, the UI and the MCP server. An assistant never
applies anything: it returns a reply, the quotes it cites and, maybe, a proposal of edit operations
made on a named revision. Approval (all or some operations) and the commit are the caller's, through
`assistant.editing.revisions`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from assistant.model import EditOp, Evidence, JourneyMap, Lane, Source, SourceKind, utc_now


class Citation(BaseModel):
    """A quote as an answer cites it: rendered [source, speaker, timestamp]."""

    model_config = ConfigDict(extra="forbid")

    source_id: str
    source_name: str | None = None
    speaker: str | None = None
    timestamp: str | None = None
    quote: str
    start: int | None = None
    end: int | None = None
    segment_id: str | None = None

    @classmethod
    def of_evidence(cls, evidence: Evidence, source: Source | None = None) -> Citation:
        """An item's quote as a citation; with its source, the source's name, and the speaker
        and time of its segment when the evidence lacks them."""
        segment = source.segment_at(evidence.start) if source is not None else None
        return cls(
            source_id=evidence.source_id,
            source_name=source.name if source is not None else None,
            speaker=evidence.speaker or (segment.speaker if segment else None),
            timestamp=evidence.timestamp or (segment.timestamp if segment else None),
            quote=evidence.quote,
            start=evidence.start,
            end=evidence.end,
            segment_id=evidence.segment_id,
        )

    def label(self) -> str:
        parts = [self.source_name or self.source_id, self.speaker or "?"]
        if self.timestamp:
            parts.append(self.timestamp)
        return "[" + ", ".join(parts) + "]"


class SearchFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage_id: str | None = None
    lane: Lane | None = None
    persona: str | None = None
    source_kind: SourceKind | None = None


class EvidenceHit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    citation: Citation
    score: float
    item_ids: list[str] = Field(
        default_factory=list, description="Items of the map that already cite this segment"
    )


class EvidenceSearch(Protocol):
    """Search the workspace's segments (participant speech) by keyword and meaning."""

    def __call__(
        self, query: str, *, filters: SearchFilters | None = None, k: int = 8
    ) -> list[EvidenceHit]: ...


class Proposal(BaseModel):
    """Edit operations the assistant proposes on `base_revision`; applied only when approved."""

    model_config = ConfigDict(extra="forbid")

    base_revision: int = Field(ge=1)
    operations: list[EditOp]
    descriptions: list[str] = Field(
        default_factory=list, description="One human line per operation, in the user's language"
    )


class AssistantTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reply: str
    language: Literal["fr", "en"] = "en"
    citations: list[Citation] = Field(default_factory=list)
    proposal: Proposal | None = None
    control: Literal["undo", "redo"] | None = Field(
        default=None, description="A history command (undo/redo) the caller runs, not an edit"
    )
    prompt_version: str | None = Field(
        default=None, description="The prompt the answer was made with (e.g. chat-v1); None offline"
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="What the caller should show: citations dropped as unverified, limits hit",
    )


class ChatMessage(BaseModel):
    """One line of the conversation kept with the map (maps/<id>/conversation.jsonl)."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str
    created_at: datetime = Field(default_factory=utc_now)
    revision: int | None = Field(default=None, description="Map revision the message was made on")
    proposal: Proposal | None = None
    applied_revision: int | None = Field(
        default=None, description="Revision created when the proposal was approved"
    )


@dataclass(frozen=True)
class ChatContext:
    """What an assistant may read: the map at a revision, its sources, a search, the history."""

    map_id: str
    journey_map: JourneyMap
    sources: Mapping[str, Source]
    search: EvidenceSearch
    history: Sequence[ChatMessage] = ()


class Assistant(Protocol):
    def respond(self, message: str, context: ChatContext) -> AssistantTurn: ...
