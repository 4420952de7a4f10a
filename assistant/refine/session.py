"""One refinement conversation about one map: the service the CLI, the UI and the MCP server share.

    session = RefinementSession(project, "overall")          # the offline assistant by default
    turn = session.send("déplace I12 vers achat")             # a reply, maybe a proposal
    revision = session.approve(turn.proposal, indices=[0])    # commit all or some operations

`send` records the user's message and the assistant's answer in the map's conversation
(`assistant.refine.conversation`), runs undo and redo itself (`AssistantTurn.control`; unless
`run_controls` is off), and applies a proposal at once only when `auto_apply` is set.
`approve` commits through `assistant.editing.revisions` on the proposal's base revision: if the map
moved on since, `StaleRevisionError` and nothing is saved. `reject` records the refusal and
changes nothing. The assistant never writes; only these methods do.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from assistant.editing.diff import MapDiff, diff
from assistant.editing.edits import apply_operations
from assistant.editing.revisions import Author, commit, redo, undo, workspace_sources
from assistant.errors import ConfigError, EditError, ParcoursError
from assistant.mapping.build import OVERALL_MAP_ID
from assistant.model import EditOp, JourneyMap, Revision, Source
from assistant.refine.conversation import append_message, load_conversation
from assistant.refine.grammar.assistant import OfflineAssistant
from assistant.refine.search import WorkspaceSearch
from assistant.refine.turns import (
    Assistant,
    AssistantTurn,
    ChatContext,
    ChatMessage,
    EvidenceHit,
    Proposal,
    SearchFilters,
)
from assistant.refine.turns import EvidenceSearch as EvidenceSearchProtocol
from assistant.settings import Settings
from assistant.workspace import Workspace

ASSISTANTS = ("offline", "openai")

_DONE = {
    "en": "Revision {number}: {message}",
    "fr": "Révision {number} : {message}",
}
_NOT_APPLIED = {"en": "Not applied: {error}", "fr": "Non appliqué : {error}"}


class SearchableWorkspace(Protocol):
    """What a session needs of `assistant.project.Project`: its workspace and its search."""

    workspace: Workspace

    def search(self, journey_map: JourneyMap | None = None) -> WorkspaceSearch: ...


def make_assistant(settings: Settings, provider: str = "offline") -> Assistant:
    """The offline grammar, or the LLM chat assistant of `assistant.refine.llm_assistant`,
    imported only when asked for (it needs the `llm` extra) and built by
    `LLMAssistant.from_settings(settings)`: model, server and key from flags or PARCOURS_MODEL,
    PARCOURS_BASE_URL, PARCOURS_API_KEY. The CLI, the UI and the MCP server all call this."""
    if provider == "offline":
        return OfflineAssistant()
    if provider != "openai":
        raise ConfigError(f"unknown assistant {provider!r}", f"use one of: {', '.join(ASSISTANTS)}")
    try:
        module = importlib.import_module("assistant.refine.llm_assistant")
        factory: Any = module.LLMAssistant
    except (ImportError, AttributeError) as error:
        raise ConfigError(
            f"the LLM chat assistant is not available ({type(error).__name__}: {error})",
            "install the llm extra (pip install 'parcours[llm]'), or use --provider offline",
        ) from error
    assistant: Assistant = factory.from_settings(settings)
    return assistant


class RefinementSession:
    def __init__(
        self,
        project: SearchableWorkspace | Workspace,
        map_id: str = OVERALL_MAP_ID,
        assistant: Assistant | None = None,
        *,
        auto_apply: bool = False,
        run_controls: bool = True,
        search: EvidenceSearchProtocol | None = None,
    ) -> None:
        self.project = None if isinstance(project, Workspace) else project
        self.workspace = project if isinstance(project, Workspace) else project.workspace
        self.map_id = map_id
        self.assistant: Assistant = assistant or OfflineAssistant()
        self.auto_apply = auto_apply
        self.run_controls = run_controls
        """Run the undo or redo a message asks for (False: `send` only returns the turn)."""
        self.workspace.load_revision(map_id)  # MapError now, not at the first message
        conversation = load_conversation(self.workspace, map_id)
        self.messages: list[ChatMessage] = conversation.messages
        self.problems: list[str] = conversation.problems
        self.last_revision: Revision | None = None
        """The revision the last `send` or `approve` created (None: it changed nothing)."""
        self._search = search
        self._index: WorkspaceSearch | None = None
        self._sources: Mapping[str, Source] = workspace_sources(self.workspace)

    # -- reading ------------------------------------------------------------------------------
    @property
    def journey_map(self) -> JourneyMap:
        """The map as it is now (its latest revision)."""
        return self.workspace.load_map(self.map_id)

    def context(self, journey_map: JourneyMap | None = None) -> ChatContext:
        journey_map = journey_map or self.journey_map
        return ChatContext(
            map_id=self.map_id,
            journey_map=journey_map,
            sources=self._sources,
            search=_Deferred(lambda: self.search(journey_map)),
            history=tuple(self.messages),
        )

    def search(self, journey_map: JourneyMap | None = None) -> EvidenceSearchProtocol:
        """The evidence search for `journey_map`: the one given, else the project's hybrid
        search, else keywords over the workspace's sources."""
        if self._search is not None:
            return self._search
        journey_map = journey_map or self.journey_map
        if self._index is None:
            self._index = (
                self.project.search(journey_map)
                if self.project is not None
                else WorkspaceSearch(self.workspace.load_sources(), journey_map=journey_map)
            )
        return self._index.with_map(journey_map)

    def preview(self, proposal: Proposal, indices: Sequence[int] | None = None) -> MapDiff:
        """What approving (these operations of) `proposal` would change, without saving."""
        before = self.workspace.load_map(self.map_id, proposal.base_revision)
        after = apply_operations(before, _chosen(proposal, indices), self._sources)
        return diff(before, after.model_copy(update={"revision": before.revision + 1}))

    # -- the conversation ---------------------------------------------------------------------
    def send(self, message: str) -> AssistantTurn:
        """The assistant's answer to `message`; undo and redo are run here, a proposal is only
        applied with `auto_apply`."""
        journey_map = self.journey_map
        self._record(ChatMessage(role="user", content=message, revision=journey_map.revision))
        turn = self.assistant.respond(message, self.context(journey_map))
        self.last_revision = None
        language = turn.language
        try:
            if turn.control is not None and self.run_controls:
                history_step = undo if turn.control == "undo" else redo
                self.last_revision = history_step(
                    self.workspace, self.map_id, base_revision=journey_map.revision
                )
            elif turn.proposal is not None and self.auto_apply:
                self.last_revision = self._commit(turn.proposal, None, "assistant", None)
        except ParcoursError as error:
            turn = _append(turn, _NOT_APPLIED[language].format(error=error))
        if self.last_revision is not None:
            done = _DONE[language].format(
                number=self.last_revision.number, message=self.last_revision.message
            )
            turn = _append(turn, done)
        self._record(
            ChatMessage(
                role="assistant",
                content=turn.reply,
                revision=journey_map.revision,
                proposal=turn.proposal,
                applied_revision=self.last_revision.number if self.last_revision else None,
            )
        )
        return turn

    def approve(
        self,
        proposal: Proposal,
        indices: Sequence[int] | None = None,
        author: Author = "user",
        *,
        message: str | None = None,
    ) -> Revision:
        """Commit all of `proposal`, or the operations at `indices` (0-based; applied in the
        proposal's order), on its base revision. StaleRevisionError if the map has moved on."""
        revision = self._commit(proposal, indices, author, message)
        chosen = _subset(proposal, indices)
        which = "all" if indices is None else ", ".join(str(n + 1) for n in indices)
        self._record(
            ChatMessage(
                role="user",
                content=f"approve: {which}",
                revision=proposal.base_revision,
                proposal=chosen,
                applied_revision=revision.number,
            )
        )
        self.last_revision = revision
        return revision

    def reject(self, proposal: Proposal) -> None:
        """Record that `proposal` was turned down. Nothing else changes."""
        self._record(
            ChatMessage(
                role="user",
                content="reject: " + "; ".join(proposal.descriptions or ["the proposal"]),
                revision=proposal.base_revision,
                proposal=proposal,
            )
        )
        self.last_revision = None

    # -- internals ----------------------------------------------------------------------------
    def _commit(
        self,
        proposal: Proposal,
        indices: Sequence[int] | None,
        author: Author,
        message: str | None,
    ) -> Revision:
        """Commit; the revision's message is, by default, the chosen operations' descriptions
        (in the user's language, as the proposal showed them)."""
        chosen = _subset(proposal, indices)
        return commit(
            self.workspace,
            self.map_id,
            chosen.operations,
            base_revision=proposal.base_revision,
            author=author,
            message=message or "; ".join(chosen.descriptions) or None,
        )

    def _record(self, message: ChatMessage) -> None:
        append_message(self.workspace, self.map_id, message)
        self.messages.append(message)


class _Deferred:
    """A search built on its first query (an edit needs none: no sources or vectors loaded)."""

    def __init__(self, make: Callable[[], EvidenceSearchProtocol]) -> None:
        self._make = make
        self._search: EvidenceSearchProtocol | None = None

    def __call__(
        self, query: str, *, filters: SearchFilters | None = None, k: int = 8
    ) -> list[EvidenceHit]:
        if self._search is None:
            self._search = self._make()
        return self._search(query, filters=filters, k=k)


def _chosen(proposal: Proposal, indices: Sequence[int] | None) -> list[EditOp]:
    if indices is None:
        return list(proposal.operations)
    count = len(proposal.operations)
    if not indices:
        raise EditError("no operation was chosen", f"choose among operations 1 to {count}")
    for index in indices:
        if not 0 <= index < count:
            raise EditError(
                f"the proposal has no operation {index + 1}", f"choose among 1 to {count}"
            )
    if len(set(indices)) != len(indices):
        raise EditError("an operation is chosen twice", "choose each operation once")
    return [proposal.operations[index] for index in sorted(indices)]


def _subset(proposal: Proposal, indices: Sequence[int] | None) -> Proposal:
    if indices is None:
        return proposal
    described = len(proposal.descriptions) == len(proposal.operations)
    return Proposal(
        base_revision=proposal.base_revision,
        operations=_chosen(proposal, indices),
        descriptions=[proposal.descriptions[i] for i in sorted(indices)] if described else [],
    )


def _append(turn: AssistantTurn, line: str) -> AssistantTurn:
    return turn.model_copy(update={"reply": f"{turn.reply}\n{line}"})
