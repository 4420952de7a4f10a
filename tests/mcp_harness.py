"""Helpers for the MCP server's tests: a workspace with samples in its inbox, and tool calls
that return (structured result, text) or raise with the tool error's text."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from mcp import Client

from tests.conftest import SAMPLES

SAMPLE_FILES = ("interviews/fr-02-marc.txt", "interviews/fr-03-nadia.txt", "reviews/avis-fr.csv")


def fill_inbox(workspace: Path, files: tuple[str, ...] = SAMPLE_FILES) -> Path:
    """Copy sample files into the workspace's inbox (the server's default allowed root)."""
    inbox = workspace / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for name in files:
        shutil.copy(SAMPLES / name, inbox / Path(name).name)
    return inbox


class ToolFailed(Exception):
    """A tool call answered with is_error: the message the host's model would read."""


async def call(client: Any, name: str, **arguments: Any) -> tuple[dict[str, Any], str]:
    result = await client.call_tool(name, arguments)
    text = "\n".join(getattr(block, "text", "") for block in result.content)
    if result.is_error:
        raise ToolFailed(text)
    assert result.structured_content is not None, f"{name} returned no structured content"
    return result.structured_content, text


async def flow(client: Client | Any, schema: dict[str, Any]) -> dict[str, Any]:
    """The researcher's session every transport must carry: ingest, build, search, propose,
    apply, undo, export. Returns figures for the assertions."""
    import jsonschema

    tools = {tool.name for tool in (await client.list_tools()).tools}
    ingested, _ = await call(client, "ingest_sources", paths=[Path(SAMPLE_FILES[0]).name])
    built, _ = await call(client, "build_map")
    revision = built["maps"][0]["revision"]
    hits, _ = await call(client, "search_evidence", query="livraison", limit=3)
    proposal, _ = await call(client, "propose_edits", instruction="accepte I1")
    applied, _ = await call(client, "apply_edits", proposal_id=proposal["proposal_id"])
    undone, _ = await call(client, "undo")
    exported, _ = await call(client, "export_map", format="json")
    import json

    jsonschema.validate(json.loads(exported["content"]), schema)
    return {
        "tools": tools,
        "ingested": ingested["ingested"],
        "build_revision": revision,
        "hits": len(hits["hits"]),
        "applied": applied["revision"],
        "undone": undone["revision"],
        "exported_revision": exported["revision"],
    }
