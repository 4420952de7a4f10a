"""The model's answers: their schemas, and the check of every item they hold.

**Schemas.** An extraction item cites the numbers of its segments (`chunks.numbering`: only the
participants' segments carry one, 1..N per request; a number names one segment of one source,
so the item needs no source field). For a server that accepts `json_schema` the numbers are
constrained to the request's 1..N — an enum of consecutive integers, written as its range — so
a constrained model cannot cite anything else; for function calling and JSON mode the schema
stays open and validation does the same checks with clear reasons. Validation is a little more
lenient than the schema: an item may name its `source` (then it must be the cited segments'),
an item citing no segment is aligned over its source, a missing quote means the whole segment,
and a `speaker` (which v1 answers carried) is tolerated and ignored — the segment says who spoke.

**Checks.** Each item is validated on its own (one bad item never sinks the answer), then its
citation is checked by `evidence.citations` against what the request showed (`Offer`): a source
the request did not hold, a number it did not show, or the interviewer's words are refused
(final); an item whose quote is not copied from its segments goes to a repair, with the
segments to show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from assistant.evidence.citations import Checked, Citation, check_citation
from assistant.evidence.claims import Claim
from assistant.evidence.grounding import SourceText
from assistant.extract.chunks import MARKER, Chunk, numbering, part_segments
from assistant.model import CUSTOMER_LANES, Lane, Segment, Source, Ungrounded

_FORBID = ConfigDict(extra="forbid")


def _enum(values: Sequence[Any]) -> Any:
    return Literal[tuple(values)]


def _numbers(count: int | None) -> Any:
    """The segment numbers 1..count: an enum of consecutive integers, written as its range
    (the same constraint, in a few characters instead of ~4 per segment)."""
    return Annotated[int, Field(ge=1, le=count)] if count else int


def extraction_schema(stage_ids: Sequence[str], count: int | None = None) -> type[BaseModel]:
    """The answer's schema: stages and lanes as enums and, when given, the chunk's segment
    numbers (1..count). A number names one segment of one source: no source field."""
    number: Any = _numbers(count)
    item = create_model(
        "JourneyItem",
        __config__=_FORBID,
        segments=(list[number], ...),
        stage=(_enum(stage_ids), ...),
        lane=(_enum([lane.value for lane in CUSTOMER_LANES]), ...),
        text=(str, ...),
        quote=(str | None, ...),
        valence=(int | None, ...),
    )
    return create_model("JourneyExtraction", __config__=_FORBID, items=(list[item], ...))


def item_validator(stage_ids: Sequence[str]) -> type[BaseModel]:
    """One answer item as validation accepts it (see the module doc)."""
    return create_model(
        "JourneyItemAnswer",
        __config__=_FORBID,
        source=(str | None, None),
        segments=(list[int], []),
        stage=(_enum(stage_ids), ...),
        lane=(_enum([lane.value for lane in CUSTOMER_LANES]), ...),
        text=(str, ...),
        quote=(str | None, None),
        valence=(int | None, None),
        speaker=(str | None, None),
    )


def repair_schema(items: int, numbers: Sequence[int] | None = None) -> type[BaseModel]:
    """A repair answer: for each item it can fix (1..items), the segments — among the shown
    `numbers` when given — and the quote."""
    number: Any = _enum(numbers) if numbers else int
    fix = create_model(
        "ItemFix",
        __config__=_FORBID,
        item=(_numbers(items), ...),
        segments=(list[number], ...),
        quote=(str | None, ...),
    )
    return create_model("ItemFixes", __config__=_FORBID, items=(list[fix], ...))


def fix_validator() -> type[BaseModel]:
    return create_model(
        "ItemFixAnswer",
        __config__=_FORBID,
        item=(int, ...),
        segments=(list[int], []),
        quote=(str | None, None),
    )


def compact_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema, inlined, without titles or descriptions, nullable types as type
    lists: the prompt explains the fields, and every token of schema is paid on every call."""
    full = model.model_json_schema()
    definitions = full.pop("$defs", {})

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return strip(definitions[node["$ref"].rsplit("/", 1)[-1]])
            if "const" in node:  # a one-value Literal: an enum, which every server knows
                node = {**node, "enum": [node["const"]]}
                del node["const"]
            options = node.get("anyOf")
            if options and all(set(o) == {"type"} for o in options):
                return {"type": [o["type"] for o in options]}
            return {
                key: strip(value)
                for key, value in node.items()
                if key not in ("title", "description", "additionalProperties", "default")
            }
        if isinstance(node, list):
            return [strip(value) for value in node]
        return node

    schema: dict[str, Any] = strip(full)
    schema["title"] = model.__name__  # the name a tool or response format needs
    return schema


def item_model(schema: type[BaseModel]) -> type[BaseModel]:
    """The item model inside an `{"items": [...]}` schema."""
    annotation = schema.model_fields["items"].annotation
    model: type[BaseModel] = annotation.__args__[0]  # type: ignore[union-attr]
    return model


@dataclass(frozen=True)
class Offer:
    """What one request showed the model: its sources, and each one's citable segments by the
    number the request gave them (`chunks.numbering`)."""

    sources: Mapping[str, Source]
    texts: Mapping[str, SourceText]
    segments: Mapping[str, Mapping[int, Segment]]
    numbers: Mapping[str, int]
    """Segment id → its number in the request."""

    @property
    def source_ids(self) -> list[str]:
        return list(self.segments)

    @property
    def count(self) -> int:
        """The numbers run from 1 to `count`."""
        return len(self.numbers)


def offer_of(chunk: Chunk, sources: Mapping[str, Source], texts: Mapping[str, SourceText]) -> Offer:
    numbers = numbering(chunk, sources)
    shown: dict[str, dict[int, Segment]] = {part.source_id: {} for part in chunk.parts}
    for part in chunk.parts:
        for segment in part_segments(sources[part.source_id], part):
            if segment.id in numbers:
                shown[part.source_id][numbers[segment.id]] = segment
    return Offer(sources, texts, shown, numbers)


@dataclass(frozen=True)
class ItemCheck:
    """One item, checked: a claim, or an `Ungrounded` with the reason (`repairable` when a
    repair may fix it, with the segments to show)."""

    item: dict[str, Any]
    claim: Claim | None = None
    ungrounded: Ungrounded | None = None
    repairable: bool = False
    valid: bool = True
    """False when the item does not even match the schema."""
    source_id: str | None = None
    context: tuple[Segment, ...] = ()


def check_item(item: dict[str, Any], offer: Offer, validator: type[BaseModel]) -> ItemCheck:
    try:
        valid = validator.model_validate(item).model_dump()
    except ValidationError as error:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:3]
        )
        reason = f"not a valid item: {details}"
        return ItemCheck(item, ungrounded=ungrounded(item, reason), valid=False)
    source_id, refusal = cited_source(valid, offer)
    if source_id is None:
        return ItemCheck(item, ungrounded=ungrounded(item, refusal or "?"))
    checked = _check_quote(valid, source_id, offer)
    if checked.evidence is not None:
        evidence = checked.evidence
        claim = Claim(
            stage_id=valid["stage"],
            lane=Lane(valid["lane"]),
            text=" ".join(MARKER.sub(" ", valid["text"]).split()) or evidence.quote,
            quote=evidence.quote,
            source_id=source_id,
            segment_id=evidence.segment_id,
            valence=_valence(valid["valence"]),
            score=0.8,
        )
        return ItemCheck(item, claim=claim, source_id=source_id)
    reason = checked.refused or checked.problem or "?"
    return ItemCheck(
        item,
        ungrounded=ungrounded(item, reason, source_id),
        repairable=checked.problem is not None,
        source_id=source_id,
        context=checked.context,
    )


def cited_source(valid: Mapping[str, Any], offer: Offer) -> tuple[str | None, str | None]:
    """The source an item cites — the one its numbers belong to, or the one it names — or
    None and the refusal."""
    named = valid["source"]
    if named is not None and named not in offer.segments:
        return None, f"source {named!r} is not in this request"
    owners = {
        source_id
        for number in valid["segments"]
        for source_id, shown in offer.segments.items()
        if number in shown
    }
    if len(owners) > 1:
        return None, "it cites segments of several sources"
    if named is not None:
        return named, None  # a number of another source is refused by the citation check
    if owners:
        return owners.pop(), None
    if valid["segments"]:
        number = valid["segments"][0]
        return None, f"segment {number} is not a numbered segment of this request"
    if len(offer.segments) == 1:
        return next(iter(offer.segments)), None
    return None, "it cites no segment"


def _check_quote(valid: dict[str, Any], source_id: str, offer: Offer) -> Checked:
    def check(quote: str | None) -> Checked:
        return check_citation(
            Citation(
                source=offer.sources[source_id],
                text=offer.texts[source_id],
                offered=offer.segments[source_id],
                numbers=tuple(valid["segments"]),
                quote=quote,
            )
        )

    quote = valid["quote"]
    checked = check(quote)
    if checked.problem is not None and quote and MARKER.search(quote):
        unmarked = check(" ".join(MARKER.sub(" ", quote).split()))  # the numbers were copied too
        if unmarked.problem is None:
            return unmarked
    return checked


def ungrounded(item: Mapping[str, Any], reason: str, source_id: str | None = None) -> Ungrounded:
    """An item refused or not grounded, keeping the source, stage and lane the model gave."""
    quote = item.get("quote")
    lane = item.get("lane")
    named = item.get("source")
    return Ungrounded(
        claim=str(item.get("text") or quote or "?"),
        quote=str(quote) if quote else None,
        source_id=source_id or (str(named) if named is not None else None),
        stage_id=str(item.get("stage")) if item.get("stage") is not None else None,
        lane=Lane(lane) if lane in {value.value for value in Lane} else None,
        reason=reason[:500],
    )


def with_reason(entry: Ungrounded, more: str) -> Ungrounded:
    return entry.model_copy(update={"reason": f"{entry.reason}; {more}"[:500]})


def all_invalid(checks: Sequence[ItemCheck]) -> bool:
    """Items there were, and not one matches the schema: the answer misread the format."""
    return bool(checks) and not any(check.valid for check in checks)


def _valence(value: Any) -> int | None:
    if isinstance(value, int | float):
        return max(-2, min(2, round(value)))
    return None
