"""Ingest files and folders into a workspace: parse, segment, embed, store. Never stops at a bad
file: each one is reported with its reason and the others go on."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from assistant.errors import UnreadableFileError, WorkspaceError
from assistant.model import EmbedderInfo, FileRecord, Source, WorkspaceManifest
from assistant.workspace import Workspace
from ingest.embedders.base import Embedder
from ingest.loaders import load_file, sha256, slugify
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
            "set PARCOURS_EMBEDDER to match, or ingest into a new workspace",
        )


def ingest_paths(
    paths: Sequence[Path],
    workspace: Workspace,
    embedder: Embedder,
    store: SegmentStore,
    segmenter: Segmenter,
    *,
    interviewers: frozenset[str] = frozenset(),
    on_file: Callable[[Path], None] | None = None,
) -> IngestReport:
    manifest = workspace.load_manifest()
    check_embedder(manifest, embedder)
    manifest.embedder = EmbedderInfo(name=embedder.name, dim=embedder.dim)
    workspace.save_manifest(manifest)
    files, missing = discover(paths)
    report = IngestReport(outcomes=list(missing))
    for path in files:
        if on_file:
            on_file(path)
        outcome = _ingest_one(path, manifest, workspace, embedder, store, segmenter, interviewers)
        report.outcomes.append(outcome)
    return report


def _ingest_one(
    path: Path,
    manifest: WorkspaceManifest,
    workspace: Workspace,
    embedder: Embedder,
    store: SegmentStore,
    segmenter: Segmenter,
    interviewers: frozenset[str],
) -> FileOutcome:
    key = str(path.resolve())
    try:
        data = path.read_bytes()
    except OSError as error:
        return FileOutcome(str(path), "failed", reason=f"cannot read the file ({error.strerror})")
    digest = sha256(data)
    record = manifest.files.get(key)
    if record and record.sha256 == digest:
        return FileOutcome(str(path), "skipped", reason="unchanged since the last ingest")
    twin = next((k for k, r in manifest.files.items() if r.sha256 == digest and k != key), None)
    if twin:
        return FileOutcome(str(path), "skipped", reason=f"same content as {twin}")
    base_id = record.base_id if record else _unique_base(manifest, slugify(path.stem))
    try:
        sources = load_file(
            str(path), data, segmenter, source_id=base_id, interviewers=interviewers
        )
    except UnreadableFileError as error:
        return FileOutcome(str(path), "failed", reason=f"{error.reason} — {error.hint}")
    if record:  # a changed file replaces all it had brought
        for old_id in record.source_ids:
            store.delete_source(old_id)
            workspace.delete_source(old_id)
    segments = _store(sources, workspace, embedder, store)
    manifest.files[key] = FileRecord(
        sha256=digest, base_id=base_id, source_ids=[source.id for source in sources]
    )
    workspace.save_manifest(manifest)
    return FileOutcome(str(path), "ingested", sources=len(sources), segments=segments)


def _store(
    sources: list[Source], workspace: Workspace, embedder: Embedder, store: SegmentStore
) -> int:
    texts = [source.text[s.start : s.end] for source in sources for s in source.segments]
    store.add(sources, embedder.embed_documents(texts))
    for source in sources:
        workspace.save_source(source)
    return len(texts)


def _unique_base(manifest: WorkspaceManifest, slug: str) -> str:
    taken = {record.base_id for record in manifest.files.values()}
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    return candidate
