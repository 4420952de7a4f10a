"""Grounded claims from many sources → the items of a map. Pure, given the claims' vectors.

Within one stage and lane, claims saying the same thing are merged into one item that keeps all
their evidence: claims that share a key (a touchpoint id) always merge; others merge when their
cosine to a cluster's centroid reaches the embedder's duplicate threshold. Each claim is compared
with the current centroids only — O(claims × clusters), never all pairs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.evidence.claims import GroundedClaim
from assistant.model import (
    CUSTOMER_LANES,
    Evidence,
    Item,
    Lane,
    Stage,
    Support,
    unnumbered,
)

Vector = np.ndarray[Any, np.dtype[np.float32]]
Centroid = np.ndarray[Any, np.dtype[np.float64]]


@dataclass
class Cluster:
    members: list[GroundedClaim] = field(default_factory=list)
    vectors: list[Vector] = field(default_factory=list)

    @property
    def centroid(self) -> Centroid | None:
        if not self.vectors:
            return None
        mean: Centroid = np.mean(np.vstack(self.vectors).astype(np.float64), axis=0)
        norm = float(np.linalg.norm(mean))
        return mean / norm if norm else mean


def cluster_claims(
    claims: Sequence[GroundedClaim],
    vectors: Mapping[int, Vector],
    threshold: float,
) -> list[Cluster]:
    """Greedy single pass in a stable order: each claim joins the nearest centroid ≥ threshold."""
    keyed: dict[str, Cluster] = {}
    clusters: list[Cluster] = []
    centroids: list[Centroid] = []
    for index, grounded in enumerate(claims):
        key = grounded.claim.key
        if key is not None:
            keyed.setdefault(key, Cluster()).members.append(grounded)
            continue
        vector = vectors.get(index)
        best = -1
        if vector is not None and centroids:
            similarities = _cosines(np.vstack(centroids), vector)
            candidate = int(np.argmax(similarities))
            if similarities[candidate] >= threshold:
                best = candidate
        if best < 0:
            clusters.append(Cluster())
            centroids.append(
                vector.astype(np.float64) if vector is not None else np.zeros(1, np.float64)
            )
            best = len(clusters) - 1
        clusters[best].members.append(grounded)
        if vector is not None:
            clusters[best].vectors.append(vector)
            centroid = clusters[best].centroid
            if centroid is not None:
                centroids[best] = centroid
    return list(keyed.values()) + clusters


def representative(cluster: Cluster) -> GroundedClaim:
    """The member closest to the cluster's centroid (the most typical wording)."""
    centroid = cluster.centroid
    if centroid is None or len(cluster.vectors) != len(cluster.members):
        return max(cluster.members, key=lambda g: g.claim.score)
    scores = _cosines(np.vstack(cluster.vectors), centroid)
    return cluster.members[int(np.argmax(scores))]  # ties (any 2-member cluster): the first


def _cosines(rows: Any, vector: Any) -> Centroid:
    """Cosines in float64, rounded to 1e-6: float32 dot products differ in their last bits
    between CPUs' BLAS kernels, and a tie (both members of a pair are equally close to their
    centroid) must break the same way on every machine: to the first."""
    scores: Centroid = np.round(rows.astype(np.float64) @ vector.astype(np.float64), 6)
    return scores


def support_of(evidence: Sequence[Evidence]) -> Support:
    """Quotes; distinct sources; distinct participants, a participant being a (source, speaker)."""
    return Support(
        quotes=len(evidence),
        sources=len({e.source_id for e in evidence}),
        participants=len({(e.source_id, e.speaker) for e in evidence}),
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


def build_item(item_id: str, cluster: Cluster) -> Item:
    head = representative(cluster).claim
    evidence = _dedupe([member.evidence for member in cluster.members])
    valences = [m.claim.valence for m in cluster.members if m.claim.valence is not None]
    valence = (
        round(sum(valences) / len(valences)) if valences and head.lane == Lane.EMOTION else None
    )
    scores = [member.claim.score for member in cluster.members]
    return Item(
        id=item_id,
        lane=head.lane,
        text=head.text,
        valence=valence,
        support=support_of(evidence),
        evidence=evidence,
        confidence=round(min(1.0, sum(scores) / len(scores) + 0.1 * (len(scores) - 1)), 2),
    )


def stage_valence(items: Sequence[Item]) -> float | None:
    """Mean valence of a stage's emotion items, weighted by their number of quotes."""
    weighted = [
        (item.valence, item.support.quotes)
        for item in items
        if item.lane == Lane.EMOTION and item.valence is not None
    ]
    total = sum(weight for _, weight in weighted)
    if not total:
        return None
    return round(sum(value * weight for value, weight in weighted) / total, 2)


def synthesize(
    stages: Sequence[Stage],
    grounded: Sequence[GroundedClaim],
    vectors: Mapping[int, Vector],
    threshold: float,
) -> list[Stage]:
    """Fill `stages` with merged items. `vectors[i]` is the vector of `grounded[i]`.

    Items are ordered by lane, then by support; ids run I1, I2… across the map in that order.
    """
    groups: dict[tuple[str, Lane], list[int]] = {}
    for index, member in enumerate(grounded):
        groups.setdefault((member.claim.stage_id, member.claim.lane), []).append(index)
    next_id = 1
    filled: list[Stage] = []
    for stage in sorted(stages, key=lambda s: s.order):
        items: list[Item] = []
        for lane in CUSTOMER_LANES:
            indices = groups.get((stage.id, lane), [])
            clusters = cluster_claims(
                [grounded[i] for i in indices],
                {position: vectors[i] for position, i in enumerate(indices) if i in vectors},
                threshold,
            )
            lane_items = [build_item("_", cluster) for cluster in clusters]
            lane_items.sort(
                key=lambda it: (-it.support.quotes, -it.support.sources, unnumbered(it.text))
            )
            for item in lane_items:
                items.append(item.model_copy(update={"id": f"I{next_id}"}))
                next_id += 1
        filled.append(stage.model_copy(update={"items": items, "valence": stage_valence(items)}))
    return filled
