"""`workspace.json`: what was ingested, from which file, with which embedder."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import uuid4

from pydantic import Field

from assistant.model.base import StrictModel, utc_now


class EmbedderInfo(StrictModel):
    name: str
    dim: int = Field(gt=0)


class FileRecord(StrictModel):
    sha256: str
    base_id: str
    source_ids: list[str]
    ingested_at: datetime = Field(default_factory=utc_now)


class WorkspaceManifest(StrictModel):
    """`workspace.json`: what was ingested, from which file, with which embedder."""

    schema_version: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: uuid4().hex[:16], pattern=r"^[a-z0-9]+$")
    created_at: datetime = Field(default_factory=utc_now)
    embedder: EmbedderInfo | None = None
    chroma_url: str | None = Field(
        default=None, description="Chroma server holding the vectors; None: the local store"
    )
    files: dict[str, FileRecord] = Field(default_factory=dict)
