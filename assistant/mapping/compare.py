"""Compare two journey maps (two personas, actual vs ideal, two revisions): what they share,
what is distinct to each, stage by stage and lane by lane, and how their emotions differ.

Pure given a function from texts to vectors (an embedder's `embed_documents`, or a fake in tests).
Stages are matched by id; within a stage and lane, items are paired greedily one to one, most
similar pair first, when their cosine reaches the threshold. Items with the same text (ignoring
case and spacing) are always paired, whatever the embedder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from rich.table import Table

from assistant.model import Item, JourneyMap, Lane, Stage, Support

TextVectors = Callable[[Sequence[str]], Any]
"""texts → one row per text (any array-like of floats); rows are L2-normalised here."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ComparedItem(_Model):
    id: str
    text: str
    support: Support
    valence: int | None = None


class SharedItem(_Model):
    a: ComparedItem
    b: ComparedItem
    similarity: float


class LaneComparison(_Model):
    lane: Lane
    shared: list[SharedItem] = Field(default_factory=list)
    only_a: list[ComparedItem] = Field(default_factory=list)
    only_b: list[ComparedItem] = Field(default_factory=list)


class StageComparison(_Model):
    id: str
    name_a: str | None = Field(description="None: the stage is not in map A")
    name_b: str | None = Field(description="None: the stage is not in map B")
    valence_a: float | None = None
    valence_b: float | None = None
    valence_diff: float | None = Field(
        default=None, description="valence_b − valence_a, when both are known"
    )
    lanes: list[LaneComparison] = Field(default_factory=list)

    @property
    def counts(self) -> tuple[int, int, int]:
        """(shared, only A, only B) over every lane."""
        return (
            sum(len(lane.shared) for lane in self.lanes),
            sum(len(lane.only_a) for lane in self.lanes),
            sum(len(lane.only_b) for lane in self.lanes),
        )


class MapSide(_Model):
    id: str
    title: str
    persona: str | None
    revision: int
    language: str


class Comparison(_Model):
    a: MapSide
    b: MapSide
    threshold: float
    stages: list[StageComparison]


def _side(journey_map: JourneyMap) -> MapSide:
    return MapSide(
        id=journey_map.id,
        title=journey_map.title,
        persona=journey_map.persona,
        revision=journey_map.revision,
        language=journey_map.language,
    )


def _compared(item: Item) -> ComparedItem:
    return ComparedItem(id=item.id, text=item.text, support=item.support, valence=item.valence)


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _vectors_of(texts: Sequence[str], embed: TextVectors | Any) -> dict[str, np.ndarray[Any, Any]]:
    unique = list(dict.fromkeys(texts))
    if not unique:
        return {}
    function = getattr(embed, "embed_documents", embed)
    matrix = np.asarray(function(unique), dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(unique):
        raise ValueError(
            f"the vector function returned shape {matrix.shape} for {len(unique)} texts"
        )
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    matrix = matrix / norms
    return {text: matrix[i] for i, text in enumerate(unique)}


def pair_items(
    items_a: Sequence[Item],
    items_b: Sequence[Item],
    vectors: dict[str, np.ndarray[Any, Any]],
    threshold: float,
) -> tuple[list[tuple[int, int, float]], list[int], list[int]]:
    """Greedy one-to-one pairs (index in A, index in B, similarity), most similar first, ties in
    A's then B's order; then the unpaired indexes of A and of B."""
    candidates: list[tuple[float, int, int]] = []
    for i, item_a in enumerate(items_a):
        for j, item_b in enumerate(items_b):
            if _key(item_a.text) == _key(item_b.text):
                similarity = 1.0
            else:
                similarity = float(vectors[item_a.text] @ vectors[item_b.text])
            if similarity >= threshold:
                candidates.append((similarity, i, j))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for similarity, i, j in candidates:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs.append((i, j, round(min(1.0, similarity), 4)))
    pairs.sort(key=lambda p: p[0])
    only_a = [i for i in range(len(items_a)) if i not in used_a]
    only_b = [j for j in range(len(items_b)) if j not in used_b]
    return pairs, only_a, only_b


def compare_maps(
    a: JourneyMap, b: JourneyMap, embed: TextVectors | Any, threshold: float
) -> Comparison:
    """Stage by stage (matched by id; A's order, then stages only B has), lane by lane: shared
    items, items only in A, items only in B, each with its support; and each stage's valence in
    A and B with the difference B − A.

    `embed` is a function texts → vectors, or an embedder (its `embed_documents` is used); all
    item texts of both maps are embedded in one call. `threshold` is a cosine: use the
    embedder's `duplicate_threshold` for "says the same thing".
    """
    texts = [item.text for _, item in a.items()] + [item.text for _, item in b.items()]
    vectors = _vectors_of(texts, embed)
    stages_a = {stage.id: stage for stage in a.stages}
    stages_b = {stage.id: stage for stage in b.stages}
    order = [s.id for s in sorted(a.stages, key=lambda s: s.order)]
    order += [s.id for s in sorted(b.stages, key=lambda s: s.order) if s.id not in stages_a]
    return Comparison(
        a=_side(a),
        b=_side(b),
        threshold=threshold,
        stages=[
            _compare_stage(
                stage_id, stages_a.get(stage_id), stages_b.get(stage_id), vectors, threshold
            )
            for stage_id in order
        ],
    )


def _compare_stage(
    stage_id: str,
    stage_a: Stage | None,
    stage_b: Stage | None,
    vectors: dict[str, np.ndarray[Any, Any]],
    threshold: float,
) -> StageComparison:
    items_a = stage_a.items if stage_a else []
    items_b = stage_b.items if stage_b else []
    lanes: list[LaneComparison] = []
    for lane in Lane:
        lane_a = [item for item in items_a if item.lane == lane]
        lane_b = [item for item in items_b if item.lane == lane]
        if not lane_a and not lane_b:
            continue
        pairs, only_a, only_b = pair_items(lane_a, lane_b, vectors, threshold)
        lanes.append(
            LaneComparison(
                lane=lane,
                shared=[
                    SharedItem(a=_compared(lane_a[i]), b=_compared(lane_b[j]), similarity=s)
                    for i, j, s in pairs
                ],
                only_a=[_compared(lane_a[i]) for i in only_a],
                only_b=[_compared(lane_b[j]) for j in only_b],
            )
        )
    valence_a = stage_a.curve_valence if stage_a else None  # an ideal map's: its target
    valence_b = stage_b.curve_valence if stage_b else None
    return StageComparison(
        id=stage_id,
        name_a=stage_a.name if stage_a else None,
        name_b=stage_b.name if stage_b else None,
        valence_a=valence_a,
        valence_b=valence_b,
        valence_diff=(
            round(valence_b - valence_a, 4)
            if valence_a is not None and valence_b is not None
            else None
        ),
        lanes=lanes,
    )


def comparison_json(comparison: Comparison, *, indent: int | None = 2) -> str:
    return comparison.model_dump_json(indent=indent)


def _label(side: MapSide) -> str:
    return side.persona or side.id


def _valence(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def _support(item: ComparedItem) -> str:
    support = item.support
    return f"{item.text} [dim]({support.participants}p·{support.quotes}q)[/dim]"


def render_comparison(comparison: Comparison) -> list[Table]:
    """A summary table (one row per stage: valences, difference, counts), then one table per
    stage with a row per lane: shared items, items only in A, items only in B, with support
    (p = participants, q = quotes). Texts are escaped: item texts may hold brackets."""
    from rich.markup import escape

    name_a, name_b = _label(comparison.a), _label(comparison.b)
    summary = Table(
        title=f"{escape(name_a)} (A) vs {escape(name_b)} (B) — cosine ≥ {comparison.threshold}"
    )
    for column in ("stage", "valence A", "valence B", "Δ B−A", "shared", "only A", "only B"):
        summary.add_column(column, justify="left" if column == "stage" else "right")
    tables = [summary]
    for stage in comparison.stages:
        shared, only_a, only_b = stage.counts
        summary.add_row(
            escape(stage.name_a or stage.name_b or stage.id),
            _valence(stage.valence_a),
            _valence(stage.valence_b),
            _valence(stage.valence_diff, signed=True),
            str(shared),
            str(only_a),
            str(only_b),
        )
        if not stage.lanes:
            continue
        table = Table(title=escape(stage.name_a or stage.name_b or stage.id), show_lines=True)
        table.add_column("lane")
        table.add_column("shared (A ≈ B)")
        table.add_column(f"only {escape(name_a)}")
        table.add_column(f"only {escape(name_b)}")
        for lane in stage.lanes:
            table.add_row(
                lane.lane.value,
                "\n".join(
                    f"{_support(_escaped(pair.a))} ≈ {_support(_escaped(pair.b))}"
                    for pair in lane.shared
                ),
                "\n".join(_support(_escaped(item)) for item in lane.only_a),
                "\n".join(_support(_escaped(item)) for item in lane.only_b),
            )
        tables.append(table)
    return tables


def _escaped(item: ComparedItem) -> ComparedItem:
    from rich.markup import escape

    return item.model_copy(update={"text": escape(item.text)})
