"""What every `parcours` command shares: the consoles, the common options, the error policy.

Exit codes: 0 success; 1 something failed (a file, a check) and was reported; 2 usage error.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec

import typer
from rich.console import Console

from assistant.errors import ConfigError, ParcoursError
from assistant.project import Project
from assistant.settings import Settings

# Wide enough for the stages × lanes table when output is not a terminal (logs, CI).
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder [default: ./parcours-workspace, or PARCOURS_WORKSPACE]",
    ),
]
MapOption = Annotated[str, typer.Option("--map", help="Map id (default: the overall map)")]


P = ParamSpec("P")


def reports_errors(command: Callable[P, None]) -> Callable[P, None]:
    """A ParcoursError becomes one red line and exit code 1 (2 for configuration errors)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except ParcoursError as error:
            err.print(f"[red]error:[/red] {error}")
            raise typer.Exit(2 if isinstance(error, ConfigError) else 1) from error

    return wrapper


ChromaOption = Annotated[
    str | None,
    typer.Option(
        "--chroma-url",
        help="Chroma server (http://host:port) instead of the store in "
        "the workspace [or PARCOURS_CHROMA_URL; remembered by the workspace]",
    ),
]


def project_for(workspace: Path | None, chroma_url: str | None = None, **flags: Any) -> Project:
    overrides: dict[str, Any] = {key: value for key, value in flags.items() if value is not None}
    if chroma_url:
        overrides["chroma_url"] = chroma_url
    if workspace is not None:
        overrides["workspace"] = workspace
    settings = Settings(**overrides)
    return Project(settings.workspace, settings=settings)
