"""Segments and their vectors in Chroma: the embedded PersistentClient inside the workspace by
default, or a Chroma server (`--chroma-url http://host:8000`) that a team shares.

We always pass precomputed vectors: Chroma's default embedding function downloads a model on first
use, which must never happen offline. Vectors come from the workspace's embedder, recorded in
workspace.json, so a store never mixes vectors of two embedders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import numpy as np

from assistant.errors import ConfigError
from assistant.locks import WorkspaceLock
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

    def replace(
        self, source_ids: Sequence[str], sources: Sequence[Source], vectors: Vectors
    ) -> None:
        """Drop every segment of `source_ids`, then add `sources`, in one session (a retry
        gives the same result: segment ids are `<source id>:<index>`)."""
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
    """Segments in a Chroma collection.

    A local store (`PersistentClient`) keeps its index in memory and writes it back when it
    closes: two processes holding one open at once corrupt it ("Error finding id"), even when
    one only reads. So each call opens the local store under the workspace's `store_lock` and
    closes it before releasing the lock (about 30 ms a call). A Chroma server serialises its
    clients itself: its client stays open and takes no lock.
    """

    def __init__(
        self, connect: Callable[[], Any], collection: str, lock: WorkspaceLock | None = None
    ) -> None:
        self._connect = connect
        self._name = collection
        self._lock = lock
        self._client: Any = None if lock is not None else connect()
        if self._client is not None:
            self._collection_of(self._client)  # fail now if the server is unreachable

    @classmethod
    def open(
        cls,
        workspace_id: str,
        path: Path,
        url: str | None = None,
        lock: WorkspaceLock | None = None,
    ) -> ChromaSegmentStore:
        """The local store under `path` (guarded by `lock`), or the server at `url`."""
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        if url is None:
            return cls(
                lambda: chromadb.PersistentClient(path=str(path), settings=settings),
                collection_name(workspace_id),
                lock or WorkspaceLock(path.with_name("chroma.lock")),
            )
        parsed = urlparse(url if "://" in url else f"http://{url}")
        try:
            return cls(
                lambda: chromadb.HttpClient(
                    host=parsed.hostname or "localhost",
                    port=parsed.port or 8000,
                    ssl=parsed.scheme == "https",
                    settings=settings,
                ),
                collection_name(workspace_id),
            )
        except Exception as error:  # chromadb raises several types for an unreachable server
            raise ConfigError(
                f"cannot reach the Chroma server at {url} ({type(error).__name__}: {error})",
                "start it (`chroma run --path DIR --port N`) or fix --chroma-url / "
                "PARCOURS_CHROMA_URL",
            ) from error

    def _collection_of(self, client: Any) -> Any:
        return client.get_or_create_collection(
            self._name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    @contextmanager
    def _session(self) -> Iterator[tuple[Any, Any]]:
        """(client, collection), for one call."""
        if self._lock is None:
            yield self._client, self._collection_of(self._client)
            return
        with self._lock.hold("vector store"):
            client = self._connect()
            try:
                yield client, self._collection_of(client)
            finally:
                client.close()  # writes the index back now, while the lock is held

    def reset(self) -> None:
        """Drop every vector (before re-embedding with another embedder)."""
        with self._session() as (client, _):
            client.delete_collection(self._name)

    def add(self, sources: Sequence[Source], vectors: Vectors) -> None:
        self.replace([], sources, vectors)

    def replace(
        self, source_ids: Sequence[str], sources: Sequence[Source], vectors: Vectors
    ) -> None:
        # One upsert per batch, not per source: each call has a fixed cost (about 35 ms).
        rows = [(source, segment) for source in sources for segment in source.segments]
        batch = 2000  # well under Chroma's maximum batch size
        with self._session() as (_, collection):
            if source_ids:
                collection.delete(where={"source_id": {"$in": list(source_ids)}})
            for i in range(0, len(rows), batch):
                chunk = rows[i : i + batch]
                collection.upsert(
                    ids=[segment.id for _, segment in chunk],
                    embeddings=np.asarray(vectors[i : i + batch], dtype=np.float32),
                    documents=[source.text[seg.start : seg.end] for source, seg in chunk],
                    metadatas=[segment_metadata(source, seg) for source, seg in chunk],
                )

    def delete_source(self, source_id: str) -> None:
        with self._session() as (_, collection):
            collection.delete(where={"source_id": source_id})

    def vectors(self, segment_ids: Sequence[str]) -> dict[str, Vectors]:
        if not segment_ids:
            return {}
        with self._session() as (_, collection):
            found = collection.get(ids=list(segment_ids), include=["embeddings"])
        return {
            segment_id: np.asarray(vector, dtype=np.float32)
            for segment_id, vector in zip(found["ids"], found["embeddings"], strict=True)
        }

    def search(
        self, vector: Vectors, k: int = 10, where: dict[str, Any] | None = None
    ) -> list[Hit]:
        with self._session() as (_, collection):
            total = int(collection.count())
            if total == 0:
                return []
            result = collection.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)],
                n_results=min(k, total),
                where=where,
                include=["documents", "metadatas", "distances"],
            )
        return [
            Hit(segment_id, str(metadata["source_id"]), text, 1.0 - distance, dict(metadata))
            for segment_id, text, metadata, distance in zip(
                result["ids"][0],
                result["documents"][0],
                result["metadatas"][0],
                result["distances"][0],
                strict=True,
            )
        ]

    def count(self) -> int:
        with self._session() as (_, collection):
            return int(collection.count())
