"""Labels for findings from the chat model: one cheap call per stage.

The call sees only the short texts of each finding's claims (what the extraction already wrote)
and the finding ids: never the sources again, so it costs a small share of the extraction
(`make bench` prints the ratio). An answer's label must name a finding of the request and fit
LABEL_MAX characters; anything else keeps the finding's offline label and is reported.
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

LABEL_MAX = 80
CLAIMS_SHOWN = 6
CLAIM_CHARS = 140


@dataclass(frozen=True)
class NamingRequest:
    finding_id: str
    lane: str
    claims: Sequence[str]
    """The claims' short texts (the extraction's `text`), never source text."""


@dataclass
class Naming:
    labels: dict[str, str] = field(default_factory=dict)
    usage: TokenUsage = field(default_factory=TokenUsage)
    problems: list[str] = field(default_factory=list)
    prompt_version: str | None = None


def naming_schema(finding_ids: Sequence[str]) -> type[BaseModel]:
    finding_type: Any = Literal[tuple(finding_ids)]
    label = create_model(
        "FindingLabel", __config__=ConfigDict(extra="forbid"), finding=(finding_type, ...),
        label=(str, ...),
    )  # fmt: skip
    return create_model(
        "FindingLabels", __config__=ConfigDict(extra="forbid"), items=(list[label], ...)
    )


def _cache_key(llm: LLMExtractor, system: str, data: str) -> str:
    """A rebuild with the same findings asks nothing (the extraction's cache, its own keys)."""
    payload = ["naming-1", llm.provider.model, llm.provider.endpoint, system, data]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def render_findings(stage_name: str, requests: Sequence[NamingRequest]) -> str:
    findings = [
        {
            "finding": r.finding_id,
            "lane": r.lane,
            "claims": [text[:CLAIM_CHARS] for text in r.claims[:CLAIMS_SHOWN]],
        }
        for r in requests
    ]
    body = json.dumps({"stage": stage_name, "findings": findings}, ensure_ascii=False)
    return f"<findings>\n{body}\n</findings>"


def name_findings(
    llm: LLMExtractor, stages: Sequence[tuple[str, Sequence[NamingRequest]]], language: str
) -> Naming:
    """One call per stage that has findings to name; a failed call is reported, not fatal."""
    from langchain_core.messages import HumanMessage, SystemMessage

    prompt = prompts.load("naming", language)
    naming = Naming()
    for stage_name, requests in stages:
        if not requests:
            continue
        naming.prompt_version = prompt.id  # recorded only when something was to be named
        ids = [r.finding_id for r in requests]
        data = render_findings(stage_name, requests)
        key = _cache_key(llm, prompt.template, data)
        items = llm.cache.get(key) if llm.cache else None
        if items is None:
            messages = [SystemMessage(prompt.template), HumanMessage(data)]
            try:
                raw, items, problem = llm.structured(naming_schema(ids), messages)
            except Exception as error:  # after the provider's retries
                failure = type(error).__name__
                naming.problems.append(f"{stage_name}: the naming call failed ({failure})")
                continue
            add_usage(naming.usage, raw)
            if items is None:
                naming.problems.append(f"{stage_name}: {problem}")
                continue
            if llm.cache:
                llm.cache.put(key, items)
        for item in items:
            finding, label = str(item.get("finding")), " ".join(str(item.get("label", "")).split())
            if finding in ids and 0 < len(label) <= LABEL_MAX:
                naming.labels[finding] = label
            else:
                naming.problems.append(f"{stage_name}: label for {finding!r} refused")
    return naming
