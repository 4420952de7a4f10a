"""Edit operations as people say them: resolve what they name, describe what an operation does.

`find_stage`, `find_item` and `find_lane` turn an id, a stage name or the start of an item's text
(case, accents and typographic quotes ignored; FR or EN) into what an operation addresses, e.g.
for « déplace I12 vers achat ». `describe_operation` is the one-line label of an operation for
proposals, diffs and history, in English or French. Pure: no I/O.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Literal

from assistant.errors import EditError
from assistant.evidence.grounding import fold
from assistant.model import (
    STAGE_IDS,
    AddItem,
    AddKpi,
    AddOpportunity,
    AddStage,
    AttachEvidence,
    DeleteStage,
    DetachEvidence,
    EditOp,
    Item,
    JourneyMap,
    Lane,
    MarkMomentOfTruth,
    MergeItems,
    MoveItem,
    RenameStage,
    ReorderStages,
    SetPersona,
    SetStatus,
    SetTargetValence,
    SplitItem,
    Stage,
    UnmarkMomentOfTruth,
    UpdateItem,
    default_stages,
)

Language = Literal["en", "fr"]


def key(text: str) -> str:
    """Comparison key: letters and digits only, folded like quotes are (case), minus accents:
    "Après-vente", "apres vente" and « APRÈS VENTE » are the same key."""
    decomposed = unicodedata.normalize("NFKD", fold(text))
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


# -- addressing -----------------------------------------------------------------------------------
_STAGE_ALIASES = {
    key(stage.name): stage.id for language in ("fr", "en") for stage in default_stages(language)
} | {key("plaidoyer"): "advocacy", key("fidélisation"): "retention"}


def find_stage(journey_map: JourneyMap, ref: str) -> Stage:
    """The stage whose id is `ref`, or whose name (or a default FR/EN name) is `ref`, or whose
    name or id starts with `ref` and is the only one to."""
    wanted = key(ref)
    stages = journey_map.stages
    if not wanted:
        raise EditError(f"{ref!r} names no stage", "give a stage id or name")
    for test in (
        lambda s: s.id == ref,
        lambda s: wanted in (key(s.id), key(s.name)),
        lambda s: s.id in STAGE_IDS and _STAGE_ALIASES.get(wanted) == s.id,
    ):
        found = [stage for stage in stages if test(stage)]
        if len(found) == 1:
            return found[0]
    found = [s for s in stages if key(s.name).startswith(wanted) or key(s.id).startswith(wanted)]
    if len(found) == 1:
        return found[0]
    names = ", ".join(f"{s.id} ({s.name})" for s in (found or stages))
    if found:
        raise EditError(f"{ref!r} names several stages: {names}", "type more of the stage's name")
    raise EditError(f"no stage of map {journey_map.id} matches {ref!r}", f"use one of: {names}")


def find_item(journey_map: JourneyMap, ref: str) -> Item:
    """The item whose id is `ref` (any case), or whose text is, or starts with, `ref` — when only
    one item's does."""
    items = [item for _, item in journey_map.items()]
    wanted = key(ref)
    if not wanted and not ref.strip():
        raise EditError("an empty reference names no item", "give an item id or its text")
    for test in (
        lambda i: i.id == ref,
        lambda i: i.id.casefold() == ref.strip().casefold(),
        lambda i: key(i.text) == wanted,
    ):
        found = [item for item in items if test(item)]
        if len(found) == 1:
            return found[0]
    found = [item for item in items if wanted and key(item.text).startswith(wanted)]
    if len(found) == 1:
        return found[0]
    if found:
        listed = "; ".join(f"{i.id} {_quoted(i.text, 'en', 40)}" for i in found[:5])
        raise EditError(
            f"{ref!r} starts the text of {len(found)} items: {listed}", "use the item's id"
        )
    raise EditError(
        f"no item of map {journey_map.id} has the id or the text {ref!r}",
        "use an item id (like I12) or the beginning of its text",
    )


_LANE_WORDS: dict[Lane, tuple[str, ...]] = {
    Lane.ACTION: ("action", "actions", "doing", "faire"),
    Lane.MOTIVATION: ("motivation", "motivations", "goal", "goals", "objectif", "objectifs"),
    Lane.QUESTION: ("question", "questions", "doute", "doutes"),
    Lane.OBSTACLE: (
        "obstacle",
        "obstacles",
        "pain point",
        "pain points",
        "pain",
        "pains",
        "point de douleur",
        "points de douleur",
        "frein",
        "freins",
        "irritant",
        "irritants",
        "friction",
        "frictions",
    ),
    Lane.TOUCHPOINT: (
        "touchpoint",
        "touchpoints",
        "touch point",
        "touch points",
        "point de contact",
        "points de contact",
        "canal",
        "canaux",
        "channel",
        "channels",
    ),
    Lane.EMOTION: ("emotion", "emotions", "feeling", "feelings", "ressenti", "ressentis"),
    Lane.EXPECTATION: ("expectation", "expectations", "attente", "attentes"),
    Lane.OPPORTUNITY: ("opportunity", "opportunities", "opportunite", "opportunites", "idee"),
    Lane.KPI: ("kpi", "kpis", "indicator", "indicators", "indicateur", "indicateurs"),
}
_LANES_BY_WORD = {key(word): lane for lane, words in _LANE_WORDS.items() for word in words}


def find_lane(ref: str) -> Lane:
    """A lane from its value or a usual FR/EN name ("freins", "pain points", "attentes"…)."""
    lane = _LANES_BY_WORD.get(key(ref))
    if lane is None:
        raise EditError(
            f"no lane is called {ref!r}", f"use one of: {', '.join(lane.value for lane in Lane)}"
        )
    return lane


def quote_index(item: Item, quote: str) -> int:
    """The position of the evidence whose quote is `quote` (exact, then folded, then the only
    one containing it). LookupError when none or several match."""
    wanted = key(quote)
    for test in (
        lambda text: text == quote,
        lambda text: key(text) == wanted,
        lambda text: bool(wanted) and wanted in key(text),
    ):
        found = [n for n, evidence in enumerate(item.evidence) if test(evidence.quote)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise LookupError(f"{len(found)} quotes of {item.id} match {quote!r} ({found})")
    raise LookupError(f"no quote of {item.id} matches {quote!r}")


def operation_target(op: EditOp) -> str | None:
    """The item(s) or stage an operation addresses, for messages."""
    if isinstance(op, MergeItems):
        return ", ".join(op.item_ids)
    if isinstance(op, AddStage):
        return op.id or repr(op.name)
    if isinstance(op, ReorderStages | SetPersona):
        return None
    return getattr(op, "item_id", None) or getattr(op, "stage_id", None)


# -- descriptions ---------------------------------------------------------------------------------
_ARTICLE: dict[str, dict[Lane, str]] = {
    "en": {
        Lane.ACTION: "an action",
        Lane.MOTIVATION: "a motivation",
        Lane.QUESTION: "a question",
        Lane.OBSTACLE: "an obstacle",
        Lane.TOUCHPOINT: "a touchpoint",
        Lane.EMOTION: "an emotion",
        Lane.EXPECTATION: "an expectation",
        Lane.OPPORTUNITY: "an opportunity",
        Lane.KPI: "a KPI",
    },
    "fr": {
        Lane.ACTION: "une action",
        Lane.MOTIVATION: "une motivation",
        Lane.QUESTION: "une question",
        Lane.OBSTACLE: "un obstacle",
        Lane.TOUCHPOINT: "un point de contact",
        Lane.EMOTION: "une émotion",
        Lane.EXPECTATION: "une attente",
        Lane.OPPORTUNITY: "une opportunité",
        Lane.KPI: "un KPI",
    },
}
LANE_NAMES: dict[str, dict[Lane, str]] = {
    "en": {lane: lane.value + ("s" if lane != Lane.OPPORTUNITY else "") for lane in Lane}
    | {Lane.OPPORTUNITY: "opportunities", Lane.KPI: "KPIs"},
    "fr": {
        Lane.ACTION: "actions",
        Lane.MOTIVATION: "motivations",
        Lane.QUESTION: "questions",
        Lane.OBSTACLE: "obstacles",
        Lane.TOUCHPOINT: "points de contact",
        Lane.EMOTION: "émotions",
        Lane.EXPECTATION: "attentes",
        Lane.OPPORTUNITY: "opportunités",
        Lane.KPI: "KPI",
    },
}
STATUS_NAMES = {
    "en": {"proposed": "proposed", "accepted": "accepted", "rejected": "rejected"},
    "fr": {"proposed": "proposé", "accepted": "accepté", "rejected": "rejeté"},
}


def _quoted(text: str, language: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"« {text} »" if language == "fr" else f"“{text}”"


_TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "add_item": "add {article} to {stage}: {text} ({quotes})",
        "update_item": "edit {item}: {changes}",
        "delete_item": "delete {item}",
        "move_item": "move {item} {where}",
        "merge_items": "merge {items} into {first}{as_text}",
        "split_item": "split {item} into {count} items: {parts}",
        "attach_evidence": "attach a quote from {source} to {item}: {quote}",
        "detach_evidence": "detach quote {which} from {item}",
        "set_status": "mark {item} as {status}",
        "add_stage": "add stage {name} {where}",
        "rename_stage": "rename stage {stage} to {name}",
        "reorder_stages": "reorder the stages: {order}",
        "delete_stage": "delete stage {stage}{items}",
        "set_persona": "set the persona to {persona}",
        "set_target_valence": "set the target emotion of {stage} to {target}",
        "add_opportunity": "add {article} to {stage}: {text} (cites {cites})",
        "add_kpi": "add {article} to {stage}: {text} (cites {cites})",
        "mark_moment_of_truth": "mark {kind} on {stage}{with_item}{note}",
        "unmark_moment_of_truth": "unmark {kind} on {stage}{with_item}",
    },
    "fr": {
        "add_item": "ajouter {article} à {stage} : {text} ({quotes})",
        "update_item": "modifier {item} : {changes}",
        "delete_item": "supprimer {item}",
        "move_item": "déplacer {item} {where}",
        "merge_items": "fusionner {items} en {first}{as_text}",
        "split_item": "scinder {item} en {count} éléments : {parts}",
        "attach_evidence": "ajouter à {item} une citation de {source} : {quote}",
        "detach_evidence": "retirer de {item} la citation {which}",
        "set_status": "marquer {item} comme {status}",
        "add_stage": "ajouter l’étape {name} {where}",
        "rename_stage": "renommer l’étape {stage} en {name}",
        "reorder_stages": "réordonner les étapes : {order}",
        "delete_stage": "supprimer l’étape {stage}{items}",
        "set_persona": "persona : {persona}",
        "set_target_valence": "émotion visée à l’étape {stage} : {target}",
        "add_opportunity": "ajouter {article} à {stage} : {text} (cite {cites})",
        "add_kpi": "ajouter {article} à {stage} : {text} (cite {cites})",
        "mark_moment_of_truth": "marquer {kind} sur {stage}{with_item}{note}",
        "unmark_moment_of_truth": "retirer le {kind} de {stage}{with_item}",
    },
}
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "quote": "quote",
        "text": "text",
        "cites": "cites",
        "to": "to",
        "lane": "to lane",
        "after": "after",
        "start": "at the start",
        "position": "at position",
        "end": "at the end",
        "moved": ", its items go to ",
        "deleted": " and its items",
        "no_persona": "none",
        "sep": ": ",
    },
    "fr": {
        "quote": "citation",
        "text": "texte",
        "cites": "citations",
        "to": "vers",
        "lane": "dans la ligne",
        "after": "après",
        "start": "au début",
        "position": "en position",
        "end": "à la fin",
        "moved": ", ses éléments vont à ",
        "deleted": " et ses éléments",
        "no_persona": "aucun",
        "sep": " : ",  # French puts a space before the colon
    },
}


def describe_operation(
    op: EditOp, language: Language | str = "en", journey_map: JourneyMap | None = None
) -> str:
    """One line saying what `op` does, in English or French. With `journey_map`, items and
    stages show their text and name, not only their id."""
    lang = "fr" if language == "fr" else "en"
    words = _WORDS[lang]
    texts = {i.id: i.text for _, i in journey_map.items()} if journey_map else {}
    names = {s.id: s.name for s in journey_map.stages} if journey_map else {}

    def item(item_id: str) -> str:
        text = texts.get(item_id)
        return f"{item_id} {_quoted(text, lang, 40)}" if text else item_id

    def quoted(text: str) -> str:
        return _quoted(text, lang)

    fields: dict[str, object] = {
        key: value
        for key, value in op.model_dump().items()
        if isinstance(value, str | int) and not isinstance(value, bool)
    }
    if hasattr(op, "item_id") and op.item_id is not None:
        fields["item"] = item(op.item_id)
        fields["with_item"] = f" ({item(op.item_id)})"
    else:
        fields["with_item"] = ""
    if hasattr(op, "stage_id") and op.stage_id is not None:
        fields["stage"] = names.get(op.stage_id, op.stage_id)
    if hasattr(op, "text") and op.text is not None:
        fields["text"] = quoted(op.text)
    fields.update(_specific_fields(op, lang, words, item, quoted, names))
    return _TEMPLATES[lang][op.op].format(**fields)


def _specific_fields(
    op: EditOp,
    lang: str,
    words: dict[str, str],
    item: Callable[[str], str],
    quoted: Callable[[str], str],
    names: dict[str, str],
) -> dict[str, object]:
    stage = names.get
    match op:
        case AddItem():
            count = len(op.evidence)
            return {
                "article": _ARTICLE[lang][op.lane],
                "quotes": f"{count} {words['quote']}{'s' if count > 1 else ''}",
            }
        case AddOpportunity():
            return {"article": _ARTICLE[lang][Lane.OPPORTUNITY], "cites": ", ".join(op.cites)}
        case AddKpi():
            return {"article": _ARTICLE[lang][Lane.KPI], "cites": ", ".join(op.cites)}
        case UpdateItem():
            changes = []
            if op.text is not None:
                changes.append(f"{words['text']} → {quoted(op.text)}")
            if op.valence is not None or op.clear_valence:
                changes.append(f"valence → {'∅' if op.valence is None else f'{op.valence:+d}'}")
            if op.cites is not None:
                changes.append(f"{words['cites']} → {', '.join(op.cites)}")
            return {"changes": ", ".join(changes)}
        case MoveItem():
            steps = []
            if op.stage_id is not None:
                steps.append(f"{words['to']} {stage(op.stage_id, op.stage_id)}")
            if op.lane is not None:
                steps.append(f"{words['lane']} {LANE_NAMES[lang][op.lane]}")
            return {"where": ", ".join(steps)}
        case MergeItems():
            return {
                "items": ", ".join(item(i) for i in op.item_ids),
                "first": op.item_ids[0],
                "as_text": f"{words['sep']}{quoted(op.text)}" if op.text else "",
            }
        case SplitItem():
            return {"count": len(op.parts), "parts": ", ".join(quoted(p.text) for p in op.parts)}
        case AttachEvidence():
            return {"source": op.source_id, "quote": quoted(op.quote)}
        case DetachEvidence():
            return {
                "which": quoted(op.quote) if op.quote is not None else f"#{(op.index or 0) + 1}"
            }
        case SetStatus():
            return {"status": STATUS_NAMES[lang][op.status.value]}
        case AddStage():
            if op.after is not None:
                where = f"{words['after']} {stage(op.after, op.after)}"
            elif op.position is None:
                where = words["end"]
            else:
                where = (
                    words["start"] if op.position == 0 else f"{words['position']} {op.position + 1}"
                )
            return {"name": quoted(op.name), "where": where}
        case RenameStage():
            return {"name": quoted(op.name)}
        case ReorderStages():
            return {"order": " → ".join(stage(s, s) for s in op.stage_ids)}
        case DeleteStage():
            if op.move_items_to is not None:
                return {"items": words["moved"] + stage(op.move_items_to, op.move_items_to)}
            return {"items": words["deleted"] if op.delete_items else ""}
        case SetPersona():
            return {"persona": quoted(op.persona) if op.persona else words["no_persona"]}
        case SetTargetValence():
            return {"target": "∅" if op.valence is None else f"{op.valence:+.1f}"}
        case MarkMomentOfTruth() | UnmarkMomentOfTruth():
            note = getattr(op, "note", None)
            return {"kind": op.kind.value, "note": f" — {note}" if note else ""}
    return {}
