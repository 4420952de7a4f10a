"""Revisions of a map: commit edits, undo, redo, restore, history. On top of `Workspace`.

History is append-only: every change, including an undo, is a new revision file whose map is
numbered like the file (`map.revision == number`); nothing is ever deleted or rewritten.

- commit: optimistic concurrency. The caller says which revision it edited (`base_revision`);
  if the map has moved on since, StaleRevisionError and nothing is saved — never a lost update.
  Creating a revision file is exclusive (`Workspace.save_revision`), so of two writers racing
  for revision N one wins and the other gets the same StaleRevisionError.
- undo: a new revision whose map is exactly the map before the latest change still in effect
  (a snapshot: the revision files are the undo log, so it works for builds and every operation
  alike, and cannot drift). Repeated undos walk further back; the first build cannot be undone.
- redo: re-applies the change the last undo took back; valid only while the latest revisions
  are undos (or redos) — any other change clears what can be redone, as in an editor.
- restore: a new revision whose map is revision N's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from assistant.editing import rebase
from assistant.editing.diff import MapDiff, diff
from assistant.editing.edits import apply_and_pin
from assistant.editing.operations import describe_operation
from assistant.editing.rebase import EditChain
from assistant.errors import EditError, MapError, StaleRevisionError
from assistant.mapping.build import History, fresh_history
from assistant.model import EditOp, JourneyMap, Rebase, Revision, RevisionLog, Source
from assistant.workspace import Workspace

Author = Literal["user", "assistant"]

__all__ = [
    "MapDiff",
    "RevisionSummary",
    "UndoState",
    "commit",
    "diff",
    "diff_revisions",
    "history",
    "load_history",
    "redo",
    "restore",
    "undo",
    "undo_state",
    "workspace_sources",
]


class RevisionSummary(BaseModel):
    """One line of a map's history."""

    model_config = ConfigDict(extra="forbid")

    number: int
    parent: int | None
    author: str
    message: str
    created_at: datetime
    operations: int
    undoes: int | None = None
    redoes: int | None = None
    restores: int | None = None
    build: bool = False
    """Made from the sources (a build, or a rebuild that replayed edits)."""
    conflicts: int = 0
    """A rebuild: the edits it could not replay."""


class UndoState(BaseModel):
    """What undo and redo would act on now (None: nothing), e.g. to enable buttons."""

    head: int
    undo: int | None
    redo: int | None


class _WorkspaceSources(Mapping[str, Source]):
    """The workspace's sources, each read from disk the first time an edit quotes it."""

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace
        self._loaded: dict[str, Source] = {}

    def __getitem__(self, source_id: str) -> Source:
        if source_id not in self._loaded:
            if source_id not in self._workspace.source_ids():  # also keeps ids inside sources/
                raise KeyError(source_id)
            self._loaded[source_id] = self._workspace.load_source(source_id)
        return self._loaded[source_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._workspace.source_ids())

    def __len__(self) -> int:
        return len(self._workspace.source_ids())


def workspace_sources(workspace: Workspace) -> Mapping[str, Source]:
    """The sources `apply_operations` needs, loaded lazily (for previews without committing)."""
    return _WorkspaceSources(workspace)


@dataclass
class WorkspaceHistory:
    """A map's past as a rebuild needs it (`assistant.mapping.build.History`): the extraction
    its edits stand on, and the edits in effect on the head, replayed by `rebase.replay`."""

    workspace: Workspace
    head: int
    previous: JourneyMap | None
    used: set[str]
    chain: EditChain

    def replay(self, built: JourneyMap) -> tuple[JourneyMap, list[EditOp], Rebase] | None:
        if not self.chain.edits:
            return None  # nothing to replay: a plain build
        sources = workspace_sources(self.workspace)
        done = rebase.replay(built, self.previous, self.chain.edits, sources)
        operations = [edit.operation for edit in done.kept]
        return done.map, operations, done.rebase(self.head, built)


def load_history(workspace: Workspace, map_id: str, head: int | None) -> History:
    """The history a rebuild of `map_id` replays onto its new extraction."""
    if head is None:
        return fresh_history(workspace, map_id, head)  # no map yet: nothing to replay

    def load(number: int) -> RevisionLog:
        path = workspace.revision_path(map_id, number)
        try:  # the history without its maps: a rebuild reads every revision since the build
            return RevisionLog.model_validate_json(path.read_bytes())
        except (OSError, ValueError):
            workspace.load_revision(map_id, number)  # raises the workspace's usual error
            raise

    chain = rebase.edit_chain(head, load)
    base = workspace.load_revision(map_id, chain.base) if chain.base is not None else None
    previous = (base.rebase.built if base.rebase else base.map) if base is not None else None
    used = rebase.created_ids(chain.edits) | (
        {item.id for _, item in previous.items()} if previous is not None else set()
    )
    if rebase.creates_unnamed(chain.edits):  # an edit saved before ids were pinned
        used |= {item.id for _, item in workspace.load_map(map_id, head).items()}
    return WorkspaceHistory(workspace, head, previous, used, chain)


def commit(
    workspace: Workspace,
    map_id: str,
    operations: Sequence[EditOp],
    *,
    base_revision: int,
    author: Author = "user",
    message: str | None = None,
) -> Revision:
    """Apply `operations` to the map as of `base_revision`, which must be the latest, and save
    the result as the next revision. EditError (nothing saved) if an operation is refused."""
    current = workspace.load_revision(map_id)
    _check_base(map_id, current.number, base_revision)
    if not operations:
        raise EditError(f"no operation to apply to map {map_id}", "give at least one operation")
    edited, pinned = apply_and_pin(current.map, operations, workspace_sources(workspace))
    if message is None:
        message = "; ".join(describe_operation(op, current.map.language) for op in operations)
    return _save(workspace, current.number, edited, author, message, operations=pinned)


def undo(
    workspace: Workspace,
    map_id: str,
    *,
    author: Author = "user",
    base_revision: int | None = None,
) -> Revision:
    """Take back the latest change still in effect, as a new revision."""
    summaries, head = _checked_history(workspace, map_id, base_revision)
    target = _stacks(summaries)[0]
    if target is None:
        raise EditError(
            f"nothing to undo on map {map_id}: revision {head} is as far back as it goes",
            "use `restore` to go back to a given revision, or rebuild the map",
        )
    undone = next(summary for summary in summaries if summary.number == target)
    assert undone.parent is not None  # _stacks never offers a revision without a parent
    before = workspace.load_map(map_id, undone.parent)
    return _save(workspace, head, before, author, f"undo: {undone.message}", undoes=target)


def redo(
    workspace: Workspace,
    map_id: str,
    *,
    author: Author = "user",
    base_revision: int | None = None,
) -> Revision:
    """Re-apply the change the latest undo took back, as a new revision."""
    summaries, head = _checked_history(workspace, map_id, base_revision)
    target = _stacks(summaries)[1]
    if target is None:
        raise EditError(
            f"nothing to redo on map {map_id}", "redo only follows an undo, before other changes"
        )
    redone = workspace.load_revision(map_id, target)
    return _save(
        workspace,
        head,
        redone.map,
        author,
        f"redo: {redone.message}",
        operations=redone.operations,
        redoes=target,
    )


def restore(
    workspace: Workspace,
    map_id: str,
    number: int,
    *,
    author: Author = "user",
    base_revision: int | None = None,
) -> Revision:
    """A new revision whose map is revision `number`'s (which stays in the history too)."""
    head = _head(workspace, map_id)
    _check_base(map_id, head, base_revision)
    if not 1 <= number <= head:
        raise MapError(
            f"map {map_id} has no revision {number}", f"give a revision from 1 to {head}"
        )
    old = workspace.load_map(map_id, number)
    return _save(workspace, head, old, author, f"restore revision {number}", restores=number)


def history(workspace: Workspace, map_id: str) -> list[RevisionSummary]:
    """Every revision of the map, oldest first."""
    numbers = workspace.revisions(map_id)
    if not numbers:
        workspace.load_revision(map_id)  # raises the usual "no such map" MapError
    summaries = []
    for number in numbers:
        data = json.loads(workspace.revision_path(map_id, number).read_bytes())
        summaries.append(
            RevisionSummary(
                number=data["number"],
                parent=data.get("parent"),
                author=data.get("author", "system"),
                message=data.get("message", ""),
                created_at=data["created_at"],
                operations=len(data.get("operations", [])),
                undoes=data.get("undoes"),
                redoes=data.get("redoes"),
                restores=data.get("restores"),
                build=_is_build(data),
                conflicts=len((data.get("rebase") or {}).get("conflicts", [])),
            )
        )
    return summaries


def _is_build(data: Mapping[str, Any]) -> bool:
    """`Revision.is_build`, on a revision file's JSON."""
    return RevisionLog.model_validate(data).is_build


def rebuilt_since(workspace: Workspace, map_id: str, base_revision: int) -> bool:
    """Whether a build (or a restore) made a revision after `base_revision`: item ids may then
    name other items, so an instruction written on `base_revision` must not be re-applied."""
    return any(
        summary.number > base_revision and (summary.restores is not None or summary.build)
        for summary in history(workspace, map_id)
    )


def undo_state(workspace: Workspace, map_id: str) -> UndoState:
    summaries = history(workspace, map_id)
    undo_target, redo_target = _stacks(summaries)
    return UndoState(head=summaries[-1].number, undo=undo_target, redo=redo_target)


def diff_revisions(workspace: Workspace, map_id: str, first: int, second: int) -> MapDiff:
    return diff(workspace.load_map(map_id, first), workspace.load_map(map_id, second))


# -- internals ------------------------------------------------------------------------------------
def _head(workspace: Workspace, map_id: str) -> int:
    head = workspace.head(map_id)
    if head is None:
        return workspace.load_revision(map_id).number  # raises the usual "no such map" MapError
    return head


def _checked_history(
    workspace: Workspace, map_id: str, base_revision: int | None
) -> tuple[list[RevisionSummary], int]:
    """The history and its head, refused if the caller saw an older head."""
    summaries = history(workspace, map_id)
    head = summaries[-1].number
    _check_base(map_id, head, base_revision)
    return summaries, head


def _check_base(map_id: str, head: int, base_revision: int | None) -> None:
    if base_revision is not None and base_revision != head:
        raise StaleRevisionError(map_id, head, base_revision)


def _stacks(summaries: Sequence[RevisionSummary]) -> tuple[int | None, int | None]:
    """Replay the history: (the revision undo would take back, the one redo would re-apply).

    A change pushes itself on the undo stack and clears the redo stack; an undo moves its
    target from the undo stack to the redo stack; a redo pops the redo stack and pushes itself
    (undoing a redo goes back to the map before the redo).
    """
    undo_stack: list[int] = []
    redo_stack: list[int] = []
    for summary in summaries:
        if summary.undoes is not None:
            if undo_stack and undo_stack[-1] == summary.undoes:
                redo_stack.append(undo_stack.pop())
        elif summary.redoes is not None:
            if redo_stack and redo_stack[-1] == summary.redoes:
                redo_stack.pop()
            undo_stack.append(summary.number)
        else:
            undo_stack.append(summary.number)
            redo_stack.clear()
    parents = {summary.number: summary.parent for summary in summaries}
    undoable = undo_stack[-1] if undo_stack else None
    if undoable is not None and parents[undoable] is None:
        undoable = None  # the first build: there is no map before it
    return undoable, redo_stack[-1] if redo_stack else None


def _save(
    workspace: Workspace,
    head: int,
    journey_map: JourneyMap,
    author: Author,
    message: str,
    *,
    operations: Sequence[EditOp] = (),
    undoes: int | None = None,
    redoes: int | None = None,
    restores: int | None = None,
) -> Revision:
    number = head + 1
    revision = Revision(
        number=number,
        parent=head,
        author=author,
        message=message,
        operations=list(operations),
        undoes=undoes,
        redoes=redoes,
        restores=restores,
        map=journey_map.model_copy(update={"revision": number}),
    )
    workspace.save_revision(revision)  # exclusive: a concurrent writer makes this raise
    return revision
