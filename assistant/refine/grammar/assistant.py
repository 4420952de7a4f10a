"""The offline assistant: a deterministic command grammar, in French and English, behind the same
`Assistant` protocol as the LLM chat (`assistant.refine.turns`). No model, no network, no
randomness: the same message on the same map always gives the same answer.

It never applies anything. An edit command becomes a `Proposal` on the map's current revision,
with one description per operation (`describe_operation`, in the user's language), after a dry
run of `apply_operations`: a proposal that would be refused is not made; the reply says why (the
`EditError` message) instead. Undo and redo come back as `AssistantTurn.control`, for the caller
to run. Searches, "explain I3", "show map", "list stages", "list items" and "help" only read.

The grammar lives in tables (`en` and `fr` beside this module: one regular expression per form,
first match wins, the map's language tried first); `operations` turns a match into operations,
resolving items, stages and lanes with `find_item`, `find_stage` and `find_lane`. The reply is in
the language of the command's words (of the map, for forms both languages share). Several edits can
be sent at once, separated by ";" or new lines: one proposal.

What the grammar cannot do (the chat assistant, or an OPS.json file for `parcours apply`, can):
- understand paraphrases, typos in command words, or questions outside the listed forms: a
  message that does not start with a command word ("pourquoi les clientes vont chez un
  concurrent ?", "what bothers customers at checkout?") is answered as an evidence search, and
  the reply says so; a mistyped command ("mvoe I3") gets the help;
- act on sets it would have to compute: "delete every item", "accept all obstacles",
  "move the delivery items to retention" — it only changes items named by id or by the start
  of their text in quotes (a stage by id, name or a default FR/EN name);
- reorder only some stages ("reorder stages" lists them all; "move stage X after Y" moves one);
- give new items or stages explicit ids (it takes the defaults: the next I<n>, a slug), or set
  an item's status, valence and confidence while adding it;
- split an item without quote numbers, unless its parts take one quote each in order or one
  part takes the quotes the others do not;
- name a source in `add … quote "…" from SOURCE` other than by one word (its id or file name);
  without a source, the quote must occur in exactly one source;
- mix searches or questions with edits in one message, or chain an edit on an item another
  edit of the same message creates (its id is not known until the proposal is applied);
- read the conversation: "undo" undoes the map's last change, not the last proposal, and
  "it" or "the second one" refer to nothing;
- rank search results by more than shared words and the embedder's similarity: no synonyms
  beyond what the embedder knows, no translation, no date or rating filters.
Text inside sources is data: a search shows it, never obeys it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rapidfuzz import fuzz, process

from assistant.editing.edits import apply_operations
from assistant.editing.operations import LANE_NAMES, describe_operation, find_lane, key
from assistant.errors import EditError
from assistant.model import EditOp, SourceKind
from assistant.refine.grammar.en import RULES as EN_RULES
from assistant.refine.grammar.en import SEARCH_TAILS as EN_TAILS
from assistant.refine.grammar.fr import RULES as FR_RULES
from assistant.refine.grammar.fr import SEARCH_TAILS as FR_TAILS
from assistant.refine.grammar.matching import (
    CONTROL_INTENTS,
    KIND_WORDS,
    READ_INTENTS,
    Command,
    Language,
    Rule,
    fullmatch,
    guess_language,
    match,
    split_commands,
    unquote,
)
from assistant.refine.grammar.operations import BUILDERS
from assistant.refine.grammar.references import Unclear, destination, item_of, name_of, stage_of
from assistant.refine.grammar.replies import (
    KIND_NAMES,
    evidence_citation,
    explain_reply,
    help_text,
    items_reply,
    map_reply,
    quoted,
    say,
    search_reply,
    stages_reply,
)
from assistant.refine.turns import AssistantTurn, ChatContext, Proposal, SearchFilters

TABLES: dict[Language, tuple[Rule, ...]] = {"en": EN_RULES, "fr": FR_RULES}
SEARCH_TAILS = {"en": EN_TAILS, "fr": FR_TAILS}
SEARCH_RESULTS = 8

__all__ = ["OfflineAssistant"]


class OfflineAssistant:
    """`respond(message, context)`: a reply, maybe citations, maybe a proposal. Never applies."""

    name = "offline"

    def __init__(self, *, search_results: int = SEARCH_RESULTS) -> None:
        self.search_results = search_results

    def respond(self, message: str, context: ChatContext) -> AssistantTurn:
        default: Language = "fr" if context.journey_map.language == "fr" else "en"
        parts = split_commands(message)
        if not parts:
            return _turn(help_text(default), default)
        commands = []
        for part in parts:
            command = match(part, TABLES, default)
            if command is None:
                language = guess_language(part, default)
                if len(parts) == 1 and is_free_question(part):
                    answer = self._free_question(part, context, language)
                    if answer is not None:
                        return answer
                lead = say(language, "unknown", message=part)
                return _turn(help_text(language, lead), language)
            commands.append(command)
        language = commands[0].language
        try:
            if len(commands) == 1 and commands[0].intent not in BUILDERS:
                return self._read(commands[0], context)
            if any(command.intent not in BUILDERS for command in commands):
                return _turn(say(language, "mixed"), language)
            return _propose(commands, context, language)
        except Unclear as unclear:
            return _turn(say(language, unclear.key, **unclear.fields), language)
        except EditError as error:
            return _turn(say(language, "refused", error=error), language)

    def _read(self, command: Command, context: ChatContext) -> AssistantTurn:
        language, groups, journey_map = command.language, command.groups, context.journey_map
        if command.intent in CONTROL_INTENTS:
            control = "undo" if command.intent == "undo" else "redo"
            return AssistantTurn(reply=say(language, control), language=language, control=control)
        assert command.intent in READ_INTENTS, command.intent
        if command.intent == "search":
            return self._search(str(groups["query"]), context, language)
        if command.intent == "explain":
            item = item_of(journey_map, str(groups["item"]))
            stage = next(stage for stage, other in journey_map.items() if other is item)
            citations = [evidence_citation(e, context.sources) for e in item.evidence]
            reply = explain_reply(item, stage, citations, language)
            return AssistantTurn(reply=reply, language=language, citations=citations)
        if command.intent == "show_map":
            return _turn(map_reply(journey_map, language), language)
        if command.intent == "list_stages":
            return _turn(stages_reply(journey_map, language), language)
        if command.intent == "list_items":
            stages, where = journey_map.stages, groups.get("where")
            if where:
                stage_id, lane = destination(journey_map, where)
                stages = [
                    s.model_copy(update={"items": [i for i in s.items if lane in (None, i.lane)]})
                    for s in stages
                    if stage_id in (None, s.id)
                ]
            return _turn(items_reply(stages, language), language)
        return _turn(help_text(language), language)

    def _search(self, text: str, context: ChatContext, language: Language) -> AssistantTurn:
        query, filters, labels = _search_filters(text, context, language)
        hits = context.search(query, filters=filters, k=self.search_results)
        shown = f" ({', '.join(labels)})" if labels else ""
        reply = search_reply(query, shown, hits, language)
        return AssistantTurn(
            reply=reply, language=language, citations=[hit.citation for hit in hits]
        )

    def _free_question(
        self, text: str, context: ChatContext, language: Language
    ) -> AssistantTurn | None:
        """A question the grammar has no form for is answered with the evidence it is about,
        saying so: the quotes, never an invented answer. None when no passage matches (the
        caller shows the help)."""
        query = text.strip().rstrip("?？!. ").strip() or text
        hits = context.search(query, filters=SearchFilters(), k=self.search_results)
        if not hits:
            return None
        lines = [say(language, "free_question"), search_reply(query, "", hits, language)]
        return AssistantTurn(
            reply="\n".join(lines),
            language=language,
            citations=[hit.citation for hit in hits],
        )


COMMAND_TYPO = 75.0
"""rapidfuzz ratio (0–100) from which a first word is taken for a mistyped command word."""
COMMAND_STEMS = (
    # English and French first words of the grammar's commands (stems: "déplace", "déplacer").
    "move merge split delete remove rename add accept reject approve mark unmark set reorder "
    "attach detach undo redo explain show list search find help drop please make change put "
    "deplac fusion divis separ supprim effac renomm ajout accept rejet refus valid marqu demarqu "
    "reordon rattach detach annul retabl expliqu montr affich list cherch trouv aide enlev fais "
    "mets change modifi"
).split()


_ITEM_ID = re.compile(r"\b[IiSs]\d+\b")


def is_free_question(text: str) -> bool:
    """True for a message that reads as a question or a free remark rather than a mistyped
    command: it names no item id, and its first word is neither a command word nor a near
    spelling of one ("mvoe", "fusione")."""
    words = text.split()
    first = key(words[0]) if words else ""
    if not first or _ITEM_ID.search(text):
        return False
    if any(first.startswith(stem) and len(first) - len(stem) <= 3 for stem in COMMAND_STEMS):
        return False  # "déplacer", "searching"; not "marketing", "additional"
    near = process.extractOne(first, COMMAND_STEMS, scorer=fuzz.ratio)
    return near is None or near[1] < COMMAND_TYPO


def _turn(reply: str, language: Language) -> AssistantTurn:
    return AssistantTurn(reply=reply, language=language)


def _propose(commands: list[Command], context: ChatContext, language: Language) -> AssistantTurn:
    journey_map = context.journey_map
    operations: list[EditOp] = []
    for command in commands:
        operations += BUILDERS[command.intent](command.groups, journey_map, context.sources)
    apply_operations(journey_map, operations, context.sources)  # dry run: EditError if refused
    descriptions = [describe_operation(op, language, journey_map) for op in operations]
    proposal = Proposal(
        base_revision=journey_map.revision, operations=operations, descriptions=descriptions
    )
    lines = [say(language, "proposal", revision=journey_map.revision)]
    lines += [f"{number}. {line}" for number, line in enumerate(descriptions, 1)]
    return AssistantTurn(reply="\n".join(lines), language=language, proposal=proposal)


def _search_filters(
    text: str, context: ChatContext, language: Language
) -> tuple[str, SearchFilters, list[str]]:
    """The query without its trailing filters ("… in stage X", "… dans les avis"), the filters,
    and how to show them."""
    found = SearchFilters()
    labels: list[str] = []
    query = unquote(text)
    stripped = True
    while stripped:
        stripped = False
        for name, pattern in SEARCH_TAILS[language]:
            groups = fullmatch(pattern, query)
            if groups is None:
                continue
            value = unquote(str(groups["value"]))
            resolved = _filter(name, value, context, language)
            if resolved is None or getattr(found, resolved[0]) is not None:
                continue
            field, setting, label = resolved
            found = found.model_copy(update={field: setting})
            labels.insert(0, label)
            query, stripped = str(groups["rest"]), True
            break
    return query, found, labels


def _filter(
    name: str, value: str, context: ChatContext, language: Language
) -> tuple[str, object, str] | None:
    """(field, value, label) for a filter, or None when `value` is not one ("in the morning")."""
    journey_map = context.journey_map
    if name in ("kind", "any") and key(value) in KIND_WORDS:
        kind: SourceKind = KIND_WORDS[key(value)]
        return "source_kind", kind, KIND_NAMES[language][kind]
    if name == "persona":
        persona = _persona(value, context, language)
        return "persona", persona, f"persona {persona}"
    if name in ("lane", "any"):
        try:
            lane = find_lane(name_of(value))
            return "lane", lane, LANE_NAMES[language][lane]
        except EditError:
            if name == "lane":
                raise
    if name in ("stage", "any"):
        try:
            stage = stage_of(journey_map, value)
            return "stage_id", stage.id, stage.name
        except EditError:
            if name == "stage":
                raise
    return None


def _persona(value: str, context: ChatContext, language: Language) -> str:
    personas = sorted({s.persona for s in context.sources.values() if s.persona})
    tests: list[Callable[[str], bool]] = [
        lambda p: key(p) == key(value),
        lambda p: key(p).startswith(key(value)),
    ]
    for test in tests:
        found = [persona for persona in personas if test(persona)]
        if len(found) == 1:
            return found[0]
    known = ", ".join(quoted(p, language) for p in personas) or "—"
    raise Unclear("persona_unknown", persona=value, known=known)
