"""The ideal journey's target experiences worded by the chat model: one cheap call per map.

The call sees only the actual map's finding texts per stage (goals, expectations, obstacles:
what the extraction already wrote), never the sources. An answer must name a stage of the request
and fit TARGET_MAX characters; anything else keeps the offline wording and is reported.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

import prompts
from assistant.extract.keyed_call import KeyedCall, KeyedTexts
from assistant.extract.llm import LLMExtractor

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


class Targets(KeyedTexts):
    """Target experiences by stage id (`texts`)."""


TARGETS = KeyedCall(
    tag="targets-1",
    model_name="StageTargets",
    item_name="StageTarget",
    key="stage",
    value="target",
    max_chars=TARGET_MAX,
    what="the wording call",
)


def targets_schema(stage_ids: Sequence[str]) -> type[BaseModel]:
    return TARGETS.schema(stage_ids)


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
    targets = Targets()
    requests = [r for r in requests if r.goals or r.expectations]
    if not requests:
        return targets
    prompt = prompts.load("targets", language)
    targets.prompt_version = prompt.id
    ids = [r.stage_id for r in requests]
    TARGETS.ask(llm, prompt.template, render_stages(requests), ids, targets)
    return targets
