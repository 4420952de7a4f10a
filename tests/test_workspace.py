"""Atomic saves and revision history."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import MapError, WorkspaceError
from assistant.workspace import Workspace, atomic_write


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "map.json"
    atomic_write(target, b"old")

    def crash(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["map.json"]


def test_missing_workspace_and_map_say_what_to_run(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "nothing")
    with pytest.raises(WorkspaceError, match="parcours ingest"):
        workspace.require()
    with pytest.raises(MapError, match="parcours build"):
        workspace.load_map("overall")


def test_a_corrupt_file_is_named(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    (tmp_path / "workspace.json").write_text("{not json")
    with pytest.raises(WorkspaceError, match=r"workspace\.json"):
        workspace.load_manifest()
