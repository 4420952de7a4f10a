"""Findings metrics (evals/metrics.py): pairwise "same finding", floors, participants, themes."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from assistant.model import (
    CUSTOMER_LANES,
    Alignment,
    Evidence,
    Item,
    JourneyMap,
    Lane,
    Provenance,
    Stage,
)
from evals.gold import check
from evals.metrics import (
    GoldItem,
    Matching,
    Mention,
    gold_pairs,
    grouping,
    multi_participant_share,
    pairwise,
    placement,
    shuffled,
)
from evals.runner import compare_rows, grouping_f1, grouping_table, markdown_report


def gold(id_: str, source: str, theme: str | None, lane: Lane = Lane.OBSTACLE) -> GoldItem:
    return GoldItem(id_, source, "purchase", lane, "x", ("q",), None, ((0, 5),), theme)


# Cell purchase × obstacle: g1, g2, g3 say "late delivery" (sources a, b, c), g4 and g5 say
# "app crashes" (sources a, d), g6 says something nobody else does (source e).
CELL = [
    gold("g1", "a", "late"),
    gold("g2", "b", "late"),
    gold("g3", "c", "late"),
    gold("g4", "a", "crash"),
    gold("g5", "d", "crash"),
    gold("g6", "e", None),
]
SAME_PAIRS = 3 + 1  # g1-g2, g1-g3, g2-g3; g4-g5
ALL_PAIRS = 15 - 1  # 6 items, less g1-g4 (both from source a)


def test_gold_pairs_cross_sources_within_one_stage_and_lane() -> None:
    pairs = gold_pairs([*CELL, gold("g7", "f", "late", lane=Lane.EMOTION)])
    assert len(pairs) == ALL_PAIRS  # g7 is in another lane: no pair with the cell
    assert sum(same for _, _, same in pairs) == SAME_PAIRS
    assert not any({a.id, b.id} == {"g1", "g4"} for a, b, _ in pairs)  # one source


def test_perfect_grouping_scores_one() -> None:
    scores = pairwise(CELL, {g.id: g.theme or g.id for g in CELL})
    assert (scores["precision"], scores["recall"], scores["f1"]) == (1.0, 1.0, 1.0)
    assert scores["pairs"] == ALL_PAIRS and scores["same_pairs"] == SAME_PAIRS


def test_all_singletons_have_no_recall() -> None:
    scores = pairwise(CELL, {g.id: g.id for g in CELL})
    assert scores["grouped_pairs"] == 0  # precision undefined: shown as 0
    assert (scores["precision"], scores["recall"], scores["f1"]) == (0.0, 0.0, 0.0)


def test_everything_merged_has_the_share_of_same_pairs_as_precision() -> None:
    scores = pairwise(CELL, {g.id: "cell" for g in CELL})
    assert scores["recall"] == 1.0
    assert scores["precision"] == round(SAME_PAIRS / ALL_PAIRS, 4)
    assert scores["f1"] == round(2 * (4 / 14) / (4 / 14 + 1), 4)


def test_a_wrong_merge_costs_precision_and_a_split_costs_recall() -> None:
    # g1+g2 together, g3 apart (a split), g4+g5+g6 together (g6 merged wrongly).
    finding = {"g1": "A", "g2": "A", "g3": "B", "g4": "C", "g5": "C", "g6": "C"}
    scores = pairwise(CELL, finding)
    # Grouped: g1-g2 (same), g4-g5 (same), g4-g6 and g5-g6 (different) → P = 2/4.
    # Same: 4 pairs, 2 grouped → R = 2/4.
    assert (scores["precision"], scores["recall"], scores["f1"]) == (0.5, 0.5, 0.5)


def test_unmatched_gold_items_take_no_part() -> None:
    scores = pairwise(CELL, {"g1": "A", "g2": "A"})
    assert scores["pairs"] == 1 and scores["f1"] == 1.0


def mention(item: str, source: str, stage: str = "purchase", lane: Lane = Lane.OBSTACLE) -> Mention:
    return Mention(item, source, stage, lane, "x", 0, 5, None)


def test_grouping_uses_the_matched_items_and_measures_both_floors() -> None:
    # The map: I1 holds g1 and g2; I2 holds g3, but in the emotion lane; I3 holds g4 and g5.
    by_gold = {
        "g1": mention("I1", "a"),
        "g2": mention("I1", "b"),
        "g3": mention("I2", "c", lane=Lane.EMOTION),
        "g4": mention("I3", "a"),
        "g5": mention("I3", "d"),
    }
    matching = Matching(pairs=[(m, g, "span") for g in CELL if (m := by_gold.get(g.id))])
    result = grouping(CELL, matching)
    assert result["matched_gold"] == 5 and result["themed_matched"] == 5
    assert result["grouped_across_cells"] == 0
    assert result["pairwise"]["pairs"] == 9  # 5 matched items, less g1-g4 (one source)
    assert (result["pairwise"]["precision"], result["pairwise"]["recall"]) == (1.0, 0.5)
    assert result["floor_singletons"]["f1"] == 0.0
    cell = result["floor_one_per_cell"]  # g3 sits in another predicted cell: not grouped
    assert cell["recall"] == 0.5 and cell["grouped_pairs"] == 5  # g1,g2,g4,g5 less g1-g4
    assert cell["precision"] == round(2 / 5, 4)
    # The ceiling: of the 4 same-finding pairs, g1-g3 and g2-g3 straddle two predicted cells,
    # so a perfect grouper on this placement recalls 2 / 4 at most.
    ceiling = result["ceiling"]
    assert (ceiling["same_pairs"], ceiling["placed_together"]) == (4, 2)
    assert ceiling["perfect_grouping_f1"] == round(2 * 0.5 / 1.5, 4)
    assert ceiling["recall_among_placed"] == 1.0


def evidence(source: str, speaker: str | None, start: int) -> Evidence:
    return Evidence(
        source_id=source,
        quote="abcde",
        start=start,
        end=start + 5,
        speaker=speaker,
        alignment=Alignment.EXACT,
    )


def journey(items: list[Item]) -> JourneyMap:
    return JourneyMap(
        id="m",
        title="t",
        language="fr",
        revision=1,
        stages=[Stage(id="purchase", name="Achat", order=0, items=items)],
        provenance=Provenance(tool_version="0", extractor="offline"),
    )


def test_multi_participant_share_counts_quotes_of_findings_with_two_participants() -> None:
    items = [
        # Two speakers of one source: two participants.
        Item(
            id="I1",
            lane=Lane.OBSTACLE,
            text="x",
            evidence=[evidence("a", "Léa", 0), evidence("a", "Tom", 10)],
        ),
        # One participant quoted twice.
        Item(
            id="I2",
            lane=Lane.EMOTION,
            text="x",
            valence=-1,
            evidence=[evidence("a", "Léa", 20), evidence("a", "Léa", 30)],
        ),
        # Two reviews (no speaker): two participants; a third source outside the scope.
        Item(
            id="I3",
            lane=Lane.ACTION,
            text="x",
            evidence=[evidence("r1", None, 0), evidence("r2", None, 0), evidence("z", None, 0)],
        ),
    ]
    share = multi_participant_share(journey(items), {"a", "r1", "r2"})
    assert share == {
        "share": round(4 / 6, 4),
        "quotes": 6,
        "items": 3,
        "multi_participant_items": 2,
    }
    # Inside one half (r1 only), I3 has one participant left.
    assert multi_participant_share(journey(items), {"r1"})["share"] == 0.0


def test_shuffled_floors_keep_the_maps_lane_counts_and_are_seeded() -> None:
    predicted = [
        mention(f"I{n}", "s", lane=lane)
        for n, lane in enumerate([Lane.OBSTACLE, Lane.OBSTACLE, Lane.EMOTION, Lane.ACTION] * 3)
    ]
    once, again = shuffled(predicted, "lane", 3), shuffled(predicted, "lane", 3)
    assert once == again
    assert Counter(m.lane for m in once) == Counter(m.lane for m in predicted)
    assert [m.lane for m in once] != [m.lane for m in predicted]


def test_placement_scores_the_same_lane_match_beside_its_floor() -> None:
    items = [gold(f"g{n}", "s", None, lane=lane) for n, lane in enumerate(CUSTOMER_LANES)]
    items = [
        GoldItem(g.id, g.source, g.stage, g.lane, "x", ("q",), None, ((n * 10, n * 10 + 5),))
        for n, g in enumerate(items)
    ]
    predicted = [
        Mention(f"I{n}", "s", "purchase", g.lane, "x", n * 10, n * 10 + 5, None)
        for n, g in enumerate(items)
    ]
    lane = placement(predicted, items, "lane")
    assert lane["f1"] == 1.0 and lane["random_floor_f1"] < 1.0
    assert placement(predicted, items, "stage")["f1"] == 1.0  # one stage: nothing to shuffle


def test_the_gold_set_checks_and_its_themes_join_sources(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert check.main() == 0
    printed = capsys.readouterr().out
    assert "themes (the same finding" in printed and "OK: 0 error(s)" in printed


def test_the_theme_checks_catch_mistakes() -> None:
    sources = check.load_sources([])
    interview, other, bank = "fashion-fr-01", "fashion-fr-02", "banking-fr-01"

    def item(iid: str, source: str, theme: str, lane: str = "obstacle") -> dict[str, Any]:
        return {"id": iid, "source": source, "stage": "purchase", "lane": lane, "theme": theme}

    errors: list[str] = []
    check.check_themes(
        [
            item("g1", interview, "lonely"),
            item("g2", interview, "twice"),
            item("g3", interview, "twice"),
            item("g4", interview, "lanes"),
            item("g5", other, "lanes", lane="emotion"),
            item("g6", interview, "brands"),
            item("g7", bank, "brands"),
        ],
        sources,
        errors,
    )
    text = "\n".join(errors)
    for expected in ("lonely: one item", "twice: 2 items of", "different lanes", "both brands"):
        assert expected in text


def test_old_results_without_grouping_still_report_and_compare() -> None:
    old: dict[str, Any] = json.loads(json.dumps(RESULTS))
    for node in (old, *old["splits"].values()):
        del node["grouping"], node["placement"]
    assert grouping_f1(old) == {"dev": None, "test": None, "all": None}
    assert grouping_table(old) == []
    assert "grouping P / R / F1" not in markdown_report(old)
    rows = {metric: (a, b, delta) for metric, a, b, delta in compare_rows(old, RESULTS)}
    assert rows["grouping F1 (test)"] == ("—", "0.500", "")
    assert "grouping P / R / F1" in markdown_report(RESULTS)
    assert grouping_f1(RESULTS) == {"dev": 0.25, "test": 0.5, "all": 0.4}


def _half(f1: float) -> dict[str, Any]:
    scores = {"precision": f1, "recall": f1, "f1": f1, "pairs": 10, "same_pairs": 2}
    return {
        "overall": {"f1": 0.6},
        "by_lane": {},
        "by_language": {},
        "grouping": {
            "pairwise": scores,
            "floor_singletons": {**scores, "precision": 0.0, "recall": 0.0, "f1": 0.0},
            "floor_one_per_cell": scores,
            "multi_participant": {"share": 0.4},
        },
        "placement": {
            "lane": {"f1": 0.5, "random_floor_f1": 0.1},
            "stage": {"f1": 0.3, "random_floor_f1": 0.2},
        },
    }


RESULTS: dict[str, Any] = {
    **_half(0.4),
    "provider": "offline",
    "model": None,
    "extractor": "offline",
    "embedder": "hashing",
    "prompt_version": None,
    "data_versions": {},
    "runs": 1,
    "gold_items": 3,
    "agreement": None,
    **dict.fromkeys(
        (
            "evidence_validity",
            "stage_accuracy",
            "lane_accuracy",
            "duplicate_rate",
            "ungrounded_rate",
            "valence_sign_accuracy",
        ),
        1.0,
    ),
    "splits": {"dev": _half(0.25), "test": _half(0.5)},
}


def test_a_merge_across_gold_cells_is_counted_apart() -> None:
    other = gold("g7", "f", None, lane=Lane.EMOTION)
    matching = Matching(
        pairs=[(mention("I1", "a"), CELL[0], "span"), (mention("I1", "f"), other, "span")]
    )
    result = grouping([CELL[0], other], matching)
    assert result["grouped_across_cells"] == 1 and result["pairwise"]["pairs"] == 0
