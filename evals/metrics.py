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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.model import CUSTOMER_LANES, JourneyMap, Lane, Source

MIN_OVERLAP = 0.5

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
        located.append(
            GoldItem(
                item.id,
                item.source,
                item.stage,
                item.lane,
                item.text,
                item.quotes,
                item.valence,
                tuple(spans),
            )
        )
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
    vectorize: Vectorize | None = None,
    threshold: float = 0.9,
) -> Matching:
    """One-to-one matching of mentions to gold items (see module doc)."""
    candidates: list[tuple[float, int, int, str]] = []
    for i, mention in enumerate(predicted):
        for j, item in enumerate(gold):
            if item.source != mention.source or (same_lane and item.lane != mention.lane):
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
            if g.source == m.source
            and (i, j) not in spanned
            and (not same_lane or g.lane == m.lane)
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
