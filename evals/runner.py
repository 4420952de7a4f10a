"""`parcours eval`: build maps of the gold sources with a provider and score them.

The gold sources are ingested into a temporary workspace with redaction off (the gold quotes
are the original words) and built like any corpus; scores come for the dev half (tune on it),
the test half (report it, never tune on it) and both together.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.evidence.verify import verify_map
from assistant.extract.llm import LLMExtractor
from assistant.model import JourneyMap, Lane, Source
from assistant.project import Project
from assistant.settings import Settings
from evals.metrics import GoldItem, agreement, locate, score

GOLD = Path(__file__).resolve().parent / "gold"


@dataclass(frozen=True)
class GoldSet:
    items: list[GoldItem]
    split: dict[str, list[str]]
    folder: Path


def load_gold(folder: Path = GOLD) -> GoldSet:
    items = []
    for line in (folder / "items.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            items.append(
                GoldItem(
                    row["id"],
                    row["source"],
                    row["stage"],
                    Lane(row["lane"]),
                    row["text"],
                    tuple(row["quotes"]),
                    row.get("valence"),
                    theme=row.get("theme"),
                )
            )
    split = json.loads((folder / "split.json").read_text(encoding="utf-8"))
    return GoldSet(items, split, folder)


def run_eval(
    *,
    provider: str = "offline",
    runs: int = 1,
    settings: Settings | None = None,
    gold: GoldSet | None = None,
    llm_factory: Callable[[Project], LLMExtractor | None] | None = None,
) -> dict[str, Any]:
    """Scores of `runs` builds (agreement across runs for LLM providers)."""
    gold = gold or load_gold()
    with tempfile.TemporaryDirectory() as folder:
        base = settings or Settings()
        settings = base.model_copy(
            update={"workspace": Path(folder) / "ws", "redact": False, "chroma_url": None}
        )
        project = Project(settings.workspace, settings=settings)
        report = project.ingest([gold.folder / "sources"])
        if report.exit_code:
            raise RuntimeError(f"gold sources failed to ingest: {report.by_status('failed')}")
        sources = {s.id: s for s in project.workspace.load_sources()}
        located = locate(gold.items, sources)
        maps: list[JourneyMap] = []
        for _ in range(max(1, runs)):
            llm = llm_factory(project) if llm_factory else project.llm_extractor(provider)
            if llm is not None and runs > 1:
                llm.cache = None  # every run asks the model: that is what agreement measures
            maps.append(project.build(provider=provider, llm=llm).map)
        embedder = project.embedder
        return summarize(
            maps,
            located,
            gold.split,
            sources,
            _memoized(embedder.embed_documents),
            embedder.duplicate_threshold,
            provider,
        )


def _memoized(vectorize: Callable[[list[str]], Any]) -> Callable[[list[str]], Any]:
    """The halves and the whole score the same texts: embed each one once per run."""
    known: dict[str, Any] = {}

    def cached(texts: list[str]) -> Any:
        missing = [text for text in dict.fromkeys(texts) if text not in known]
        if missing:
            known.update(zip(missing, np.asarray(vectorize(missing)), strict=True))
        return np.asarray([known[text] for text in texts])

    return cached


def summarize(
    maps: list[JourneyMap],
    gold: list[GoldItem],
    split: dict[str, list[str]],
    sources: dict[str, Source],
    vectorize: Callable[[Any], Any],
    threshold: float,
    provider: str,
) -> dict[str, Any]:
    first = maps[0]
    check = verify_map(first, sources)
    halves = {
        name: score(
            first,
            [g for g in gold if g.source in set(ids)],
            sources,
            vectorize=vectorize,
            threshold=threshold,
        )
        for name, ids in split.items()
    }
    everything = score(first, gold, sources, vectorize=vectorize, threshold=threshold)
    return {
        "provider": provider,
        "model": first.provenance.model,
        "extractor": first.provenance.extractor,
        "embedder": first.provenance.embedder,
        "prompt_version": first.provenance.prompt_version,
        "data_versions": first.provenance.data_versions,
        "runs": len(maps),
        "gold_items": len(gold),
        "evidence_validity": round(
            (check.checked - len(check.problems)) / max(1, check.checked), 4
        ),
        **everything,
        "splits": halves,
        "agreement": agreement(maps, {g.source for g in gold}) if len(maps) > 1 else None,
    }


def f1_table(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(scope, dev F1, test F1, all F1) rows: overall, each lane, each language."""
    scopes = [("overall", ["overall"])]
    scopes += [(f"lane {lane}", ["by_lane", lane]) for lane in results["by_lane"]]
    scopes += [(f"language {lang}", ["by_language", lang]) for lang in results["by_language"]]
    return [
        (name, _f1(results, "dev", path), _f1(results, "test", path), _f1(results, None, path))
        for name, path in scopes
    ]


def _f1(results: dict[str, Any], half: str | None, path: list[str]) -> str:
    node: Any = results["splits"].get(half, {}) if half else results
    for key in path:
        node = node.get(key, {}) if isinstance(node, dict) else {}
    return f"{node['f1']:.3f}" if isinstance(node, dict) and "f1" in node else "—"


HALVES = ("dev", "test", "all")


def _half(results: dict[str, Any], half: str) -> dict[str, Any]:
    node: Any = results if half == "all" else results["splits"].get(half, {})
    return node if isinstance(node, dict) else {}


def grouping_f1(results: dict[str, Any]) -> dict[str, float | None]:
    """Grouping pairwise F1 per half (None when the results have no grouping section)."""
    out: dict[str, float | None] = {}
    for half in HALVES:
        pairwise = _half(results, half).get("grouping", {}).get("pairwise", {})
        out[half] = pairwise.get("f1") if isinstance(pairwise, dict) else None
    return out


def grouping_table(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(figure, dev, test, all) rows: grouping P/R/F1 with both floors, the ≥ 2-participant
    share, lane and stage F1 with their random floors. Empty for results without them."""
    if "grouping" not in results:
        return []
    dev, test, both = (_cells(_half(results, half)) for half in HALVES)
    names = (*_GROUPING_ROWS, *_PLACEMENT_ROWS)
    return list(zip(names, dev, test, both, strict=True))


_GROUPING_ROWS = (
    "grouping P / R / F1",
    "floor, groups nothing: every sentence its own item",
    "floor, groups everything: one item per stage × lane",
    "gold pairs: same finding / all",
    "ceiling: same-finding pairs placed in one cell; F1 of a perfect grouper there",
    "grouping's recall among the pairs placed in one cell",
    "quotes in items with ≥ 2 participants",
)
_PLACEMENT_ROWS = {
    "lane F1 (random-lane floor)": "lane",
    "stage F1 (random-stage floor)": "stage",
}


def _cells(node: dict[str, Any]) -> list[str]:
    grouping, placement = node.get("grouping"), node.get("placement")
    if not isinstance(grouping, dict) or not isinstance(placement, dict):
        return ["—"] * (len(_GROUPING_ROWS) + len(_PLACEMENT_ROWS))

    def prf(node: dict[str, Any]) -> str:
        return f"{node['precision']:.3f} / {node['recall']:.3f} / {node['f1']:.3f}"

    pairwise = grouping["pairwise"]
    return [
        prf(pairwise),
        prf(grouping["floor_singletons"]),
        prf(grouping["floor_one_per_cell"]),
        f"{pairwise['same_pairs']} / {pairwise['pairs']}",
        _ceiling(grouping.get("ceiling")),
        _among_placed(grouping.get("ceiling")),
        f"{grouping['multi_participant']['share']:.1%}",
        *(
            f"{placement[key]['f1']:.3f} ({placement[key]['random_floor_f1']:.3f})"
            for key in _PLACEMENT_ROWS.values()
        ),
    ]


def _ceiling(node: dict[str, Any] | None) -> str:
    if not node:
        return "—"  # results recorded before the ceiling was measured
    return (
        f"{node['placed_together']} / {node['same_pairs']}; F1 ≤ {node['perfect_grouping_f1']:.3f}"
    )


def _among_placed(node: dict[str, Any] | None) -> str:
    return f"{node['recall_among_placed']:.3f}" if node else "—"


def markdown_report(results: dict[str, Any]) -> str:
    lines = [
        f"# Parcours eval — {results['provider']}"
        + (f" ({results['model']})" if results.get("model") else ""),
        "",
        f"- evidence validity: **{results['evidence_validity']:.1%}**",
        f"- gold items: {results['gold_items']}; runs: {results['runs']}"
        + (
            f"; agreement across runs: {results['agreement']:.3f}"
            if results["agreement"] is not None
            else ""
        ),
        f"- stage accuracy on matched items: {results['stage_accuracy']:.1%}; lane accuracy: "
        f"{results['lane_accuracy']:.1%}",
        f"- duplicate rate: {results['duplicate_rate']:.1%}; ungrounded rate: "
        f"{results['ungrounded_rate']:.1%}; valence sign accuracy: "
        f"{results['valence_sign_accuracy']:.1%}",
        "",
        "| F1 | dev | test | all |",
        "|---|---|---|---|",
        *(f"| {scope} | {dev} | {test} | {both} |" for scope, dev, test, both in f1_table(results)),
        "",
        *_grouping_section(results),
        f"Extractor {results['extractor']}, embedder {results['embedder']}, prompts "
        f"{results['prompt_version']}, data {results['data_versions']}.",
    ]
    return "\n".join(lines) + "\n"


def _grouping_section(results: dict[str, Any]) -> list[str]:
    rows = grouping_table(results)
    if not rows:
        return []
    return [
        "Findings: pairs of matched gold items of different sources in one stage × lane are the "
        "same finding when they share a gold theme; the map groups them when one item holds "
        "both. Each figure sits beside the floors it must beat, measured on the same matched "
        "items (the one-item-per-cell floor's recall is also the ceiling any grouping of this "
        "map's cells can reach). Lane and stage F1: evidence-level F1 when the match also needs "
        "the same lane or stage; in brackets, the same items with shuffled lanes or stages.",
        "",
        "| grouping | dev | test | all |",
        "|---|---|---|---|",
        *(f"| {name} | {dev} | {test} | {both} |" for name, dev, test, both in rows),
        "",
    ]


def compare_rows(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(metric, A, B, B − A) for the headline numbers and every F1."""
    rows = []
    for name in (
        "evidence_validity",
        "stage_accuracy",
        "lane_accuracy",
        "duplicate_rate",
        "ungrounded_rate",
        "valence_sign_accuracy",
    ):
        rows.append((name, f"{a[name]:.3f}", f"{b[name]:.3f}", f"{b[name] - a[name]:+.3f}"))
    for (scope, *left), (_, *right) in zip(f1_table(a), f1_table(b), strict=False):
        for half, x, y in zip(("dev", "test", "all"), left, right, strict=True):
            delta = f"{float(y) - float(x):+.3f}" if "—" not in (x, y) else ""
            rows.append((f"F1 {scope} ({half})", x, y, delta))
    before, after = grouping_f1(a), grouping_f1(b)
    for half in HALVES:
        x_f1, y_f1 = before[half], after[half]
        if x_f1 is None and y_f1 is None:
            continue
        rows.append(
            (
                f"grouping F1 ({half})",
                "—" if x_f1 is None else f"{x_f1:.3f}",
                "—" if y_f1 is None else f"{y_f1:.3f}",
                f"{y_f1 - x_f1:+.3f}" if x_f1 is not None and y_f1 is not None else "",
            )
        )
    return rows
