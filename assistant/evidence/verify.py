"""Re-check every quote of a map against its sources: text, offsets, speaker, timestamp. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from assistant.model import JourneyMap, Role, Source, SourceRef


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_map(journey_map: JourneyMap, sources: Mapping[str, Source | SourceRef]) -> VerifyReport:
    """Every evidence must equal `source.text[start:end]` and agree with the segment it lies in."""
    report = VerifyReport()
    for stage, item in journey_map.items():
        for evidence in item.evidence:
            report.checked += 1
            where = f"{stage.id}/{item.id} ({item.lane.value}) quote from {evidence.source_id}"
            source = sources.get(evidence.source_id)
            if source is None or source.text is None:
                report.problems.append(f"{where}: source text unavailable")
                continue
            text = source.text
            if not 0 <= evidence.start <= evidence.end <= len(text):
                report.problems.append(
                    f"{where}: offsets {evidence.start}-{evidence.end} "
                    f"outside the text ({len(text)} characters)"
                )
                continue
            actual = text[evidence.start : evidence.end]
            if actual != evidence.quote:
                report.problems.append(
                    f"{where}: text at {evidence.start}-{evidence.end} is {actual[:60]!r}, "
                    f"not the quote {evidence.quote[:60]!r}"
                )
                continue
            report.problems.extend(
                _segment_problems(
                    where,
                    source,
                    evidence.start,
                    evidence.speaker,
                    evidence.timestamp,
                    item.lane.customer_side,
                )
            )
    return report


def _segment_problems(
    where: str,
    source: Source | SourceRef,
    start: int,
    speaker: str | None,
    timestamp: str | None,
    customer_side: bool,
) -> list[str]:
    segments = source.segments or []
    segment = next((s for s in segments if s.start <= start < s.end), None)
    if segment is None:
        return [] if not segments else [f"{where}: offset {start} lies in no segment"]
    problems = []
    if segment.speaker != speaker:
        problems.append(
            f"{where}: speaker {speaker!r}, but the text there is {segment.speaker!r}'s"
        )
    if segment.timestamp != timestamp:
        problems.append(f"{where}: timestamp {timestamp!r}, the turn's is {segment.timestamp!r}")
    if customer_side and segment.role == Role.INTERVIEWER:
        problems.append(f"{where}: quotes the interviewer, not the participant")
    return problems
