"""Segments and their vectors in Chroma: the embedded PersistentClient inside the workspace by
default, or a Chroma server (`--chroma-url http://host:8000`) that a team shares.

We always pass precomputed vectors: Chroma's default embedding function downloads a model on first
use, which must never happen offline. Vectors come from the workspace's embedder, recorded in
workspace.json, so a store never mixes vectors of two embedders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import numpy as np

from assistant.errors import ConfigError
from assistant.model import Segment, Source
from ingest.embedders.base import Vectors


def collection_name(workspace_id: str) -> str:
    """One collection per workspace, so that workspaces can share a Chroma server."""
    return f"parcours-{workspace_id}"


@dataclass(frozen=True)
class Hit:
    segment_id: str
    source_id: str
    text: str
    score: float
    metadata: dict[str, Any]


class SegmentStore(Protocol):
    def add(self, sources: Sequence[Source], vectors: Vectors) -> None:
        """Store every segment of `sources`; `vectors` rows follow the segments in order."""
        ...

    def delete_source(self, source_id: str) -> None: ...

    def reset(self) -> None: ...

    def vectors(self, segment_ids: Sequence[str]) -> dict[str, Vectors]: ...

    def search(
        self, vector: Vectors, k: int = 10, where: dict[str, Any] | None = None
    ) -> list[Hit]: ...

    def count(self) -> int: ...


def segment_metadata(source: Source, segment: Segment) -> dict[str, str | int]:
    """Chroma metadata (no None values allowed): what search filters on."""
    metadata: dict[str, str | int] = {
        "source_id": source.id,
        "source_kind": source.kind.value,
        "language": source.language,
        "role": segment.role.value,
        "turn": segment.turn,
        "start": segment.start,
        "end": segment.end,
    }
    if segment.speaker:
        metadata["speaker"] = segment.speaker
    if segment.timestamp:
        metadata["timestamp"] = segment.timestamp
    if source.persona:
        metadata["persona"] = source.persona
    return metadata


class ChromaSegmentStore:
    def __init__(self, client: Any, collection: str) -> None:
        self._client = client
        self._name = collection
        self._collection = client.get_or_create_collection(
            collection, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    @classmethod
    def open(cls, workspace_id: str, path: Path, url: str | None = None) -> ChromaSegmentStore:
        """The local store under `path`, or the server at `url` (http://host:port)."""
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        if url is None:
            return cls(
                chromadb.PersistentClient(path=str(path), settings=settings),
                collection_name(workspace_id),
            )
        parsed = urlparse(url if "://" in url else f"http://{url}")
        try:
            client = chromadb.HttpClient(
                host=parsed.hostname or "localhost",
                port=parsed.port or 8000,
                ssl=parsed.scheme == "https",
                settings=settings,
            )
            return cls(client, collection_name(workspace_id))
        except Exception as error:  # chromadb raises several types for an unreachable server
            raise ConfigError(
                f"cannot reach the Chroma server at {url} ({type(error).__name__}: {error})",
                "start it (`chroma run --path DIR --port N`) or fix --chroma-url / "
                "PARCOURS_CHROMA_URL",
            ) from error

    def reset(self) -> None:
        """Drop every vector (before re-embedding with another embedder)."""
        self._client.delete_collection(self._name)
        self._collection = self._client.get_or_create_collection(
            self._name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    def add(self, sources: Sequence[Source], vectors: Vectors) -> None:
        # One upsert per batch, not per source: each call has a fixed cost (about 35 ms).
        rows = [(source, segment) for source in sources for segment in source.segments]
        batch = 2000  # well under Chroma's maximum batch size
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            self._collection.upsert(
                ids=[segment.id for _, segment in chunk],
                embeddings=np.asarray(vectors[i : i + batch], dtype=np.float32),
                documents=[source.text[segment.start : segment.end] for source, segment in chunk],
                metadatas=[segment_metadata(source, segment) for source, segment in chunk],
            )

    def delete_source(self, source_id: str) -> None:
        self._collection.delete(where={"source_id": source_id})

    def vectors(self, segment_ids: Sequence[str]) -> dict[str, Vectors]:
        if not segment_ids:
            return {}
        found = self._collection.get(ids=list(segment_ids), include=["embeddings"])
        return {
            segment_id: np.asarray(vector, dtype=np.float32)
            for segment_id, vector in zip(found["ids"], found["embeddings"], strict=True)
        }

    def search(
        self, vector: Vectors, k: int = 10, where: dict[str, Any] | None = None
    ) -> list[Hit]:
        total = self.count()
        if total == 0:
            return []
        result = self._collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=min(k, total),
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        hits = []
        for segment_id, text, metadata, distance in zip(
            result["ids"][0],
            result["documents"][0],
            result["metadatas"][0],
            result["distances"][0],
            strict=True,
        ):
            hits.append(
                Hit(segment_id, str(metadata["source_id"]), text, 1.0 - distance, dict(metadata))
            )
        return hits

    def count(self) -> int:
        return int(self._collection.count())
