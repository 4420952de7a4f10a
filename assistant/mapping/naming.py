"""Findings named by the chat model after synthesis (LLM builds only): the shell around
`assistant.extract.naming`, applying labels to the map's findings and recording the cost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assistant.evidence.claims import Claim
from assistant.extract.llm import LLMExtractor
from assistant.extract.naming import NamingRequest, name_findings
from assistant.model import Stage, TokenUsage


def naming_requests(stage: Stage, members: Mapping[str, Sequence[Claim]]) -> list[NamingRequest]:
    """Findings worth a name: several claims, not a touchpoint (those have canonical names)."""
    return [
        NamingRequest(item.id, item.lane.value, [claim.text for claim in members[item.id]])
        for item in stage.items
        if len(members.get(item.id, ())) > 1 and all(c.key is None for c in members[item.id])
    ]


def label_findings(
    llm: LLMExtractor,
    stages: Sequence[Stage],
    members: Mapping[str, Sequence[Claim]],
    language: str,
    provenance: dict[str, Any],
) -> list[Stage]:
    """The stages with the model's labels where it gave valid ones; the naming call's tokens
    are added to the build's and recorded apart (`naming_input_tokens`) in `provenance`."""
    naming = name_findings(
        llm, [(stage.name, naming_requests(stage, members)) for stage in stages], language
    )
    usage = provenance.get("token_usage") or TokenUsage()
    provenance["token_usage"] = TokenUsage(
        input_tokens=usage.input_tokens + naming.usage.input_tokens,
        output_tokens=usage.output_tokens + naming.usage.output_tokens,
    )
    parameters = provenance.setdefault("parameters", {})
    parameters["naming_input_tokens"] = naming.usage.input_tokens
    parameters["extraction_input_tokens"] = usage.input_tokens
    parameters["named_findings"] = len(naming.labels)
    if naming.problems:
        parameters["naming_problems"] = "; ".join(naming.problems)[:500]
    if naming.prompt_version and provenance.get("prompt_version"):
        provenance["prompt_version"] = f"{provenance['prompt_version']}+{naming.prompt_version}"
    renamed = []
    for stage in stages:
        items = []
        for item in stage.items:
            label = naming.labels.get(item.id)
            quotes = {e.quote for e in item.evidence}
            if label and label not in quotes:
                item = item.model_copy(update={"text": label})
            items.append(item)
        renamed.append(stage.model_copy(update={"items": items}))
    return renamed
