"""Personas proposed by the model, each justified by sources and grounded quotes.

`propose_personas` makes ONE structured-output call over compact digests of the sources (see
`source_digests`) and grounds every quote the model cites with the same aligner as map items:
what does not align is reported, never kept; a proposal citing no known source is dropped with
the reason. The user turns a proposal into a mapping file (`ProposalResult.mapping`, then
`assistant.mapping.personas.mapping_csv`) to edit and apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

import prompts
from assistant.errors import ParcoursError
from assistant.evidence.claims import Claim, ground_claim
from assistant.evidence.grounding import FUZZY_THRESHOLD, SourceText
from assistant.extract.answers import compact_schema
from assistant.extract.chunks import (
    Chunk,
    ChunkPart,
    TokenCounter,
    estimate_tokens,
    render_chunk,
)
from assistant.extract.llm import METHODS, add_usage, rejects_method
from assistant.model import Evidence, Lane, Role, Source, TokenUsage, Ungrounded
from assistant.providers.retry import RetryPolicy


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
