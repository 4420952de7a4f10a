"""Claims (what an extractor says, with the quote it cites) → grounded evidence. Pure.

Every extractor, offline or LLM, returns claims; every claim goes through the aligner here. What
aligns becomes `Evidence` carrying the exact source substring; what does not becomes an
`Ungrounded` entry with the reason, for the reviewer to see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.evidence.grounding import FUZZY_THRESHOLD, SourceText
from assistant.model import Alignment, Evidence, Lane, Role, Segment, Source, Ungrounded


@dataclass(frozen=True)
class Claim:
    stage_id: str
    lane: Lane
    text: str
    quote: str
    source_id: str
    segment_id: str | None = None
    valence: int | None = None
    key: str | None = None
    """Canonical identity when the extractor knows one (a touchpoint id): claims sharing a key
    within a stage and lane are the same item."""
    score: float = 1.0


@dataclass(frozen=True)
class GroundedClaim:
    claim: Claim
    evidence: Evidence


def ground_claims(
    claims: Sequence[Claim],
    sources: Mapping[str, Source],
    threshold: float = FUZZY_THRESHOLD,
) -> tuple[list[GroundedClaim], list[Ungrounded]]:
    texts = {source_id: SourceText(source.text) for source_id, source in sources.items()}
    grounded: list[GroundedClaim] = []
    ungrounded: list[Ungrounded] = []
    for claim in claims:
        result = ground_claim(claim, sources, texts, threshold)
        if isinstance(result, Evidence):
            grounded.append(GroundedClaim(claim, result))
        else:
            ungrounded.append(result)
    return grounded, ungrounded


def ground_claim(
    claim: Claim,
    sources: Mapping[str, Source],
    texts: Mapping[str, SourceText],
    threshold: float = FUZZY_THRESHOLD,
) -> Evidence | Ungrounded:
    source = sources.get(claim.source_id)
    if source is None:
        return _ungrounded(
            claim, f"it cites source {claim.source_id!r}, which is not in the corpus"
        )
    segment = next((s for s in source.segments if s.id == claim.segment_id), None)
    hint = (segment.start, segment.end) if segment else None
    match = texts[source.id].align(claim.quote, hint=hint, threshold=threshold)
    if match.alignment is None:
        return _ungrounded(claim, f"the quote is not in {source.id}: {match.reason}")
    at = source.segment_at(match.start)
    if claim.lane.customer_side and at is not None and at.role == Role.INTERVIEWER:
        return _ungrounded(claim, interviewer_reason(at))
    return evidence_at(source, match.start, match.end, match.alignment)


def interviewer_reason(segment: Segment) -> str:
    return f"the quote is the interviewer's words ({segment.speaker}), not the participant's"


def evidence_at(source: Source, start: int, end: int, alignment: Alignment) -> Evidence:
    """The evidence of `source.text[start:end]`, with the speaker and time of its segment."""
    at = source.segment_at(start)
    return Evidence(
        source_id=source.id,
        quote=source.text[start:end],
        start=start,
        end=end,
        speaker=at.speaker if at else None,
        timestamp=at.timestamp if at else None,
        alignment=alignment,
        segment_id=at.id if at else None,
        source_kind=source.kind,
    )


def _ungrounded(claim: Claim, reason: str) -> Ungrounded:
    return Ungrounded(
        claim=claim.text,
        quote=claim.quote,
        source_id=claim.source_id,
        stage_id=claim.stage_id,
        lane=claim.lane,
        reason=reason,
    )
