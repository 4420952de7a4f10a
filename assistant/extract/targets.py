"""The ideal journey's target experiences worded by the chat model: one cheap call per map.

The call sees only the actual map's finding texts per stage (goals, expectations, obstacles:
what the extraction already wrote), never the sources. An answer must name a stage of the request
and fit TARGET_MAX characters; anything else keeps the offline wording and is reported.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, create_model

import prompts
from assistant.extract.llm import LLMExtractor, add_usage
from assistant.model import TokenUsage

TARGET_MAX = 240
TEXTS_SHOWN = 6
TEXT_CHARS = 140


@dataclass(frozen=True)
class TargetRequest:
    stage_id: str
    stage_name: str
    goals: Sequence[str]
    expectations: Sequence[str]
    obstacles: Sequence[str]


@dataclass
class Targets:
    texts: dict[str, str] = field(default_factory=dict)
    usage: TokenUsage = field(default_factory=TokenUsage)
    problems: list[str] = field(default_factory=list)
    prompt_version: str | None = None


def targets_schema(stage_ids: Sequence[str]) -> type[BaseModel]:
    stage_type: Any = Literal[tuple(stage_ids)]
    target = create_model(
        "StageTarget", __config__=ConfigDict(extra="forbid"), stage=(stage_type, ...),
        target=(str, ...),
    )  # fmt: skip
    return create_model(
        "StageTargets", __config__=ConfigDict(extra="forbid"), items=(list[target], ...)
    )


def render_stages(requests: Sequence[TargetRequest]) -> str:
    stages = [
        {
            "stage": r.stage_id,
            "name": r.stage_name,
            "goals": [t[:TEXT_CHARS] for t in r.goals[:TEXTS_SHOWN]],
            "expectations": [t[:TEXT_CHARS] for t in r.expectations[:TEXTS_SHOWN]],
            "obstacles": [t[:TEXT_CHARS] for t in r.obstacles[:TEXTS_SHOWN]],
        }
        for r in requests
    ]
    return f"<stages>\n{json.dumps({'stages': stages}, ensure_ascii=False)}\n</stages>"


def word_targets(llm: LLMExtractor, requests: Sequence[TargetRequest], language: str) -> Targets:
    """One call for every stage; a failed call is reported, not fatal (the offline wording
    stays)."""
    from langchain_core.messages import HumanMessage, SystemMessage

    targets = Targets()
    requests = [r for r in requests if r.goals or r.expectations]
    if not requests:
        return targets
    prompt = prompts.load("targets", language)
    targets.prompt_version = prompt.id
    ids = [r.stage_id for r in requests]
    data = render_stages(requests)
    payload = ["targets-1", llm.provider.model, llm.provider.endpoint, prompt.template, data]
    key = hashlib.sha256(json.dumps(payload).encode()).hexdigest()
    items = llm.cache.get(key) if llm.cache else None
    if items is None:
        messages = [SystemMessage(prompt.template), HumanMessage(data)]
        try:
            raw, items, problem = llm.structured(targets_schema(ids), messages)
        except Exception as error:  # after the provider's retries
            targets.problems.append(f"the wording call failed ({type(error).__name__})")
            return targets
        add_usage(targets.usage, raw)
        if items is None:
            targets.problems.append(str(problem))
            return targets
        if llm.cache:
            llm.cache.put(key, items)
    for item in items:
        stage, text = str(item.get("stage")), " ".join(str(item.get("target", "")).split())
        if stage in ids and 0 < len(text) <= TARGET_MAX:
            targets.texts[stage] = text
        else:
            targets.problems.append(f"target for {stage!r} refused")
    return targets
