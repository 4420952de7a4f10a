"""Workspace locks: one coordination point for every read-modify-write of a workspace.

An OS file lock (`filelock`: flock on Linux and macOS, LockFileEx on Windows) that dies with its
process, so a crashed holder never blocks anyone. Held for short sections only — a manifest
commit, numbering a file's placeholders — never around embedding, the slow part, so two ingests
still overlap. Reentrant within one thread; threads of one process exclude each other too.

Beside the lock, `<name>.holder.json` says who holds it (operation, process, host, since): a
writer that waits longer than the timeout raises a `WorkspaceError` naming the holder and the
setting that raises the wait.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from assistant.errors import WorkspaceError

DEFAULT_TIMEOUT = 60.0
"""Seconds a writer waits for the lock (PARCOURS_LOCK_TIMEOUT)."""

_LOCKS: dict[Path, FileLock] = {}
_LOCKS_GUARD = threading.Lock()


class WorkspaceLock:
    """An exclusive lock on `path` (a file beside the data it guards)."""

    def __init__(self, path: Path, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.path = path
        self.timeout = timeout

    @property
    def _lock(self) -> FileLock:
        # One FileLock per path and process: nested `hold`s in a thread then reenter it instead
        # of waiting for themselves.
        key = self.path.absolute()
        with _LOCKS_GUARD:
            if key not in _LOCKS:
                _LOCKS[key] = FileLock(key, thread_local=True)
            return _LOCKS[key]

    @property
    def holder_path(self) -> Path:
        return self.path.with_name(self.path.name + ".holder.json")

    @property
    def held(self) -> bool:
        """Whether this thread holds the lock."""
        return self._lock.is_locked

    @contextmanager
    def hold(self, operation: str) -> Iterator[None]:
        """Hold the lock for `operation` (said to whoever waits for it)."""
        lock = self._lock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        try:
            lock.acquire(timeout=self.timeout)
        except Timeout:
            raise self._busy(operation, time.monotonic() - started) from None
        try:
            if lock.lock_counter == 1:
                self._write_holder(operation)
            yield
        finally:
            lock.release()

    def _write_holder(self, operation: str) -> None:
        holder = {
            "operation": operation,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:200],
            "since": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        # Who holds the lock is a courtesy to waiters, never a reason to fail.
        with contextlib.suppress(OSError):
            self.holder_path.write_text(json.dumps(holder), encoding="utf-8")

    def _busy(self, operation: str, waited: float) -> WorkspaceError:
        try:
            holder = json.loads(self.holder_path.read_text(encoding="utf-8"))
            who = (
                f"{holder['operation']!r} by process {holder['pid']} on {holder['host']} "
                f"({holder['command']}) since {holder['since']}"
            )
        except (OSError, ValueError, KeyError, TypeError):
            who = "another process"
        return WorkspaceError(
            f"{operation}: the workspace lock {self.path} is held by {who}; waited {waited:.0f} s",
            "wait for it to finish and retry, or raise PARCOURS_LOCK_TIMEOUT "
            f"(now {self.timeout:g} s)",
        )
