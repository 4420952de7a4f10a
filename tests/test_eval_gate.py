"""The regression gate: the offline extractor never scores below its committed baseline.

The baseline (evals/baseline-offline.json) is updated deliberately, in its own commit, with
`make eval-baseline` — never to make this test pass after a regression.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from assistant.settings import Settings
from evals.baseline import BASELINE, machine
from evals.runner import HALVES, f1_table, grouping_f1, run_eval


@pytest.fixture(scope="module")
def offline_run() -> tuple[dict[str, Any], dict[str, Any]]:
    """(baseline, this run): one build of the gold sources for every check of the gate."""
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    results = run_eval(provider="offline", settings=Settings(embedder=baseline["embedder_choice"]))
    return baseline, results


def _where(baseline: dict[str, Any]) -> str:
    return (
        f" (baseline recorded on: {baseline.get('recorded_on', 'unknown')}; this run: {machine()})"
    )


@pytest.mark.slow
def test_offline_scores_do_not_regress(offline_run: tuple[dict[str, Any], dict[str, Any]]) -> None:
    baseline, results = offline_run
    assert results["evidence_validity"] == 1.0
    lowered = [
        f"{scope} ({half}): {now} < {then}"
        for (scope, *before), (_, *after) in zip(f1_table(baseline), f1_table(results), strict=True)
        for half, then, now in zip(("dev", "test", "all"), before, after, strict=True)
        if "—" not in (then, now) and float(now) < float(then) - 1e-9
    ]
    assert not lowered, (
        "offline F1 dropped below the baseline: " + "; ".join(lowered) + _where(baseline)
    )


@pytest.mark.slow
def test_offline_grouping_does_not_regress(
    offline_run: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """Grouping pairwise F1 (findings) per half, against the baseline's."""
    baseline, results = offline_run
    then, now = grouping_f1(baseline), grouping_f1(results)
    assert all(now[half] is not None for half in HALVES), "this run has no grouping figures"
    recorded = [half for half in HALVES if then[half] is not None]
    assert recorded, (
        f"{BASELINE.name} has no grouping section (recorded before the findings metrics): "
        "run `make eval-baseline` in its own commit"
    )
    lowered = [
        f"grouping F1 ({half}): {now[half]} < {then[half]}"
        for half in recorded
        if (now[half] or 0.0) < (then[half] or 0.0) - 1e-9
    ]
    assert not lowered, (
        "offline grouping F1 dropped below the baseline: " + "; ".join(lowered) + _where(baseline)
    )
