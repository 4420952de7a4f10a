"""Labels for findings from the chat model: one cheap call per stage.

The call sees only the short texts of each finding's claims (what the extraction already wrote)
and the finding ids: never the sources again, so it costs a small share of the extraction
(`make bench` prints the ratio). An answer's label must name a finding of the request and fit
LABEL_MAX characters; anything else keeps the finding's offline label and is reported.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

import prompts
from assistant.extract.keyed_call import KeyedCall, KeyedTexts
from assistant.extract.llm import LLMExtractor

LABEL_MAX = 80
CLAIMS_SHOWN = 6
CLAIM_CHARS = 140


@dataclass(frozen=True)
class NamingRequest:
    finding_id: str
    lane: str
    claims: Sequence[str]
    """The claims' short texts (the extraction's `text`), never source text."""


class Naming(KeyedTexts):
    """Labels by finding id (`texts`)."""

    @property
    def labels(self) -> dict[str, str]:
        return self.texts


NAMING = KeyedCall(
    tag="naming-1",
    model_name="FindingLabels",
    item_name="FindingLabel",
    key="finding",
    value="label",
    max_chars=LABEL_MAX,
    what="the naming call",
)


def naming_schema(finding_ids: Sequence[str]) -> type[BaseModel]:
    return NAMING.schema(finding_ids)


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
    prompt = prompts.load("naming", language)
    naming = Naming()
    for stage_name, requests in stages:
        if not requests:
            continue
        naming.prompt_version = prompt.id  # recorded only when something was to be named
        ids = [r.finding_id for r in requests]
        data = render_findings(stage_name, requests)
        NAMING.ask(llm, prompt.template, data, ids, naming, where=stage_name)
    return naming
