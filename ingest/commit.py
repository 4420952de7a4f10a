"""How embedded files become part of a workspace, with other writers about: locked, journaled.

Embedding, the slow part, runs outside any lock. Two short sections take the workspace lock:

- `vault_session`: numbering one text's placeholders, from the vault as it is on disk now;
- `commit`: a batch of embedded files. Under the lock, the manifest is read afresh and each
  file settled against it (another process may have ingested it, or a file with the same content,
  or taken its source id meanwhile: a taken id is moved to a free one). Then, in this order: the
  journal (what is about to change), the vectors (old and new segments of those sources dropped,
  the new ones added, in one store session), the source files, the manifest; the journal last.

A process killed anywhere in between leaves its journal behind; the next writer to take the lock
rolls it back (`roll_back_unfinished`): the files it was committing are forgotten entirely —
vectors, source files, manifest entry — so the next ingest of them starts clean and ends like
an ingest that was never interrupted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace

import numpy as np
from pydantic import BaseModel, Field

from assistant.model import FileRecord, Source, WorkspaceManifest
from assistant.workspace import Workspace, atomic_write
from ingest.embedders.base import Vectors
from ingest.redact import PlaceholderVault
from ingest.redact.redactor import VaultSession
from ingest.store import SegmentStore


@dataclass(frozen=True)
class Embedded:
    """A file read, redacted, segmented and embedded, not yet part of the workspace."""

    key: str
    record: FileRecord
    sources: list[Source]
    vectors: Vectors


@dataclass(frozen=True)
class Settled:
    file: Embedded
    replaces: list[str]
    """Source ids the file had brought before (a changed file), to drop."""


class JournalEntry(BaseModel):
    key: str
    sha256: str
    new_ids: list[str]
    old_ids: list[str] = Field(default_factory=list)


class Journal(BaseModel):
    pid: int
    entries: list[JournalEntry]


# -- the vault ---------------------------------------------------------------------------------


def vault_session(workspace: Workspace) -> VaultSession:
    """Opens the workspace's vault under its lock, as it is on disk now; saves what was added."""
    last: tuple[tuple[int, int, int], PlaceholderVault] | None = None  # what we saw or saved

    @contextmanager
    def session() -> Iterator[PlaceholderVault]:
        nonlocal last
        with workspace.locked("redaction: number placeholders"):
            path = workspace.vault_path
            if last is not None and last[0] == _stamp(path):
                vault = last[1]  # nobody wrote it since: no need to read it again
            elif path.is_file():
                vault = PlaceholderVault.from_json(path.read_bytes())
            else:
                vault = PlaceholderVault()
            size = _vault_size(vault)
            yield vault
            if _vault_size(vault) != size:
                atomic_write(path, vault.to_json().encode())
            last = (_stamp(path), vault)

    return session


def _stamp(path: os.PathLike[str]) -> tuple[int, int, int]:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return (0, 0, 0)
    return (info.st_ino, info.st_mtime_ns, info.st_size)  # a save renames: a new inode


def _vault_size(vault: PlaceholderVault) -> tuple[int, int]:
    # The vault only grows: an entry, or a key on an entry (a name linked to a full name).
    return len(vault.entries), sum(len(entry.keys) for entry in vault.entries)


# -- settling a batch against the manifest (pure) ----------------------------------------------


def settle(
    manifest: WorkspaceManifest, files: Sequence[Embedded]
) -> tuple[list[Settled], dict[str, str]]:
    """What of `files` to commit onto `manifest` (as it is now), and why the others are not:
    path key → reason. `manifest` is updated with the records that will be committed."""
    settled: list[Settled] = []
    skipped: dict[str, str] = {}
    for file in files:
        current = manifest.files.get(file.key)
        if current is not None and current.sha256 == file.record.sha256:
            skipped[file.key] = "ingested meanwhile by another process"
            continue
        twin = next((k for k, r in manifest.files.items() if r.sha256 == file.record.sha256), None)
        if twin is not None:
            skipped[file.key] = f"same content as {twin}"
            continue
        base = current.base_id if current is not None else file.record.base_id
        taken = {r.base_id for k, r in manifest.files.items() if k != file.key}
        if base in taken:
            base = free_base(base, taken)
        if base != file.record.base_id:
            file = rebase(file, base)
        settled.append(Settled(file, list(current.source_ids) if current else []))
        manifest.files[file.key] = file.record
    return settled, skipped


def free_base(slug: str, taken: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    return candidate


def rebase(file: Embedded, base: str) -> Embedded:
    """The same file under another source id: every id starts with the base id."""
    old = file.record.base_id

    def moved(identifier: str) -> str:
        return base + identifier[len(old) :]

    sources = [
        source.model_copy(
            update={
                "id": moved(source.id),
                "segments": [
                    s.model_copy(update={"id": moved(s.id), "source_id": moved(s.source_id)})
                    for s in source.segments
                ],
            }
        )
        for source in file.sources
    ]
    record = file.record.model_copy(update={"base_id": base, "source_ids": [s.id for s in sources]})
    return replace(file, record=record, sources=sources)


# -- the commit --------------------------------------------------------------------------------


def commit(workspace: Workspace, store: SegmentStore, files: Sequence[Embedded]) -> dict[str, str]:
    """Make `files` part of the workspace; returns the files left out, path key → reason."""
    if not files:
        return {}
    with workspace.locked(f"ingest: commit {len(files)} file(s)"):
        roll_back_unfinished(workspace, store)
        manifest = workspace.load_manifest()
        settled, skipped = settle(manifest, files)
        if not settled:
            return skipped
        journal = Journal(
            pid=os.getpid(),
            entries=[
                JournalEntry(
                    key=s.file.key,
                    sha256=s.file.record.sha256,
                    new_ids=s.file.record.source_ids,
                    old_ids=s.replaces,
                )
                for s in settled
            ],
        )
        atomic_write(workspace.journal_path, journal.model_dump_json().encode())
        sources = [source for s in settled for source in s.file.sources]
        vectors = [s.file.vectors for s in settled if len(s.file.vectors)]
        dropped = sorted({i for s in settled for i in (*s.replaces, *s.file.record.source_ids)})
        store.replace(dropped, sources, np.vstack(vectors) if vectors else _NO_VECTORS)
        for source in sources:
            workspace.save_source(source)
        kept = {source.id for source in sources}
        for s in settled:
            for old_id in s.replaces:
                if old_id not in kept:
                    workspace.delete_source(old_id)
        workspace.save_manifest(manifest)
        workspace.journal_path.unlink()
    return skipped


_NO_VECTORS: Vectors = np.zeros((0, 0), dtype=np.float32)


def roll_back_unfinished(workspace: Workspace, store: SegmentStore) -> list[str]:
    """Undo the commit a killed process left half done (call with the lock held); the path
    keys it forgot. Its files are ingested again, from the start, the next time they are named."""
    path = workspace.journal_path
    if not path.is_file():
        return []
    try:
        journal = Journal.model_validate_json(path.read_bytes())
    except ValueError:
        journal = Journal(pid=0, entries=[])  # torn before it was complete: nothing followed
    manifest = workspace.load_manifest()
    forgotten = []
    doomed: set[str] = set()
    for entry in journal.entries:
        record = manifest.files.get(entry.key)
        if record and record.sha256 == entry.sha256 and record.source_ids == entry.new_ids:
            continue  # this one was committed: only the journal's removal was missing
        if record is not None:
            del manifest.files[entry.key]
        forgotten.append(entry.key)
        doomed |= {*entry.new_ids, *entry.old_ids}
    doomed -= {i for record in manifest.files.values() for i in record.source_ids}
    if doomed:
        store.replace(sorted(doomed), [], _NO_VECTORS)
        for source_id in doomed:
            workspace.delete_source(source_id)
    workspace.save_manifest(manifest)
    with suppress(FileNotFoundError):
        path.unlink()
    return forgotten
