"""get_map over MCP stdio ÷ loading the same map in-process (part of `make bench`).

A 500-item map (the bundled samples' map, its items repeated under new ids, evidence intact) is
saved in a scratch workspace. The baseline, measured in the same run: `Workspace.load_map` and
the compact view in this process. Against it: a `get_map` (compact) call from the real `mcp`
client to a `parcours mcp` subprocess over stdio, the session already open (as a host keeps it),
the fastest of the repeats on both sides (the least disturbed by whatever else the machine
runs). The ratio is the protocol's cost: JSON-RPC framing, pipes, the client's schema check.

    python -m evals.bench_mcp          # prints one JSON line
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

from assistant.exports.view import map_view
from assistant.model import Revision
from assistant.project import Project
from assistant.settings import Settings

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
ITEMS = 500
REPEATS = 30
MAP_ID = "bench-500"


def make_map(root: Path, items: int = ITEMS) -> int:
    """Build the samples' map, then save a copy grown to `items` items as map `bench-500`."""
    settings = Settings(workspace=root, embedder="hashing", redact=False)
    project = Project(root, settings=settings)
    project.ingest([SAMPLES / "interviews", SAMPLES / "reviews"])
    built = project.build().map
    originals = built.items()
    stages = {stage.id: list(stage.items) for stage in built.stages}
    for n in range(items - len(originals)):
        stage, item = originals[n % len(originals)]
        stages[stage.id].append(item.model_copy(update={"id": f"X{n + 1}"}))
    grown = built.model_copy(
        update={
            "id": MAP_ID,
            "revision": 1,
            "stages": [s.model_copy(update={"items": stages[s.id]}) for s in built.stages],
        }
    )
    project.workspace.save_revision(
        Revision(number=1, parent=None, author="system", message="bench", map=grown)
    )
    return len(grown.items())


def in_process(root: Path) -> float:
    project = Project(root, settings=Settings(workspace=root, embedder="hashing"))
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        map_view(project.workspace.load_map(MAP_ID))
        timings.append(time.perf_counter() - start)
    return min(timings)


async def over_stdio(root: Path) -> tuple[float, int]:
    from mcp import ClientSession, StdioServerParameters, stdio_client

    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCOURS_")}
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "assistant.cli", "mcp", "-w", str(root)],
        env=env | {"PARCOURS_EMBEDDER": "hashing", "HF_HUB_OFFLINE": "1"},
    )
    timings = []
    size = 0
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        await session.call_tool("get_map", {"map_id": MAP_ID})  # warm: imports, first read
        for _ in range(REPEATS):
            start = time.perf_counter()
            result = await session.call_tool("get_map", {"map_id": MAP_ID})
            timings.append(time.perf_counter() - start)
            size = len(json.dumps(result.structured_content))
    return min(timings), size


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "ws"
        items = make_map(root)
        local = in_process(root)
        remote, size = anyio.run(over_stdio, root)
    return {
        "items": items,
        "in_process_s": local,
        "stdio_s": remote,
        "ratio": remote / local,
        "result_bytes": size,
    }


if __name__ == "__main__":
    print(json.dumps(run()))
