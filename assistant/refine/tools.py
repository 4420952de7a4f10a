"""The tools of the chat assistant (`llm_assistant`), run against one `ChatContext`.

A `Toolbox` lives for one answer. It runs the four tools a chat model may call, and keeps what
the answer is made of:

- `seen`: every quote a tool showed the model, verified first (`source.text[start:end] ==
  quote`); only these, or verbatim passages of the sources, can become the answer's citations;
- `proposal`: the last VALID `propose_edits` call (each call replaces the previous one: the tool
  says so, so the model re-proposes the full set; merging calls validated one by one could
  conflict — two merges of one item — where one call is checked as a whole);
- `warnings`: what the caller should show (hits dropped as unverified, tool failures).

Tool results are text for the model. What comes from sources or from the map (quotes, item texts,
even error messages, which may echo them) travels inside `<untrusted-data-NONCE>` tags whose nonce
is drawn per answer, so text inside cannot close them; look-alike tags are defused too. Nothing
here writes: a proposal is checked by a dry run of `apply_operations` on a copy of the map.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.editing.edits import apply_operations, operations_json_schema, parse_operations
from assistant.editing.operations import describe_operation, find_item, find_stage
from assistant.errors import ParcoursError
from assistant.model import Item, JourneyMap, Lane, Source, SourceKind, Stage
from assistant.refine.turns import ChatContext, Citation, Proposal, SearchFilters

Language = Literal["fr", "en"]
TOOL_NAMES = ("search_evidence", "read_map", "explain_item", "propose_edits")
MAX_HITS = 20
MAX_REFUSED_PROPOSALS = 3
"""Refused `propose_edits` calls answered with the error; after that the tool declines."""
_LOOKALIKE = re.compile(r"</?\s*untrusted", re.IGNORECASE)


# -- arguments (their JSON Schema is what the model sees) ----------------------------------------
class _Args(BaseModel):
    model_config = ConfigDict(extra="ignore")  # a stray argument is not worth a refusal


class SearchArgs(_Args):
    """Search the sources (participants' speech) by keyword and meaning."""

    query: str = Field(min_length=1, description="What to look for, in the sources' words")
    stage_id: str | None = Field(default=None, description="Only passages of this stage")
    lane: Lane | None = Field(default=None, description="Only passages of this lane")
    persona: str | None = Field(default=None, description="Only sources of this persona")
    source_kind: SourceKind | None = None
    k: int = Field(default=8, ge=1, description=f"How many passages (at most {MAX_HITS})")


class ReadMapArgs(_Args):
    """The map: stages, items (id, lane, status, support, text), moments of truth."""

    stage_id: str | None = Field(default=None, description="Only this stage (id or name)")


class ExplainArgs(_Args):
    """One item with its verbatim quotes, each labelled [source, speaker, timestamp]."""

    item_id: str = Field(min_length=1, description="The item's id (e.g. I12) or its text")


class ProposeArgs(_Args):
    operations: list[Any]
    message: str = ""


_PROPOSE_DESCRIPTION = (
    "Propose edit operations to the user, who approves or refuses them: nothing is applied. "
    "They are checked on the current map; a refusal comes back as the result — fix it and call "
    "again. A new call REPLACES the previous proposal: give every operation in one call. Use ids "
    "from read_map and quotes copied exactly from search_evidence or explain_item."
)


def _strip(node: Any) -> Any:
    """A schema without titles, with anyOf for the union: fewer tokens, wider server support."""
    if isinstance(node, dict):
        return {
            ("anyOf" if key == "oneOf" else key): _strip(value)
            for key, value in node.items()
            if key not in ("title", "discriminator")
        }
    if isinstance(node, list):
        return [_strip(value) for value in node]
    return node


def _spec(name: str, description: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }


def tool_specs() -> list[dict[str, Any]]:
    """The tools in OpenAI's format (what `bind_tools` takes), schemas from the models above."""
    specs = [
        _spec(name, " ".join((model.__doc__ or "").split()), _strip(model.model_json_schema()))
        for name, model in (
            ("search_evidence", SearchArgs),
            ("read_map", ReadMapArgs),
            ("explain_item", ExplainArgs),
        )
    ]
    operations = _strip(operations_json_schema())
    definitions = operations.pop("$defs", {})
    operations["description"] = "Edit operations, applied in order, each with its 'op'"
    parameters = {
        "type": "object",
        "properties": {
            "operations": operations,
            "message": {"type": "string", "description": "One line: what and why, for the user"},
        },
        "required": ["operations", "message"],
        "$defs": definitions,
    }
    specs.append(_spec("propose_edits", _PROPOSE_DESCRIPTION, parameters))
    return specs


# -- citations -------------------------------------------------------------------------------------
def verified(citation: Citation, sources: Mapping[str, Source]) -> Citation | None:
    """The citation completed from its source (name, offsets, speaker, timestamp) if its quote
    is really there — at its offsets when it has some — else None."""
    source = sources.get(citation.source_id)
    if source is None or not citation.quote:
        return None
    start, end = citation.start, citation.end
    if start is None or end is None:
        start = source.text.find(citation.quote)
        if start < 0:
            return None
        end = start + len(citation.quote)
    if source.text[start:end] != citation.quote:
        return None
    segment = source.segment_at(start)
    return citation.model_copy(
        update={
            "source_name": citation.source_name or source.name,
            "start": start,
            "end": end,
            "speaker": citation.speaker or (segment.speaker if segment else None),
            "timestamp": citation.timestamp or (segment.timestamp if segment else None),
            "segment_id": citation.segment_id or (segment.id if segment else None),
        }
    )


def citation_key(citation: Citation) -> tuple[str, int | None, int | None]:
    return citation.source_id, citation.start, citation.end


# -- the toolbox -----------------------------------------------------------------------------------
class Toolbox:
    def __init__(self, context: ChatContext, language: Language, nonce: str) -> None:
        self.context = context
        self.language = language
        self.nonce = nonce
        self.seen: dict[tuple[str, int | None, int | None], Citation] = {}
        self.explained: dict[str, list[Citation]] = {}
        self.proposal: Proposal | None = None
        self.proposal_message = ""
        self.refused_proposals = 0
        self.warnings: list[str] = []
        self.calls: list[str] = []
        self._handlers: dict[str, Callable[[Any], str]] = {
            "search_evidence": self.search_evidence,
            "read_map": self.read_map,
            "explain_item": self.explain_item,
            "propose_edits": self.propose_edits,
        }

    @property
    def journey_map(self) -> JourneyMap:
        return self.context.journey_map

    def data(self, tool: str, body: str) -> str:
        """`body` as untrusted data: inside tags it cannot close."""
        safe = _LOOKALIKE.sub(lambda match: match.group(0).replace("<", "‹"), body)
        tag = f"untrusted-data-{self.nonce}"
        return f'<{tag} tool="{tool}">\n{safe}\n</{tag}>'

    def error(self, tool: str, what: str, detail: str) -> str:
        return f"{tool} failed: {what}.\n{self.data(tool, detail)}"

    def run(self, name: str, args: Any) -> str:
        """The result of one tool call, as text for the model. Never raises for what the model
        got wrong (unknown tool, bad arguments, refused edits): it reads the error and retries."""
        self.calls.append(name)
        handler = self._handlers.get(name)
        if handler is None:
            return f"There is no tool {name!r}: use one of {', '.join(TOOL_NAMES)}."
        if isinstance(args, str):  # some servers pass the arguments JSON-encoded
            try:
                args = json.loads(args or "{}")
            except ValueError:
                return self.error(name, "the arguments are not JSON", args[:500])
        if not isinstance(args, dict):
            return self.error(name, "the arguments must be an object", repr(args)[:500])
        try:
            return handler(args)
        except ValidationError as invalid:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
                for e in invalid.errors()[:5]
            )
            return self.error(name, "invalid arguments", problems)
        except ParcoursError as refused:
            return self.error(name, "refused", str(refused))

    def invalid_call(self, name: str | None, error: str | None) -> str:
        """The answer to a tool call whose arguments could not be parsed."""
        self.calls.append(name or "?")
        return self.error(name or "tool call", "the call could not be read", error or "bad JSON")

    # -- search_evidence -------------------------------------------------------------------------
    def search_evidence(self, raw: dict[str, Any]) -> str:
        args = SearchArgs.model_validate(raw)
        stage_id = args.stage_id
        if stage_id is not None:
            stage_id = find_stage(self.journey_map, stage_id).id
        filters = SearchFilters(
            stage_id=stage_id, lane=args.lane, persona=args.persona, source_kind=args.source_kind
        )
        try:
            hits = self.context.search(args.query, filters=filters, k=min(args.k, MAX_HITS))
        except Exception as error:  # the index or the embedder: shown, and told to the model
            self.warnings.append(f"the search failed: {type(error).__name__}: {error}"[:300])
            return self.error("search_evidence", "the search failed", str(error)[:300])
        lines = []
        for hit in hits[:MAX_HITS]:
            citation = self.remember(hit.citation)
            if citation is None:
                self.warnings.append(
                    f"a search result from {hit.citation.source_id} was dropped: its quote is not "
                    "in the source at its offsets (re-ingest to refresh the index)"
                )
                continue
            entry: dict[str, Any] = {
                "cite": citation.label(),
                "source_id": citation.source_id,
                "quote": citation.quote,
                "score": round(hit.score, 3),
            }
            if hit.item_ids:
                entry["cited_by_items"] = hit.item_ids
            lines.append(json.dumps(entry, ensure_ascii=False))
        if not lines:
            return "search_evidence: no passage matches. Try other words or fewer filters."
        count = f"{len(lines)} passage{'s' if len(lines) > 1 else ''}"
        header = f"search_evidence: {count} (cite them by their 'cite' label)."
        return f"{header}\n{self.data('search_evidence', chr(10).join(lines))}"

    def remember(self, citation: Citation) -> Citation | None:
        """Verify a quote shown to the model and keep it as a possible citation."""
        checked = verified(citation, self.context.sources)
        if checked is not None:
            self.seen.setdefault(citation_key(checked), checked)
        return checked

    # -- read_map --------------------------------------------------------------------------------
    def read_map(self, raw: dict[str, Any]) -> str:
        args = ReadMapArgs.model_validate(raw)
        journey = self.journey_map
        stages = journey.stages
        if args.stage_id is not None:
            stages = [find_stage(journey, args.stage_id)]
        lines = [
            f"map {journey.id} «{journey.title}» revision {journey.revision}, language "
            f"{journey.language}, persona {journey.persona or '-'}, {len(journey.items())} items"
        ]
        for stage in stages:
            lines += _stage_lines(stage)
        return f"read_map:\n{self.data('read_map', chr(10).join(lines))}"

    # -- explain_item ----------------------------------------------------------------------------
    def explain_item(self, raw: dict[str, Any]) -> str:
        args = ExplainArgs.model_validate(raw)
        journey = self.journey_map
        item = find_item(journey, args.item_id)
        stage = next(stage for stage, other in journey.items() if other.id == item.id)
        texts = {other.id: other.text for _, other in journey.items()}
        entry: dict[str, Any] = {
            "id": item.id,
            "stage": stage.id,
            "lane": item.lane.value,
            "status": item.status.value,
            "text": item.text,
        }
        if item.valence is not None:
            entry["valence"] = item.valence
        entry["support"] = item.support.model_dump()
        quotes = []
        kept: list[Citation] = []
        for evidence in item.evidence:
            citation = self.remember(Citation.of_evidence(evidence))
            if citation is None:
                self.warnings.append(
                    f"a quote of {item.id} is not found in {evidence.source_id} (run verify)"
                )
                quotes.append(
                    {"source_id": evidence.source_id, "quote": evidence.quote, "unverified": True}
                )
                continue
            kept.append(citation)
            quotes.append(
                {"cite": citation.label(), "source_id": citation.source_id, "quote": citation.quote}
            )
        if quotes:
            entry["quotes"] = quotes
        if item.cites:
            entry["cites"] = [{"id": i, "text": texts.get(i, "?")} for i in item.cites]
        cited_by = [other.id for _, other in journey.items() if item.id in other.cites]
        if cited_by:
            entry["cited_by"] = cited_by
        self.explained[item.id] = kept
        body = json.dumps(entry, ensure_ascii=False)
        return f"explain_item {item.id}:\n{self.data('explain_item', body)}"

    # -- propose_edits ---------------------------------------------------------------------------
    def propose_edits(self, raw: dict[str, Any]) -> str:
        name = "propose_edits"
        if self.refused_proposals >= MAX_REFUSED_PROPOSALS:
            return (
                f"{name} declined: {self.refused_proposals} proposals were refused already. "
                "Stop proposing; tell the user what you wanted to change and why it was refused."
            )
        if isinstance(raw.get("operations"), str):  # double-encoded by some models
            with contextlib.suppress(ValueError):
                raw = {**raw, "operations": json.loads(raw["operations"])}
        try:
            args = ProposeArgs.model_validate(raw)
            if not args.operations:
                raise ParcoursError("no operation given", "give at least one operation")
            operations = parse_operations(args.operations)
            apply_operations(self.journey_map, operations, self.context.sources)  # dry run
        except (ParcoursError, ValidationError) as refused:
            self.refused_proposals += 1
            left = MAX_REFUSED_PROPOSALS - self.refused_proposals
            detail = str(refused)
            if isinstance(refused, ValidationError):
                detail = "; ".join(e["msg"] for e in refused.errors()[:3])
            return (
                f"{name} REFUSED: nothing was recorded. Fix the operations and call {name} "
                f"again with the full list ({left} attempt{'s' if left != 1 else ''} left).\n"
                + self.data(name, detail)
            )
        self.proposal = Proposal(
            base_revision=self.journey_map.revision,
            operations=operations,
            descriptions=[
                describe_operation(op, self.language, self.journey_map) for op in operations
            ],
        )
        self.proposal_message = args.message.strip()
        lines = "\n".join(f"{n}. {d}" for n, d in enumerate(self.proposal.descriptions, 1))
        return (
            f"{name}: proposal recorded on revision {self.journey_map.revision}, NOT applied — "
            "the user approves or refuses it. Now answer the user: say what you propose and why, "
            "with the quotes that support it.\n" + self.data(name, lines)
        )


def _stage_lines(stage: Stage) -> list[str]:
    head = f"stage {stage.id} «{stage.name}»"
    if stage.valence is not None:
        head += f" valence {stage.valence:+.1f}"
    if stage.moments_of_truth:
        marks = [
            m.kind.value + (f"({m.item_id})" if m.item_id else "") for m in stage.moments_of_truth
        ]
        head += " moments " + " ".join(marks)
    return [head] + [f"  {_item_line(item)}" for item in stage.items]


def _item_line(item: Item) -> str:
    support = item.support
    if item.lane.customer_side:
        basis = f"{support.quotes}q/{support.sources}src/{support.participants}p"
    else:
        basis = "cites " + ",".join(item.cites)
    valence = f" v{item.valence:+d}" if item.valence is not None else ""
    text = item.text if len(item.text) <= 160 else item.text[:159] + "…"
    return f"{item.id} {item.lane.value} {item.status.value}{valence} {basis}: {text}"
