"""The regression gate: the offline extractor never scores below its committed baseline.

The baseline (evals/baseline-offline.json) is updated deliberately, in its own commit, with
`make eval-baseline` — never to make this test pass after a regression.
"""

from __future__ import annotations

import json

import pytest

from assistant.settings import Settings
from evals.baseline import BASELINE, machine
from evals.runner import f1_table, run_eval


@pytest.mark.slow
def test_offline_scores_do_not_regress() -> None:
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    results = run_eval(provider="offline", settings=Settings(embedder=baseline["embedder_choice"]))
    assert results["evidence_validity"] == 1.0
    lowered = [
        f"{scope} ({half}): {now} < {then}"
        for (scope, *before), (_, *after) in zip(f1_table(baseline), f1_table(results), strict=True)
        for half, then, now in zip(("dev", "test", "all"), before, after, strict=True)
        if "—" not in (then, now) and float(now) < float(then) - 1e-9
    ]
    assert not lowered, (
        "offline F1 dropped below the baseline: "
        + "; ".join(lowered)
        + f" (baseline recorded on: {baseline.get('recorded_on', 'unknown')}; this run: {machine()})"
    )
