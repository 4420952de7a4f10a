"""Ingesting files and folders: bad files are reported by name, good ones go in, nothing repeats."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.project import Project

GOOD = (
    "Enquêtrice : Comment avez-vous connu la marque ?\nLéa : Sur Instagram, une pub. J'ai adoré.\n"
)


def write_corpus(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lea.md").write_text(GOOD, encoding="utf-8")
    (folder / "avis.csv").write_text(
        "note,avis\n5,Livraison rapide et soignée.\n", encoding="utf-8"
    )
    (folder / "empty.txt").write_bytes(b"")
    (folder / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (folder / "garbled.txt").write_bytes(bytes(range(128, 256)) * 4)
    (folder / "slides.key").write_bytes(b"whatever")


def test_bad_files_are_reported_by_name_and_good_ones_ingested(
    project: Project, tmp_path: Path
) -> None:
    write_corpus(tmp_path / "corpus")
    report = project.ingest([tmp_path / "corpus"])
    failed = {Path(o.path).name: o.reason for o in report.by_status("failed")}
    assert set(failed) == {"empty.txt", "photo.txt", "garbled.txt", "slides.key"}
    assert "empty" in failed["empty.txt"]
    assert "PNG image" in failed["photo.txt"]
    assert "undecodable" in failed["garbled.txt"]
    assert "unsupported format '.key'" in failed["slides.key"]
    assert {Path(o.path).name for o in report.by_status("ingested")} == {"lea.md", "avis.csv"}
    assert report.exit_code == 1
    assert project.workspace.source_ids() == ["avis-001", "lea"]
    assert project.store.count() == 4


def test_cli_exit_codes_are_1_for_a_bad_file_0_when_all_pass_2_for_usage(
    tmp_path: Path, hashing_env: None
) -> None:
    runner = CliRunner()
    write_corpus(tmp_path / "corpus")
    workspace = str(tmp_path / "ws")
    result = runner.invoke(app, ["ingest", str(tmp_path / "corpus"), "-w", workspace])
    assert result.exit_code == 1
    for name in ("empty.txt", "photo.txt", "garbled.txt", "slides.key"):
        assert name in result.output
    good = tmp_path / "good"
    good.mkdir()
    (good / "b.md").write_text(GOOD.replace("Léa", "Zoé"), encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(good), "-w", workspace]).exit_code == 0
    assert runner.invoke(app, ["ingest", "-w", workspace]).exit_code == 2
    assert runner.invoke(app, ["build", "-w", workspace, "--provider", "nope"]).exit_code == 2


def test_reingesting_an_unchanged_file_does_nothing(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "lea.md"
    path.write_text(GOOD, encoding="utf-8")
    project.ingest([path])
    before = (project.workspace.root / "sources" / "lea.json").stat().st_mtime_ns
    report = project.ingest([path])
    assert [o.status for o in report.outcomes] == ["skipped"]
    assert "unchanged" in report.outcomes[0].reason
    assert (project.workspace.root / "sources" / "lea.json").stat().st_mtime_ns == before


def test_a_copy_of_an_ingested_file_is_skipped_as_a_duplicate(
    project: Project, tmp_path: Path
) -> None:
    (tmp_path / "a.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.md").write_text(GOOD, encoding="utf-8")
    report = project.ingest([tmp_path / "a.md", tmp_path / "b.md"])
    assert [o.status for o in report.outcomes] == ["ingested", "skipped"]
    assert "same content as" in report.outcomes[1].reason


def test_a_changed_file_replaces_its_segments(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "lea.md"
    path.write_text(GOOD, encoding="utf-8")
    project.ingest([path])
    path.write_text(
        GOOD + "Enquêtrice : Et après ?\nLéa : Livraison en retard.\n", encoding="utf-8"
    )
    report = project.ingest([path])
    assert report.outcomes[0].status == "ingested"
    source = project.workspace.load_source("lea")
    assert "Livraison en retard." in source.text
    assert project.store.count() == len(source.segments)


def test_a_missing_path_is_reported(project: Project, tmp_path: Path) -> None:
    report = project.ingest([tmp_path / "nowhere.txt"])
    assert report.outcomes[0].status == "failed" and "no such file" in report.outcomes[0].reason


def test_a_workspace_built_with_another_embedder_is_refused(
    project: Project, tmp_path: Path
) -> None:
    path = tmp_path / "lea.md"
    path.write_text(GOOD, encoding="utf-8")
    project.ingest([path])
    from assistant.errors import WorkspaceError
    from ingest.embedders import HashingEmbedder

    other = Project(project.workspace.root, embedder=HashingEmbedder(dim=64))
    with pytest.raises(WorkspaceError, match="built with the embedder"):
        other.ingest([path])
