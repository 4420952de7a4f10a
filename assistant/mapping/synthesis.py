"""Grounded claims from many sources → the findings of a map. Pure, given the claims' vectors.

Within one stage and lane, claims saying the same thing become one finding that keeps all their
evidence (`assistant.mapping.findings`: embeddings and rare shared words, near-linear); its text
is a short label (`assistant.mapping.labels`), not its first quote. Findings are ranked by
independent participants, then quotes: recurring findings first, singletons after.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

import numpy as np

from assistant.evidence.claims import Claim, GroundedClaim
from assistant.mapping.findings import (
    Cluster,
    GroupingParams,
    KeywordSpace,
    Vector,
    cosines,
    group_claims,
)
from assistant.mapping.labels import LABEL_MAX, clean, finding_label
from assistant.model import (
    CUSTOMER_LANES,
    Evidence,
    Item,
    Lane,
    Stage,
    Support,
    unnumbered,
)

__all__ = [
    "GroupingParams",
    "Vector",
    "stage_valence",
    "support_of",
    "synthesize",
    "synthesize_findings",
]

CONFIDENCE_DECAY = 0.6
"""Each further independent participant keeps 60 % of the remaining doubt."""


def representative(cluster: Cluster) -> GroundedClaim:
    """The member closest to the finding's centroid (the most typical wording)."""
    centroid = cluster.centroid
    if centroid is None or len(cluster.vectors) != len(cluster.members):
        return max(cluster.members, key=lambda g: g.claim.score)
    scores = cosines(np.vstack(cluster.vectors), centroid)
    return cluster.members[int(np.argmax(scores))]  # ties (any 2-member finding): the first


def support_of(evidence: Sequence[Evidence]) -> Support:
    """Quotes; distinct sources; distinct participants, a participant being a (source, speaker);
    the kinds of source they come from."""
    return Support(
        quotes=len(evidence),
        sources=len({e.source_id for e in evidence}),
        participants=len({(e.source_id, e.speaker) for e in evidence}),
        source_kinds=sorted({e.source_kind for e in evidence if e.source_kind is not None}),
    )


def _dedupe(evidence: Sequence[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, int, int]] = set()
    out = []
    for item in sorted(evidence, key=lambda e: (e.source_id, e.start)):
        span = (item.source_id, item.start, item.end)
        if span not in seen:
            seen.add(span)
            out.append(item)
    return out


def label_of(cluster: Cluster, space: KeywordSpace) -> str:
    """A touchpoint's canonical name; a model's own short text (LLM claims), cleaned; else the
    extractive label of the most central claim."""
    head = representative(cluster).claim
    quotes = [member.evidence.quote for member in cluster.members]
    if head.key is not None:
        return head.text
    if unnumbered(head.text).strip() != unnumbered(head.quote).strip():
        written = clean(head.text)
        if written and len(written) <= LABEL_MAX and written not in quotes:
            return written
    others = [m.claim.quote for m in cluster.members if m.claim is not head]
    return finding_label(head.quote, others, space, quotes)


def build_item(item_id: str, cluster: Cluster, space: KeywordSpace | None = None) -> Item:
    head = representative(cluster).claim
    evidence = _dedupe([member.evidence for member in cluster.members])
    valences = [m.claim.valence for m in cluster.members if m.claim.valence is not None]
    emotion = head.lane == Lane.EMOTION and bool(valences)
    support = support_of(evidence)
    scores = [member.claim.score for member in cluster.members]
    base = sum(scores) / len(scores)
    space = space or KeywordSpace(m.claim.quote for m in cluster.members)
    return Item(
        id=item_id,
        lane=head.lane,
        text=label_of(cluster, space),
        valence=round(statistics.fmean(valences)) if emotion else None,
        valence_spread=round(statistics.pstdev(valences), 2)
        if emotion and len(valences) > 1
        else None,
        support=support,
        evidence=evidence,
        confidence=round(
            min(1.0, 1 - (1 - base) * CONFIDENCE_DECAY ** max(0, support.participants - 1)), 2
        ),
    )


def stage_valence(items: Sequence[Item]) -> float | None:
    """A stage's emotion, one voice per participant: each participant's mean over the emotion
    findings quoting them, then the mean over participants (a talkative participant quoted ten
    times weighs as much as one quoted once)."""
    by_participant: dict[tuple[str, str | None], list[int]] = {}
    for item in items:
        if item.lane != Lane.EMOTION or item.valence is None:
            continue
        for participant in {(e.source_id, e.speaker) for e in item.evidence}:
            by_participant.setdefault(participant, []).append(item.valence)
    if not by_participant:
        return None
    return round(statistics.fmean(statistics.fmean(v) for v in by_participant.values()), 2)


def _tone(claim: Claim) -> int:
    """Emotions of opposite signs are never one finding, however alike their words."""
    if claim.lane != Lane.EMOTION or not claim.valence:
        return 0
    return 1 if claim.valence > 0 else -1


def rank_key(item: Item) -> tuple[int, int, int, str]:
    """Recurring findings first (independent participants, then quotes, then sources)."""
    return (
        -item.support.participants,
        -item.support.quotes,
        -item.support.sources,
        unnumbered(item.text),
    )


def synthesize(
    stages: Sequence[Stage],
    grounded: Sequence[GroundedClaim],
    vectors: Mapping[int, Vector],
    threshold: float | GroupingParams,
) -> list[Stage]:
    """Fill `stages` with findings. `vectors[i]` is the vector of `grounded[i]`; a bare float
    `threshold` groups by the embedding alone at that cosine (no keywords, no second pass).

    Findings are ordered by lane, then by support; ids run I1, I2… across the map in that order.
    """
    return synthesize_findings(stages, grounded, vectors, threshold)[0]


def synthesize_findings(
    stages: Sequence[Stage],
    grounded: Sequence[GroundedClaim],
    vectors: Mapping[int, Vector],
    threshold: float | GroupingParams,
) -> tuple[list[Stage], dict[str, list[Claim]]]:
    """`synthesize`, and each finding's claims by item id (what a naming call may see)."""
    params = (
        threshold
        if isinstance(threshold, GroupingParams)
        else GroupingParams(threshold, float("inf"), 0.0)
    )
    space = KeywordSpace(member.claim.quote for member in grounded)
    groups: dict[tuple[str, Lane, int], list[int]] = {}
    for index, member in enumerate(grounded):
        claim = member.claim
        groups.setdefault((claim.stage_id, claim.lane, _tone(claim)), []).append(index)
    next_id = 1
    filled: list[Stage] = []
    members: dict[str, list[Claim]] = {}
    for stage in sorted(stages, key=lambda s: s.order):
        items: list[Item] = []
        for lane in CUSTOMER_LANES:
            clusters: list[Cluster] = []
            for tone in (-1, 0, 1):
                indices = groups.get((stage.id, lane, tone), [])
                clusters += group_claims(
                    [grounded[i] for i in indices],
                    {position: vectors[i] for position, i in enumerate(indices) if i in vectors},
                    params,
                    space,
                )
            built = sorted(
                ((build_item("_", c, space), c) for c in clusters),
                key=lambda pair: rank_key(pair[0]),
            )
            for item, cluster in built:
                item_id = f"I{next_id}"
                items.append(item.model_copy(update={"id": item_id}))
                members[item_id] = [m.claim for m in cluster.members]
                next_id += 1
        filled.append(stage.model_copy(update={"items": items, "valence": stage_valence(items)}))
    return filled, members
