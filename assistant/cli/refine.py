"""`parcours edit`, `apply`, `history`, `diff`, `undo`, `redo`, `restore` and `chat`.

As thin as the rest of the CLI: every command calls `assistant.refine.session.RefinementSession`
or `assistant.editing.revisions`, the functions the UI and the MCP server call too.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from assistant.cli.common import (
    MapOption,
    WorkspaceOption,
    err,
    out,
    project_for,
    reports_errors,
)
from assistant.editing.diff import diff
from assistant.editing.edits import parse_operations
from assistant.editing.revisions import (
    commit,
    diff_revisions,
    history,
    rebuilt_since,
    redo,
    restore,
    undo,
    undo_state,
)
from assistant.errors import EditError, ParcoursError, StaleRevisionError
from assistant.mapping.build import OVERALL_MAP_ID
from assistant.model import Revision
from assistant.refine.grammar.matching import numbers_in
from assistant.refine.session import RefinementSession, make_assistant
from assistant.refine.turns import AssistantTurn, Proposal
from assistant.workspace import Workspace

EDIT_ATTEMPTS = 3
"""`edit --yes`: how many times an instruction is proposed again when others edit meanwhile."""

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


def _session(
    workspace: Path | None, map_id: str, provider: str, model: str | None, base_url: str | None
) -> RefinementSession:
    project = project_for(workspace, model=model, base_url=base_url)
    project.workspace.require()
    return RefinementSession(project, map_id, make_assistant(project.settings, provider))


def _workspace(workspace: Path | None) -> Workspace:
    found = project_for(workspace).workspace
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
    for attempt in range(1, EDIT_ATTEMPTS + 1):
        turn = session.send(instruction)
        _print_turn(session, turn)
        if turn.proposal is None and turn.control is None:
            raise typer.Exit(1)
        if not yes:
            err.print("nothing applied: run again with --yes to apply")
            return
        if turn.proposal is None:
            return  # the undo or redo ran, and the reply said so
        try:
            _print_revision(session.workspace, map_id, session.approve(turn.proposal))
            return
        except StaleRevisionError as error:
            # Another writer edited the map meanwhile: the same instruction, proposed again on
            # its new revision, still means the same items — unless a build renumbered them.
            base = turn.proposal.base_revision
            if attempt == EDIT_ATTEMPTS or rebuilt_since(session.workspace, map_id, base):
                raise
            err.print(f"[yellow]{escape(str(error.message))}:[/yellow] proposing again on it")


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


@reports_errors
def undo_command(workspace: WorkspaceOption = None, map_id: MapOption = OVERALL_MAP_ID) -> None:
    """Take back the latest change (as a new revision)."""
    found = _workspace(workspace)
    _print_revision(found, map_id, undo(found, map_id))


@reports_errors
def redo_command(workspace: WorkspaceOption = None, map_id: MapOption = OVERALL_MAP_ID) -> None:
    """Re-apply the change the latest undo took back (as a new revision)."""
    found = _workspace(workspace)
    _print_revision(found, map_id, redo(found, map_id))


@reports_errors
def restore_command(
    number: Annotated[int, typer.Argument(help="The revision whose map to bring back")],
    workspace: WorkspaceOption = None,
    map_id: MapOption = OVERALL_MAP_ID,
) -> None:
    """Make revision N's map the latest (as a new revision; nothing is deleted)."""
    found = _workspace(workspace)
    _print_revision(found, map_id, restore(found, map_id, number))


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
