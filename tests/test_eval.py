"""Eval metrics (pure) and the runner on a tiny gold set built here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.model import Lane
from assistant.settings import Settings
from evals.metrics import GoldItem, Mention, match, overlap, prf
from evals.runner import load_gold, markdown_report, run_eval


def gold(id_: str, start: int, end: int, lane: Lane = Lane.OBSTACLE) -> GoldItem:
    return GoldItem(id_, "s", "purchase", lane, "x", ("q",), None, ((start, end),))


def mention(start: int, end: int, lane: Lane = Lane.OBSTACLE, stage: str = "purchase") -> Mention:
    return Mention("I1", "s", stage, lane, "x", start, end, None)


def test_overlap_is_measured_on_the_shorter_span() -> None:
    assert overlap((0, 10), (5, 30)) == 0.5
    assert overlap((0, 10), (10, 20)) == 0.0


def test_matching_is_one_to_one_and_counts_duplicates() -> None:
    result = match([mention(0, 10), mention(0, 9), mention(50, 60)], [gold("g1", 0, 10)])
    assert len(result.pairs) == 1 and result.duplicates == 1
    assert prf(1, 3, 1) == {
        "precision": 0.3333,
        "recall": 1.0,
        "f1": 0.5,
        "predicted": 3,
        "gold": 1,
    }


def test_lane_matching_requires_the_same_lane() -> None:
    assert not match([mention(0, 10, Lane.EMOTION)], [gold("g1", 0, 10)], same_lane=True).pairs


GOLD_SOURCE = """---
persona: impulsive
participant: Léa
---
Enquêtrice : Comment avez-vous connu la marque ?
Léa : J'ai vu une publicité sur Instagram pour une robe.
Enquêtrice : Et la livraison ?
Léa : Le colis est arrivé avec une semaine de retard, j'étais furieuse.
"""


@pytest.fixture
def tiny_gold(tmp_path: Path) -> Path:
    folder = tmp_path / "gold"
    (folder / "sources").mkdir(parents=True)
    (folder / "sources" / "mode-fr-01.md").write_text(GOLD_SOURCE, encoding="utf-8")
    items = [
        {
            "id": "g1",
            "source": "mode-fr-01",
            "stage": "awareness",
            "lane": "touchpoint",
            "text": "Publicité Instagram",
            "quotes": ["J'ai vu une publicité sur Instagram pour une robe."],
            "valence": None,
        },
        {
            "id": "g2",
            "source": "mode-fr-01",
            "stage": "retention",
            "lane": "obstacle",
            "text": "Livraison en retard",
            "quotes": ["Le colis est arrivé avec une semaine de retard"],
            "valence": None,
        },
        {
            "id": "g3",
            "source": "mode-fr-01",
            "stage": "retention",
            "lane": "emotion",
            "text": "Colère",
            "quotes": ["j'étais furieuse"],
            "valence": -2,
        },
    ]
    (folder / "items.jsonl").write_text("\n".join(json.dumps(i) for i in items), encoding="utf-8")
    (folder / "split.json").write_text(json.dumps({"dev": ["mode-fr-01"], "test": []}))
    return folder


def test_runner_scores_the_offline_extractor(tiny_gold: Path) -> None:
    results = run_eval(settings=Settings(embedder="hashing"), gold=load_gold(tiny_gold))
    assert results["evidence_validity"] == 1.0
    assert results["overall"]["gold"] == 3 and results["overall"]["recall"] > 0
    assert set(results["by_lane"]) >= {"touchpoint", "obstacle", "emotion"}
    assert "fr" in results["by_language"]
    assert "| overall |" in markdown_report(results)
    for node in (results, results["splits"]["dev"]):  # findings figures per half
        assert set(node["grouping"]) >= {"pairwise", "floor_singletons", "floor_one_per_cell"}
        assert node["grouping"]["multi_participant"]["quotes"] > 0
        assert {"f1", "random_floor_f1"} <= set(node["placement"]["lane"])
    assert "grouping P / R / F1" in markdown_report(results)


def test_cli_eval_compare_shows_differences(tmp_path: Path, tiny_gold: Path) -> None:
    results = run_eval(settings=Settings(embedder="hashing"), gold=load_gold(tiny_gold))
    worse = json.loads(json.dumps(results))
    worse["overall"]["f1"] = results["overall"]["f1"] - 0.1
    (tmp_path / "a.json").write_text(json.dumps(results))
    (tmp_path / "b.json").write_text(json.dumps(worse))
    output = (
        CliRunner()
        .invoke(app, ["eval", "compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")])
        .output
    )
    assert "F1 overall (all)" in output and "-0.100" in output


def test_runner_drives_the_llm_chain_through_a_local_server(tiny_gold: Path) -> None:
    """Plumbing: the same runner, the real openai client, a scripted OpenAI-compatible server."""
    from assistant.testing import ScriptedOpenAIServer

    with ScriptedOpenAIServer() as server:
        settings = Settings(
            embedder="hashing", model="scripted", base_url=server.base_url, api_key="test"
        )
        results = run_eval(provider="openai", runs=2, settings=settings, gold=load_gold(tiny_gold))
        assert len(server.requests) >= 2  # two runs, each asked the model (no cache)
    assert results["provider"] == "openai" and results["model"] == "scripted"
    assert results["evidence_validity"] == 1.0
    assert results["runs"] == 2 and results["agreement"] is not None
    assert results["overall"]["predicted"] > 0
    assert "| overall |" in markdown_report(results)
