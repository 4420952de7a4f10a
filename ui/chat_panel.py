"""The refinement panel of the Streamlit UI: a chat over `RefinementSession` (assistant.refine).

Layout and session state only. Every change goes through the library functions the CLI and the
MCP server call: `RefinementSession.send`, `approve` and `reject` for the chat, and
`assistant.editing.revisions.undo` / `redo` for the sidebar buttons (with the HEAD the page
showed as `base_revision`, so a map that moved on meanwhile raises StaleRevisionError and
nothing changes).

Buttons act in `on_click` callbacks, which run before the page is drawn again: what the page
shows afterwards (HEAD, history, undo state, the map) is read after the change. A callback keeps
its outcome (a notice, or a ParcoursError's message) in the `Panel` for the next drawing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from assistant.editing.operations import describe_operation
from assistant.editing.revisions import (
    RevisionSummary,
    diff_revisions,
    history,
    redo,
    restore,
    undo,
    undo_state,
)
from assistant.errors import ConfigError, ParcoursError
from assistant.project import Project
from assistant.refine.grammar.assistant import OfflineAssistant
from assistant.refine.session import RefinementSession, make_assistant
from assistant.refine.turns import Assistant, AssistantTurn, Proposal

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Refine the map",
        "placeholder": "e.g. move I3 to purchase · explain I3 · find delivery · help",
        "apply": "Apply selected",
        "reject": "Reject",
        "applied": "Revision {number}: {message}",
        "rejected": "Proposal rejected: nothing changed.",
        "none_chosen": "Choose at least one operation to apply.",
        "citations": "Citations ({count})",
        "undo": "Undo",
        "redo": "Redo",
        "history": "Revisions",
        "view": "View revision",
        "latest": "latest",
        "read_only": "Revision {number}, read-only: the latest is {head}. "
        "Pick it to refine the map.",
        "llm": "LLM assistant ({model})",
        "llm_off": "Using the offline assistant.",
        "llm_missing": "The LLM chat assistant is not available ({error}): install the llm extra.",
        "changes_since": "What changed from revision {number} to the latest ({head})",
        "restore": "Restore revision {number}",
        "no_changes": "No difference.",
    },
    "fr": {
        "title": "Affiner la carte",
        "placeholder": "ex. déplace I3 vers achat · explique I3 · cherche livraison · aide",
        "apply": "Appliquer la sélection",
        "reject": "Refuser",
        "applied": "Révision {number} : {message}",
        "rejected": "Proposition refusée : rien n’a changé.",
        "none_chosen": "Choisissez au moins une opération à appliquer.",
        "citations": "Citations ({count})",
        "undo": "Annuler",
        "redo": "Rétablir",
        "history": "Révisions",
        "view": "Voir la révision",
        "latest": "dernière",
        "read_only": "Révision {number}, en lecture seule : la dernière est la {head}. "
        "Choisissez-la pour affiner la carte.",
        "llm": "Assistant LLM ({model})",
        "llm_off": "L’assistant hors ligne est utilisé.",
        "llm_missing": "L’assistant LLM n’est pas disponible ({error}) : installez l’extra llm.",
        "changes_since": "Ce qui a changé de la révision {number} à la dernière ({head})",
        "restore": "Restaurer la révision {number}",
        "no_changes": "Aucune différence.",
    },
}


def words_for(language: str) -> dict[str, str]:
    return WORDS["fr" if language == "fr" else "en"]


@dataclass
class Panel:
    """What the UI keeps between reruns for one map."""

    session: RefinementSession
    words: dict[str, str]
    turns: dict[int, AssistantTurn] = field(default_factory=dict)
    """Turns answered in this browser session, by their message's index (the log keeps no
    citations)."""
    pending: int | None = None
    """Index of the assistant message whose proposal awaits Apply or Reject."""
    notice: str | None = None
    error: str | None = None
    log_size: int = -1
    """The size of the conversation file when this page last read or wrote it."""

    def sync(self) -> None:
        path = self.session.workspace.conversation_path(self.session.map_id)
        self.log_size = _size(path)

    @property
    def prefix(self) -> str:
        return f"{self.session.workspace.root}:{self.session.map_id}"

    def proposal(self) -> Proposal | None:
        if self.pending is None:
            return None
        return self.session.messages[self.pending].proposal

    def checkbox_keys(self, proposal: Proposal) -> list[str]:
        return [f"{self.prefix}:op:{self.pending}:{n}" for n in range(len(proposal.operations))]


def get_panel(project: Project, map_id: str, language: str) -> Panel:
    """The panel of `map_id` for this browser session, talking to the assistant the sidebar
    picks. The conversation is read again when its file changed elsewhere (the CLI, another
    tab). MapError (a ParcoursError) when the map cannot be read."""
    assistant = _choose_assistant(project, language)
    panels: dict[tuple[str, str], Panel] = st.session_state.setdefault("panels", {})
    key = (str(project.workspace.root), map_id)
    panel = panels.get(key)
    if panel is None or panel.log_size != _size(project.workspace.conversation_path(map_id)):
        session = RefinementSession(project, map_id, assistant)
        turns = panel.turns if panel is not None else {}  # the log is append-only
        panel = Panel(session, words_for(language), turns, pending=_undecided(session))
        panel.sync()
        panels[key] = panel
    panel.session.assistant = assistant
    return panel


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _undecided(session: RefinementSession) -> int | None:
    """The index of the proposal the conversation ended on, if neither applied nor rejected
    (both add a message) and still on the latest revision."""
    if not session.messages:
        return None
    last = session.messages[-1]
    if last.role != "assistant" or last.proposal is None or last.applied_revision is not None:
        return None
    if last.proposal.base_revision != session.workspace.head(session.map_id):
        return None
    return len(session.messages) - 1


def _choose_assistant(project: Project, language: str) -> Assistant:
    """The offline assistant, unless the settings name a chat model and the sidebar toggle is
    on: then the library's `make_assistant` (the LLM chat, imported only now: it needs the llm
    extra), kept for the browser session. An error is shown and the offline assistant used."""
    words, model = words_for(language), project.settings.model
    if not model or not st.sidebar.toggle(words["llm"].format(model=model), key="use_llm"):
        return OfflineAssistant()
    built: dict[str, Assistant] = st.session_state.setdefault("llm_assistants", {})
    root = str(project.workspace.root)
    if root not in built:
        try:
            built[root] = make_assistant(project.settings, "openai")
        except ConfigError as error:
            missing = error.__cause__ if isinstance(error.__cause__, ImportError) else None
            st.sidebar.error(words["llm_missing"].format(error=missing) if missing else str(error))
        except ParcoursError as error:
            st.sidebar.error(str(error))
    if root in built:
        return built[root]
    st.sidebar.caption(words["llm_off"])
    return OfflineAssistant()


# -- sidebar --------------------------------------------------------------------------------------
def show_revisions(panel: Panel) -> int | None:
    """Undo / Redo buttons, the history and the revision picker; the revision to view
    (None: the latest)."""
    words, workspace, map_id = panel.words, panel.session.workspace, panel.session.map_id
    state = undo_state(workspace, map_id)
    summaries = history(workspace, map_id)
    for column, step, target in zip(
        st.sidebar.columns(2), ("undo", "redo"), (state.undo, state.redo), strict=True
    ):
        column.button(
            words[step],
            key=f"{panel.prefix}:{step}",
            disabled=target is None,
            on_click=_history_step,
            args=(panel, step, state.head),
            width="stretch",
        )
    numbers = [summary.number for summary in reversed(summaries)]
    by_number = {summary.number: summary for summary in summaries}
    chosen = st.sidebar.selectbox(
        words["view"],
        numbers,
        format_func=lambda n: _summary_line(by_number[n], words, n == state.head),
        key=f"{panel.prefix}:view:{state.head}",  # a new HEAD shows the latest again
    )
    with st.sidebar.expander(words["history"], expanded=True):
        st.markdown("\n".join(f"- {_summary_line(summary, words)}" for summary in summaries[::-1]))
    return None if chosen == state.head else chosen


def show_old_revision(panel: Panel, number: int, language: str) -> None:
    """Viewing an older revision: what changed since, and a button that makes it the latest
    again (a new revision; nothing is deleted)."""
    words, workspace, map_id = panel.words, panel.session.workspace, panel.session.map_id
    head = workspace.head(map_id) or number
    with st.expander(words["changes_since"].format(number=number, head=head)):
        try:
            changes = diff_revisions(workspace, map_id, number, head).to_markdown(language)
        except ParcoursError as error:
            changes = str(error)
        st.markdown(changes or words["no_changes"])
    st.button(
        words["restore"].format(number=number),
        key=f"{panel.prefix}:restore:{number}",
        on_click=_restore,
        args=(panel, number, head),
    )


def _restore(panel: Panel, number: int, head: int) -> None:
    try:
        revision = restore(
            panel.session.workspace, panel.session.map_id, number, base_revision=head
        )
    except ParcoursError as error:
        panel.error = str(error)
        return
    panel.notice = panel.words["applied"].format(number=revision.number, message=revision.message)


def _summary_line(summary: RevisionSummary, words: dict[str, str], latest: bool = False) -> str:
    tail = f" ({words['latest']})" if latest else ""
    return f"{summary.number} · {summary.author} · {summary.message or '—'}{tail}"


def _history_step(panel: Panel, which: str, head: int) -> None:
    step = undo if which == "undo" else redo
    try:
        revision = step(panel.session.workspace, panel.session.map_id, base_revision=head)
    except ParcoursError as error:
        panel.error = str(error)
        return
    panel.notice = panel.words["applied"].format(number=revision.number, message=revision.message)


# -- the chat -------------------------------------------------------------------------------------
def show_chat(panel: Panel, read_only: bool) -> None:
    words, session = panel.words, panel.session
    st.header(words["title"])
    for problem in session.problems:
        st.warning(problem)
    for index, message in enumerate(session.messages):
        with st.chat_message(message.role):
            st.markdown(message.content)
            turn = panel.turns.get(index)
            if turn is not None:
                _show_turn(turn, words)
            if index == panel.pending and not read_only:
                language = turn.language if turn is not None else session.journey_map.language
                _show_proposal(panel, language)
    if panel.error:
        st.error(panel.error)
    elif panel.notice:
        st.success(panel.notice)
    panel.error = panel.notice = None
    st.chat_input(
        words["placeholder"],
        key=f"{panel.prefix}:chat",
        on_submit=_send,
        args=(panel,),
        disabled=read_only,
    )


def _show_turn(turn: AssistantTurn, words: dict[str, str]) -> None:
    for warning in turn.warnings:
        st.warning(warning)
    if turn.citations:
        with st.expander(words["citations"].format(count=len(turn.citations))):
            for citation in turn.citations:
                st.markdown(f"**{citation.label()}**\n\n> {citation.quote}")


def _show_proposal(panel: Panel, language: str) -> None:
    proposal = panel.proposal()
    assert proposal is not None
    words, keys = panel.words, panel.checkbox_keys(proposal)
    chosen = [
        n
        for n, key in enumerate(keys)
        if st.checkbox(_description(proposal, n, language), value=True, key=key)
    ]
    if chosen:
        try:
            st.markdown(panel.session.preview(proposal, chosen).to_markdown(language))
        except ParcoursError as error:
            st.error(str(error))
    else:
        st.info(words["none_chosen"])
    left, right = st.columns(2)
    left.button(
        words["apply"],
        key=f"{panel.prefix}:apply:{panel.pending}",
        type="primary",
        on_click=_apply,
        args=(panel, keys),
        disabled=not chosen,
    )
    right.button(
        words["reject"],
        key=f"{panel.prefix}:reject:{panel.pending}",
        on_click=_reject,
        args=(panel,),
    )


def _description(proposal: Proposal, index: int, language: str) -> str:
    if len(proposal.descriptions) == len(proposal.operations):
        return proposal.descriptions[index]
    return describe_operation(proposal.operations[index], language)


def _send(panel: Panel) -> None:
    text = str(st.session_state.get(f"{panel.prefix}:chat") or "").strip()
    if not text:
        return
    session = panel.session
    try:
        turn = session.send(text)
    except ParcoursError as error:
        panel.error = str(error)
        return
    finally:
        panel.sync()
    index = len(session.messages) - 1
    panel.turns[index] = turn
    applied = session.last_revision
    panel.pending = index if turn.proposal is not None and applied is None else None


def _apply(panel: Panel, keys: Sequence[str]) -> None:
    proposal = panel.proposal()
    if proposal is None:
        return
    chosen = [n for n, key in enumerate(keys) if st.session_state.get(key, True)]
    indices = None if len(chosen) == len(proposal.operations) else chosen
    try:
        revision = panel.session.approve(proposal, indices)
    except ParcoursError as error:  # StaleRevisionError among others: nothing was saved
        panel.error = str(error)
        return
    finally:
        panel.sync()
    panel.pending = None
    panel.notice = panel.words["applied"].format(number=revision.number, message=revision.message)


def _reject(panel: Panel) -> None:
    proposal = panel.proposal()
    if proposal is None:
        return
    try:
        panel.session.reject(proposal)
    except ParcoursError as error:
        panel.error = str(error)
        return
    finally:
        panel.sync()
    panel.pending = None
    panel.notice = panel.words["rejected"]
