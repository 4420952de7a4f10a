"""LLM repair cost under faults, through the counting server, same run (`make bench`).

A share of the first answers' claims fails grounding — the scripted server's fault knobs:
misquoted (paraphrased, truncated, accents stripped), citing unknown segment numbers, quoting
the interviewer — and the build repairs what it can. Each row is measured twice on the same
corpus, against fresh servers with the same knobs:

- **targeted** — the chain's repair: refusals are final, and only the misquoted items go back,
  batched, each with its segments' text;
- **whole conversation** — the v1 repair, replayed here as the comparison row (and only here):
  every chunk with a failing item sends its conversation again (system, data, the model's
  answer, the problems, `repair` prompt v1) and the whole new answer is checked.

Reported: extraction input tokens ÷ source tokens (the chain's estimate, 4 characters a token,
counted by the server on everything a request carries), the claims that reached the map, and
evidence validity (every quote of the map re-checked by `verify_map`).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import prompts
from assistant.evidence.verify import verify_map
from assistant.extract.answers import check_item
from assistant.extract.chunks import estimate_tokens
from assistant.extract.llm import LLMExtractor, add_usage
from assistant.extract.repair import ChunkState
from assistant.model import Ungrounded
from assistant.project import Project
from assistant.providers.openai import OpenAIProvider
from assistant.providers.retry import RetryPolicy
from assistant.testing import ScriptedOpenAIServer
from assistant.testing.model import KINDS
from ingest.embedders import HashingEmbedder

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
MIX = {"misquote": 0.6, "unknown_ids": 0.2, "interviewer": 0.2}
"""How a failing share splits between the knobs (a review has no interviewer: its share of
interviewer quotes becomes unknown numbers)."""


@dataclass(frozen=True)
class Row:
    label: str
    share: float
    mix: dict[str, float]
    goal: str


ROWS = (
    Row("0 %", 0.0, MIX, "≤ 1.25"),
    Row("30 %", 0.3, MIX, "≤ 1.35"),
    Row("100 %", 1.0, MIX, "≤ 1.6"),
    Row("100 %, all misquoted", 1.0, {"misquote": 1.0}, "≤ 1.6"),
)


class ConversationRepair(LLMExtractor):
    """The v1 strategy, for the comparison row only: whole conversations go back."""

    def _repair(self, states: Sequence[ChunkState], run: Any, pool: Executor) -> None:
        failing = [state for state in states if state.pending or state.final]
        list(pool.map(lambda state: self._converse(state, run), failing))

    def _converse(self, state: ChunkState, run: Any) -> None:
        from langchain_core.messages import AIMessage, HumanMessage

        prompt = prompts.load("repair", run.language, version=1)
        rejected: list[tuple[dict[str, Any], Ungrounded]] = [
            (entry.item, entry.ungrounded) for entry in state.pending
        ] + state.final
        state.pending, state.final = [], []
        messages, raw = list(state.messages), state.raw
        for _ in range(self.max_repairs):
            if not rejected:
                break
            problems = "\n".join(f"- {u.quote!r}: {u.reason}" for _, u in rejected[:20])
            messages += [AIMessage(raw_text(raw)), HumanMessage(prompt.render(problems=problems))]
            raw, items, _problem = self._call(run.schemas(state.offer), messages)
            state.calls += 1
            add_usage(state.usage, raw)
            if items is None:
                continue
            checks = [check_item(item, state.offer, run.validator) for item in items]
            for check in checks:
                if check.claim is not None:
                    state.accept(check.item, check.claim)
            rejected = [(c.item, c.ungrounded) for c in checks if c.ungrounded is not None]
        state.final = rejected


def raw_text(raw: Any) -> str:
    """The model's answer as the conversation shows it back to the model."""
    calls = getattr(raw, "tool_calls", None) or []
    if calls:
        return json.dumps(calls[0].get("args", {}), ensure_ascii=False)
    content = getattr(raw, "content", "")
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


def measure(project: Project, row: Row, strategy: type[LLMExtractor]) -> dict[str, Any]:
    misquote, unknown_ids, interviewer = (row.share * row.mix.get(kind, 0.0) for kind in KINDS)
    with ScriptedOpenAIServer(
        misquote=misquote, unknown_ids=unknown_ids, interviewer=interviewer
    ) as server:
        provider = OpenAIProvider("counting", base_url=server.base_url)
        extractor = strategy(provider, retry=RetryPolicy(sleep=lambda _: None))
        built = project.build(provider="openai", llm=extractor).map
    check = verify_map(built, {s.id: s for s in project.cited_sources(built)})
    counts = dict(server.knobs.counts)
    return {
        "tokens": int(built.provenance.parameters["extraction_input_tokens"]),
        "claims": counts.pop("claims", 0),
        "faulted": counts,
        "in_map": sum(len(item.evidence) for _, item in built.items()),
        "validity": (check.checked - len(check.problems)) / max(1, check.checked),
    }


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(SAMPLES / "interviews", root / "corpus" / "interviews")
        shutil.copytree(SAMPLES / "reviews", root / "corpus" / "reviews")
        project = Project(root / "ws", embedder=HashingEmbedder())
        project.ingest([root / "corpus"])
        source_tokens = sum(estimate_tokens(s.text) for s in project.workspace.load_sources())
        rows = [
            {
                "row": row,
                "targeted": measure(project, row, LLMExtractor),
                "conversation": measure(project, row, ConversationRepair),
            }
            for row in ROWS
        ]
    return {"source_tokens": source_tokens, "rows": rows}
