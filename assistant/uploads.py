"""Files a shell receives as bytes (a browser upload, an MCP inline file): written under the
workspace's `inbox/uploads/`, each name reduced to its last part, before ingestion reads them
like any other file. Shared by the UI and the MCP server, which add their own size limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from assistant.workspace import Workspace, atomic_write

_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


def safe_name(name: str) -> str:
    """The last part of `name`, with only letters, digits, dots, dashes and spaces."""
    last = re.split(r"[\\/]", name)[-1]
    cleaned = _UNSAFE.sub("_", last).strip(" .") or "upload.txt"
    return cleaned[:120]


def save_files(workspace: Workspace, files: Sequence[tuple[str, bytes]]) -> list[Path]:
    """Write (name, bytes) pairs under `inbox/uploads/` atomically; the paths, in order."""
    folder = workspace.root / "inbox" / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for name, data in files:
        path = folder / safe_name(name)
        atomic_write(path, data)
        saved.append(path)
    return saved
