"""Extraction quality against a gold set. Pure: maps and gold items in, numbers out.

Units. A predicted *mention* is one (item, evidence) pair: merged items cite several sources,
and gold items are annotated per source. A gold item is matched by a mention when both are in
the same source and the mention's quote span overlaps one of the gold quotes by at least
`MIN_OVERLAP` of the shorter span (one-to-one, greedy by overlap). When no span overlaps, a
mention may still match by meaning: cosine of the item text and the gold text ≥ the embedder's
duplicate threshold, in the same source (the documented fallback; counted apart).

Scores: precision = matched mentions / mentions; recall = matched gold items / gold items;
F1. Per lane, matching also requires the same lane. Stage and lane accuracy are measured on
matched pairs; duplicate rate = mentions that found their gold item already taken / mentions.

Grouping (findings). Gold items of different sources that state the same finding share a
`theme` (GUIDE.md). Over every pair of matched gold items of different sources in one gold
stage × lane, gold says "same finding" when both carry the same theme, the map says "same" when
both are matched by mentions of the same predicted item: pairwise precision, recall and F1, next
to two floors on the same pairs: every mention its own item (groups nothing) and one item per
predicted stage × lane (groups everything in a cell). Participants = (source, speaker): the share
of quotes sitting in items with ≥ 2 participants. Placement: evidence-level F1 when matching also
requires the same lane (lane F1) or the same stage (stage F1), next to the same map with its
items' lanes (stages) shuffled among them, mean of `SEEDS` seeded shuffles.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import Any

import numpy as np

from assistant.model import CUSTOMER_LANES, JourneyMap, Lane, Source

MIN_OVERLAP = 0.5
SEEDS = tuple(range(10))

Vectorize = Callable[[Sequence[str]], Any]


@dataclass(frozen=True)
class GoldItem:
    id: str
    source: str
    stage: str
    lane: Lane
    text: str
    quotes: tuple[str, ...]
    valence: int | None = None
    spans: tuple[tuple[int, int], ...] = ()
    theme: str | None = None


@dataclass(frozen=True)
class Mention:
    item_id: str
    source: str
    stage: str
    lane: Lane
    text: str
    start: int
    end: int
    valence: int | None


def locate(gold: Iterable[GoldItem], sources: dict[str, Source]) -> list[GoldItem]:
    """Gold items with the character spans of their quotes in the ingested texts."""
    located = []
    for item in gold:
        text = sources[item.source].text
        spans = []
        for quote in item.quotes:
            at = text.find(quote)
            if at < 0:
                raise ValueError(f"gold {item.id}: quote not in {item.source}: {quote[:60]!r}")
            spans.append((at, at + len(quote)))
        located.append(replace(item, spans=tuple(spans)))
    return located


def mentions(journey_map: JourneyMap) -> list[Mention]:
    return [
        Mention(item.id, e.source_id, stage.id, item.lane, item.text, e.start, e.end, item.valence)
        for stage, item in journey_map.items()
        if item.lane in CUSTOMER_LANES
        for e in item.evidence
    ]


def overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    shared = min(a[1], b[1]) - max(a[0], b[0])
    shorter = min(a[1] - a[0], b[1] - b[0])
    return max(0.0, shared / shorter) if shorter > 0 else 0.0


@dataclass
class Matching:
    pairs: list[tuple[Mention, GoldItem, str]] = field(default_factory=list)
    """(mention, gold, how: 'span' or 'semantic')."""
    duplicates: int = 0


def match(
    predicted: Sequence[Mention],
    gold: Sequence[GoldItem],
    *,
    same_lane: bool = False,
    same_stage: bool = False,
    vectorize: Vectorize | None = None,
    threshold: float = 0.9,
) -> Matching:
    """One-to-one matching of mentions to gold items (see module doc)."""

    def eligible(m: Mention, g: GoldItem) -> bool:
        return (
            g.source == m.source
            and (not same_lane or g.lane == m.lane)
            and (not same_stage or g.stage == m.stage)
        )

    candidates: list[tuple[float, int, int, str]] = []
    for i, mention in enumerate(predicted):
        for j, item in enumerate(gold):
            if not eligible(mention, item):
                continue
            best = max((overlap((mention.start, mention.end), s) for s in item.spans), default=0)
            if best >= MIN_OVERLAP:
                candidates.append((best + 1.0, i, j, "span"))  # spans outrank meaning
    if vectorize is not None:
        spanned = {(i, j) for _, i, j, _ in candidates}
        pairs = [
            (i, j)
            for i, m in enumerate(predicted)
            for j, g in enumerate(gold)
            if (i, j) not in spanned and eligible(m, g)
        ]
        if pairs:
            # Each text once: pairs repeat them (every mention × every gold item of its source).
            texts = sorted({predicted[i].text for i, _ in pairs} | {gold[j].text for _, j in pairs})
            vectors = dict(zip(texts, np.asarray(vectorize(texts)), strict=True))
            left = np.asarray([vectors[predicted[i].text] for i, _ in pairs])
            right = np.asarray([vectors[gold[j].text] for _, j in pairs])
            scores = np.sum(left * right, axis=1)
            candidates += [
                (float(s), i, j, "semantic")
                for (i, j), s in zip(pairs, scores, strict=True)
                if s >= threshold
            ]
    result = Matching()
    used_mentions: set[int] = set()
    used_gold: set[int] = set()
    for _, i, j, how in sorted(candidates, key=lambda c: -c[0]):
        if i in used_mentions or j in used_gold:
            continue
        used_mentions.add(i)
        used_gold.add(j)
        result.pairs.append((predicted[i], gold[j], how))
    # Mentions left over that pointed at a gold item someone else matched: said twice.
    result.duplicates = len(
        {i for _, i, j, _ in candidates if i not in used_mentions and j in used_gold}
    )
    return result


def prf(matched: int, predicted: int, gold: int) -> dict[str, float]:
    precision = matched / predicted if predicted else 0.0
    recall = matched / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "predicted": predicted,
        "gold": gold,
    }


def score(
    journey_map: JourneyMap,
    gold: Sequence[GoldItem],
    sources: dict[str, Source],
    *,
    vectorize: Vectorize | None = None,
    threshold: float = 0.9,
) -> dict[str, Any]:
    """Every metric for the sources in `gold` (the map may cover more: they are ignored)."""
    keep = {item.source for item in gold}
    predicted = [m for m in mentions(journey_map) if m.source in keep]
    matching = match(predicted, gold, vectorize=vectorize, threshold=threshold)
    pairs = matching.pairs
    emotion_pairs = [
        (m, g)
        for m, g, _ in pairs
        if g.lane == Lane.EMOTION and g.valence and m.valence is not None
    ]
    by_lane = {}
    for lane in CUSTOMER_LANES:
        lane_pred = [m for m in predicted if m.lane == lane]
        lane_gold = [g for g in gold if g.lane == lane]
        lane_match = match(
            lane_pred, lane_gold, same_lane=True, vectorize=vectorize, threshold=threshold
        )
        by_lane[lane.value] = prf(len(lane_match.pairs), len(lane_pred), len(lane_gold))
    by_language = {}
    for language in sorted({sources[g.source].language for g in gold}):
        in_language = {s for s in keep if sources[s].language == language}
        language_pred = [m for m in predicted if m.source in in_language]
        language_gold = [g for g in gold if g.source in in_language]
        language_match = match(
            language_pred, language_gold, vectorize=vectorize, threshold=threshold
        )
        by_language[language] = prf(
            len(language_match.pairs), len(language_pred), len(language_gold)
        )
    ungrounded = [u for u in journey_map.ungrounded if u.source_id in keep]
    return {
        "overall": prf(len(pairs), len(predicted), len(gold)),
        "by_lane": by_lane,
        "by_language": by_language,
        "stage_accuracy": _share(sum(m.stage == g.stage for m, g, _ in pairs), len(pairs)),
        "lane_accuracy": _share(sum(m.lane == g.lane for m, g, _ in pairs), len(pairs)),
        "semantic_matches": sum(how == "semantic" for _, _, how in pairs),
        "duplicate_rate": _share(matching.duplicates, len(predicted)),
        "ungrounded_rate": _share(len(ungrounded), len(ungrounded) + len(predicted)),
        "valence_sign_accuracy": _share(
            sum((m.valence or 0) * (g.valence or 0) > 0 for m, g in emotion_pairs),
            len(emotion_pairs),
        ),
        "grouping": {
            **grouping(gold, matching),
            "multi_participant": multi_participant_share(journey_map, keep),
        },
        "placement": {
            name: placement(predicted, gold, name, vectorize=vectorize, threshold=threshold)
            for name in ("lane", "stage")
        },
    }


def gold_pairs(gold: Sequence[GoldItem]) -> list[tuple[GoldItem, GoldItem, bool]]:
    """Pairs of gold items of different sources in one stage × lane, True when same theme."""
    return [
        (a, b, a.theme is not None and a.theme == b.theme)
        for a, b in combinations(gold, 2)
        if a.source != b.source and (a.stage, a.lane) == (b.stage, b.lane)
    ]


def pairwise(gold: Sequence[GoldItem], finding_of: Mapping[str, Hashable]) -> dict[str, Any]:
    """Pairwise precision / recall / F1 of "same finding" for the gold items in `finding_of`.

    `finding_of` maps a gold item id to the predicted finding it sits in (an item id, or any
    key: a gold id for "every sentence its own item", a cell for "one item per cell"); gold items
    missing from it (unmatched) take no part. Precision is 0.0 when no pair is grouped
    (`grouped_pairs` 0: undefined, shown as 0).
    """
    judged = [
        (same, finding_of[a.id] == finding_of[b.id])
        for a, b, same in gold_pairs([g for g in gold if g.id in finding_of])
    ]
    hits = sum(gold_same and said_same for gold_same, said_same in judged)
    grouped = sum(said_same for _, said_same in judged)
    same = sum(gold_same for gold_same, _ in judged)
    precision = hits / grouped if grouped else 0.0
    recall = hits / same if same else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "pairs": len(judged),
        "same_pairs": same,
        "grouped_pairs": grouped,
    }


def grouping(gold: Sequence[GoldItem], matching: Matching) -> dict[str, Any]:
    """The map's pairwise grouping scores and both floors, on the same matched gold items."""
    by_gold = {g.id: m for m, g, _ in matching.pairs}
    themed = [g for g in gold if g.theme is not None]
    matched = [g for g in gold if g.id in by_gold]
    across = sum(
        a.source != b.source
        and (a.stage, a.lane) != (b.stage, b.lane)
        and by_gold[a.id].item_id == by_gold[b.id].item_id
        for a, b in combinations(matched, 2)
    )
    return {
        "pairwise": pairwise(gold, {gid: m.item_id for gid, m in by_gold.items()}),
        "floor_singletons": pairwise(gold, {gid: gid for gid in by_gold}),
        "floor_one_per_cell": pairwise(
            gold, {gid: (m.stage, m.lane.value) for gid, m in by_gold.items()}
        ),
        "ceiling": placement_ceiling(gold, by_gold),
        "matched_gold": len(by_gold),
        "grouped_across_cells": across,  # one predicted item, two gold cells: not in P / R
        "themed_gold": len(themed),
        "themed_matched": sum(g.id in by_gold for g in themed),
    }


def placement_ceiling(gold: Sequence[GoldItem], by_gold: Mapping[str, Mention]) -> dict[str, Any]:
    """What grouping could reach with the map's placement: the same-finding pairs whose two
    mentions sit in one predicted stage × lane (a finding never spans cells), the F1 of a
    perfect grouper on that placement (precision 1, recall = that share), and the map's recall
    among those pairs (what its grouping step itself gets right)."""
    cell = {gid: (m.stage, m.lane.value) for gid, m in by_gold.items()}
    same = [(a, b) for a, b, same in gold_pairs([g for g in gold if g.id in by_gold]) if same]
    placed = [(a, b) for a, b in same if cell[a.id] == cell[b.id]]
    grouped = sum(by_gold[a.id].item_id == by_gold[b.id].item_id for a, b in placed)
    recall = len(placed) / len(same) if same else 0.0
    return {
        "same_pairs": len(same),
        "placed_together": len(placed),
        "perfect_grouping_f1": round(2 * recall / (1 + recall), 4) if recall else 0.0,
        "recall_among_placed": round(grouped / len(placed), 4) if placed else 0.0,
    }


def multi_participant_share(journey_map: JourneyMap, keep: set[str]) -> dict[str, Any]:
    """Share of the quotes (of sources in `keep`) in items with ≥ 2 participants among them."""
    quotes = multi = items = multi_items = 0
    for _, item in journey_map.items():
        evidence = [e for e in item.evidence if e.source_id in keep]
        if item.lane not in CUSTOMER_LANES or not evidence:
            continue
        participants = {(e.source_id, e.speaker) for e in evidence}
        quotes += len(evidence)
        items += 1
        if len(participants) >= 2:
            multi += len(evidence)
            multi_items += 1
    return {
        "share": _share(multi, quotes),
        "quotes": quotes,
        "items": items,
        "multi_participant_items": multi_items,
    }


def shuffled(predicted: Sequence[Mention], attribute: str, seed: int) -> list[Mention]:
    """The mentions with their items' `lane` or `stage` shuffled among the items (seeded)."""
    value_of = {m.item_id: getattr(m, attribute) for m in predicted}
    items = list(value_of)
    values = [value_of[item] for item in items]
    random.Random(seed).shuffle(values)
    new = dict(zip(items, values, strict=True))
    return [replace(m, **{attribute: new[m.item_id]}) for m in predicted]


def placement(
    predicted: Sequence[Mention],
    gold: Sequence[GoldItem],
    attribute: str,
    *,
    vectorize: Vectorize | None = None,
    threshold: float = 0.9,
) -> dict[str, Any]:
    """Evidence-level F1 requiring the same `lane` or `stage`, and its shuffled floor."""

    def f1_of(mentions: Sequence[Mention]) -> dict[str, float]:
        found = match(
            mentions,
            gold,
            same_lane=attribute == "lane",
            same_stage=attribute == "stage",
            vectorize=vectorize,
            threshold=threshold,
        )
        return prf(len(found.pairs), len(mentions), len(gold))

    floors = [f1_of(shuffled(predicted, attribute, seed))["f1"] for seed in SEEDS]
    return {
        **f1_of(predicted),
        "random_floor_f1": round(sum(floors) / len(floors), 4),
        "random_floor_seeds": len(floors),
    }


def agreement(runs: Sequence[JourneyMap], keep: set[str]) -> float:
    """Mean pairwise Jaccard of (source, quote span, lane) mentions across repeated runs."""
    sets = [
        {(m.source, m.start, m.end, m.lane.value) for m in mentions(r) if m.source in keep}
        for r in runs
    ]
    scores = [len(a & b) / len(a | b) for n, a in enumerate(sets) for b in sets[n + 1 :] if a | b]
    return round(sum(scores) / len(scores), 4) if scores else 1.0


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
