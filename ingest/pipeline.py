"""Ingest files and folders into a workspace: parse, segment, embed, store. Never stops at a bad
file: each one is reported with its reason and the others go on."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from assistant.errors import UnreadableFileError, WorkspaceError
from assistant.model import EmbedderInfo, FileRecord, WorkspaceManifest, unnumbered
from assistant.workspace import Workspace
from ingest.commit import Embedded, commit, free_base, roll_back_unfinished, vault_session
from ingest.embedders.base import Embedder
from ingest.loaders import load_file, sha256, slugify
from ingest.redact import Redactor, WorkspaceRedaction
from ingest.segment import Segmenter
from ingest.store import SegmentStore

Status = Literal["ingested", "skipped", "failed"]


@dataclass(frozen=True)
class FileOutcome:
    path: str
    status: Status
    sources: int = 0
    segments: int = 0
    reason: str = ""


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    def by_status(self, status: Status) -> list[FileOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == status]

    @property
    def exit_code(self) -> int:
        """0 when every file was ingested or skipped as unchanged, 1 when any failed."""
        return 1 if self.by_status("failed") else 0


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[FileOutcome]]:
    """Files named, and files inside folders named (recursively, sorted, hidden ones skipped)."""
    files: list[Path] = []
    missing: list[FileOutcome] = []
    for path in paths:
        if path.is_dir():
            for folder, subfolders, names in os.walk(path):  # followlinks=False: no link loops
                subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
                files.extend(Path(folder) / n for n in sorted(names) if not n.startswith("."))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(FileOutcome(str(path), "failed", reason="no such file or folder"))
    return files, missing


def check_embedder(manifest: WorkspaceManifest, embedder: Embedder) -> None:
    recorded = manifest.embedder
    if recorded and (recorded.name != embedder.name or recorded.dim != embedder.dim):
        raise WorkspaceError(
            f"the workspace was built with the embedder {recorded.name} ({recorded.dim} dims), "
            f"not {embedder.name} ({embedder.dim} dims)",
            "set PARCOURS_EMBEDDER back to match, or run `parcours reindex` to re-embed every "
            "source with the new one",
        )


@dataclass
class _Writer:
    """Buffers embedded files and commits them in batches (`ingest.commit.commit`): store calls,
    the lock and manifest saves have a fixed cost, so per-file commits would make ingest time
    grow faster than the corpus. `manifest` is a snapshot for deciding what to skip; the commit
    decides again against the manifest on disk."""

    workspace: Workspace
    store: SegmentStore
    report: IngestReport
    manifest: WorkspaceManifest
    batch_rows: int = 1024
    pending: list[tuple[int, Embedded]] = field(default_factory=list)

    def add(self, outcome: FileOutcome, file: Embedded) -> None:
        self.report.outcomes.append(outcome)
        self.pending.append((len(self.report.outcomes) - 1, file))
        if sum(len(f.vectors) for _, f in self.pending) >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        skipped = commit(self.workspace, self.store, [file for _, file in self.pending])
        for index, file in self.pending:
            if file.key in skipped:
                path = self.report.outcomes[index].path
                self.report.outcomes[index] = FileOutcome(path, "skipped", reason=skipped[file.key])
        self.pending.clear()
        self.manifest = self.workspace.load_manifest()


def ingest_paths(
    paths: Sequence[Path],
    workspace: Workspace,
    embedder: Embedder,
    store: SegmentStore,
    segmenter: Segmenter,
    *,
    interviewers: frozenset[str] = frozenset(),
    load_options: Mapping[str, Any] | None = None,
    redactor: Redactor | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> IngestReport:
    """Ingest files and folders. With a `redactor`, personal data is replaced by placeholders
    that stay consistent across the workspace (its vault: `workspace.vault_path`), also when
    other processes ingest into it at the same time."""
    with workspace.locked("ingest: record the embedder"):
        roll_back_unfinished(workspace, store)
        manifest = workspace.load_manifest()
        check_embedder(manifest, embedder)
        if manifest.embedder is None:
            manifest.embedder = EmbedderInfo(name=embedder.name, dim=embedder.dim)
            workspace.save_manifest(manifest)
    files, missing = discover(paths)
    report = IngestReport(outcomes=list(missing))
    redaction = (
        WorkspaceRedaction(redactor, vault_session(workspace)) if redactor is not None else None
    )
    writer = _Writer(workspace, store, report, manifest)
    options = dict(load_options or {}) | {"interviewers": interviewers, "redaction": redaction}
    claimed: dict[str, str] = {}  # sha256 → path, for files of this run not yet committed
    try:
        for path in files:
            if on_file:
                on_file(path)
            outcome, embedded = _ingest_one(path, writer, embedder, segmenter, options, claimed)
            if embedded is None:
                report.outcomes.append(outcome)
            else:
                writer.add(outcome, embedded)
    finally:
        writer.flush()
    return report


def _ingest_one(
    path: Path,
    writer: _Writer,
    embedder: Embedder,
    segmenter: Segmenter,
    options: Mapping[str, Any],
    claimed: dict[str, str],
) -> tuple[FileOutcome, Embedded | None]:
    manifest = writer.manifest
    try:
        key = str(path.resolve(strict=True))
        data = path.read_bytes()
    except RuntimeError:  # Python < 3.13 raises this for a symlink loop
        reason = "a loop of symbolic links — remove the link"
        return FileOutcome(str(path), "failed", reason=reason), None
    except OSError as error:
        reason = f"cannot read the file ({error.strerror or error})"
        return FileOutcome(str(path), "failed", reason=reason), None
    digest = sha256(data)
    record = manifest.files.get(key)
    if record and record.sha256 == digest:
        return FileOutcome(str(path), "skipped", reason="unchanged since the last ingest"), None
    twin = claimed.get(digest) or next(
        (k for k, r in manifest.files.items() if r.sha256 == digest and k != key), None
    )
    if twin and twin != key:
        return FileOutcome(str(path), "skipped", reason=f"same content as {twin}"), None
    base_id = record.base_id if record else _unique_base(manifest, writer, slugify(path.stem))
    try:
        sources = load_file(str(path), data, segmenter, source_id=base_id, **options)
    except UnreadableFileError as error:
        return FileOutcome(str(path), "failed", reason=f"{error.reason} — {error.hint}"), None
    texts = [source.text[s.start : s.end] for source in sources for s in source.segments]
    vectors = embedder.embed_documents([unnumbered(text) for text in texts])
    claimed[digest] = key
    new_record = FileRecord(sha256=digest, base_id=base_id, source_ids=[s.id for s in sources])
    outcome = FileOutcome(str(path), "ingested", sources=len(sources), segments=len(texts))
    return outcome, Embedded(key, new_record, sources, vectors)


def _unique_base(manifest: WorkspaceManifest, writer: _Writer, slug: str) -> str:
    """A base id free in the snapshot and this batch (the commit checks again on disk)."""
    taken = {record.base_id for record in manifest.files.values()}
    taken |= {file.record.base_id for _, file in writer.pending}
    return free_base(slug, taken)


def remove_source(workspace: Workspace, store: SegmentStore, reference: str) -> list[str]:
    """Remove a source by id, or every source of a file by its path. Returns the removed ids."""
    with workspace.locked(f"remove {reference}"):
        roll_back_unfinished(workspace, store)
        return _remove(workspace, store, reference)


def _remove(workspace: Workspace, store: SegmentStore, reference: str) -> list[str]:
    manifest = workspace.load_manifest()
    key = str(Path(reference).resolve())
    if key in manifest.files:
        removed = manifest.files.pop(key).source_ids
    else:
        owner = next((k for k, r in manifest.files.items() if reference in r.source_ids), None)
        if owner is None:
            known = ", ".join(workspace.source_ids()[:8]) or "none"
            raise WorkspaceError(
                f"no source or ingested file called {reference!r} in {workspace.root}",
                f"name a source id (e.g. {known}) or the path of an ingested file",
            )
        record = manifest.files[owner]
        removed = [reference]
        remaining = [sid for sid in record.source_ids if sid != reference]
        if remaining:  # a table keeps its other rows, and the removed row stays out
            manifest.files[owner] = record.model_copy(update={"source_ids": remaining})
        else:
            manifest.files.pop(owner)
    store.replace(removed, [], np.zeros((0, 0), dtype=np.float32))
    workspace.save_manifest(manifest)  # the manifest first: a removed source is never listed
    for source_id in removed:
        workspace.delete_source(source_id)
    return removed


def reindex(
    workspace: Workspace,
    store: SegmentStore,
    embedder: Embedder,
    on_source: Callable[[str], None] | None = None,
) -> int:
    """Re-embed every segment of the workspace with `embedder` (after changing embedders).
    Returns the number of segments embedded. Holds the workspace lock throughout: another
    writer meanwhile would add vectors of the old embedder."""
    workspace.require()
    with workspace.locked("reindex"):
        roll_back_unfinished(workspace, store)
        return _reindex(workspace, store, embedder, on_source)


def _reindex(
    workspace: Workspace,
    store: SegmentStore,
    embedder: Embedder,
    on_source: Callable[[str], None] | None,
) -> int:
    manifest = workspace.load_manifest()
    store.reset()
    total = 0
    for source_id in workspace.source_ids():
        source = workspace.load_source(source_id)
        if on_source:
            on_source(source_id)
        texts = [source.text[s.start : s.end] for s in source.segments]
        store.add([source], embedder.embed_documents([unnumbered(text) for text in texts]))
        total += len(texts)
    manifest.embedder = EmbedderInfo(name=embedder.name, dim=embedder.dim)
    workspace.save_manifest(manifest)
    return total
