"""`make eval` (until the gold set lands): evidence metrics of the offline build on the samples.

No gold items yet, so no precision or recall here — only what can be checked without them:
evidence validity (must be 100 %), alignment kinds, ungrounded rate, coverage of stages × lanes,
and how much of the map is supported by more than one source.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from assistant.model import CUSTOMER_LANES, JourneyMap
from assistant.project import Project
from assistant.verify import verify_map

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def metrics(journey_map: JourneyMap, project: Project) -> dict[str, float]:
    sources = {source.id: source for source in project.cited_sources(journey_map)}
    report = verify_map(journey_map, sources)
    items = [item for _, item in journey_map.items()]
    evidence = [e for item in items for e in item.evidence]
    alignments = Counter(e.alignment.value for e in evidence)
    claims = len(evidence) + len(journey_map.ungrounded)
    cells = {(stage.id, item.lane) for stage, item in journey_map.items()}
    return {
        "items": len(items),
        "quotes": len(evidence),
        "evidence_validity": (report.checked - len(report.problems)) / max(1, report.checked),
        "ungrounded_rate": len(journey_map.ungrounded) / max(1, claims),
        "exact_share": alignments["exact"] / max(1, len(evidence)),
        "cells_filled": len(cells) / (len(journey_map.stages) * len(CUSTOMER_LANES)),
        "multi_source_items": sum(i.support.sources > 1 for i in items) / max(1, len(items)),
    }


def main() -> None:
    console = Console(width=100)
    with tempfile.TemporaryDirectory() as folder:
        project = Project(Path(folder) / "ws")
        report = project.ingest([SAMPLES / "interviews", SAMPLES / "reviews"])
        if report.exit_code:
            sys.exit("the samples failed to ingest")
        journey_map = project.build().map
        scores = metrics(journey_map, project)
    table = Table(title=f"offline build of the samples ({journey_map.provenance.embedder})")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in scores.items():
        shown = f"{value:.0f}" if name in ("items", "quotes") else f"{value:.1%}"
        table.add_row(name, shown)
    console.print(table)
    if len(sys.argv) > 2 and sys.argv[1] == "-o":
        Path(sys.argv[2]).write_text(json.dumps(scores, indent=2) + "\n")
    if scores["evidence_validity"] < 1.0:
        sys.exit("evidence validity below 100 %")


if __name__ == "__main__":
    main()
