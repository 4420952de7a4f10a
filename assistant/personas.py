"""Personas: given by the user as a mapping file, or proposed by the model with grounded quotes.

1. A mapping file (CSV or JSON) says which sources belong to which persona, by source id or file
   name, glob patterns allowed (`fr-0*`, `avis-fr.csv`). `apply_persona_mapping` sets
   `Source.persona` and records, in the source's metadata, the rule that set it and the front
   matter value it overrode. Pure, apart from `load_persona_mapping` reading the file.
2. `propose_personas` makes ONE structured-output call over compact digests of the sources (see
   `source_digests`) and grounds every quote the model cites with the same aligner as map
   items: what does not align is reported, never kept; a proposal citing no known source is
   dropped with the reason.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

import prompts
from assistant.claims import Claim, ground_claim
from assistant.errors import ConfigError, ParcoursError
from assistant.extract.chunks import (
    Chunk,
    ChunkPart,
    TokenCounter,
    estimate_tokens,
    render_chunk,
)
from assistant.extract.llm import METHODS, add_usage, compact_schema, rejects_method
from assistant.grounding import FUZZY_THRESHOLD, SourceText
from assistant.model import Evidence, Lane, Role, Source, TokenUsage, Ungrounded
from assistant.providers.retry import RetryPolicy

# -- 1. mapping files --------------------------------------------------------------------------

PERSONA_FROM = "persona_from"
"""Metadata key: which mapping rule set the persona ("mapping:<pattern>")."""
PERSONA_OVERRIDDEN = "persona_overridden"
"""Metadata key: the persona the front matter gave, when a mapping rule replaced it."""

_KEY_COLUMNS = ("source", "source_id", "id", "file", "name", "pattern", "fichier")
_PERSONA_COLUMNS = ("persona", "segment")


def load_persona_mapping(path: Path | str) -> dict[str, str]:
    """Pattern → persona name, in the file's order, from a CSV or JSON file.

    CSV (`,` `;` or tab): two columns, source pattern then persona; a header row naming them
    (source/id/file/pattern, persona/segment) is optional. JSON: `{"fr-0*": "impulsive", …}`,
    or `{"impulsive": ["fr-0*", "avis-fr-001"], …}` (persona → patterns), or a list of
    `{"source": …, "persona": …}` records. Patterns match a source's id or its file name.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise ConfigError(
            f"{path}: cannot read the persona mapping ({error.strerror or error})",
            "pass a CSV or JSON file mapping source ids or file names to personas",
        ) from error
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path}: the persona mapping is not UTF-8", "save it as UTF-8"
        ) from error
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        mapping = parse_json_mapping(text, str(path))
    else:
        mapping = parse_csv_mapping(text, str(path))
    if not mapping:
        raise ConfigError(
            f"{path}: the persona mapping is empty", "add lines such as: fr-0*,impulsive"
        )
    return mapping


def parse_csv_mapping(text: str, where: str = "mapping") -> dict[str, str]:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        return {}
    try:
        dialect: Any = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [row for row in csv.reader(lines, dialect) if any(cell.strip() for cell in row)]
    header = [cell.strip().casefold() for cell in rows[0]] if rows else []
    key_col, persona_col = 0, 1
    if any(name in header for name in _PERSONA_COLUMNS):
        persona_col = next(i for i, name in enumerate(header) if name in _PERSONA_COLUMNS)
        key_col = next(
            (i for i, name in enumerate(header) if name in _KEY_COLUMNS),
            0 if persona_col != 0 else 1,
        )
        rows = rows[1:]
    mapping: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if max(key_col, persona_col) >= len(cells) or not cells[key_col]:
            raise ConfigError(
                f"{where}: row {number} ({','.join(row)!r}) does not give a source and a persona",
                "write one 'source pattern,persona' pair per line",
            )
        _add_rule(mapping, cells[key_col], cells[persona_col], where)
    return mapping


def parse_json_mapping(text: str, where: str = "mapping") -> dict[str, str]:
    hint = 'write {"fr-0*": "impulsive"} or {"impulsive": ["fr-0*"]}'
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ConfigError(f"{where}: not valid JSON ({error})", hint) from error
    mapping: dict[str, str] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str):
                _add_rule(mapping, key, value, where)
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                for pattern in value:
                    _add_rule(mapping, pattern, key, where)
            else:
                raise ConfigError(f"{where}: the value of {key!r} is not a name or a list", hint)
    elif isinstance(data, list):
        for record in data:
            if not isinstance(record, dict):
                raise ConfigError(f"{where}: {record!r} is not an object", hint)
            key = next((record[k] for k in _KEY_COLUMNS if isinstance(record.get(k), str)), None)
            persona = next(
                (record[k] for k in _PERSONA_COLUMNS if isinstance(record.get(k), str)), None
            )
            if key is None or persona is None:
                raise ConfigError(f"{where}: {record!r} lacks a source or a persona", hint)
            _add_rule(mapping, key, persona, where)
    else:
        raise ConfigError(f"{where}: expected an object or a list", hint)
    return mapping


def _add_rule(mapping: dict[str, str], pattern: str, persona: str, where: str) -> None:
    pattern, persona = pattern.strip(), persona.strip()
    if not pattern or not persona:
        raise ConfigError(
            f"{where}: empty source pattern or persona ({pattern!r} → {persona!r})",
            "every rule needs both",
        )
    previous = mapping.get(pattern)
    if previous is not None and previous != persona:
        raise ConfigError(
            f"{where}: {pattern!r} is mapped to both {previous!r} and {persona!r}",
            "keep one persona per pattern",
        )
    mapping[pattern] = persona


@dataclass(frozen=True)
class PersonaAssignment:
    """What a mapping does to one source."""

    source_id: str
    persona: str
    pattern: str
    previous: str | None
    """The persona the source had before (front matter), if any."""

    @property
    def overrides(self) -> bool:
        return self.previous is not None and self.previous != self.persona

    @property
    def note(self) -> str:
        if self.overrides:
            return (
                f"{self.source_id}: persona {self.persona!r} from the mapping ({self.pattern!r}) "
                f"overrides {self.previous!r} from the front matter"
            )
        return f"{self.source_id}: persona {self.persona!r} from the mapping ({self.pattern!r})"


def _candidates(source: Source) -> list[str]:
    """The names a pattern may match: the id, the file name, the file name without '#row N'."""
    names = [source.id, source.name]
    if "#" in source.name:
        names.append(source.name.split("#", 1)[0])
    return [name.casefold() for name in names]


def match_persona(source: Source, mapping: Mapping[str, str]) -> tuple[str, str] | None:
    """(pattern, persona) of the rule that applies to `source`: a literal id or file name beats
    any glob; among globs the first in the file wins. Case-insensitive."""
    names = _candidates(source)
    for pattern, persona in mapping.items():
        if pattern.casefold() in names:
            return pattern, persona
    for pattern, persona in mapping.items():
        if any(fnmatchcase(name, pattern.casefold()) for name in names):
            return pattern, persona
    return None


def plan_persona_mapping(
    sources: Sequence[Source], mapping: Mapping[str, str]
) -> tuple[list[PersonaAssignment], list[str]]:
    """Assignments for the sources a rule matches, and the patterns that matched no source
    (most likely typos: show them)."""
    assignments: list[PersonaAssignment] = []
    used: set[str] = set()
    for source in sources:
        found = match_persona(source, mapping)
        if found is None:
            continue
        pattern, persona = found
        used.add(pattern)
        assignments.append(PersonaAssignment(source.id, persona, pattern, source.persona))
    return assignments, [pattern for pattern in mapping if pattern not in used]


def apply_persona_mapping(sources: Sequence[Source], mapping: Mapping[str, str]) -> list[Source]:
    """The sources, in order, with `persona` set where a rule matches (others unchanged).

    The mapping wins over the front matter and says so: `metadata["persona_from"]` names the
    rule, and `metadata["persona_overridden"]` keeps the front matter's value it replaced.
    """
    assignments = {a.source_id: a for a in plan_persona_mapping(sources, mapping)[0]}
    result: list[Source] = []
    for source in sources:
        assignment = assignments.get(source.id)
        if assignment is None:
            result.append(source)
            continue
        metadata = dict(source.metadata)
        metadata[PERSONA_FROM] = f"mapping:{assignment.pattern}"
        if assignment.overrides and assignment.previous is not None:
            metadata.setdefault(PERSONA_OVERRIDDEN, assignment.previous)
        result.append(
            source.model_copy(update={"persona": assignment.persona, "metadata": metadata})
        )
    return result


def mapping_csv(mapping: Mapping[str, str]) -> str:
    """A mapping as the CSV `load_persona_mapping` reads (to save a proposal for editing)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["source", "persona"])
    writer.writerows(mapping.items())
    return buffer.getvalue()


# -- 2. proposals by the model -----------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QuoteDraft(_Strict):
    source: str
    quote: str


class PersonaDraft(_Strict):
    """One persona as the model writes it (the answer's schema; nothing checked yet)."""

    name: str
    description: str
    traits: list[str]
    source_ids: list[str]
    quotes: list[QuoteDraft]


class PersonaAnswer(_Strict):
    personas: list[PersonaDraft]


class PersonaProposal(_Strict):
    """A persona the model proposed, with only the quotes that aligned to their sources."""

    name: str = Field(min_length=1)
    description: str = Field(description="In the corpus language")
    traits: list[str] = Field(
        default_factory=list, description="Buying habits, situation, attitudes"
    )
    source_ids: list[str] = Field(min_length=1)
    evidence: list[Evidence] = Field(default_factory=list)


class DroppedProposal(_Strict):
    name: str
    reason: str


class DigestInfo(_Strict):
    included: dict[str, int] = Field(default_factory=dict, description="Source id → sentences sent")
    omitted: list[str] = Field(
        default_factory=list, description="Sources left out: the token budget was spent"
    )
    tokens: int = 0


class ProposalResult(_Strict):
    proposals: list[PersonaProposal]
    ungrounded: list[Ungrounded] = Field(default_factory=list)
    dropped: list[DroppedProposal] = Field(default_factory=list)
    problems: list[str] = Field(
        default_factory=list, description="Unknown source ids and other things set aside"
    )
    digest: DigestInfo = Field(default_factory=DigestInfo)
    usage: TokenUsage = Field(default_factory=TokenUsage)
    method: str
    prompt_version: str

    def mapping(self) -> dict[str, str]:
        """Source id → persona name (a source claimed by two proposals goes to the first)."""
        mapping: dict[str, str] = {}
        for proposal in self.proposals:
            for source_id in proposal.source_ids:
                mapping.setdefault(source_id, proposal.name)
        return mapping


PROMPT_NAME = "personas"
DIGEST_BUDGET = 6000
"""Tokens of source sentences sent in the one call (≈ 24k characters)."""
MIN_WORDS = 4
"""Participant sentences shorter than this ("Oui.", "Bah non.") say nothing about a person."""
MIN_SHARE = 60
"""Tokens every source gets at least, so a source is never cut to nothing."""

_JSON_MODE_HINT = (
    'Answer with one JSON object: {"personas": [{"name": "...", "description": "...", '
    '"traits": ["..."], "source_ids": ["..."], "quotes": [{"source": "...", "quote": "..."}]}]}'
)


def _participant_sentences(source: Source) -> list[tuple[int, int]]:
    spans = [
        (s.start, s.end) for s in source.segments if s.role != Role.INTERVIEWER and s.end > s.start
    ]
    if not spans and not source.segments and source.text.strip():
        spans = [(0, len(source.text))]
    long = [(a, b) for a, b in spans if len(source.text[a:b].split()) >= MIN_WORDS]
    return long or spans


def select_sentences(texts: Sequence[str], share: int, count: TokenCounter) -> list[int]:
    """Indexes of the sentences to send for one source, within `share` tokens, in text order.

    Half the share goes to the opening sentences (who the person is, how they came), the other
    half to sentences spread evenly over the rest (how they buy, use, complain, recommend).
    """
    chosen: list[int] = []
    used = 0
    head_budget = share // 2
    n = 0
    while n < len(texts) and used + count(texts[n]) <= head_budget:
        chosen.append(n)
        used += count(texts[n])
        n += 1
    rest = list(range(n, len(texts)))
    if rest:
        remaining = share - used
        average = max(1, sum(count(texts[i]) for i in rest) // len(rest))
        wanted = max(1, remaining // average)
        step = max(1.0, len(rest) / wanted)
        position = 0.0
        while int(position) < len(rest):
            index = rest[int(position)]
            cost = count(texts[index])
            if used + cost > share:
                break
            chosen.append(index)
            used += cost
            position += step
    if not chosen and texts:
        chosen = [0]  # one sentence at least, even over the share
    return sorted(chosen)


def allot_budget(costs: Sequence[int], budget: int, floor: int = MIN_SHARE) -> list[int]:
    """Tokens for each source (0: omitted). Water-filling: a source needing less than an equal
    share takes only what it needs and the rest goes to the others, so 40 short reviews leave
    room for the long interviews. Each source gets at least `floor`; when the budget cannot give
    every source its floor, the sources beyond it (in the given order) are omitted."""
    fits = len(costs) if floor <= 0 else min(len(costs), max(1, budget // floor))
    allotted = [0] * len(costs)
    remaining = budget
    order = sorted(range(fits), key=lambda i: (costs[i], i))
    for rank, index in enumerate(order):
        share = max(floor, remaining // (fits - rank))
        allotted[index] = min(costs[index], share)
        remaining -= allotted[index]
    return allotted


def source_digests(
    sources: Sequence[Source],
    budget_tokens: int = DIGEST_BUDGET,
    count: TokenCounter = estimate_tokens,
) -> tuple[list[Source], DigestInfo]:
    """Compact stand-ins for the sources: the same ids, `text` = chosen participant sentences
    verbatim, one per line (so any quote copied from a digest is in its source).

    The budget is shared by `allot_budget`; within a source, `select_sentences` picks the
    opening sentences and others spread over the rest. Sources left out are listed.
    """
    info = DigestInfo()
    digests: list[Source] = []
    candidates: list[tuple[Source, list[str]]] = []
    for source in sources:
        spans = _participant_sentences(source)
        texts = [" ".join(source.text[a:b].split()) for a, b in spans]
        if texts:
            candidates.append((source, texts))
    costs = [sum(count(text) for text in texts) for _, texts in candidates]
    for (source, texts), tokens in zip(candidates, allot_budget(costs, budget_tokens), strict=True):
        if tokens <= 0:
            info.omitted.append(source.id)
            continue
        chosen = select_sentences(texts, tokens, count)
        body = "\n".join(texts[i] for i in chosen)
        info.tokens += count(body)
        info.included[source.id] = len(chosen)
        digests.append(source.model_copy(update={"text": body, "segments": []}))
    return digests, info


def persona_messages(
    sources: Sequence[Source],
    language: str,
    max_personas: int,
    budget_tokens: int = DIGEST_BUDGET,
    count: TokenCounter = estimate_tokens,
) -> tuple[str, str, DigestInfo]:
    """System prompt, data message (digests in nonce tags) and what the digest holds."""
    digests, info = source_digests(sources, budget_tokens, count)
    system = prompts.load(PROMPT_NAME, language).render(max_personas=str(max_personas))
    chunk = Chunk(tuple(ChunkPart(d.id, 0, len(d.text)) for d in digests))
    data, _ = render_chunk(chunk, {d.id: d for d in digests})
    return system, data, info


def propose_personas(
    sources: Sequence[Source],
    chat_model: Any,
    language: str,
    *,
    max_personas: int = 4,
    retry: RetryPolicy | None = None,
    budget_tokens: int = DIGEST_BUDGET,
    count_tokens: TokenCounter = estimate_tokens,
    threshold: float = FUZZY_THRESHOLD,
) -> ProposalResult:
    """Personas proposed by the model in ONE structured-output call, every quote grounded.

    `chat_model` is a LangChain chat model (`provider.chat_model()`), which must not retry by
    itself. Transient failures are retried by `retry`; a server rejecting json_schema falls
    back to function calling, then JSON mode. Raises ParcoursError when no answer comes.
    """
    if not sources:
        raise ParcoursError("no sources to propose personas from", "run `parcours ingest` first")
    system, data, info = persona_messages(
        sources, language, max_personas, budget_tokens, count_tokens
    )
    raw, parsed, method = _structured_call(chat_model, system, data, retry or RetryPolicy())
    usage = TokenUsage()
    add_usage(usage, raw)
    result = check_proposals(parsed, sources, max_personas=max_personas, threshold=threshold)
    return result.model_copy(
        update={
            "digest": info,
            "usage": usage,
            "method": method,
            "prompt_version": prompts.load(PROMPT_NAME, language).id,
        }
    )


def _structured_call(
    chat_model: Any, system: str, data: str, retry: RetryPolicy
) -> tuple[Any, dict[str, Any], str]:
    """(raw message, parsed answer, method used), falling back over METHODS like llm.py."""
    from langchain_core.messages import HumanMessage, SystemMessage

    schema = compact_schema(PersonaAnswer)
    messages: list[Any] = [SystemMessage(system), HumanMessage(data)]
    for index, method in enumerate(METHODS):
        runnable = chat_model.with_structured_output(schema, method=method, include_raw=True)
        sent = [*messages, HumanMessage(_JSON_MODE_HINT)] if method == "json_mode" else messages
        try:
            result = retry.call(partial(runnable.invoke, sent))
        except Exception as error:
            if index + 1 < len(METHODS) and rejects_method(error):
                continue
            raise ParcoursError(
                f"the call proposing personas failed: {type(error).__name__}: {error}"[:400],
                "check that the server runs, and --base-url / --model / OPENAI_API_KEY",
            ) from error
        parsed = result.get("parsed")
        if result.get("parsing_error") is not None or not isinstance(parsed, dict):
            problem = result.get("parsing_error") or "no JSON object in the answer"
            raise ParcoursError(
                f"the model's persona proposal is not valid JSON ({str(problem)[:200]})",
                "run it again, or use a model that supports structured output",
            )
        return result["raw"], parsed, method
    raise AssertionError("unreachable: the last method either answers or raises")


def check_proposals(
    answer: Mapping[str, Any],
    sources: Sequence[Source],
    *,
    max_personas: int = 4,
    threshold: float = FUZZY_THRESHOLD,
) -> ProposalResult:
    """Validate the model's answer persona by persona and ground every quote. Pure.

    A persona keeps the sources it names that exist and those of its grounded quotes; it is
    dropped, with the reason, when none is left. One bad persona never sinks the others.
    """
    by_id = {source.id: source for source in sources}
    texts = {source.id: SourceText(source.text) for source in sources}
    drafts = answer.get("personas")
    result = ProposalResult(proposals=[], method="", prompt_version="")
    if not isinstance(drafts, list):
        result.problems.append('the answer is not {"personas": [ … ]}')
        return result
    for position, raw in enumerate(drafts, start=1):
        name = str(raw.get("name") or f"#{position}") if isinstance(raw, dict) else f"#{position}"
        try:
            draft = PersonaDraft.model_validate(raw)
        except ValidationError as error:
            details = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:3]
            )
            result.dropped.append(DroppedProposal(name=name, reason=f"not valid: {details}"))
            continue
        if not draft.name.strip():
            result.dropped.append(DroppedProposal(name=name, reason="it has no name"))
            continue
        if len(result.proposals) >= max_personas:
            result.dropped.append(
                DroppedProposal(name=draft.name, reason=f"over the limit of {max_personas}")
            )
            continue
        proposal = _ground_draft(draft, by_id, texts, threshold, result)
        if proposal is not None:
            result.proposals.append(proposal)
    return result


def _ground_draft(
    draft: PersonaDraft,
    sources: Mapping[str, Source],
    texts: Mapping[str, SourceText],
    threshold: float,
    result: ProposalResult,
) -> PersonaProposal | None:
    name = draft.name.strip()
    source_ids: list[str] = []
    for source_id in draft.source_ids:
        if source_id in sources:
            source_ids.append(source_id)
        else:
            result.problems.append(f"persona {name!r}: unknown source {source_id!r} set aside")
    evidence: list[Evidence] = []
    for quote in draft.quotes:
        claim = Claim(
            stage_id=PROMPT_NAME,
            lane=Lane.MOTIVATION,  # any customer lane: the interviewer's words are refused
            text=f"persona {name}",
            quote=quote.quote,
            source_id=quote.source,
        )
        grounded = ground_claim(claim, sources, texts, threshold)
        if isinstance(grounded, Ungrounded):
            result.ungrounded.append(
                Ungrounded(
                    claim=f"persona {name}",
                    quote=quote.quote,
                    source_id=quote.source,
                    reason=grounded.reason,
                )
            )
        elif all((e.source_id, e.start) != (grounded.source_id, grounded.start) for e in evidence):
            evidence.append(grounded)
    source_ids = list(dict.fromkeys([*source_ids, *(e.source_id for e in evidence)]))
    if not source_ids:
        result.dropped.append(
            DroppedProposal(
                name=name,
                reason="it cites no source of the corpus"
                + (f" (named: {', '.join(draft.source_ids)})" if draft.source_ids else ""),
            )
        )
        return None
    return PersonaProposal(
        name=name,
        description=draft.description.strip(),
        traits=[trait.strip() for trait in draft.traits if trait.strip()],
        source_ids=source_ids,
        evidence=evidence,
    )
