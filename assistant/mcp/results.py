"""The structured results of the server's tools (each tool's outputSchema comes from these).

Quotes and source text are fields of these models: a host receives them as data. Each result has
a short `summary` builder for hosts that only show text.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.editing.diff import MapDiff
from assistant.editing.revisions import RevisionSummary, UndoState
from assistant.exports.view import EvidenceView, MapView
from assistant.model import TokenUsage


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FileResult(_Result):
    file: str
    status: Literal["ingested", "skipped", "failed"]
    reason: str | None = None
    sources: int = 0
    segments: int = 0


class IngestResult(_Result):
    files: list[FileResult]
    ingested: int
    skipped: int
    failed: int
    sources_in_workspace: int


class BuiltMap(_Result):
    map_id: str
    revision: int
    items: int
    quotes: int
    ungrounded: int
    token_usage: TokenUsage | None = None
    failures: dict[str, str] = Field(default_factory=dict)
    sources_changed: str | None = None
    replayed: int = Field(
        default=0, description="The researcher's edits replayed onto the new extraction"
    )
    conflicts: list[BuildConflict] = Field(
        default_factory=list, description="Edits that could not be replayed: show them"
    )


class BuildConflict(_Result):
    revision: int = Field(description="The revision that made the edit")
    target: str | None
    reason: str
    hint: str


class BuildResult(_Result):
    maps: list[BuiltMap]
    view: MapView = Field(description="The first map built, compact: what the in-chat map draws")


class MapSummary(_Result):
    map_id: str
    title: str
    persona: str | None = None
    revision: int
    items: int
    sources: int


class MapList(_Result):
    maps: list[MapSummary]


class Hit(_Result):
    evidence: EvidenceView
    score: float
    item_ids: list[str] = Field(description="Items of the map that already cite this passage")


class SearchResult(_Result):
    query: str
    map_id: str
    hits: list[Hit]


class ProposalResult(_Result):
    map_id: str
    proposal_id: str | None = Field(
        default=None, description="Pass it to apply_edits; None when nothing was proposed"
    )
    base_revision: int
    reply: str = Field(description="The assistant's answer (it may quote sources)")
    operations: list[dict[str, object]] = Field(default_factory=list)
    descriptions: list[str] = Field(default_factory=list)
    diff: list[str] = Field(default_factory=list, description="What applying all would change")
    citations: list[EvidenceView] = Field(default_factory=list)


class RevisionResult(_Result):
    map_id: str
    revision: int
    parent: int | None = None
    message: str
    diff: list[str]
    undo: int | None = None
    redo: int | None = None


class HistoryResult(_Result):
    map_id: str
    revisions: list[RevisionSummary]
    state: UndoState


class DiffResult(_Result):
    map_id: str
    lines: list[str]
    diff: MapDiff


class ExportResult(_Result):
    map_id: str
    revision: int
    format: str
    path: str = Field(description="Where the file was written (the workspace's exports/)")
    media_type: str
    bytes: int
    content: str | None = Field(default=None, description="The file itself, for text formats")


class IdealResult(_Result):
    """The ideal map drafted (or found, `created` false) and what the reviewer should check."""

    map_id: str
    actual_map_id: str
    revision: int
    created: bool
    notes: list[str] = Field(default_factory=list)
    view: MapView
