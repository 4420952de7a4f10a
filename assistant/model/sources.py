"""Sources as ingested: one interview, review or survey answer, cut into segments (sentences).

Offsets are Python string indices (Unicode code points) into `Source.text`.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import Field, model_validator

from assistant.model.base import LanguageCode, StrictModel

PLACEHOLDER = re.compile(r"\[([A-Z]+)_\d+\]")
"""A redacted span: ``[PERSONNE_3]``, ``[EMAIL_1]`` (`ingest.redact`)."""


def unnumbered(text: str) -> str:
    """`text` with its placeholders' numbers dropped (``[PERSONNE]``). A number says which
    person, not what was said, and depends on the order files were ingested in: embeddings and
    orderings use this, so a map does not change when the same people are numbered otherwise."""
    return PLACEHOLDER.sub(r"[\1]", text)


class SourceKind(StrEnum):
    INTERVIEW = "interview"
    REVIEW = "review"
    SURVEY = "survey"


class Role(StrEnum):
    """Only participant speech is evidence of the customer's experience."""

    INTERVIEWER = "interviewer"
    PARTICIPANT = "participant"
    UNKNOWN = "unknown"


class Segment(StrictModel):
    """A sentence of a source, with the speaker turn it belongs to. The unit we embed and cite."""

    id: str = Field(description="'<source_id>:<index>'")
    source_id: str
    index: int = Field(ge=0)
    turn: int = Field(ge=0, description="Speaker turn number within the source")
    speaker: str | None = None
    role: Role = Role.UNKNOWN
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    timestamp: str | None = Field(default=None, description="HH:MM:SS of the turn, when known")


class Source(StrictModel):
    """One interview, review or survey answer, as ingested. `text` is what offsets index."""

    id: str
    name: str = Field(description="File name, plus '#row N' for a row of a table")
    kind: SourceKind
    language: LanguageCode
    sha256: str = Field(description="SHA-256 of the original bytes (the file, or the row's text)")
    text: str
    persona: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    segments: list[Segment] = Field(default_factory=list)

    @model_validator(mode="after")
    def _segments_inside_text(self) -> Source:
        for segment in self.segments:
            if not 0 <= segment.start <= segment.end <= len(self.text):
                raise ValueError(f"segment {segment.id} lies outside the text of {self.id}")
        return self

    def ref(self, *, with_text: bool = False) -> SourceRef:
        return SourceRef(
            id=self.id,
            name=self.name,
            kind=self.kind,
            language=self.language,
            sha256=self.sha256,
            persona=self.persona,
            text=self.text if with_text else None,
            segments=list(self.segments) if with_text else None,
        )

    def segment_at(self, offset: int) -> Segment | None:
        """The segment containing `offset`, or the turn's segment just before it."""
        best: Segment | None = None
        for segment in self.segments:
            if segment.start <= offset:
                best = segment
            if segment.start <= offset < segment.end:
                return segment
        return best


class SourceRef(StrictModel):
    """A source as a map cites it. `text` and `segments` only in exports made `--with-sources`."""

    id: str
    name: str
    kind: SourceKind
    language: LanguageCode
    sha256: str
    persona: str | None = None
    text: str | None = None
    segments: list[Segment] | None = None
