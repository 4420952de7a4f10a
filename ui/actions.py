"""What the map page's buttons do: each is a list of edit operations committed as the next
revision with `assistant.editing.revisions.commit` (as `parcours apply` and the MCP server's
apply_edits do), on the revision the page showed, so a map that moved on meanwhile refuses the
change (StaleRevisionError) and nothing is saved. Undo and redo take them back.

Buttons call these in `on_click` callbacks; the outcome (a notice or the error's message) waits
in the session state for the next drawing (`take_outcome`).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from assistant.editing.operations import describe_operation
from assistant.editing.revisions import commit
from assistant.errors import ParcoursError
from assistant.model import EditOp, JourneyMap
from assistant.workspace import Workspace
from ui.words import words_for

OUTCOME = "parcours:outcome"
REDRAW = "parcours:redraw"
SELECTED = "parcours:selected"


def run_edit(
    workspace: Workspace, journey_map: JourneyMap, operations: Sequence[EditOp], language: str
) -> None:
    words = words_for(language)
    if not operations:
        st.session_state[OUTCOME] = ("info", words["no_change"])
        return
    lines = [describe_operation(op, language, journey_map) for op in operations]
    message = lines[0] if len(lines) == 1 else f"{lines[0]} (+{len(lines) - 1})"
    try:
        revision = commit(
            workspace,
            journey_map.id,
            list(operations),
            base_revision=journey_map.revision,
            message=message,
        )
    except ParcoursError as error:
        st.session_state[OUTCOME] = ("error", str(error))
        return
    text = words["done"].format(number=revision.number, message=revision.message)
    st.session_state[OUTCOME] = ("success", text)
    st.session_state[REDRAW] = True


Outcome = tuple[str, str]


def take_outcome() -> Outcome | None:
    """The last action's outcome, shown once: on the page, and again in the evidence panel
    when it is open (the page behind it is covered). The whole page is being drawn: no redraw
    is owed any more."""
    st.session_state.pop(REDRAW, None)
    outcome: Outcome | None = st.session_state.pop(OUTCOME, None)
    show_outcome(outcome)
    return outcome


def show_outcome(outcome: Outcome | None) -> None:
    if outcome is not None:
        kind, text = outcome
        {"success": st.success, "error": st.error, "info": st.info}[kind](text)


def redraw_page() -> None:
    """Buttons inside the evidence panel rerun the panel only (a dialog is a fragment): after an
    edit, the whole page is drawn again so the grid, the curve and the history show it."""
    if st.session_state.pop(REDRAW, False):
        st.rerun()


def select(item_id: str | None) -> None:
    st.session_state[SELECTED] = item_id


def selected() -> str | None:
    value = st.session_state.get(SELECTED)
    return str(value) if value else None
