"""A claim that cites segments by number → evidence, a refusal, or a problem a repair can fix.

The LLM chain shows each participant segment behind a number (the request's short id for it;
interviewer segments carry none) and the model cites numbers. The rules, checked here by code:
- a number the request did not show, or an interviewer's words, are **refused**: the model cited
  what it was not offered, and no repair is asked for;
- the quote must be copied from the cited segments — exactly, up to representation (the
  aligner's exact and normalized passes: apostrophes, case, spacing, NFD); a paraphrase, a cut
  quote ending in "…" or a quote without its accents is not copied; no quote means the whole
  cited segment(s);
- an item citing no segment is aligned over its whole source (answers from a server without a
  schema may leave the field out), under the same exactness.
A quote that breaks the second rule is a **problem** for a repair, with the segments to show it:
the cited ones, and where the quote is closest when that is elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz import fuzz

from assistant.evidence.claims import evidence_at, interviewer_reason
from assistant.evidence.grounding import SourceText, align, fold
from assistant.model import Alignment, Evidence, Role, Segment, Source

CONTEXT_SEGMENTS = 3
"""At most this many segments go with one item into a repair."""


@dataclass(frozen=True)
class Citation:
    source: Source
    text: SourceText
    offered: Mapping[int, Segment]
    """The citable segments of `source` the request showed, by number."""
    numbers: tuple[int, ...]
    quote: str | None


@dataclass(frozen=True)
class Checked:
    """One of: `evidence`; `refused` (final); `problem` (the reason a repair can fix), with the
    segments a repair shows."""

    evidence: Evidence | None = None
    refused: str | None = None
    problem: str | None = None
    context: tuple[Segment, ...] = ()


def check_citation(citation: Citation) -> Checked:
    unknown = [n for n in citation.numbers if n not in citation.offered]
    if unknown:
        return Checked(
            refused=f"segment {unknown[0]} is not one of {citation.source.id}'s numbered "
            "segments in this request"
        )
    cited = [citation.offered[n] for n in sorted(set(citation.numbers))]
    voice = next((s for s in cited if s.role == Role.INTERVIEWER), None)
    if voice is not None:
        return Checked(
            refused=f"segment {voice.id} is the interviewer's words ({voice.speaker}), "
            "not the participant's"
        )
    quote = (citation.quote or "").strip()
    if not cited:
        return _anywhere(citation, quote)
    if not quote:
        return _whole(citation, cited)
    return _within(citation, cited, quote)


def _consecutive(segments: Sequence[Segment]) -> bool:
    return all(b.index == a.index + 1 for a, b in pairwise(segments))


def _whole(citation: Citation, cited: list[Segment]) -> Checked:
    if not _consecutive(cited):
        return Checked(
            problem="without a quote, cite one segment or consecutive ones", context=tuple(cited)
        )
    source = citation.source
    return Checked(evidence=evidence_at(source, cited[0].start, cited[-1].end, Alignment.EXACT))


def _within(citation: Citation, cited: list[Segment], quote: str) -> Checked:
    groups = [cited] if _consecutive(cited) else [[segment] for segment in cited]
    for group in groups:
        start, end = group[0].start, group[-1].end
        match = align(quote, citation.source.text[start:end], fuzzy=False)
        if match.alignment is not None:
            return Checked(
                evidence=evidence_at(
                    citation.source, start + match.start, start + match.end, match.alignment
                )
            )
    voice = _interviewer_words(citation, quote)
    if voice is not None:
        return Checked(refused=interviewer_reason(voice))
    names = ", ".join(segment.id for segment in cited)
    reason = f"the quote is not copied from {names}"
    closer = _closer_than(citation, quote, cited)
    if closer is not None:
        reason += f" (closest: {closer.id})"
    context = [*cited, *([closer] if closer else [])]
    return Checked(problem=reason, context=tuple(context[-CONTEXT_SEGMENTS:]))


def _anywhere(citation: Citation, quote: str) -> Checked:
    source = citation.source
    if not quote:
        return Checked(refused="it cites no segment and no quote")
    match = citation.text.align(quote, fuzzy=False)
    if match.alignment is None:
        return Checked(
            problem=f"the quote is not in {source.id}: {match.reason}",
            context=tuple(nearest_segments(citation, quote)[:2]),
        )
    at = source.segment_at(match.start)
    if at is not None and at.role == Role.INTERVIEWER:
        return Checked(refused=interviewer_reason(at))
    return Checked(evidence=evidence_at(source, match.start, match.end, match.alignment))


def _interviewer_words(citation: Citation, quote: str) -> Segment | None:
    """The interviewer's segment the quote is copied from, if it is."""
    match = citation.text.align(quote, fuzzy=False)
    at = citation.source.segment_at(match.start) if match.alignment is not None else None
    return at if at is not None and at.role == Role.INTERVIEWER else None


def _closer_than(citation: Citation, quote: str, cited: Sequence[Segment]) -> Segment | None:
    """The participant segment most like the quote, when it is not one of the cited ones and
    is more like it than they are (the model cited the wrong one)."""
    nearest = nearest_segments(citation, quote)
    if not nearest or nearest[0] in cited:
        return None
    needle = fold(quote)
    best = max(_likeness(needle, citation, segment) for segment in cited)
    return nearest[0] if _likeness(needle, citation, nearest[0]) > best else None


def nearest_segments(citation: Citation, quote: str) -> list[Segment]:
    """The offered participant segments most like `quote`, best first (ties: text order)."""
    needle = fold(quote)
    if not needle:
        return []
    scored = [
        (_likeness(needle, citation, segment), -segment.index, segment)
        for segment in citation.offered.values()
        if segment.role != Role.INTERVIEWER
    ]
    scored.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    return [segment for score, _, segment in scored[:CONTEXT_SEGMENTS] if score > 0]


def _likeness(needle: str, citation: Citation, segment: Segment) -> float:
    """How much of the (folded) quote the segment says: the best partial alignment, scaled
    down for a segment shorter than the quote (a short one matches anything in part)."""
    said = fold(citation.source.text[segment.start : segment.end])
    if not said:
        return 0.0
    return float(fuzz.partial_ratio(needle, said)) * min(1.0, len(said) / len(needle))
