"""A rebuild that replays the researcher's history ÷ a fresh build (part of `make bench`).

The bundled samples but one are ingested and built; a week of review follows (statuses on a
third of the findings, renames, moves, merges, a new stage, opportunities: one revision each);
then the last sample arrives. On copies of that same workspace, timed in the same run, best
of `repeats`:

- a fresh build (`parcours build --fresh`): extract, ground, synthesise, save;
- a rebuild (`parcours build`): the same, plus reading the history and replaying every edit.

    python -m evals.bench_rebuild          # prints one JSON line
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.editing.revisions import commit
from assistant.model import (
    AddOpportunity,
    AddStage,
    EditOp,
    ItemStatus,
    JourneyMap,
    MergeItems,
    MoveItem,
    SetStatus,
    UpdateItem,
)
from assistant.project import Project
from assistant.settings import Settings

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
MAP_ID = "overall"


def week_of_edits(journey_map: JourneyMap) -> list[EditOp]:
    """One researcher's review: an operation per revision."""
    customer = [(s.id, i) for s, i in journey_map.items() if i.lane.customer_side]
    edits: list[EditOp] = []
    for n, (_, item) in enumerate(customer[::3]):
        status = ItemStatus.ACCEPTED if n % 4 else ItemStatus.REJECTED
        edits.append(SetStatus(item_id=item.id, status=status))
    edits += [UpdateItem(item_id=i.id, text=f"Libellé revu {n}") for n, (_, i) in
              enumerate(customer[1::9])]  # fmt: skip
    edits += [MoveItem(item_id=i.id, stage_id="advocacy") for _, i in customer[2::17]]
    cells: dict[tuple[str, str], list[str]] = {}
    for stage_id, item in customer:
        cells.setdefault((stage_id, item.lane.value), []).append(item.id)
    moved = {op.item_id for op in edits if isinstance(op, MoveItem)}
    pairs = [ids for ids in cells.values() if len(ids) >= 2 and not set(ids[:2]) & moved]
    edits += [MergeItems(item_ids=ids[:2]) for ids in pairs[:5]]
    edits.append(AddStage(name="Livraison", after="purchase"))
    accepted = [op.item_id for op in edits if isinstance(op, SetStatus)][:5]
    edits += [
        AddOpportunity(stage_id="livraison", text=f"Opportunité {n}", cites=[item_id])
        for n, item_id in enumerate(accepted)
    ]
    return edits


def prepared(root: Path) -> tuple[Path, int, int]:
    """A workspace with a reviewed map and one new source not built yet; (path, sources,
    edits)."""
    files = sorted((SAMPLES / "interviews").iterdir()) + sorted((SAMPLES / "reviews").iterdir())
    project = _project(root)
    project.ingest(files[:-1])
    built = project.build().map
    edits = 0
    merged: set[str] = set()
    for op in week_of_edits(built):
        if isinstance(op, MergeItems):
            if set(op.item_ids) & merged:
                continue
            merged.update(op.item_ids[1:])
        head = project.workspace.head(MAP_ID) or 1
        commit(project.workspace, MAP_ID, [op], base_revision=head)
        edits += 1
    project.ingest(files[-1:])
    return root, len(files), edits


def _project(root: Path) -> Project:
    return Project(root, settings=Settings(workspace=root))


def _timed_build(template: Path, scratch: Path, fresh: bool) -> tuple[float, Any]:
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(template, scratch)
    project = _project(scratch)
    project.embedder  # noqa: B018 - loaded before timing, as in a running UI or MCP server
    start = time.perf_counter()
    result = project.build(fresh=fresh)
    return time.perf_counter() - start, result


def run(repeats: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        template, sources, edits = prepared(Path(folder) / "template")
        best = {"fresh": float("inf"), "rebuild": float("inf")}
        replayed = conflicts = 0
        for _ in range(repeats):
            for kind in ("fresh", "rebuild"):
                seconds, result = _timed_build(
                    template, Path(folder) / "scratch", fresh=kind == "fresh"
                )
                best[kind] = min(best[kind], seconds)
                if kind == "rebuild":
                    replayed, conflicts = result.replayed, len(result.conflicts)
    return {
        "sources": sources,
        "edits": edits,
        "replayed": replayed,
        "conflicts": conflicts,
        "fresh_s": round(best["fresh"], 3),
        "rebuild_s": round(best["rebuild"], 3),
        "ratio": round(best["rebuild"] / best["fresh"], 3),
    }


def print_rebuild(console: Any) -> None:
    """The `make bench` table."""
    from rich.table import Table

    r = run()
    table = Table(
        title=f"rebuild replaying {r['edits']} edits ÷ fresh build (1 new source among "
        f"{r['sources']})"
    )
    for column in ("fresh s", "rebuild s", "replayed", "conflicts", "ratio"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{r['fresh_s']:.2f}",
        f"{r['rebuild_s']:.2f}",
        str(r["replayed"]),
        str(r["conflicts"]),
        f"[bold]{r['ratio']:.2f}[/] (goal ≤ 1.2)",
    )
    console.print(table)


if __name__ == "__main__":
    print(json.dumps(run()))
