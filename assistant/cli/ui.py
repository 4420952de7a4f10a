"""`parcours ui`: the review UI (Streamlit) on 127.0.0.1, for one workspace.

The UI is its own shell (`ui/`); the CLI only starts Streamlit on it in a child process, so it
needs the `ui` extra when the command runs and never imports the UI itself.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import WorkspaceOption, err, project_for, reports_errors
from assistant.errors import ConfigError

LOOPBACK = "127.0.0.1"


def app_path() -> Path:
    """ui/app.py, found without importing it (importing it would draw the page)."""
    if importlib.util.find_spec("streamlit") is None:
        raise ConfigError(
            "the review UI needs Streamlit, which is not installed",
            "install the ui extra: pip install 'parcours[ui]'",
        )
    spec = importlib.util.find_spec("ui")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in locations:
        candidate = Path(folder) / "app.py"
        if candidate.exists():
            return candidate
    raise ConfigError("the ui package has no app.py", "reinstall Parcours: pip install -e '.[ui]'")


def streamlit_command(app: Path, workspace: Path, port: int) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.address", LOOPBACK,
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--", "--workspace", str(workspace),
    ]  # fmt: skip


@reports_errors
def ui(
    workspace: WorkspaceOption = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 8501,
) -> None:
    """Open the review UI: upload, build, the map as a swimlane grid, evidence, chat, export."""
    project = project_for(workspace)
    command = streamlit_command(app_path(), project.workspace.root.resolve(), port)
    err.print(
        f"Parcours review UI on http://{LOOPBACK}:{port} (workspace {project.workspace.root})"
    )
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    # Streamlit takes this process's place: a signal that stops `parcours ui` stops the server.
    os.execve(sys.executable, command, environment)
