"""`parcours mcp`: serve the workspace to chat assistants over MCP (stdio, or streamable HTTP).

The server is its own shell (`assistant.mcp`), imported here only when the command runs: it
needs the `mcp` extra, and the CLI must not depend on it otherwise.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from assistant.cli.common import WorkspaceOption, err, project_for, reports_errors
from assistant.errors import ConfigError


def _server_module() -> Any:
    try:
        return importlib.import_module("assistant.mcp")
    except ImportError as error:
        raise ConfigError(
            f"the MCP server is not available ({error})",
            "install the mcp extra: pip install 'parcours[mcp]'",
        ) from error


@reports_errors
def mcp(
    workspace: WorkspaceOption = None,
    transport: Annotated[
        str, typer.Option(help="stdio (a host starts the server) or http (streamable HTTP)")
    ] = "stdio",
    host: Annotated[
        str, typer.Option(help="HTTP address; any but loopback needs PARCOURS_MCP_TOKEN")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP port")] = 8765,
    allow: Annotated[
        list[Path] | None,
        typer.Option("--allow", help="Another folder the server may read sources from"),
    ] = None,
    assistant: Annotated[
        str, typer.Option(help="propose_edits instructions: offline (grammar) or openai")
    ] = "offline",
) -> None:
    """Serve the workspace over MCP: ingest, build, search, refine with approval, export."""
    if transport not in ("stdio", "http"):
        raise ConfigError(f"unknown transport {transport!r}", "use --transport stdio or http")
    chosen: Literal["stdio", "http"] = "stdio" if transport == "stdio" else "http"
    project = project_for(workspace)
    module = _server_module()
    if chosen == "http":
        module.check_binding(host, project.settings.mcp_token)
        err.print(
            f"Parcours MCP server on http://{host}:{port}/mcp (workspace {project.workspace.root})"
        )
    module.serve(
        project,
        transport=chosen,
        host=host,
        port=port,
        token=project.settings.mcp_token,
        allow=allow or [],
        assistant=assistant,
    )
