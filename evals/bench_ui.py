"""The review UI in the browser: time to draw a 500-item map ÷ a 50-item map (part of
`make bench`; goal ≤ 6).

The bundled samples are built once; the map is cut to 50 items for one workspace and grown to 500
(its items repeated under new ids, evidence intact) for another. Each workspace is served by
`parcours ui` and opened in Debian's headless Chromium: from navigation until the grid's cards
are drawn and Streamlit has finished the run, the fastest of a few loads on both sides (the least
disturbed by whatever else the machine runs). The 50-item load is the baseline measured in the
same run, so the ratio is what the map's size costs, not what the machine is.

    python -m evals.bench_ui          # prints one JSON line
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.model import JourneyMap, Revision
from assistant.project import Project
from assistant.settings import Settings
from evals.ui_harness import CARD, chromium, chromium_available, running_ui

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SIZES = (50, 500)
REPEATS = 3
ENVIRONMENT = {"PARCOURS_EMBEDDER": "hashing", "HF_HUB_OFFLINE": "1"}


def resized(journey_map: JourneyMap, size: int) -> JourneyMap:
    """The map with exactly `size` items: its first ones in reading order, or its items repeated
    under new ids (X1, X2…) with their evidence."""
    originals = journey_map.items()
    stages: dict[str, list[Any]] = {stage.id: [] for stage in journey_map.stages}
    for n in range(size):
        stage, item = originals[n % len(originals)]
        copy = item if n < len(originals) else item.model_copy(update={"id": f"X{n + 1}"})
        stages[stage.id].append(copy)
    return journey_map.model_copy(
        update={
            "stages": [s.model_copy(update={"items": stages[s.id]}) for s in journey_map.stages]
        }
    )


def make_workspaces(folder: Path) -> dict[int, Path]:
    built_root = folder / "built"
    project = Project(built_root, settings=Settings(workspace=built_root, embedder="hashing"))
    project.ingest([SAMPLES / "interviews", SAMPLES / "reviews"])
    built = project.build().map
    roots = {}
    for size in SIZES:
        root = folder / f"ws-{size}"
        shutil.copytree(built_root, root)
        project = Project(root, settings=Settings(workspace=root, embedder="hashing"))
        project.workspace.save_revision(
            Revision(number=2, parent=1, author="system", message=f"bench: {size} items",
                     map=resized(built, size).model_copy(update={"revision": 2}))
        )  # fmt: skip
        roots[size] = root
    return roots


def load_time(url: str) -> float:
    """Seconds from navigation to a drawn grid with the script run over, fastest of REPEATS."""
    timings = []
    with chromium() as page:
        for _ in range(REPEATS + 1):  # the first load warms the server's imports
            start = time.perf_counter()
            page.goto(url)
            page.locator(CARD).first.wait_for(timeout=120_000)
            page.wait_for_function(
                "() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=120_000
            )
            timings.append(time.perf_counter() - start)
    return min(timings[1:])


def run() -> dict[str, Any]:
    if not chromium_available():
        return {"skipped": "needs Debian's chromium: apt-get install chromium"}
    with tempfile.TemporaryDirectory() as scratch:
        roots = make_workspaces(Path(scratch))
        seconds = {}
        for size, root in roots.items():
            with running_ui(root, ENVIRONMENT) as url:
                seconds[size] = load_time(url)
    small, large = SIZES
    return {
        "items": list(SIZES),
        "seconds": {str(size): s for size, s in seconds.items()},
        "ratio": seconds[large] / seconds[small],
    }


if __name__ == "__main__":
    print(json.dumps(run()))
