"""Comparing two maps: shared vs distinct items per stage and lane, valence difference."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pytest
from rich.console import Console

from assistant.mapping.compare import compare_maps, comparison_json, pair_items, render_comparison
from assistant.model import (
    Alignment,
    Evidence,
    Item,
    JourneyMap,
    Lane,
    Provenance,
    Stage,
    Support,
)
from ingest.embedders import HashingEmbedder

# A fake meaning space: each text names its concept; paraphrases share one axis.
CONCEPTS = {
    "Découvert sur Instagram": 0,
    "Vu une story Instagram": 0,
    "Compare plusieurs sites": 1,
    "Lit les avis négatifs": 2,
    "Délai de livraison trop long": 3,
    "Livraison en retard": 3,
    "Livraison lente": 3,
    "Prix élevé": 4,
    "Frustration": 5,
    "Recommande à ses amis": 6,
}


def fake_vectors(texts: Sequence[str]) -> np.ndarray:
    rows = np.zeros((len(texts), 8), dtype=np.float32)
    for i, text in enumerate(texts):
        rows[i, CONCEPTS.get(text, 7)] = 1.0
    return rows


def evidence(n: int) -> Evidence:
    quote = f"quote {n}"
    return Evidence(source_id="s", quote=quote, start=0, end=len(quote), alignment=Alignment.EXACT)


def item(item_id: str, lane: Lane, text: str, quotes: int = 1, valence: int | None = None) -> Item:
    return Item(
        id=item_id,
        lane=lane,
        text=text,
        valence=valence,
        support=Support(quotes=quotes, sources=quotes, participants=quotes),
        evidence=[evidence(n) for n in range(quotes)],
    )


def journey(
    map_id: str, persona: str, stages: list[tuple[str, float | None, list[Item]]]
) -> JourneyMap:
    return JourneyMap(
        id=map_id,
        title=f"Parcours — {persona}",
        language="fr",
        persona=persona,
        revision=1,
        stages=[
            Stage(id=stage_id, name=stage_id.capitalize(), order=n, valence=valence, items=items)
            for n, (stage_id, valence, items) in enumerate(stages)
        ],
        provenance=Provenance(tool_version="test", extractor="hand"),
    )


A = journey(
    "impulsive",
    "impulsive",
    [
        (
            "awareness",
            1.0,
            [
                item("A1", Lane.TOUCHPOINT, "Découvert sur Instagram", 3),
                item("A2", Lane.ACTION, "Vu une story Instagram", 1),
            ],
        ),
        (
            "purchase",
            -0.5,
            [
                item("A3", Lane.OBSTACLE, "Délai de livraison trop long", 2),
                item("A4", Lane.OBSTACLE, "Prix élevé", 1),
                item("A5", Lane.EMOTION, "Frustration", 2, valence=-1),
            ],
        ),
        ("advocacy", None, [item("A6", Lane.ACTION, "Recommande à ses amis", 1)]),
    ],
)
B = journey(
    "deliberate",
    "deliberate",
    [
        (
            "awareness",
            0.0,
            [
                item("B1", Lane.TOUCHPOINT, "Vu une story Instagram", 2),
                item("B2", Lane.ACTION, "Compare plusieurs sites", 4),
                item("B3", Lane.ACTION, "Lit les avis négatifs", 3),
            ],
        ),
        (
            "purchase",
            -1.5,
            [
                item("B4", Lane.OBSTACLE, "Livraison en retard", 5),
                item("B5", Lane.OBSTACLE, "Livraison lente", 1),
                item("B6", Lane.EMOTION, "frustration ", 1, valence=-2),
            ],
        ),
        ("retention", -1.0, [item("B7", Lane.OBSTACLE, "Livraison lente", 1)]),
    ],
)


def test_shared_and_distinct_items_per_stage_and_lane() -> None:
    comparison = compare_maps(A, B, fake_vectors, threshold=0.9)
    stages = {s.id: s for s in comparison.stages}
    assert [s.id for s in comparison.stages] == ["awareness", "purchase", "advocacy", "retention"]
    awareness = {lane.lane: lane for lane in stages["awareness"].lanes}
    # same meaning, same lane: shared; same meaning but another lane: not compared
    touch = awareness[Lane.TOUCHPOINT]
    assert [(p.a.id, p.b.id, p.similarity) for p in touch.shared] == [("A1", "B1", 1.0)]
    assert touch.shared[0].a.support.quotes == 3 and touch.shared[0].b.support.quotes == 2
    actions = awareness[Lane.ACTION]
    assert actions.shared == []
    assert [i.id for i in actions.only_a] == ["A2"]
    assert [i.id for i in actions.only_b] == ["B2", "B3"]
    # one to one: two B paraphrases of one A item, only one pairs
    obstacles = {lane.lane: lane for lane in stages["purchase"].lanes}[Lane.OBSTACLE]
    assert [(p.a.id, p.b.id) for p in obstacles.shared] == [("A3", "B4")]
    assert [i.id for i in obstacles.only_a] == ["A4"]
    assert [i.id for i in obstacles.only_b] == ["B5"]
    # same text ignoring case and spaces is shared whatever the vectors say
    emotions = {lane.lane: lane for lane in stages["purchase"].lanes}[Lane.EMOTION]
    assert [(p.a.valence, p.b.valence) for p in emotions.shared] == [(-1, -2)]
    assert stages["purchase"].counts == (2, 1, 1)
    # stages only one map has
    assert stages["advocacy"].name_b is None and stages["advocacy"].counts == (0, 1, 0)
    assert stages["retention"].name_a is None and stages["retention"].counts == (0, 0, 1)


def test_valence_per_stage_and_difference() -> None:
    stages = {s.id: s for s in compare_maps(A, B, fake_vectors, 0.9).stages}
    assert (stages["awareness"].valence_a, stages["awareness"].valence_b) == (1.0, 0.0)
    assert stages["awareness"].valence_diff == -1.0
    assert stages["purchase"].valence_diff == -1.0
    assert stages["advocacy"].valence_diff is None
    assert stages["retention"].valence_diff is None and stages["retention"].valence_b == -1.0


def test_the_threshold_decides_and_greedy_takes_the_best_pair_first() -> None:
    vectors = {
        "x": np.array([1.0, 0.0], dtype=np.float32),
        "y": np.array([0.8, 0.6], dtype=np.float32),
        "z": np.array([0.6, 0.8], dtype=np.float32),
    }
    items_a = [item("a1", Lane.ACTION, "y"), item("a2", Lane.ACTION, "z")]
    items_b = [item("b1", Lane.ACTION, "x")]
    # a1·b1 = 0.8 beats a2·b1 = 0.6 even though both pass 0.5
    assert pair_items(items_a, items_b, vectors, 0.5) == ([(0, 0, 0.8)], [1], [])
    assert pair_items(items_a, items_b, vectors, 0.85) == ([], [0, 1], [0])


def test_an_embedder_works_in_place_of_a_function() -> None:
    comparison = compare_maps(A, A, HashingEmbedder(), HashingEmbedder.duplicate_threshold)
    assert all(s.counts[1:] == (0, 0) for s in comparison.stages)
    assert all(s.valence_diff in (0.0, None) for s in comparison.stages)


def test_a_bad_vector_function_is_reported() -> None:
    with pytest.raises(ValueError, match="shape"):
        compare_maps(A, B, lambda texts: np.zeros((1, 4)), 0.9)


def test_json_and_tables() -> None:
    comparison = compare_maps(A, B, fake_vectors, 0.9)
    data = json.loads(comparison_json(comparison))
    assert data["a"]["persona"] == "impulsive" and data["threshold"] == 0.9
    assert data["stages"][1]["valence_diff"] == -1.0
    lane = data["stages"][0]["lanes"][0]
    assert set(lane) == {"lane", "shared", "only_a", "only_b"}
    tables = render_comparison(comparison)
    assert len(tables) == 1 + 4  # the summary, then one table per stage
    console = Console(record=True, width=160)
    for table in tables:
        console.print(table)
    text = console.export_text()
    assert "impulsive (A) vs deliberate (B)" in text
    assert "-1.00" in text and "Compare plusieurs sites (4p·4q)" in text
