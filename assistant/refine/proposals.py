"""Proposals kept on disk between "propose" and "apply", for shells whose turns are separate
requests (the MCP server: a host calls propose_edits, shows the diff, later calls apply_edits).

A proposal's id is a digest of its content (base revision and operations): proposing the same
edit twice gives the same id, two writers never race for a number, and an id cannot name a
different proposal later. Files live in `maps/<id>/proposals/<proposal id>.json`.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pydantic import ValidationError

from assistant.errors import EditError
from assistant.refine.turns import Proposal
from assistant.workspace import Workspace, atomic_write

_ID = re.compile(r"^P[0-9a-f]{12}$")


def proposal_id(proposal: Proposal) -> str:
    body = proposal.model_dump_json(include={"base_revision", "operations"})
    return "P" + hashlib.sha256(body.encode()).hexdigest()[:12]


def _path(workspace: Workspace, map_id: str, identifier: str) -> Path:
    return workspace.proposals_path(map_id) / f"{identifier}.json"


def save_proposal(workspace: Workspace, map_id: str, proposal: Proposal) -> str:
    """Keep `proposal` (atomically) and return its id."""
    identifier = proposal_id(proposal)
    path = _path(workspace, map_id, identifier)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, proposal.model_dump_json(indent=1).encode())
    return identifier


def load_proposal(workspace: Workspace, map_id: str, identifier: str) -> Proposal:
    """The proposal saved under `identifier` for map `map_id`."""
    path = _path(workspace, map_id, identifier) if _ID.match(identifier) else None
    if path is None or not path.is_file():
        raise EditError(
            f"map {map_id} has no proposal {identifier!r}",
            "call propose_edits again and apply the id it returns",
        )
    try:
        return Proposal.model_validate_json(path.read_bytes())
    except ValidationError as error:
        raise EditError(
            f"proposal {identifier} of map {map_id} is damaged ({error.error_count()} problems)",
            "call propose_edits again",
        ) from error
