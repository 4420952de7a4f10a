"""The refining assistant through a chat model that calls tools (LangChain v1 tool calling).

`LLMAssistant(chat_model).respond(message, context)` implements `assistant.refine.turns.Assistant`:

1. the reply language is the message's (French or English, from function words; else the
   conversation's, else the map's), and so is the system prompt (`prompts/chat.{fr,en}.vN.md`);
2. the model sees the system prompt, the last `history` messages of the conversation and the
   message, with four tools bound (`assistant.refine.tools`): search_evidence, read_map,
   explain_item, propose_edits;
3. a bounded loop we own: call the model (retried by `RetryPolicy`); if it asks for tools, run
   them and send each result back as a `ToolMessage`; stop when it answers in text. Past
   `max_steps` model calls the turn says it stopped, and carries no proposal;
4. the answer's citations are resolved against the quotes the tools returned (and the sources'
   text): a label or a quoted passage that matches nothing is flagged in the reply and in
   `warnings`, never returned as a citation.

Why not `langchain.agents.create_agent`: it would run the same loop inside a LangGraph graph, but
the step bound ends in a `GraphRecursionError` rather than an answer, retries and the untrusted-
data wrapping would move into middleware, and the per-answer state (the proposal, the quotes seen)
would live in graph state. A 30-line loop keeps all of that visible and testable with a scripted
model whose `bind_tools` returns itself.

The assistant never applies anything: a proposal is a dry-run-checked list of operations on
`context.journey_map.revision`; approving and committing it is the caller's
(`assistant.editing.revisions.commit`, which refuses a stale revision).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import prompts
from assistant.errors import ParcoursError
from assistant.evidence.grounding import fold, normalize_view
from assistant.model import JourneyMap, Source
from assistant.providers.retry import RetryPolicy
from assistant.refine.tools import Language, Toolbox, citation_key, tool_specs, verified
from assistant.refine.turns import AssistantTurn, ChatContext, ChatMessage, Citation

if TYPE_CHECKING:
    from assistant.settings import Settings

__all__ = ["PROMPT_NAME", "LLMAssistant", "reply_language", "resolve_citations"]

PROMPT_NAME = "chat"
HISTORY_MESSAGES = 10
MAX_CALLS_PER_STEP = 8
_SETTINGS_HINT = (
    "check that the server runs, and --base-url / PARCOURS_BASE_URL, --model / PARCOURS_MODEL "
    "and OPENAI_API_KEY (or PARCOURS_API_KEY)"
)


class LLMAssistant:
    """Answers and proposes edits with a tool-calling chat model; never applies anything."""

    def __init__(
        self,
        chat_model: Any,
        *,
        max_steps: int = 6,
        retry: RetryPolicy | None = None,
        history: int = HISTORY_MESSAGES,
        model_name: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        if max_steps < 1:
            raise ValueError("max_steps must be at least 1")
        self.chat_model = chat_model
        self.max_steps = max_steps
        self.retry = retry or RetryPolicy()
        self.history = history
        self.model_name = model_name or str(
            getattr(chat_model, "model_name", None) or type(chat_model).__name__
        )
        self.endpoint = endpoint
        self._bound: Any = None

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> LLMAssistant:
        """The assistant on the OpenAI-compatible server the settings name (model, base_url,
        api_key): ConfigError when one is missing."""
        from assistant.providers.openai import OpenAIProvider

        provider = OpenAIProvider(
            settings.model,
            base_url=settings.base_url,
            api_key=settings.api_key,
            max_output_tokens=settings.max_output_tokens,
        )
        return cls(
            provider.chat_model(), model_name=provider.model, endpoint=provider.endpoint, **options
        )

    @staticmethod
    def prompt_version(language: str = "en") -> str:
        """The id of the system prompt used in `language` (e.g. chat-v1)."""
        return prompts.load(PROMPT_NAME, language).id

    # -- one turn ------------------------------------------------------------------------------
    def respond(self, message: str, context: ChatContext) -> AssistantTurn:
        from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage

        language = reply_language(message, context.history, context.journey_map.language)
        prompt = prompts.load(PROMPT_NAME, language)
        nonce = secrets.token_hex(6)
        toolbox = Toolbox(context, language, nonce)
        system = prompt.render(nonce=nonce, map=map_header(context.journey_map))
        messages: list[Any] = [
            SystemMessage(system),
            *history_messages(context.history, message, self.history),
            HumanMessage(message),
        ]
        model = self._tools_bound()
        for _ in range(self.max_steps):
            answer = self._call(model, messages)
            messages.append(answer)
            calls = list(getattr(answer, "tool_calls", None) or [])
            broken = list(getattr(answer, "invalid_tool_calls", None) or [])
            if not calls and not broken:
                return self._final(answer, toolbox, language, prompt.id)
            for number, call in enumerate(calls):
                if number < MAX_CALLS_PER_STEP:
                    result = toolbox.run(call["name"], call.get("args", {}))
                else:
                    result = f"Skipped: at most {MAX_CALLS_PER_STEP} tool calls at once."
                messages.append(
                    ToolMessage(result, tool_call_id=call.get("id") or "", name=call["name"])
                )
            for call in broken:
                result = toolbox.invalid_call(call.get("name"), call.get("error"))
                messages.append(
                    ToolMessage(result, tool_call_id=call.get("id") or "", name=call.get("name"))
                )
        return AssistantTurn(
            reply=_STOPPED[language].format(steps=self.max_steps),
            language=language,
            prompt_version=prompt.id,
            warnings=[
                *toolbox.warnings,
                f"stopped after {self.max_steps} model calls (max_steps); no proposal kept",
            ],
        )

    def _tools_bound(self) -> Any:
        if self._bound is None:
            self._bound = self.chat_model.bind_tools(tool_specs())
        return self._bound

    def _call(self, model: Any, messages: list[Any]) -> Any:
        try:
            return self.retry.call(partial(model.invoke, messages))
        except Exception as error:
            where = f" at {self.endpoint}" if self.endpoint else ""
            raise ParcoursError(
                f"the chat model {self.model_name!r}{where} failed: "
                f"{type(error).__name__}: {error}"[:500],
                _hint(error),
            ) from error

    def _final(
        self, answer: Any, toolbox: Toolbox, language: Language, prompt_id: str
    ) -> AssistantTurn:
        text = _text(answer).strip()
        if not text:
            text = toolbox.proposal_message or _EMPTY[language]
        reply, citations, warnings = resolve_citations(
            text, toolbox.seen.values(), toolbox.context.sources, language, toolbox.explained
        )
        if _CLAIMS_APPLIED.search(_QUOTED.sub("", reply)):  # customers' "I added…" aside
            warnings.append(
                "the reply says a change was made, but nothing is applied until the user "
                "approves the proposal"
            )
        return AssistantTurn(
            reply=reply,
            language=language,
            citations=citations,
            proposal=toolbox.proposal,
            prompt_version=prompt_id,
            warnings=[*toolbox.warnings, *warnings],
        )


_STOPPED: dict[str, str] = {
    "en": "I stopped after {steps} steps without reaching an answer, so I propose nothing and "
    "nothing was changed. Could you ask for something narrower?",
    "fr": "Je me suis arrêté après {steps} étapes sans parvenir à une réponse : je ne propose "
    "donc rien et rien n’a été modifié. Pouvez-vous formuler une demande plus précise ?",
}
_EMPTY: dict[str, str] = {"en": "(no answer)", "fr": "(pas de réponse)"}
_CLAIMS_APPLIED = re.compile(
    r"\b(?:I(?:'ve| have)? (?:now )?(?:applied|deleted|removed|merged|renamed|moved|added|saved"
    r"|updated|changed)|j['’]ai (?:bien )?(?:appliqué|supprimé|fusionné|renommé|déplacé|ajouté"
    r"|enregistré|modifié|retiré))\b",
    re.IGNORECASE,
)
"""A reply claiming it changed the map: the prompt forbids it; the turn warns when it happens."""


def _text(answer: Any) -> str:
    content = getattr(answer, "content", "")
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks
        return "".join(
            block if isinstance(block, str) else str(block.get("text", ""))
            for block in content
            if isinstance(block, str) or (isinstance(block, dict) and block.get("type") == "text")
        )
    return str(content)


def _hint(error: BaseException) -> str:
    status = getattr(error, "status_code", None)
    name = type(error).__name__
    if status in (401, 403):
        return "check OPENAI_API_KEY (or PARCOURS_API_KEY) for this server"
    if status == 404:
        return "check --model / PARCOURS_MODEL, and --base-url / PARCOURS_BASE_URL"
    if status in (400, 422) and re.search(r"tool|function", str(error), re.I):
        return (
            "this model or server does not accept tool calls: choose one that does with "
            "--model / PARCOURS_MODEL"
        )
    if "Connection" in name or "Timeout" in name:
        return "check that the server runs and answers at --base-url / PARCOURS_BASE_URL"
    return _SETTINGS_HINT


# -- language -----------------------------------------------------------------------------------
_FRENCH = frozenset(
    "le la les un une des du de et est je j tu il elle nous vous ils elles ce c cette ces qui que "
    "qu quoi quel quelle quels quelles pas ne n pour avec sur dans mais très au aux en y ai mon ma "
    "mes ton ta tes son sa ses leur moi toi peux peut pourquoi comment combien où est-ce fusionne "
    "fusionner supprime supprimer ajoute ajouter déplace déplacer renomme renommer montre montrer "
    "cherche chercher explique expliquer trouve trouver scinde marque étape étapes élément "
    "éléments citation citations carte merci oui non svp stp parle disent dit ont sont quoi".split()
)
_ENGLISH = frozenset(
    "the an and is are was were i you he she it we they this that these those which who what why "
    "how where not no for with in but at to of my your show find search explain merge delete "
    "remove add move rename split mark please thanks item items stage stages quote quotes map can "
    "could would should does do did say said about any there their from".split()
)
_WORD = re.compile(r"\b[^\W\d_]+(?:-[^\W\d_]+)?\b")


def _language_of(text: str) -> Language | None:
    words = _WORD.findall(text.lower().replace("’", "'").replace("'", " "))
    french: float = sum(word in _FRENCH for word in words)
    french += sum(0.5 for word in words if not word.isascii())
    english = sum(word in _ENGLISH for word in words)
    if french > english:
        return "fr"
    if english > french:
        return "en"
    return None


def reply_language(
    message: str, history: Sequence[ChatMessage] = (), default: str = "en"
) -> Language:
    """French or English: the message's, else the last user message's that tells, else
    `default` (the map's language) when it is French, else English."""
    found = _language_of(message)
    for earlier in reversed(history):
        if found is not None:
            break
        if earlier.role == "user":
            found = _language_of(earlier.content)
    return found or ("fr" if default == "fr" else "en")


# -- prompt and history -------------------------------------------------------------------------
def map_header(journey_map: JourneyMap) -> str:
    """One paragraph on the map for the system prompt: ids, names and counts, no item text."""
    stages = ", ".join(
        f"{stage.id} «{stage.name}» ({len(stage.items)})" for stage in journey_map.stages
    )
    return (
        f"id {journey_map.id}, revision {journey_map.revision}, language {journey_map.language}, "
        f"persona {journey_map.persona or '-'}, {len(journey_map.items())} items; "
        f"stages (items): {stages}"
    )


def history_messages(history: Sequence[ChatMessage], message: str, limit: int) -> list[Any]:
    """The last `limit` messages of the conversation, as chat messages; the current message is
    left out if the caller already logged it. A past proposal is summarised with its outcome."""
    from langchain_core.messages import AIMessage, HumanMessage

    past = list(history)
    if past and past[-1].role == "user" and past[-1].content.strip() == message.strip():
        past.pop()
    converted: list[Any] = []
    for entry in past[-limit:] if limit > 0 else []:
        if entry.role == "user":
            converted.append(HumanMessage(entry.content))
            continue
        content = entry.content
        if entry.proposal is not None:
            outcome = (
                f"approved as revision {entry.applied_revision}"
                if entry.applied_revision is not None
                else "not applied"
            )
            content += (
                f"\n[proposal on revision {entry.proposal.base_revision}, {outcome}: "
                + "; ".join(
                    entry.proposal.descriptions or [op.op for op in entry.proposal.operations]
                )
                + "]"
            )
        converted.append(AIMessage(content))
    return converted


# -- citations ----------------------------------------------------------------------------------
_LABEL = re.compile(r"\[([^\[\]\n]{3,300})\]")
_QUOTED = re.compile(r"«\s*([^«»]+?)\s*»|“([^“”]+?)”|\"([^\"\n]+?)\"")
_FLAG = {"en": "⚠ not found in the sources", "fr": "⚠ introuvable dans les sources"}
_FOOTER = {
    "en": "⚠ Not found verbatim in the sources, so not cited: ",
    "fr": "⚠ Introuvable tel quel dans les sources, donc non cité : ",
}


def _key(text: str) -> str:
    return "".join(char for char in fold(text) if char.isalnum())


def _label_matches(parts: list[str], citation: Citation) -> bool:
    """Does a label [source, speaker, timestamp] the model wrote name this citation?"""
    if _key(", ".join(parts)) == _key(citation.label()):
        return True  # as the tool gave it (even when a source name holds a comma)
    source = _key(parts[0])
    names = {_key(citation.source_id), _key(citation.source_name or "")}
    if citation.source_name and "." in citation.source_name:
        names.add(_key(citation.source_name.rsplit(".", 1)[0]))
    if source not in names:
        return False
    rest = [_key(part) for part in parts[1:]]
    speaker = _key(citation.speaker or "")
    timestamp = _key(citation.timestamp or "")
    return all(not part or part in (speaker, timestamp) for part in rest)  # "?": no speaker


def resolve_citations(
    reply: str,
    seen: Iterable[Citation],
    sources: Mapping[str, Source],
    language: Language = "en",
    explained: Mapping[str, Sequence[Citation]] | None = None,
) -> tuple[str, list[Citation], list[str]]:
    """The reply (unverified citations flagged), its citations, and warnings.

    A citation is a label [source, speaker, timestamp] matching a quote the tools returned, a
    passage in quotation marks (four words or more) found in such a quote or verbatim in a
    source, or a quote of an item the reply names after explain_item showed it. Every one is
    checked against its source's text at its offsets; what fails is dropped and flagged.
    """
    shown = list(seen)
    cited: dict[tuple[str, int | None, int | None], Citation] = {}
    warnings: list[str] = []
    folded_reply = fold(reply)

    def label(match: re.Match[str]) -> str:
        inner = match.group(1)
        parts = [part.strip() for part in inner.split(",")]
        if len(parts) < 2:  # [I12], [sic]: not a citation
            return match.group(0)
        candidates = [c for c in shown if _label_matches(parts, c)]
        if not candidates:
            warnings.append(f"citation [{inner}] dropped: it matches no quote the tools returned")
            return f"[{inner} — {_FLAG[language]}]"
        quoted = [c for c in candidates if fold(c.quote) in folded_reply]
        for citation in quoted or candidates:
            cited.setdefault(citation_key(citation), citation)
        return match.group(0)

    reply = _LABEL.sub(label, reply)
    missing: list[str] = []
    for match in _QUOTED.finditer(reply):
        passage = next(group for group in match.groups() if group).strip(" .…,;")
        if len(passage.split()) < 4:
            continue  # a word or a name in quotation marks, not a quote
        needle = fold(passage)
        found = next((c for c in shown if needle in fold(c.quote)), None)
        found = found or _find_in_sources(passage, sources)
        if found is None:
            warnings.append(f"quoted passage not found in the sources: {passage[:120]!r}")
            missing.append(passage)
        else:
            cited.setdefault(citation_key(found), found)
    for item_id, citations in (explained or {}).items():
        if re.search(rf"(?<![\w-]){re.escape(item_id)}(?![\w-])", reply):
            for citation in citations:
                cited.setdefault(citation_key(citation), citation)
    kept = []
    for citation in cited.values():
        checked = verified(citation, sources)
        if checked is None:
            warnings.append(
                f"citation {citation.label()} dropped: not at its offsets in the source"
            )
        else:
            kept.append(checked)
    if missing:
        reply += "\n\n" + _FOOTER[language] + "; ".join(f"« {p[:120]} »" for p in missing)
    return reply, kept, warnings


def _find_in_sources(passage: str, sources: Mapping[str, Source]) -> Citation | None:
    """A citation of `passage` where a source holds it verbatim (case, apostrophes and spacing
    aside): the stored quote is the source's own text."""
    needle = fold(passage)
    for source in sources.values():
        at = source.text.find(passage)
        if at >= 0:
            start, end = at, at + len(passage)
        else:
            view = normalize_view(source.text)
            folded_at = view.text.find(needle)
            if folded_at < 0:
                continue
            start, end = view.to_original(folded_at, folded_at + len(needle))
        return verified(
            Citation(source_id=source.id, quote=source.text[start:end], start=start, end=end),
            sources,
        )
    return None
