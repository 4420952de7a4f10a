"""Two writers at once: does the workspace lock serialise the embedding? (part of `make bench`)

Six bundled interviews, the default embedder, redaction on, each scenario timed in the same run
from the first process's start to the last one's end (process start-up and model loads
included, as a user would see them):

- one process ingesting the 6 files (the baseline);
- two processes at once, 3 files each, into ONE workspace (they share its lock);
- two processes at once, 3 files each, into two workspaces (no lock shared: what the two cores
  allow at best).

    python -m evals.bench_writers          # prints one JSON line
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "interviews"
FILES = sorted(SAMPLES.iterdir())[:6]


def _ingest(paths: list[Path], workspace: Path) -> list[str]:
    return [sys.executable, "-m", "assistant.cli", "ingest", *map(str, paths), "-w", str(workspace)]


def _wall(commands: list[list[str]]) -> float:
    env = dict(os.environ, HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    start = time.perf_counter()
    children = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for command in commands
    ]
    for child in children:
        _, err = child.communicate()
        if child.returncode:
            raise RuntimeError(f"ingest failed: {err.decode(errors='replace')[-400:]}")
    return time.perf_counter() - start


def run(repeats: int = 2) -> dict[str, float]:
    """Best wall time of each scenario, in seconds."""
    halves = [FILES[:3], FILES[3:]]
    best = {"one_process": float("inf"), "shared": float("inf"), "separate": float("inf")}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            best["one_process"] = min(best["one_process"], _wall([_ingest(FILES, root / "one")]))
            shared = [_ingest(half, root / "shared") for half in halves]
            best["shared"] = min(best["shared"], _wall(shared))
            separate = [_ingest(half, root / f"separate-{n}") for n, half in enumerate(halves)]
            best["separate"] = min(best["separate"], _wall(separate))
    return best


if __name__ == "__main__":
    print(json.dumps(run()))
