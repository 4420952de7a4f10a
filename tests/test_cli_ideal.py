"""`parcours ideal`, `parcours gap` and `parcours compare overall overall-ideal` on a small
workspace; the ideal map refined with the same edit, history and undo commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.workspace import Workspace
from tests.test_ideal_gap import gap_workspace

runner = CliRunner()


@pytest.fixture
def ws(tmp_path: Path, hashing_env: None) -> Path:
    return gap_workspace(tmp_path / "ws").root


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_ideal_then_gap_then_compare(ws: Path) -> None:
    assert "no ideal journey yet" in run("gap", "-w", str(ws), code=1)
    drafted = run("ideal", "-w", str(ws))
    for expected in ("Buts", "Attentes", "Expérience cible", "overall-ideal révision 1"):
        assert expected in drafted
    assert "aucune attente entendue" in drafted  # the stages without any, said to the reviewer
    assert "existe (révision 1)" in run("ideal", "-w", str(ws))
    gap = run("gap", "-w", str(ws))
    for expected in (
        "Écart : overall (révision 1) → overall-ideal (révision 1)",
        "Priorités",
        "1. Être livré en une semaine",
        "attente non tenue",
        "«\u00a0Je pensais être livrée en une semaine\u00a0»",
        "KPI pour suivre l’écart",
    ):
        assert expected in gap, expected  # fmt: skip
    data = json.loads(run("gap", "-w", str(ws), "--json"))
    first = data["priorities"][0]
    assert first["stage_id"] == "retention" and first["item_ids"] and first["quotes"]
    assert {stage["id"] for stage in data["stages"]} == {
        "awareness", "consideration", "purchase", "retention", "advocacy"
    }  # fmt: skip
    assert json.loads(run("gap", "-w", str(ws), "--map", "overall-ideal", "--json")) == data
    compared = json.loads(run("compare", "overall", "overall-ideal", "-w", str(ws), "--json"))
    retention = next(s for s in compared["stages"] if s["id"] == "retention")
    assert (retention["valence_a"], retention["valence_b"]) == (-2.0, 1.0)
    assert "overall-ideal (B)" in run("compare", "overall", "overall-ideal", "-w", str(ws))


def test_the_ideal_map_is_refined_with_the_same_commands(ws: Path) -> None:
    run("ideal", "-w", str(ws))
    edited = run("edit", "delete T4", "-w", str(ws), "--map", "overall-ideal", "--yes")
    assert "revision 2" in edited
    history = run("history", "-w", str(ws), "--map", "overall-ideal")
    assert "draft the ideal journey from overall revision 1" in history
    run("undo", "-w", str(ws), "--map", "overall-ideal")
    ideal = Workspace(ws).load_map("overall-ideal")
    assert ideal.kind == "ideal" and "T4" in {item.id for _, item in ideal.items()}
    assert "revision 4" in run("ideal", "-w", str(ws), "--redraft")


def test_the_team_sets_a_stage_s_target_emotion_and_the_gap_follows(ws: Path) -> None:
    run("ideal", "-w", str(ws))
    edited = run("edit", "cible rétention +1,5", "-w", str(ws), "--map", "overall-ideal", "--yes")
    assert "émotion visée à l’étape" in edited and "+1.5" in edited
    data = json.loads(run("gap", "-w", str(ws), "--json"))
    retention = next(stage for stage in data["stages"] if stage["id"] == "retention")
    assert retention["target_valence"] == 1.5
