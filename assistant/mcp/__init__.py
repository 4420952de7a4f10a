"""The chat-assistant plugin: an MCP server over one workspace (`parcours mcp`).

A shell beside the CLI and the UI: its tools call `Project`, the refinement session, the
editing history and the exports (`assistant.mcp.tools`); `assistant.mcp.server` registers them
on the official SDK's `MCPServer` with the resources, the prompt and the MCP App page
(`journey-map.html`, drawn inside hosts that support MCP Apps).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from mcp.server.mcpserver import MCPServer

from assistant.mcp.files import AllowedRoots
from assistant.mcp.http import check_binding, serve_http
from assistant.mcp.server import create_server
from assistant.mcp.tools import ParcoursTools
from assistant.project import Project

__all__ = ["ParcoursTools", "check_binding", "create_server", "serve", "server_for"]


def server_for(
    project: Project, allow: Sequence[Path] = (), assistant: str = "offline"
) -> MCPServer[Any]:
    """The MCP server for `project`, reading files only under its inbox and `allow`."""
    roots = AllowedRoots(project.workspace, allow)
    roots.inbox.mkdir(parents=True, exist_ok=True)
    return create_server(ParcoursTools(project, roots, assistant))


def serve(
    project: Project,
    *,
    transport: Literal["stdio", "http"] = "stdio",
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    allow: Sequence[Path] = (),
    assistant: str = "offline",
) -> None:
    server = server_for(project, allow, assistant)
    if transport == "stdio":
        server.run()
    else:
        serve_http(server, host, port, token)
