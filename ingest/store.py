"""Segments and their vectors in Chroma (embedded PersistentClient inside the workspace).

We always pass precomputed vectors: Chroma's default embedding function downloads a model on first
use, which must never happen offline. Vectors come from the workspace's embedder, recorded in
workspace.json, so a store never mixes vectors of two embedders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.model import Segment, Source
from ingest.embedders.base import Vectors

COLLECTION = "parcours-segments"


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
    def __init__(self, path: Path | None = None, client: Any = None) -> None:
        import chromadb
        from chromadb.config import Settings

        if client is None:
            assert path is not None, "a path or a client is needed"
            client = chromadb.PersistentClient(
                path=str(path), settings=Settings(anonymized_telemetry=False)
            )
        self._client = client
        self._collection = client.get_or_create_collection(
            COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine"}
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
