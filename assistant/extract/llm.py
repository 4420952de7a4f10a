"""The LLM extractor: one structured-output call per chunk, validated, grounded, repaired, cached.

For each chunk (see `chunks.py`):
1. the cache answers if this model, prompt version and chunk text were seen before (0 tokens);
2. otherwise the model is called with `with_structured_output(method="json_schema")`, falling
   back by itself to function calling, then JSON mode, when a server rejects the method;
   transient failures (429 with Retry-After, 5xx, timeouts) are retried with backoff;
3. the answer is validated (schema) and every quote grounded by the aligner; problems go back to
   the model with the errors, at most `max_repairs` times;
4. what still fails becomes `Ungrounded` with the reason; a chunk whose calls keep failing marks
   its sources as failed, and the build completes as partial, naming them.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

import prompts
from assistant.evidence.claims import Claim, ground_claim
from assistant.evidence.grounding import SourceText
from assistant.extract.chunks import Chunk, TokenCounter, estimate_tokens, plan_chunks, render_chunk
from assistant.model import CUSTOMER_LANES, Lane, Source, Stage, TokenUsage, Ungrounded
from assistant.providers.base import ChatProvider
from assistant.providers.retry import RetryPolicy
from assistant.workspace import atomic_write

METHODS = ("json_schema", "function_calling", "json_mode")
CACHE_VERSION = "1"
_JSON_MODE_HINT = (
    'Answer with one JSON object: {"items": [{"source": "...", "stage": "...", "lane": "action|'
    'motivation|question|obstacle|touchpoint|emotion|expectation", "text": "...", '
    '"quote": "...", "speaker": null, "valence": null}]}'
)


def extraction_schema(stage_ids: Sequence[str]) -> type[BaseModel]:
    """The answer's schema, with the map's stages and the customer lanes as enums."""
    stage_type: Any = Literal[tuple(stage_ids)]
    lane_type: Any = Literal[tuple(lane.value for lane in CUSTOMER_LANES)]
    item = create_model(
        "JourneyItem",
        __config__=ConfigDict(extra="forbid"),
        source=(str, ...),
        stage=(stage_type, ...),
        lane=(lane_type, ...),
        text=(str, ...),
        quote=(str, ...),
        speaker=(str | None, ...),
        valence=(int | None, ...),
    )
    return create_model(
        "JourneyExtraction", __config__=ConfigDict(extra="forbid"), items=(list[item], ...)
    )


def item_model(schema: type[BaseModel]) -> type[BaseModel]:
    """The item model inside an extraction schema (to validate items one by one)."""
    annotation = schema.model_fields["items"].annotation
    model: type[BaseModel] = annotation.__args__[0]  # type: ignore[union-attr]
    return model


def compact_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema, inlined, without titles or descriptions: the prompt explains the
    fields, and every token of schema is paid again on every call."""
    full = model.model_json_schema()
    definitions = full.pop("$defs", {})

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return strip(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {
                key: strip(value)
                for key, value in node.items()
                if key not in ("title", "description", "additionalProperties")
            }
        if isinstance(node, list):
            return [strip(value) for value in node]
        return node

    schema: dict[str, Any] = strip(full)
    schema["title"] = model.__name__  # the name a tool or response format needs
    return schema


class ResponseCache:
    """Final answers per chunk on disk, keyed by model, endpoint, prompts, stages and text."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, key: str) -> list[dict[str, Any]] | None:
        path = self.folder / f"{key}.json"
        if not path.is_file():
            return None
        try:
            items: list[dict[str, Any]] = json.loads(path.read_text("utf-8"))["items"]
        except (OSError, ValueError, KeyError):
            return None  # a damaged entry is a miss, never an error
        return items

    def put(self, key: str, items: list[dict[str, Any]]) -> None:
        atomic_write(self.folder / f"{key}.json", json.dumps({"items": items}).encode())


@dataclass
class ChunkOutcome:
    claims: list[Claim] = field(default_factory=list)
    ungrounded: list[Ungrounded] = field(default_factory=list)
    usage: TokenUsage = field(default_factory=TokenUsage)
    cached: bool = False
    calls: int = 0
    error: str | None = None


@dataclass(frozen=True)
class _Run:
    """What every chunk of one extraction shares."""

    stage_ids: tuple[str, ...]
    language: str
    sources: dict[str, Source]
    texts: dict[str, SourceText]
    schema: type[BaseModel]


@dataclass
class LLMExtraction:
    claims: list[Claim]
    ungrounded: list[Ungrounded]
    usage: TokenUsage
    failures: dict[str, str]
    method: str
    prompt_version: str
    chunks: int
    cached_chunks: int
    calls: int


class LLMExtractor:
    name = "llm"

    def __init__(
        self,
        provider: ChatProvider,
        *,
        cache: ResponseCache | None = None,
        retry: RetryPolicy | None = None,
        concurrency: int = 4,
        budget_tokens: int = 6000,
        max_repairs: int = 2,
        count_tokens: TokenCounter = estimate_tokens,
    ) -> None:
        self.provider = provider
        self.cache = cache
        self.retry = retry or RetryPolicy()
        self.concurrency = max(1, concurrency)
        self.budget_tokens = budget_tokens
        self.max_repairs = max_repairs
        self.count_tokens = count_tokens
        self._method = 0
        self._lock = threading.Lock()
        self._model: Any = None

    # -- planning ---------------------------------------------------------------------------
    def plan(self, sources: Sequence[Source]) -> list[Chunk]:
        return plan_chunks(sources, self.budget_tokens, self.count_tokens)

    def _run(self, sources: Sequence[Source], stages: Sequence[Stage], language: str) -> _Run:
        stage_ids = tuple(stage.id for stage in stages)
        return _Run(
            stage_ids=stage_ids,
            language=language,
            sources={source.id: source for source in sources},
            texts={source.id: SourceText(source.text) for source in sources},
            schema=extraction_schema(stage_ids),
        )

    def _messages(self, chunk: Chunk, run: _Run) -> tuple[str, str, str]:
        """System prompt, data message and cache key of a chunk."""
        system = prompts.load("extract", run.language).render(stages=", ".join(run.stage_ids))
        data, _ = render_chunk(chunk, run.sources)
        payload = [
            CACHE_VERSION,
            self.provider.model,
            self.provider.endpoint,
            system,
            data,
            list(run.stage_ids),
        ]
        return system, data, hashlib.sha256(json.dumps(payload).encode()).hexdigest()

    def estimate(
        self, sources: Sequence[Source], stages: Sequence[Stage], language: str = "en"
    ) -> dict[str, int]:
        """Tokens a build would send, before spending any (cached chunks cost nothing)."""
        run = self._run(sources, stages, language)
        schema = self.count_tokens(json.dumps(compact_schema(run.schema)))
        total = cached = 0
        chunks = self.plan(sources)
        for chunk in chunks:
            system, data, key = self._messages(chunk, run)
            if self.cache and self.cache.get(key) is not None:
                cached += 1
                continue
            total += self.count_tokens(system) + self.count_tokens(data) + schema
        return {
            "chunks": len(chunks),
            "cached_chunks": cached,
            "input_tokens": total,
            "source_tokens": sum(self.count_tokens(s.text) for s in sources),
        }

    # -- running ----------------------------------------------------------------------------
    def extract(
        self, sources: Sequence[Source], stages: Sequence[Stage], language: str = "en"
    ) -> LLMExtraction:
        """Claims of every source; item texts in `language` (the map's)."""
        run = self._run(sources, stages, language)
        chunks = self.plan(sources)
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            outcomes = list(pool.map(lambda chunk: self._run_chunk(chunk, run), chunks))
        usage = TokenUsage()
        failures: dict[str, str] = {}
        for chunk, outcome in zip(chunks, outcomes, strict=True):
            usage.input_tokens += outcome.usage.input_tokens
            usage.output_tokens += outcome.usage.output_tokens
            if outcome.error:
                for source_id in chunk.source_ids:
                    failures[source_id] = outcome.error
        return LLMExtraction(
            claims=[c for o in outcomes for c in o.claims],
            ungrounded=[u for o in outcomes for u in o.ungrounded],
            usage=usage,
            failures=failures,
            method=METHODS[self._method],
            prompt_version=f"{prompts.load('extract', language).id}"
            f"+{prompts.load('repair', language).id}",
            chunks=len(chunks),
            cached_chunks=sum(o.cached for o in outcomes),
            calls=sum(o.calls for o in outcomes),
        )

    def _run_chunk(self, chunk: Chunk, run: _Run) -> ChunkOutcome:
        system, data, key = self._messages(chunk, run)
        cached = self.cache.get(key) if self.cache else None
        if cached is not None:
            good, bad = self._check(cached, chunk, run)
            return ChunkOutcome(
                claims=[claim for _, claim in good], ungrounded=[u for _, u in bad], cached=True
            )
        return self._ask(chunk, system, data, key, run)

    def _ask(self, chunk: Chunk, system: str, data: str, key: str, run: _Run) -> ChunkOutcome:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        repair = prompts.load("repair", run.language)
        messages: list[Any] = [SystemMessage(system), HumanMessage(data)]
        outcome = ChunkOutcome()
        accepted: dict[tuple[str, str, str, str], tuple[dict[str, Any], Claim]] = {}
        rejected: list[tuple[dict[str, Any], Ungrounded]] = []
        cacheable = True
        for attempt in range(1 + self.max_repairs):
            try:
                raw, items, problem = self._call(run.schema, messages)
            except Exception as error:  # after retries: report the chunk, keep the build going
                failure = f"the model call failed: {type(error).__name__}: {error}"[:300]
                failure += timeout_hint(error, self.provider)
                if attempt == 0:
                    outcome.error = failure
                    return outcome
                # A repair call failed: what earlier answers got right stays in the map, and
                # what they got wrong is shown with its reason and this failure.
                rejected = [(item, _with_reason(u, failure)) for item, u in rejected]
                cacheable = False  # the next build asks again
                break
            outcome.calls += 1
            add_usage(outcome.usage, raw)
            if items is not None:
                good, rejected = self._check(items, chunk, run)
                for item, claim in good:  # a repair keeps what earlier answers got right
                    accepted.setdefault(
                        (claim.source_id, claim.stage_id, claim.lane.value, claim.quote),
                        (item, claim),
                    )
                problems = [f"- {u.quote!r}: {u.reason}" for _, u in rejected]
            else:
                problems = [f"- the answer is not valid: {problem}"]
            if not problems:
                break
            if attempt == self.max_repairs:
                if items is None and not accepted:
                    outcome.error = f"no valid answer after {attempt + 1} calls: {problem}"[:400]
                break
            messages += [
                AIMessage(_raw_text(raw)),
                HumanMessage(repair.render(problems="\n".join(problems[:20]))),
            ]
        outcome.claims = [claim for _, claim in accepted.values()]
        outcome.ungrounded = [u for _, u in rejected]
        if outcome.error is None and cacheable and self.cache is not None:
            self.cache.put(
                key, [item for item, _ in accepted.values()] + [item for item, _ in rejected]
            )
        return outcome

    def _check(
        self, items: list[dict[str, Any]], chunk: Chunk, run: _Run
    ) -> tuple[list[tuple[dict[str, Any], Claim]], list[tuple[dict[str, Any], Ungrounded]]]:
        """Items valid one by one and grounded in the chunk's sources; the others with reasons.

        One bad item never sinks the answer: it is reported (and sent back for repair) alone.
        """
        allowed = set(chunk.source_ids)
        validator = item_model(run.schema)
        good: list[tuple[dict[str, Any], Claim]] = []
        bad: list[tuple[dict[str, Any], Ungrounded]] = []
        for item in items:
            try:
                valid = validator.model_validate(item).model_dump()
            except ValidationError as error:
                details = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:3]
                )
                bad.append(_rejected(item, f"not a valid item: {details}"))
                continue
            if valid["source"] not in allowed:
                bad.append(_rejected(item, f"source {valid['source']!r} is not in this request"))
                continue
            claim = Claim(
                stage_id=valid["stage"],
                lane=Lane(valid["lane"]),
                text=valid["text"].strip() or valid["quote"],
                quote=valid["quote"],
                source_id=valid["source"],
                valence=_valence(valid["valence"]),
                score=0.8,
            )
            result = ground_claim(claim, run.sources, run.texts)
            if isinstance(result, Ungrounded):
                bad.append((item, result))
            else:
                good.append((item, claim))
        return good, bad

    def structured(
        self, schema: type[BaseModel], messages: list[Any]
    ) -> tuple[Any, list[dict[str, Any]] | None, str | None]:
        """One structured answer {"items": […]} to `messages` (naming calls use it too)."""
        return self._call(schema, messages)

    def _call(
        self, schema: type[BaseModel], messages: list[Any]
    ) -> tuple[Any, list[dict[str, Any]] | None, str | None]:
        """One answer: (raw message, validated items or None, the problem when None), with
        retries and the structured-output method fallback."""
        while True:
            with self._lock:
                method_index = self._method
            method = METHODS[method_index]
            runnable = self._chat().with_structured_output(
                compact_schema(schema), method=method, include_raw=True
            )
            sent = messages
            if method == "json_mode":
                from langchain_core.messages import HumanMessage

                sent = [*messages, HumanMessage(_JSON_MODE_HINT)]
            try:
                result = self.retry.call(partial(runnable.invoke, sent), give_up=rejects_method)
            except Exception as error:
                if method_index + 1 < len(METHODS) and rejects_method(error):
                    with self._lock:
                        self._method = max(self._method, method_index + 1)
                    continue
                raise
            raw = result["raw"]
            parsed = result.get("parsed")
            if result.get("parsing_error") is not None or not isinstance(parsed, dict):
                problem = result.get("parsing_error") or "no JSON object in the answer"
                return raw, None, f"not valid JSON ({str(problem)[:200]})"
            items = parsed.get("items")
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                return raw, None, 'the answer must be {"items": [ {…}, … ]}'
            return raw, items, None

    def _chat(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self.provider.chat_model()
            return self._model


def _rejected(item: dict[str, Any], reason: str) -> tuple[dict[str, Any], Ungrounded]:
    """An answer's item refused before grounding, keeping the stage and lane the model gave."""
    quote = item.get("quote")
    lane = item.get("lane")
    return item, Ungrounded(
        claim=str(item.get("text") or quote or "?"),
        quote=str(quote) if quote else None,
        source_id=str(item.get("source")),
        stage_id=str(item.get("stage")) if item.get("stage") is not None else None,
        lane=Lane(lane) if lane in {value.value for value in Lane} else None,
        reason=reason,
    )


def _with_reason(ungrounded: Ungrounded, failure: str) -> Ungrounded:
    reason = f"{ungrounded.reason}; not repaired: {failure}"
    return ungrounded.model_copy(update={"reason": reason[:500]})


def timeout_hint(error: BaseException, provider: ChatProvider) -> str:
    """What to raise when a call timed out (local servers answer one request at a time)."""
    if "timeout" not in type(error).__name__.lower() and "timed out" not in str(error).lower():
        return ""
    seconds = getattr(provider, "timeout", None)
    now = f" (now {seconds:g} s)" if isinstance(seconds, int | float) else ""
    return f" — raise PARCOURS_REQUEST_TIMEOUT{now} for a slow or busy server"


_METHOD_WORDS = ("response_format", "json_schema", "schema", "tool", "function", "support")


def rejects_method(error: BaseException) -> bool:
    """Does this error say the server lacks a structured-output method? 400/422/501 do; a 500
    does only when its message says so (llama.cpp's server answers json_schema with a 500),
    otherwise it is an ordinary server fault, already retried."""
    try:
        import openai
    except ImportError:  # pragma: no cover
        return False
    if isinstance(error, NotImplementedError):
        return True
    if not isinstance(error, openai.APIStatusError):
        return False
    if error.status_code in (400, 422, 501):
        return True
    message = str(error).lower()
    return error.status_code == 500 and any(word in message for word in _METHOD_WORDS)


def _raw_text(raw: Any) -> str:
    calls = getattr(raw, "tool_calls", None) or []
    if calls:
        return json.dumps(calls[0].get("args", {}), ensure_ascii=False)
    content = getattr(raw, "content", "")
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


def add_usage(usage: TokenUsage, raw: Any) -> None:
    metadata = getattr(raw, "usage_metadata", None) or {}
    usage.input_tokens += int(metadata.get("input_tokens", 0))
    usage.output_tokens += int(metadata.get("output_tokens", 0))


def _valence(value: Any) -> int | None:
    if isinstance(value, int | float):
        return max(-2, min(2, round(value)))
    return None
