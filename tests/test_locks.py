"""The workspace lock and the ingest commit: who waits, who holds, what a dead writer leaves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import WorkspaceError
from assistant.export_files import verify_export
from assistant.mapping.build import sources_change
from assistant.model import FileRecord, Source, WorkspaceManifest
from assistant.project import Project
from assistant.workspace import Workspace
from ingest.commit import Embedded, Journal, JournalEntry, roll_back_unfinished, settle
from tests.test_synthesis import source

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@contextmanager
def held_elsewhere(workspace: Workspace, operation: str) -> Iterator[None]:
    """The workspace lock, held by another thread for as long as the block runs."""
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with workspace.locked(operation):
            taken.set()
            done.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(10)
    try:
        yield
    finally:
        done.set()
        holder.join()


def test_a_writer_that_waits_too_long_names_the_holder_and_the_setting(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws", lock_timeout=0.3)
    with (
        held_elsewhere(workspace, "ingest: commit 3 file(s)"),
        pytest.raises(WorkspaceError) as refused,
        workspace.locked("remove fr-01"),
    ):
        pass
    message = str(refused.value)
    assert "remove fr-01" in message
    assert "'ingest: commit 3 file(s)'" in message and f"process {os.getpid()}" in message
    assert "PARCOURS_LOCK_TIMEOUT" in message and "0.3 s" in message


def test_the_lock_is_reentrant_in_one_thread(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws", lock_timeout=0.3)
    with workspace.locked("outer"), workspace.locked("inner"):
        assert workspace.lock.held
    assert not workspace.lock.held


def test_a_killed_holder_never_blocks_the_next_writer(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    script = (
        "import sys, time; from assistant.workspace import Workspace\n"
        "with Workspace(sys.argv[1]).locked('ingest'):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(root)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    child.send_signal(signal.SIGKILL)
    child.wait()
    with Workspace(root, lock_timeout=10).locked("ingest again"):
        pass  # the OS released the lock with the process


def test_reading_takes_no_write_lock(project: Project, tmp_path: Path) -> None:
    project.ingest([SAMPLES / "interviews" / "fr-01-lea.md"])
    project.build()
    exported = tmp_path / "map.json"
    exported.write_text(project.export(with_sources=True).text, encoding="utf-8")
    project.workspace.lock.timeout = 0.2
    with held_elsewhere(project.workspace, "ingest: commit 9 file(s)"):
        assert project.load_map().revision == 1
        assert verify_export(exported, project.workspace).ok
        assert project.search()("livraison")  # the vector store has a lock of its own
        assert project.workspace.load_sources()


def _embedded(key: str, base: str, digest: str) -> Embedded:
    record = FileRecord(sha256=digest, base_id=base, source_ids=[base])
    return Embedded(key, record, [source(base, "Bonjour.")], np.zeros((1, 4), dtype=np.float32))


def test_settling_moves_a_taken_source_id_and_skips_what_another_process_did() -> None:
    manifest = WorkspaceManifest(
        files={
            "/other/entretien.txt": FileRecord(sha256="a", base_id="entretien", source_ids=[]),
            "/done.txt": FileRecord(sha256="d", base_id="done", source_ids=["done"]),
        }
    )
    files = [
        _embedded("/mine/entretien.txt", "entretien", "b"),  # same stem, another file
        _embedded("/done.txt", "done", "d"),  # ingested meanwhile by someone else
        _embedded("/copy.txt", "copy", "a"),  # the content of another file
    ]
    settled, skipped = settle(manifest, files)
    assert [s.file.record.base_id for s in settled] == ["entretien-2"]
    moved = settled[0].file.sources[0]
    assert moved.id == "entretien-2" and moved.segments[0].id == "entretien-2:0"
    assert moved.segments[0].source_id == "entretien-2"
    assert skipped == {
        "/done.txt": "ingested meanwhile by another process",
        "/copy.txt": "same content as /other/entretien.txt",
    }
    assert manifest.files["/mine/entretien.txt"].source_ids == ["entretien-2"]


class _Store:
    def __init__(self) -> None:
        self.dropped: list[str] = []

    def replace(self, source_ids: list[str], sources: list[Source], vectors: object) -> None:
        self.dropped += source_ids


def test_a_half_done_commit_is_forgotten_by_the_next_writer(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    kept = FileRecord(sha256="k", base_id="kept", source_ids=["kept"])
    workspace.save_manifest(WorkspaceManifest(files={"/kept.txt": kept}))
    for source_id in ("kept", "half"):
        workspace.save_source(source(source_id, "Bonjour. Au revoir."))
    journal = Journal(pid=1, entries=[JournalEntry(key="/half.txt", sha256="h", new_ids=["half"])])
    workspace.journal_path.write_text(journal.model_dump_json(), encoding="utf-8")
    store = _Store()
    with workspace.locked("ingest"):
        assert roll_back_unfinished(workspace, store) == ["/half.txt"]  # type: ignore[arg-type]
    assert store.dropped == ["half"]
    assert workspace.source_ids() == ["kept"]
    assert list(workspace.load_manifest().files) == ["/kept.txt"]
    assert not workspace.journal_path.exists()


def test_a_build_says_when_sources_changed_while_it_ran() -> None:
    before = WorkspaceManifest(
        files={
            "/a": FileRecord(sha256="1", base_id="a", source_ids=["a"]),
            "/b": FileRecord(sha256="2", base_id="b", source_ids=["b"]),
        }
    )
    after = before.model_copy(deep=True)
    assert sources_change(before, after) is None
    after.files["/c"] = FileRecord(sha256="3", base_id="c", source_ids=["c"])
    del after.files["/b"]
    note = sources_change(before, after)
    assert note is not None
    assert note.startswith("1 file(s) ingested, 1 file(s) removed while this map was built")
    assert "build again" in note
