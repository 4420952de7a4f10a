"""`parcours` commands that refine a map: edit, apply, history, diff, undo, redo, restore, chat.

Registered on the same typer app as `assistant.cli` (which imports this module); as thin as the
rest of the CLI: every command calls `assistant.session.RefinementSession` or
`assistant.revisions`, the functions the UI and the MCP server call too.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from assistant.build import OVERALL_MAP_ID
from assistant.cli import MapOption, WorkspaceOption, _project, app, err, out, reports_errors
from assistant.commands import OfflineAssistant
from assistant.commands_grammar import numbers_in
from assistant.diff import diff
from assistant.edits import parse_operations
from assistant.errors import ConfigError, EditError, ParcoursError
from assistant.model import Revision
from assistant.project import Project
from assistant.refine import Assistant, AssistantTurn, Proposal
from assistant.revisions import (
    commit,
    diff_revisions,
    history,
    redo,
    restore,
    undo,
    undo_state,
)
from assistant.session import RefinementSession
from assistant.workspace import Workspace

ASSISTANTS = ("offline", "openai")
ProviderOption = Annotated[
    str,
    typer.Option(help="Assistant: offline (the command grammar) or openai (the LLM chat)"),
]
ModelOption = Annotated[
    str | None, typer.Option(help="Chat model (--provider openai) [or PARCOURS_MODEL]")
]
BaseUrlOption = Annotated[
    str | None, typer.Option(help="OpenAI-compatible server [or PARCOURS_BASE_URL]")
]


def make_assistant(project: Project, provider: str) -> Assistant:
    """The offline grammar, or the LLM chat assistant of `assistant.chat`, imported only when
    asked for (it needs the `llm` extra) and built by `LLMAssistant.from_settings(settings)`:
    model, server and key from flags or PARCOURS_MODEL, PARCOURS_BASE_URL, PARCOURS_API_KEY."""
    if provider == "offline":
        return OfflineAssistant()
    if provider != "openai":
        raise ConfigError(f"unknown assistant {provider!r}", f"use one of: {', '.join(ASSISTANTS)}")
    try:
        module = importlib.import_module("assistant.chat")
        factory: Any = module.LLMAssistant
    except (ImportError, AttributeError) as error:
        raise ConfigError(
            f"the LLM chat assistant is not available ({type(error).__name__}: {error})",
            "install the llm extra (pip install 'parcours[llm]'), or use --provider offline",
        ) from error
    assistant: Assistant = factory.from_settings(project.settings)
    return assistant


def _session(
    workspace: Path | None, map_id: str, provider: str, model: str | None, base_url: str | None
) -> RefinementSession:
    project = _project(workspace, model=model, base_url=base_url)
    project.workspace.require()
    return RefinementSession(project, map_id, make_assistant(project, provider))


def _workspace(workspace: Path | None) -> Workspace:
    found = _project(workspace).workspace
    found.require()
    return found


def _print(text: str) -> None:
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def _print_turn(session: RefinementSession, turn: AssistantTurn) -> None:
    _print(turn.reply)
    if turn.proposal is not None:
        changes = session.preview(turn.proposal).lines(turn.language)
        if changes:
            _print("\n" + "\n".join(f"  {line}" for line in changes))


def _print_revision(workspace: Workspace, map_id: str, revision: Revision) -> None:
    _print(f"revision {revision.number}: {revision.message}")
    if revision.parent is not None:
        before = workspace.load_map(map_id, revision.parent)
        for line in diff(before, revision.map).lines(revision.map.language):
            _print(f"  {line}")


@app.command()
@reports_errors
def edit(
    instruction: Annotated[str, typer.Argument(help='e.g. "move I3 to purchase"')],
    workspace: WorkspaceOption = None,
    map_id: MapOption = OVERALL_MAP_ID,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply the proposal")] = False,
    provider: ProviderOption = "offline",
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
) -> None:
    """Turn one instruction into a proposal and show it; apply it with --yes.

    Exit code 1 when nothing was proposed (an unknown or refused instruction, or a question)."""
    session = _session(workspace, map_id, provider, model, base_url)
    session.run_controls = yes  # "undo" changes the map too: only with --yes
    turn = session.send(instruction)
    _print_turn(session, turn)
    if turn.proposal is None and turn.control is None:
        raise typer.Exit(1)
    if not yes:
        err.print("nothing applied: run again with --yes to apply")
        return
    if turn.proposal is None:
        return  # the undo or redo ran, and the reply said so
    _print_revision(session.workspace, map_id, session.approve(turn.proposal))


@app.command()
@reports_errors
def apply(
    operations_file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="JSON: a list of operations (or a proposal)"
        ),
    ],
    workspace: WorkspaceOption = None,
    map_id: MapOption = OVERALL_MAP_ID,
    base: Annotated[
        int | None, typer.Option(help="The revision the operations were written for [HEAD]")
    ] = None,
    message: Annotated[str | None, typer.Option(help="Revision message")] = None,
) -> None:
    """Apply edit operations from a file as one new revision (all or nothing)."""
    try:
        data = json.loads(operations_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EditError(f"{operations_file} is not JSON: {error}", "give a JSON list") from None
    if isinstance(data, dict) and "operations" in data:  # a saved proposal
        base = base if base is not None else data.get("base_revision")
        data = data["operations"]
    found = _workspace(workspace)
    head = found.load_revision(map_id).number
    revision = commit(
        found,
        map_id,
        parse_operations(data),
        base_revision=base if base is not None else head,
        message=message,
    )
    _print_revision(found, map_id, revision)


@app.command("history")
@reports_errors
def history_command(workspace: WorkspaceOption = None, map_id: MapOption = OVERALL_MAP_ID) -> None:
    """The revisions of a map, oldest first."""
    found = _workspace(workspace)
    table = Table(title=f"map {map_id}")
    for column in ("rev", "parent", "author", "created", "ops", "message"):
        table.add_column(column, overflow="fold")
    for summary in history(found, map_id):
        table.add_row(
            str(summary.number),
            str(summary.parent or ""),
            summary.author,
            summary.created_at.strftime("%Y-%m-%d %H:%M"),
            str(summary.operations),
            summary.message,
        )
    out.print(table)
    state = undo_state(found, map_id)
    _print(
        f"HEAD {state.head}; undo would take back {state.undo or '—'}, "
        f"redo would re-apply {state.redo or '—'}"
    )


@app.command("diff")
@reports_errors
def diff_command(
    first: Annotated[int, typer.Argument(help="Revision number")],
    second: Annotated[int, typer.Argument(help="Revision number")],
    workspace: WorkspaceOption = None,
    map_id: MapOption = OVERALL_MAP_ID,
    as_json: Annotated[bool, typer.Option("--json", help="The typed diff as JSON")] = False,
) -> None:
    """What changed from one revision of a map to another."""
    found = _workspace(workspace)
    changes = diff_revisions(found, map_id, first, second)
    if as_json:
        sys.stdout.write(changes.model_dump_json(indent=2) + "\n")
        return
    _print(changes.to_text(found.load_map(map_id, second).language))


@app.command("undo")
@reports_errors
def undo_command(workspace: WorkspaceOption = None, map_id: MapOption = OVERALL_MAP_ID) -> None:
    """Take back the latest change (as a new revision)."""
    found = _workspace(workspace)
    _print_revision(found, map_id, undo(found, map_id))


@app.command("redo")
@reports_errors
def redo_command(workspace: WorkspaceOption = None, map_id: MapOption = OVERALL_MAP_ID) -> None:
    """Re-apply the change the latest undo took back (as a new revision)."""
    found = _workspace(workspace)
    _print_revision(found, map_id, redo(found, map_id))


@app.command("restore")
@reports_errors
def restore_command(
    number: Annotated[int, typer.Argument(help="The revision whose map to bring back")],
    workspace: WorkspaceOption = None,
    map_id: MapOption = OVERALL_MAP_ID,
) -> None:
    """Make revision N's map the latest (as a new revision; nothing is deleted)."""
    found = _workspace(workspace)
    _print_revision(found, map_id, restore(found, map_id, number))


@app.command()
@reports_errors
def chat(
    workspace: WorkspaceOption = None,
    map_id: MapOption = OVERALL_MAP_ID,
    provider: ProviderOption = "offline",
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    auto_apply: Annotated[
        bool, typer.Option("--auto-apply", help="Apply proposals without asking")
    ] = False,
) -> None:
    """Refine a map in conversation ("help" lists the commands; Ctrl-D quits)."""
    session = _session(workspace, map_id, provider, model, base_url)
    session.auto_apply = auto_apply
    for problem in session.problems:
        err.print(f"[yellow]conversation:[/yellow] {escape(problem)}", highlight=False)
    current = session.journey_map
    _print(f"{current.title} — revision {current.revision}. Type “help”; Ctrl-D quits.")
    while True:
        try:
            line = out.input("[bold]> [/bold]")
        except (EOFError, KeyboardInterrupt):
            break
        if not line.strip():
            continue
        try:
            turn = session.send(line)
        except ParcoursError as error:  # e.g. the model's server is down: say so, go on
            err.print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
            continue
        _print_turn(session, turn)
        if turn.proposal is not None and not auto_apply and not _decide(session, turn.proposal):
            break


def _decide(session: RefinementSession, proposal: Proposal) -> bool:
    """Ask y / n / some ("1,3"); False when the input ended."""
    count = len(proposal.operations)
    while True:
        try:
            answer = out.input(escape(f"apply? [y]es / [n]o / some (e.g. 1,{count}) "))
            answer = answer.strip().casefold()
        except (EOFError, KeyboardInterrupt):
            session.reject(proposal)
            return False
        try:
            if answer in ("y", "yes", "o", "oui"):
                _print_revision(session.workspace, session.map_id, session.approve(proposal))
            elif answer in ("", "n", "no", "non"):
                session.reject(proposal)
                _print("not applied")
            elif re.fullmatch(r"[\d\s,;-]+", answer):
                revision = session.approve(proposal, [n - 1 for n in numbers_in(answer)])
                _print_revision(session.workspace, session.map_id, revision)
            else:
                continue
        except ParcoursError as error:
            err.print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
        return True
