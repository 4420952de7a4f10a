"""The ideal journey in a workspace: draft it as a map's revision, and find a map's pair.

An ideal map is stored like any map (`maps/<actual id>-ideal/revisions/…`), so edit operations,
the chat, undo, redo and restore work on it. Drafting again (`redraft`) saves a new revision: undo
brings the previous draft back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import MapError
from assistant.extract.llm import LLMExtractor
from assistant.extract.targets import word_targets
from assistant.mapping.gap import Gap, gap_between
from assistant.mapping.ideal import draft_ideal, ideal_map_id, stage_briefs
from assistant.model import JourneyMap, Revision
from assistant.workspace import Workspace


@dataclass(frozen=True)
class IdealResult:
    """The ideal map; `created` False when it existed already (and was left as it is)."""

    map: JourneyMap
    path: Path | None
    created: bool
    notes: list[str] = field(default_factory=list)


def save_ideal(
    workspace: Workspace,
    actual_id: str,
    *,
    llm: LLMExtractor | None = None,
    redraft: bool = False,
) -> IdealResult:
    """Draft the ideal map of `actual_id`'s latest revision and save it as the next revision of
    `<actual_id>-ideal` (revision 1 when new). An existing ideal map is returned unchanged
    unless `redraft`. With `llm`, the model words the target experiences (one call)."""
    actual = workspace.load_map(actual_id)
    map_id = ideal_map_id(actual.id)
    head = workspace.head(map_id)
    if head is not None and not redraft:
        return IdealResult(workspace.load_map(map_id, head), None, created=False)
    texts: dict[str, str] = {}
    notes: list[str] = []
    usage: dict[str, Any] = {}
    if llm is not None:
        worded = word_targets(llm, stage_briefs(actual), actual.language)
        texts, notes = worded.texts, [f"wording: {p}" for p in worded.problems]
        usage = {"token_usage": worded.usage, "prompt_version": worded.prompt_version}
    draft = draft_ideal(
        actual,
        revision=(head or 0) + 1,
        targets=texts,
        model=llm.provider.model if llm is not None else None,
    )
    journey_map = draft.map
    if usage:
        provenance = journey_map.provenance.model_copy(update=usage)
        journey_map = journey_map.model_copy(update={"provenance": provenance})
    message = f"draft the ideal journey from {actual.id} revision {actual.revision}"
    revision = Revision(
        number=journey_map.revision,
        parent=head,
        author="system",
        message=message + (f" ({'; '.join(draft.notes)})" if draft.notes else ""),
        map=journey_map,
    )
    path = workspace.save_revision(revision)  # exclusive: a concurrent writer makes it raise
    return IdealResult(journey_map, path, created=True, notes=draft.notes + notes)


def map_pair(workspace: Workspace, map_id: str) -> tuple[JourneyMap, JourneyMap]:
    """(actual, ideal) for either map of the pair; MapError saying how to draft the ideal map
    when there is none."""
    journey_map = workspace.load_map(map_id)
    if journey_map.kind == "ideal":
        actual_id = journey_map.actual_map_id or journey_map.id.removesuffix("-ideal")
        return workspace.load_map(actual_id), journey_map
    ideal_id = ideal_map_id(journey_map.id)
    if workspace.head(ideal_id) is None:
        raise MapError(
            f"map {journey_map.id} has no ideal journey yet ({ideal_id} is not in "
            f"{workspace.root})",
            f"draft it first: parcours ideal --map {journey_map.id}",
        )
    return journey_map, workspace.load_map(ideal_id)


def workspace_gap(
    workspace: Workspace, map_id: str, embed: Any | None = None, params: Any | None = None
) -> Gap:
    """The gap of the pair `map_id` belongs to (either map's id)."""
    actual, ideal = map_pair(workspace, map_id)
    return gap_between(actual, ideal, embed, params)


COMPANION_FORMATS = ("json", "markdown", "html")


def companions(
    workspace: Workspace, journey_map: JourneyMap, format: str, embed: Any | None = None
) -> dict[str, Any]:
    """What an export of `journey_map` adds when its pair exists: the gap (json, markdown, html)
    and, to an actual map's JSON, its ideal map. The gap is computed with the revision exported
    and the other map's latest."""
    if format not in COMPANION_FORMATS:
        return {}
    try:
        actual, ideal = map_pair(workspace, journey_map.id)
    except MapError:
        return {}
    if journey_map.kind == "ideal":
        ideal = journey_map
    else:
        actual = journey_map
    found: dict[str, Any] = {"gap": gap_between(actual, ideal, embed)}
    if format == "json" and journey_map.kind == "actual":
        found["ideal"] = ideal
    return found
