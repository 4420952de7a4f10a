"""The LLM extractor: one structured-output call per chunk, validated, grounded, repaired, cached.

For each chunk (see `chunks.py`, which numbers every segment):
1. the cache answers if this model, prompt version and chunk text were seen before (0 tokens);
2. otherwise the model is called with `with_structured_output(method="json_schema")` — the
   chunk's segment numbers constrained — falling back by itself to function
   calling, then JSON mode, when a server rejects the method; transient failures (429 with
   Retry-After, 5xx, timeouts) are retried with backoff; an unreadable answer is asked again;
3. every item is validated and its citation checked (`answers.py`): a source or segment the
   request did not show, an interviewer's segment or an invalid item is refused; a quote not
   copied from its segments waits for a repair;
4. the waiting items of every chunk go back in targeted repairs (`repair.py`), each with only
   its segments' text, at most `max_repairs` times;
5. what still fails becomes `Ungrounded` with the reason; a chunk whose calls keep failing marks
   its sources as failed, and the build completes as partial, naming them.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, ValidationError

import prompts
from assistant.evidence.claims import Claim
from assistant.evidence.grounding import SourceText
from assistant.extract.answers import (
    Offer,
    all_invalid,
    check_item,
    compact_schema,
    extraction_schema,
    fix_validator,
    item_validator,
    offer_of,
    repair_schema,
)
from assistant.extract.chunks import Chunk, TokenCounter, estimate_tokens, plan_chunks, render_chunk
from assistant.extract.repair import (
    ChunkState,
    Pending,
    batches,
    fixes_by_item,
    merged,
    render_repair,
    shown_numbers,
)
from assistant.model import Source, Stage, TokenUsage, Ungrounded
from assistant.providers.base import ChatProvider
from assistant.providers.retry import RetryPolicy
from assistant.workspace import atomic_write

METHODS = ("json_schema", "function_calling", "json_mode")
CACHE_VERSION = "2"


@dataclass(frozen=True)
class Schemas:
    """What a call asks for: `strict` (with the request's enums) where the server accepts
    json_schema, `open` for function calling and JSON mode (validation does the checks)."""

    strict: type[BaseModel]
    open: type[BaseModel]

    def for_method(self, method: str) -> type[BaseModel]:
        return self.strict if method == "json_schema" else self.open


def json_mode_hint(schema: type[BaseModel]) -> str:
    return "Answer with one JSON object matching this JSON Schema: " + json.dumps(
        compact_schema(schema), ensure_ascii=False
    )


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


@dataclass(frozen=True)
class _Run:
    """What every chunk of one extraction shares."""

    stage_ids: tuple[str, ...]
    language: str
    sources: dict[str, Source]
    texts: dict[str, SourceText]
    system: str
    open_schema: type[BaseModel]
    validator: type[BaseModel]

    def schemas(self, offer: Offer) -> Schemas:
        strict = extraction_schema(self.stage_ids, offer.count)
        return Schemas(strict=strict, open=self.open_schema)


@dataclass(frozen=True)
class _Fixes:
    """A repair call's answer: items (or the problem when unreadable), or why the call failed."""

    raw: Any = None
    items: list[dict[str, Any]] | None = None
    problem: str | None = None
    failure: str | None = None


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


def prompt_version(language: str) -> str:
    names = ("extract", "repair", "reask")
    return "+".join(prompts.load(name, language).id for name in names)


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
            system=prompts.load("extract", language).render(stages=", ".join(stage_ids)),
            open_schema=extraction_schema(stage_ids),
            validator=item_validator(stage_ids),
        )

    def _messages(self, chunk: Chunk, run: _Run) -> tuple[str, str]:
        """Data message and cache key of a chunk."""
        data, _ = render_chunk(chunk, run.sources)
        payload = [
            CACHE_VERSION,
            self.provider.model,
            self.provider.endpoint,
            run.system,
            data,
            list(run.stage_ids),
        ]
        return data, hashlib.sha256(json.dumps(payload).encode()).hexdigest()

    def estimate(
        self, sources: Sequence[Source], stages: Sequence[Stage], language: str = "en"
    ) -> dict[str, int]:
        """Tokens a build would send, before spending any (cached chunks cost nothing)."""
        run = self._run(sources, stages, language)
        total = cached = 0
        chunks = self.plan(sources)
        for chunk in chunks:
            data, key = self._messages(chunk, run)
            if self.cache and self.cache.get(key) is not None:
                cached += 1
                continue
            strict = run.schemas(offer_of(chunk, run.sources, run.texts)).strict
            schema = self.count_tokens(json.dumps(compact_schema(strict)))
            total += self.count_tokens(run.system) + self.count_tokens(data) + schema
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
            states = list(pool.map(lambda chunk: self._first(chunk, run), chunks))
            self._repair(states, run, pool)
        usage = TokenUsage()
        failures: dict[str, str] = {}
        for state in states:
            self._store(state)
            usage.input_tokens += state.usage.input_tokens
            usage.output_tokens += state.usage.output_tokens
            if state.error:
                for source_id in state.chunk.source_ids:
                    failures[source_id] = state.error
        return LLMExtraction(
            claims=[claim for s in states for _, claim in s.accepted.values()],
            ungrounded=[entry for s in states for _, entry in s.final],
            usage=usage,
            failures=failures,
            method=METHODS[self._method],
            prompt_version=prompt_version(language),
            chunks=len(chunks),
            cached_chunks=sum(s.cached for s in states),
            calls=sum(s.calls for s in states),
        )

    def _first(self, chunk: Chunk, run: _Run) -> ChunkState:
        """The chunk's first readable answer (from the cache, or asked again while unreadable),
        its items filed as claims, refusals and pending problems."""
        from langchain_core.messages import HumanMessage, SystemMessage

        data, key = self._messages(chunk, run)
        offer = offer_of(chunk, run.sources, run.texts)
        state = ChunkState(chunk, key, offer, [SystemMessage(run.system), HumanMessage(data)])
        cached = self.cache.get(key) if self.cache else None
        if cached is not None:
            state.cached = True
            state.take([check_item(item, offer, run.validator) for item in cached], repair=False)
            return state
        schemas = run.schemas(offer)
        messages = state.messages
        for attempt in range(1 + self.max_repairs):
            try:
                raw, items, problem = self._call(schemas, messages)
            except Exception as error:  # after retries: report the chunk, keep the build going
                state.error = self._failure(error)
                return state
            state.calls += 1
            add_usage(state.usage, raw)
            last = attempt == self.max_repairs
            if items is not None:
                checks = [check_item(item, offer, run.validator) for item in items]
                if last or not all_invalid(checks):
                    state.raw = raw
                    state.take(checks)
                    return state
                first = checks[0].ungrounded
                problem = f"no item is valid ({first.reason if first else '?'})"
            elif last:
                state.error = f"no valid answer after {attempt + 1} calls: {problem}"[:400]
                return state
            reask = prompts.load("reask", run.language).render(problems=str(problem))
            messages = [*state.messages, HumanMessage(reask)]
        return state

    # -- targeted repair --------------------------------------------------------------------
    def _repair(self, states: Sequence[ChunkState], run: _Run, pool: Executor) -> None:
        """At most `max_repairs` rounds over every chunk's pending items, in batches."""
        for _ in range(self.max_repairs):
            pending = [entry for state in states for entry in state.pending]
            if not pending:
                break
            for state in states:
                state.pending = []
            groups = batches(pending, self.budget_tokens, self.count_tokens)
            answers = list(pool.map(lambda group: self._ask_fixes(group, run), groups))
            for group, answer in zip(groups, answers, strict=True):
                self._apply(group, answer, run)
        tried = f"still wrong after {self.max_repairs} repair(s)"
        if not self.max_repairs:
            tried = "repairs are off"
        for state in states:
            for entry in state.pending:
                state.give_up(entry, f"not repaired: {entry.note or tried}")
            state.pending = []

    def _ask_fixes(self, group: Sequence[Pending], run: _Run) -> _Fixes:
        from langchain_core.messages import HumanMessage, SystemMessage

        size = len(group)
        schemas = Schemas(
            strict=repair_schema(size, shown_numbers(group)), open=repair_schema(size)
        )
        data = prompts.load("repair", run.language).render(items=render_repair(group))
        try:
            raw, items, problem = self._call(
                schemas, [SystemMessage(run.system), HumanMessage(data)]
            )
        except Exception as error:
            return _Fixes(failure=self._failure(error))
        return _Fixes(raw=raw, items=items, problem=problem)

    def _apply(self, group: Sequence[Pending], answer: _Fixes, run: _Run) -> None:
        """File a repair answer: fixed items are checked again; left-out items are shown once;
        an unreadable answer leaves its items pending; a failed call ends their repair."""
        if answer.failure is not None:
            for entry in group:
                entry.state.give_up(entry, f"not repaired: {answer.failure}")
                entry.state.cacheable = False  # the next build asks again
            return
        owner = group[0].state
        owner.calls += 1
        add_usage(owner.usage, answer.raw)
        fixes, problem = _valid_fixes(answer)
        if fixes is None:
            for entry in group:
                entry.note = f"the repair answer was not valid: {problem}"[:300]
                entry.state.pending.append(entry)
            return
        chosen = fixes_by_item(fixes, len(group))
        for number, entry in enumerate(group, 1):
            fix = chosen.get(number)
            if fix is None:
                entry.state.give_up(entry, "left out of the repair answer")
                continue
            check = check_item(merged(entry, fix), entry.state.offer, run.validator)
            entry.state.take([check])

    def _store(self, state: ChunkState) -> None:
        if state.cached or state.error or not state.cacheable or self.cache is None:
            return
        self.cache.put(state.key, state.cache_items())

    def _failure(self, error: BaseException) -> str:
        failure = f"the model call failed: {type(error).__name__}: {error}"[:300]
        return failure + timeout_hint(error, self.provider)

    # -- calls ------------------------------------------------------------------------------
    def structured(
        self, schema: type[BaseModel], messages: list[Any]
    ) -> tuple[Any, list[dict[str, Any]] | None, str | None]:
        """One structured answer {"items": […]} to `messages` (naming calls use it too)."""
        return self._call(Schemas(schema, schema), messages)

    def _call(
        self, schemas: Schemas, messages: list[Any]
    ) -> tuple[Any, list[dict[str, Any]] | None, str | None]:
        """One answer: (raw message, items or None, the problem when None), with retries and
        the structured-output method fallback."""
        while True:
            with self._lock:
                method_index = self._method
            method = METHODS[method_index]
            schema = schemas.for_method(method)
            runnable = self._chat().with_structured_output(
                compact_schema(schema), method=method, include_raw=True
            )
            sent = messages
            if method == "json_mode":
                from langchain_core.messages import HumanMessage

                sent = [*messages, HumanMessage(json_mode_hint(schema))]
            try:
                result = self.retry.call(partial(runnable.invoke, sent), give_up=rejects_method)
            except Exception as error:
                if method_index + 1 < len(METHODS) and rejects_method(error):
                    with self._lock:
                        self._method = max(self._method, method_index + 1)
                    continue
                if type(error).__name__ == "LengthFinishReasonError":  # openai's parse() raises
                    return _cut_usage(error), None, _CUT
                raise
            raw = result["raw"]
            if (getattr(raw, "response_metadata", None) or {}).get("finish_reason") == "length":
                return raw, None, _CUT
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


_CUT = "the answer was cut at the output limit"


def _cut_usage(error: BaseException) -> Any:
    """What a cut answer cost (openai's error carries the completion)."""
    usage = getattr(getattr(error, "completion", None), "usage", None)
    metadata = {
        "input_tokens": getattr(usage, "prompt_tokens", 0) or 0,
        "output_tokens": getattr(usage, "completion_tokens", 0) or 0,
    }
    return SimpleNamespace(usage_metadata=metadata, content="")


def _valid_fixes(answer: _Fixes) -> tuple[list[dict[str, Any]] | None, str | None]:
    """The fixes that match the schema, or None (and why) when the answer is unreadable: not
    JSON, or items none of which is a fix."""
    if answer.items is None:
        return None, answer.problem
    validator = fix_validator()
    fixes = []
    for item in answer.items:
        try:
            fixes.append(validator.model_validate(item).model_dump())
        except ValidationError:
            continue
    if answer.items and not fixes:
        return None, "no item is a fix {item, segments, quote}"
    return fixes, None


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


def add_usage(usage: TokenUsage, raw: Any) -> None:
    metadata = getattr(raw, "usage_metadata", None) or {}
    usage.input_tokens += int(metadata.get("input_tokens", 0))
    usage.output_tokens += int(metadata.get("output_tokens", 0))
