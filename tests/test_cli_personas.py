"""Personas and comparison through the CLI: apply a mapping, build every persona, compare."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from assistant.cli import app
from assistant.project import Project
from tests.conftest import SAMPLES

runner = CliRunner()


def test_mapping_all_personas_and_compare(tmp_path: Path, hashing_env: None) -> None:
    workspace = str(tmp_path / "ws")
    interviews = SAMPLES / "interviews"
    assert (
        runner.invoke(app, ["ingest", str(interviews), "-w", workspace, "--no-redact"]).exit_code
        == 0
    )
    mapping = tmp_path / "personas.csv"
    mapping.write_text("source,persona\nen-*,anglophone\n", encoding="utf-8")
    result = runner.invoke(app, ["personas", "apply", str(mapping), "-w", workspace])
    assert result.exit_code == 0, result.output
    assert "en-05-jess" in result.output and "overrides" in result.output
    result = runner.invoke(app, ["build", "-w", workspace, "--all-personas"])
    assert result.exit_code == 0, result.output
    maps = sorted(p.name for p in (tmp_path / "ws" / "maps").iterdir())
    assert maps == ["anglophone", "deliberate", "impulsive", "overall"]
    result = runner.invoke(app, ["compare", "impulsive", "deliberate", "-w", workspace])
    assert result.exit_code == 0, result.output
    assert "Achat" in result.output
    data = json.loads(
        runner.invoke(app, ["compare", "impulsive", "deliberate", "-w", workspace, "--json"]).output
    )
    assert [stage["id"] for stage in data["stages"]][:2] == ["awareness", "consideration"]


def test_search_by_persona_finds_sources_given_a_persona_by_a_mapping(project: Project) -> None:
    """The persona filter of the vector search reads the store's metadata: a mapping file
    must update it, not only the source files."""
    project.ingest([SAMPLES / "interviews" / "en-05-jess.md"])
    mapping = project.workspace.root / "personas.csv"
    mapping.write_text("source,persona\nen-05-*,anglophone\n", encoding="utf-8")
    project.apply_personas(mapping)
    vector = project.embedder.embed_query("delivery")
    hits = project.store.search(vector, k=3, where={"persona": "anglophone"})
    assert [hit.source_id for hit in hits] == ["en-05-jess"] * 3
