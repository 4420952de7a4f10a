"""The on-disk workspace: sources, maps and their revisions, the vector store. Atomic saves.

    parcours-workspace/
      workspace.json                 manifest: ingested files (sha256 → source ids), embedder
      sources/<source_id>.json       Source with its text and segments
      maps/<map_id>/revisions/000001.json   one Revision per change, never rewritten
      maps/<map_id>/HEAD             the current revision number
      maps/<map_id>/conversation.jsonl  the chat about the map, one message a line
                                     (assistant.refine.conversation: appended, never rewritten)
      chroma/                        Chroma PersistentClient (segments + vectors)
      cache/                         derived data safe to delete (exemplar vectors…)
      pii-vault.json                 personal data → placeholder numbers (never exported)
      workspace.lock, chroma.lock    the write lock, and the local vector store's lock
      ingest-journal.json            only while an ingest commits (rolled back if it died)

Every write goes to a temporary file in the same folder, is fsynced, then renamed over the target:
a crash leaves the old file or the new one, never half of one. A revision file is instead linked
into place, which fails if it exists: two writers can never both create revision N.

Several processes may write at once (CLI, UI, MCP server): every read-modify-write of the manifest,
the vault or the sources runs inside `Workspace.locked(operation)` (`assistant.locks`); readers
take no lock. The local Chroma store cannot be opened by two processes at once, even to read:
`store_lock` guards each of its sessions (one call, a few tens of milliseconds).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from assistant.errors import MapError, StaleRevisionError, WorkspaceError
from assistant.locks import DEFAULT_TIMEOUT, WorkspaceLock
from assistant.model import JourneyMap, Revision, Source, WorkspaceManifest

ModelT = TypeVar("ModelT", WorkspaceManifest, Source, Revision)

DEFAULT_WORKSPACE = Path("parcours-workspace")


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old content or the new, never a mix."""
    temporary = _durable_temporary(path, data)
    try:
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(path.parent)


def _durable_temporary(path: Path, data: bytes) -> str:
    """`data` written and fsynced to a new temporary file beside `path`; its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return temporary


def _fsync_directory(folder: Path) -> None:
    with contextlib.suppress(OSError):  # make the rename itself durable (not on every OS)
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def create_exclusive(path: Path, data: bytes) -> None:
    """Create `path` with `data`, complete or not at all; FileExistsError if it already exists.

    The content is written and fsynced under a temporary name, then hard-linked to `path`: the
    link is atomic and refuses an existing target, unlike a rename, which would replace it.
    """
    temporary = _durable_temporary(path, data)
    try:
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: O_EXCL is still exclusive
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    _fsync_directory(path.parent)


class Workspace:
    def __init__(
        self, root: Path | str = DEFAULT_WORKSPACE, *, lock_timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.root = Path(root)
        self.lock = WorkspaceLock(self.root / "workspace.lock", lock_timeout)
        self.store_lock = WorkspaceLock(self.root / "chroma.lock", lock_timeout)

    @contextmanager
    def locked(self, operation: str) -> Iterator[None]:
        """Hold the workspace's write lock for `operation` (reentrant in one thread)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with self.lock.hold(operation):
            yield

    # -- layout --------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / "workspace.json"

    @property
    def chroma_path(self) -> Path:
        return self.root / "chroma"

    @property
    def cache_path(self) -> Path:
        return self.root / "cache"

    @property
    def vault_path(self) -> Path:
        """Personal data → placeholder mapping. Stays here: never exported, never embedded."""
        return self.root / "pii-vault.json"

    @property
    def journal_path(self) -> Path:
        """What an ingest is committing, written first and removed last (`ingest.commit`)."""
        return self.root / "ingest-journal.json"

    def _source_path(self, source_id: str) -> Path:
        return self.root / "sources" / f"{source_id}.json"

    def _map_dir(self, map_id: str) -> Path:
        return self.root / "maps" / map_id

    def revision_path(self, map_id: str, number: int) -> Path:
        return self._map_dir(map_id) / "revisions" / f"{number:06d}.json"

    def proposals_path(self, map_id: str) -> Path:
        """Proposals waiting for approval (`assistant.refine.proposals`)."""
        return self._map_dir(map_id) / "proposals"

    def conversation_path(self, map_id: str) -> Path:
        """Where the chat about a map is kept (next to its revisions, not inside them)."""
        return self._map_dir(map_id) / "conversation.jsonl"

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def require(self) -> None:
        if not self.exists():
            raise WorkspaceError(
                f"no workspace at {self.root}",
                "run `parcours ingest PATH -w WORKSPACE` first, or pass the right -w",
            )

    # -- manifest ------------------------------------------------------------------------
    def load_manifest(self) -> WorkspaceManifest:
        if not self.exists():
            return WorkspaceManifest()
        return _read(self.manifest_path, WorkspaceManifest)

    def ensure_manifest(self) -> WorkspaceManifest:
        """The manifest, created on disk first if this is a new workspace (its id names the
        workspace's collection in Chroma, so it must not change: of two processes creating it
        at once, one creates it and both use that one)."""
        if not self.exists():
            with contextlib.suppress(FileExistsError):
                data = WorkspaceManifest().model_dump_json(indent=2).encode()
                create_exclusive(self.manifest_path, data)
        return self.load_manifest()

    def save_manifest(self, manifest: WorkspaceManifest) -> None:
        atomic_write(self.manifest_path, manifest.model_dump_json(indent=2).encode())

    # -- sources -------------------------------------------------------------------------
    def save_source(self, source: Source) -> None:
        atomic_write(self._source_path(source.id), source.model_dump_json(indent=1).encode())

    def load_source(self, source_id: str) -> Source:
        path = self._source_path(source_id)
        if not path.is_file():
            raise WorkspaceError(
                f"source {source_id} is not in the workspace {self.root}",
                "re-ingest its file with `parcours ingest`",
            )
        return _read(path, Source)

    def delete_source(self, source_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._source_path(source_id).unlink()

    def source_ids(self) -> list[str]:
        folder = self.root / "sources"
        return sorted(path.stem for path in folder.glob("*.json")) if folder.is_dir() else []

    def load_sources(self) -> list[Source]:
        """Every source, in id order. A source removed meanwhile by another process (an ingest
        replacing a changed file) is left out rather than failing the read."""
        sources = []
        for source_id in self.source_ids():
            try:
                sources.append(self.load_source(source_id))
            except WorkspaceError:
                if self._source_path(source_id).is_file():
                    raise  # there, but unreadable: say so
        return sources

    # -- maps and revisions --------------------------------------------------------------
    def map_ids(self) -> list[str]:
        folder = self.root / "maps"
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if (p / "HEAD").is_file())

    def head(self, map_id: str) -> int | None:
        """The latest revision. Revision files are the truth (created complete, never deleted):
        HEAD may lag behind them after a crash between the two writes, never the other way."""
        path = self._map_dir(map_id) / "HEAD"
        known = self.revisions(map_id) + ([int(path.read_text().strip())] if path.is_file() else [])
        return max(known) if known else None

    def save_revision(self, revision: Revision) -> Path:
        """Store a new revision and move HEAD to it. Revisions are never overwritten: if revision N
        exists (another writer got there first), StaleRevisionError and nothing is written."""
        map_id = revision.map.id
        path = self.revision_path(map_id, revision.number)
        try:
            create_exclusive(path, revision.model_dump_json(indent=1).encode())
        except FileExistsError:
            current = self.head(map_id) or revision.number
            raise StaleRevisionError(map_id, current, revision.number - 1) from None
        if revision.number >= (self.head(map_id) or 0):  # a later writer may have moved it on
            atomic_write(self._map_dir(map_id) / "HEAD", f"{revision.number}\n".encode())
        return path

    def load_revision(self, map_id: str, number: int | None = None) -> Revision:
        number = number if number is not None else self.head(map_id)
        path = self.revision_path(map_id, number or 0)
        if number is None or not path.is_file():
            known = ", ".join(self.map_ids()) or "none yet"
            raise MapError(
                f"map {map_id!r} (revision {number}) is not in {self.root} (maps: {known})",
                "run `parcours build` first, or pass --map with one of the maps listed",
            )
        return _read(path, Revision)

    def load_map(self, map_id: str, number: int | None = None) -> JourneyMap:
        return self.load_revision(map_id, number).map

    def revisions(self, map_id: str) -> list[int]:
        folder = self._map_dir(map_id) / "revisions"
        return sorted(int(p.stem) for p in folder.glob("*.json")) if folder.is_dir() else []


def _read(path: Path, model: type[ModelT]) -> ModelT:
    try:
        return model.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as error:
        raise WorkspaceError(
            f"{path} is unreadable or not a valid {model.__name__}: {str(error).splitlines()[0]}",
            "restore it from a backup, or remove the workspace and ingest again",
        ) from error
