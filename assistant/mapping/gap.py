"""The gap between the actual journey and the ideal one (pure): the work plan.

Per stage (matched by id): the ideal map's expectations the actual journey breaks — the actual
stage's obstacles and negative emotions that contradict them, with their support — and the pain
points that break no stated expectation; the emotion curve, actual vs target; KPIs to track the
gap. Across stages, a ranked list of priorities: the moments where the brand must be flawless.

**Matching** (deterministic, offline): an obstacle or negative emotion contradicts the
expectation it is most similar to, where similarity = cosine of the item texts' vectors (the
workspace's embedder, or none) + `keyword_weight` × keyword overlap (content-word stems of the
texts and quotes, `assistant.mapping.findings.keywords`); a pair counts when the overlap reaches
`keyword_floor` or the cosine alone reaches `alone` — the embedder's grouping parameters
(`grouping_params`), the thresholds that group claims into findings. Without vectors, keywords
alone decide.

**Ranking**: a priority is a broken expectation (the expectation and everything contradicting
it) or an obstacle that breaks no expectation. Its score is participants hurt (distinct (source,
speaker) among the contradicting quotes) × severity: the worst of its items (1 for an obstacle,
|valence| for a negative emotion), raised to the worst emotion its participants voiced at that
stage (two customers furious about a late delivery make it a severity-2 priority). Priorities
at a moment of truth (marked on one of the priority's items, else on the actual or the ideal
stage) come first, then by score, quotes, stage order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.mapping.compare import TextVectors, _vectors_of
from assistant.mapping.findings import GroupingParams, grouping_params, keywords
from assistant.mapping.gap_kpis import kpi_words, suggest_kpis
from assistant.mapping.gap_model import (
    BrokenExpectation,
    Contradiction,
    Gap,
    GapItem,
    GapQuote,
    GapSide,
    Kpi,
    Priority,
    StageGap,
)
from assistant.mapping.ideal import DEFAULT_TARGET_VALENCE
from assistant.model import Item, ItemStatus, JourneyMap, Lane, MomentKind, Stage

__all__ = [
    "BrokenExpectation",
    "Contradiction",
    "Gap",
    "GapItem",
    "GapQuote",
    "GapSide",
    "Kpi",
    "Priority",
    "StageGap",
    "gap_between",
    "gap_item",
    "gap_json",
    "severity",
]

QUOTES_PER_PRIORITY = 4
LEXICAL_ONLY = GroupingParams(0.0, 0.0, keyword_weight=1.0, keyword_floor=0.1, alone=2.0)
"""Without vectors: a shared keyword (overlap ≥ 0.1) is what pairs two items."""


def _quotes(item: Item) -> list[GapQuote]:
    return [
        GapQuote(
            item_id=item.id,
            source_id=e.source_id,
            quote=e.quote,
            speaker=e.speaker,
            timestamp=e.timestamp,
        )
        for e in item.evidence
    ]


def gap_item(item: Item) -> GapItem:
    return GapItem(
        id=item.id,
        lane=item.lane,
        text=item.text,
        valence=item.valence,
        support=item.support,
        quotes=_quotes(item),
    )


def _live(stage: Stage | None, lane: Lane) -> list[Item]:
    if stage is None:
        return []
    return [
        item for item in stage.items if item.lane == lane and item.status != ItemStatus.REJECTED
    ]


def _hurting(stage: Stage | None) -> list[Item]:
    """Obstacles and negative emotions: what the actual journey does against expectations."""
    if stage is None:
        return []
    return [
        item
        for item in stage.items
        if item.status != ItemStatus.REJECTED
        and (
            item.lane == Lane.OBSTACLE
            or (item.lane == Lane.EMOTION and item.valence is not None and item.valence < 0)
        )
    ]


def severity(item: Item) -> float:
    if item.lane == Lane.EMOTION and item.valence is not None:
        return float(abs(item.valence))
    return 1.0


_NOT_A_TOPIC = frozenset({"laughs", "rires", "rire", "moment", "vraiment", "really", "honest"})
"""Stems `keywords` keeps that name no topic (stage directions, fillers): they pair nothing."""


def _words(item: Item) -> set[str]:
    found = set(keywords(item.text))
    for evidence in item.evidence:
        found.update(keywords(evidence.quote))
    return found - _NOT_A_TOPIC


def _overlap(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def _participants(items: Sequence[Item]) -> int:
    return len({(e.source_id, e.speaker) for item in items for e in item.evidence})


class _Matcher:
    def __init__(self, vectors: dict[str, np.ndarray[Any, Any]], params: GroupingParams) -> None:
        self.vectors = vectors
        self.params = params

    def score(self, a: Item, b: Item) -> tuple[float, list[str]] | None:
        """(similarity, shared words) when `b` may contradict `a`, else None."""
        words_a, words_b = _words(a), _words(b)
        lexical = _overlap(words_a, words_b)
        vector_a, vector_b = self.vectors.get(a.text), self.vectors.get(b.text)
        cosine = (
            float(vector_a @ vector_b) if vector_a is not None and vector_b is not None else 0.0
        )
        if lexical < self.params.keyword_floor and cosine < self.params.alone:
            return None
        similarity = round(cosine + self.params.keyword_weight * lexical, 4)
        return similarity, sorted(words_a & words_b)


def _felt(stage: Stage | None) -> dict[tuple[str, str | None], float]:
    """Participant → the worst negative emotion they voiced at the stage (as a severity)."""
    worst: dict[tuple[str, str | None], float] = {}
    for item in _hurting(stage):
        if item.lane == Lane.EMOTION:
            for e in item.evidence:
                key = (e.source_id, e.speaker)
                worst[key] = max(worst.get(key, 1.0), severity(item))
    return worst


def _stage_gap(actual: Stage | None, ideal: Stage, matcher: _Matcher, language: str) -> StageGap:
    expectations = _live(ideal, Lane.EXPECTATION)
    broken: dict[str, list[Contradiction]] = {}
    pain_points: list[Contradiction] = []
    felt = _felt(actual)
    for item in _hurting(actual):
        voiced = [felt.get((e.source_id, e.speaker), 1.0) for e in item.evidence]
        worst = max([severity(item), *voiced])
        scored = [(matcher.score(e, item), e) for e in expectations]
        candidates = [(s, e) for s, e in scored if s is not None]
        if not candidates:
            pain_points.append(Contradiction(item=gap_item(item), similarity=0.0, severity=worst))
            continue
        (similarity, shared), expectation = max(candidates, key=lambda c: c[0][0])
        broken.setdefault(expectation.id, []).append(
            Contradiction(
                item=gap_item(item), similarity=similarity, shared_words=shared, severity=worst
            )
        )
    hurting = {item.id: item for item in _hurting(actual)}
    broken_list = []
    for expectation in expectations:
        contradictions = broken.get(expectation.id)
        if not contradictions:
            continue
        items = [hurting[c.item.id] for c in contradictions]
        broken_list.append(
            BrokenExpectation(
                expectation=gap_item(expectation),
                broken_by=sorted(contradictions, key=lambda c: -c.similarity),
                participants=_participants(items),
                severity=max(c.severity for c in contradictions),
            )
        )
    broken_list.sort(key=lambda b: (-b.participants * b.severity, b.expectation.id))
    actual_valence = actual.valence if actual is not None else None
    target = ideal.curve_valence if ideal.curve_valence is not None else DEFAULT_TARGET_VALENCE
    moments = [m.kind for m in (actual.moments_of_truth if actual else [])]
    moments += [m.kind for m in ideal.moments_of_truth if m.kind not in moments]
    stage_gap = StageGap(
        id=ideal.id,
        name=ideal.name,
        order=ideal.order,
        actual_valence=actual_valence,
        target_valence=target,
        valence_gap=None if actual_valence is None else round(target - actual_valence, 2),
        moments=moments,
        goals=[gap_item(item) for item in _live(ideal, Lane.MOTIVATION)],
        expectations=[gap_item(item) for item in expectations],
        targets=[item.text for item in _live(ideal, Lane.OPPORTUNITY)],
        broken=broken_list,
        pain_points=pain_points,
    )
    if not expectations:
        stage_gap.note = kpi_words(language)["no_expectation"]
    stage_gap.kpis = suggest_kpis(stage_gap, language)
    return stage_gap


def _item_moments(*maps: JourneyMap) -> dict[str, MomentKind]:
    return {
        moment.item_id: moment.kind
        for journey_map in maps
        for stage in journey_map.stages
        for moment in stage.moments_of_truth
        if moment.item_id
    }


def _priorities(stages: Sequence[StageGap], item_moments: dict[str, MomentKind]) -> list[Priority]:
    drafts: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for stage in stages:
        entries: list[tuple[str, GapItem | None, list[Contradiction], int, float]] = [
            ("broken_expectation", b.expectation, b.broken_by, b.participants, b.severity)
            for b in stage.broken
        ]
        entries += [
            ("pain_point", None, [c], c.item.support.participants, c.severity)
            for c in stage.pain_points
            if c.item.lane == Lane.OBSTACLE
        ]
        for kind, expectation, contradictions, participants, worst in entries:
            items = ([expectation] if expectation else []) + [c.item for c in contradictions]
            ids = [item.id for item in items]
            moment = next((item_moments[i] for i in ids if i in item_moments), None)
            marked_item = moment is not None
            moment = moment or (stage.moments[0] if stage.moments else None)
            quotes = _priority_quotes(expectation, contradictions)
            score = round(participants * worst, 2)
            key = (
                0 if marked_item else 1 if moment else 2,
                -score,
                -sum(c.item.support.quotes for c in contradictions),
                stage.order,
                ids[0],
            )
            drafts.append(
                (
                    key,
                    {
                        "stage_id": stage.id,
                        "stage_name": stage.name,
                        "kind": kind,
                        "text": items[0].text,
                        "moment": moment,
                        "participants": participants,
                        "severity": worst,
                        "score": score,
                        "item_ids": ids,
                        "quotes": quotes,
                    },
                )
            )
    drafts.sort(key=lambda d: d[0])
    return [Priority(rank=n, **fields) for n, (_, fields) in enumerate(drafts, start=1)]


def _priority_quotes(
    expectation: GapItem | None, contradictions: Sequence[Contradiction]
) -> list[GapQuote]:
    """The expectation's first quote, then one quote per contradicting item (most supported
    first), then the rest: what was expected, then what happened."""
    ranked = sorted(
        contradictions, key=lambda c: (-c.item.support.participants, -c.similarity, c.item.id)
    )
    firsts = [c.item.quotes[0] for c in ranked if c.item.quotes]
    rest = [q for c in ranked for q in c.item.quotes[1:]]
    head = expectation.quotes[:1] if expectation else []
    return (head + firsts + rest)[:QUOTES_PER_PRIORITY]


def gap_between(
    actual: JourneyMap,
    ideal: JourneyMap,
    embed: TextVectors | Any | None = None,
    params: GroupingParams | None = None,
) -> Gap:
    """The gap from `actual` to `ideal`, stage by stage in the ideal map's order.

    `embed` is a function texts → vectors, or an embedder (its `embed_documents`), or None for
    keywords alone; `params` are the embedder's grouping parameters (`grouping_params`)."""
    stages_actual = {stage.id: stage for stage in actual.stages}
    ideal_stages = sorted(ideal.stages, key=lambda s: s.order)
    texts = [
        item.text
        for stage in ideal_stages
        for item in _live(stage, Lane.EXPECTATION) + _hurting(stages_actual.get(stage.id))
    ]
    vectors = _vectors_of(texts, embed) if embed is not None else {}
    chosen = LEXICAL_ONLY if embed is None else params or _params_of(embed)
    matcher = _Matcher(vectors, chosen)
    stages = [
        _stage_gap(stages_actual.get(stage.id), stage, matcher, actual.language)
        for stage in ideal_stages
    ]
    method = (
        f"cosine + {chosen.keyword_weight} × keyword overlap; a pair needs overlap ≥ "
        f"{chosen.keyword_floor} or cosine ≥ {chosen.alone}"
        if embed is not None
        else f"keyword overlap ≥ {chosen.keyword_floor}"
    )
    return Gap(
        actual=GapSide(id=actual.id, revision=actual.revision),
        ideal=GapSide(id=ideal.id, revision=ideal.revision),
        language=actual.language,
        method=method,
        stages=stages,
        priorities=_priorities(stages, _item_moments(actual, ideal)),
    )


def _params_of(embed: Any) -> GroupingParams:
    """An embedder's grouping parameters (a bare function: those of an unknown embedder)."""
    name = str(getattr(embed, "name", ""))
    return grouping_params(name, float(getattr(embed, "duplicate_threshold", 0.9)))


def gap_json(gap: Gap, *, indent: int | None = 2) -> str:
    return gap.model_dump_json(indent=indent)
