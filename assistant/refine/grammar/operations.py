"""From a command the grammar matched to typed edit operations: one builder per edit intent.
Pure: reads the map and the sources (addressing: `assistant.refine.grammar.references`).

Each builder returns operations, never applies them: the assistant dry-runs and proposes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.editing.operations import find_item, find_lane, key
from assistant.errors import EditError
from assistant.model import (
    AddItem,
    AddKpi,
    AddOpportunity,
    AddStage,
    AttachEvidence,
    DeleteItem,
    DeleteStage,
    DetachEvidence,
    EditOp,
    Item,
    JourneyMap,
    Lane,
    MarkMomentOfTruth,
    MergeItems,
    MoveItem,
    QuoteRef,
    RenameStage,
    ReorderStages,
    SetPersona,
    SetStatus,
    SetTargetValence,
    SplitItem,
    SplitPart,
    UnmarkMomentOfTruth,
    UpdateItem,
)
from assistant.refine.grammar.matching import (
    MOMENT_WORDS,
    STATUS_WORDS,
    numbers_in,
    regex,
    search_all,
    unquote,
)
from assistant.refine.grammar.matching import fullmatch as match_whole
from assistant.refine.grammar.matching import plain as accentless
from assistant.refine.grammar.references import (
    Sources,
    Unclear,
    destination,
    item_of,
    items_of,
    name_of,
    source_of,
    stage_of,
    target_of,
    without,
)

Groups = dict[str, str | None]

_QUOTE_WORD = r"(?:quotes?|quoting|citations?|verbatims?|evidence)"
_CITE_WORD = r"(?:for|pour|citing|cites?|answering|repondant a)"
_ITEM_LIST = r"ITEM(?:(?:\s*,\s*|\s+(?:and|et|&)\s+)ITEM)*"


# -- builders, one per edit intent ----------------------------------------------------------------
def _move(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    stage_id, lane = destination(m, str(g["target"]))
    return [
        MoveItem(item_id=i.id, stage_id=stage_id, lane=lane) for i in items_of(m, str(g["items"]))
    ]


def _delete(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    return [DeleteItem(item_id=item.id) for item in items_of(m, str(g["items"]))]


def _set_status(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    status = STATUS_WORDS[key(str(g["verb"]))]
    return [SetStatus(item_id=item.id, status=status) for item in items_of(m, str(g["items"]))]


def _merge(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    items = items_of(m, str(g["items"]))
    if len(items) < 2:
        raise Unclear("merge_two")
    return [MergeItems(item_ids=[item.id for item in items], text=g.get("text"))]


_PART = regex(r'"(?P<text>[^"]+)"\s*(?:[(\[]\s*(?P<refs>[^)\]]*)[)\]])?')
_PART_GLUE = regex(r"^(?:\s|[|,;+/]|\b(?:and|et|then|puis)\b)*$")


def _split(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    item = item_of(m, str(g["item"]))
    text = str(g["parts"])
    found = list(_PART.finditer(text))
    glue = _PART.sub(" ", text)
    if len(found) < 2 or not _PART_GLUE.match(accentless(glue)):
        raise Unclear("split_syntax", item=item.id)
    parts: list[tuple[str, list[int] | None, list[str] | None]] = []
    for part in found:
        refs = part.group("refs") or ""
        numbers = numbers_in(refs)
        cites = [
            find_item(m, token).id
            for token in re.findall(r"[^\W\d][\w-]*", refs)
            if not re.fullmatch(_QUOTE_WORD + "|q|cite|cites", token, re.IGNORECASE)
        ]
        given = part.group("refs") is not None
        parts.append(
            (part.group("text"), [n - 1 for n in numbers] if given else None, cites or None)
        )
    if item.lane.customer_side:
        parts = _share_quotes(item, parts)
    return [
        SplitItem(
            item_id=item.id,
            parts=[SplitPart(text=t, evidence=e or [], cites=c) for t, e, c in parts],
        )
    ]


def _share_quotes(
    item: Item, parts: list[tuple[str, list[int] | None, list[str] | None]]
) -> list[tuple[str, list[int] | None, list[str] | None]]:
    """Parts without quote numbers: one quote each when they match the item's quotes in number;
    a single part without numbers gets the quotes no other part took."""
    count = len(item.evidence)
    bare = [n for n, (_, numbers, _) in enumerate(parts) if numbers is None]
    if not bare:
        return parts
    taken = {n for _, numbers, _ in parts for n in numbers or []}
    rest = [n for n in range(count) if n not in taken]
    if len(bare) == 1:
        shares = [rest]
    elif len(bare) == len(parts) == count:
        shares = [[n] for n in range(count)]
    else:
        raise Unclear("split_quotes", item=item.id, count=count)
    for n, share in zip(bare, shares, strict=True):
        text, _, cites = parts[n]
        parts[n] = (text, share, cites)
    return parts


def _attach(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    item = item_of(m, str(g["item"]))
    quote = unquote(str(g["quote"]))
    return [
        AttachEvidence(item_id=item.id, source_id=source_of(s, g["source"], quote), quote=quote)
    ]


def _detach(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    item = item_of(m, str(g["item"]))
    which = str(g["which"])
    if which.isdigit():
        if int(which) < 1:
            raise Unclear("quote_number", item=item.id)
        return [DetachEvidence(item_id=item.id, index=int(which) - 1)]
    return [DetachEvidence(item_id=item.id, quote=unquote(which))]


_CLAUSES = regex(
    r"(?:\b(?:from|in|de|du|des|dans)\s+|\bd')(?P<source>[^\s,;\"]+)"
    r"|\bvalence\s*:?\s*(?P<valence>[+-]?\d)"
    r"|\b" + _CITE_WORD + r"\s+(?P<cites>" + _ITEM_LIST + r")"
)
_LEFTOVER = regex(r"^(?:\s|[,;:+]|\b(?:and|et|with|avec)\b|\b" + _QUOTE_WORD + r"\b)*$")


_HEAD = regex(
    rf"(?P<text>.+?)(?P<glue>(?:\s+{_CITE_WORD}\s+{_ITEM_LIST}"
    rf"|\s+valence\s*:?\s*[+-]?\d|\s*\b{_QUOTE_WORD}\s*:?)*)"
)


def _add_item(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    """`"text" quote "…" [from SOURCE] [quote "…" …] [valence N]`, or `"text" for I3, I7` for an
    opportunity or a KPI; the text may go unquoted before the first keyword."""
    lane = find_lane(name_of(str(g["lane"])))
    stage = stage_of(m, str(g["stage"]))
    pieces = re.split(r'("[^"]*")', str(g["rest"]))
    if not pieces[0].strip() and len(pieces) > 1:
        text, pieces = unquote(pieces[1]), pieces[2:]
    else:
        head = match_whole(_HEAD, pieces[0]) or {}
        text, pieces = str(head.get("text") or ""), [str(head.get("glue") or ""), *pieces[1:]]
    quotes: list[tuple[str, str | None]] = []
    valence, cites = None, None
    for piece in pieces:
        if piece.startswith('"'):
            quotes.append((unquote(piece), None))
            continue
        for clause in search_all(_CLAUSES, piece):
            if clause["source"] is not None and quotes:
                quotes[-1] = (quotes[-1][0], clause["source"])
            elif clause["valence"] is not None:
                valence = int(clause["valence"])
            elif clause["cites"] is not None:
                cites = [item.id for item in items_of(m, clause["cites"])]
            else:
                raise Unclear("add_syntax")
        if not _LEFTOVER.match(_CLAUSES.sub(" ", accentless(piece))):
            raise Unclear("add_syntax")
    if not lane.customer_side:
        if not cites or quotes:
            raise Unclear("add_analyst")
        kind = AddOpportunity if lane == Lane.OPPORTUNITY else AddKpi
        return [kind(stage_id=stage.id, text=text, cites=cites)]
    if not quotes or cites:
        raise Unclear("add_customer")
    evidence = [QuoteRef(source_id=source_of(s, ref, quote), quote=quote) for quote, ref in quotes]
    return [AddItem(stage_id=stage.id, lane=lane, text=text, evidence=evidence, valence=valence)]


def _rename_item(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    text = unquote(str(g["text"]))
    try:
        item = item_of(m, str(g["item"]))
    except EditError:
        try:  # "rename purchase to Checkout": a stage, after all
            return [RenameStage(stage_id=stage_of(m, str(g["item"])).id, name=text)]
        except EditError:
            pass
        raise
    return [UpdateItem(item_id=item.id, text=text)]


_FIELDS = regex(
    r'\b(?:text|texte)\s*:?\s*"(?P<text>[^"]+)"|\bvalence\s*:?\s*(?P<valence>[+-]?\d|none|aucune)'
    r"|\b(?:cites?|citing)\s*:?\s*(?P<cites>" + _ITEM_LIST + r")"
)


def _update_item(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    item = item_of(m, str(g["item"]))
    fields: dict[str, object] = {}
    clauses = list(search_all(_FIELDS, str(g.get("fields") or "")))
    if g.get("valence") is not None:
        clauses.append({"valence": g["valence"], "text": None, "cites": None})
    if g.get("fields") and _FIELDS.sub(" ", accentless(str(g["fields"]))).strip(" ,;"):
        raise Unclear("update_syntax", item=item.id)
    for clause in clauses:
        if clause.get("text") is not None:
            fields["text"] = clause["text"]
        if clause.get("valence") is not None:
            value = str(clause["valence"])
            if key(value) in ("none", "aucune"):
                fields["clear_valence"] = True
            else:
                fields["valence"] = int(value)
        if clause.get("cites") is not None:
            fields["cites"] = [i.id for i in items_of(m, str(clause["cites"]))]
    if not fields:
        raise Unclear("update_syntax", item=item.id)
    return [UpdateItem.model_validate({"item_id": item.id, **fields})]


def _add_stage(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    name = unquote(str(g["name"]))
    if g.get("ref") is not None:
        ref = stage_of(m, str(g["ref"]))
        if key(str(g["where"])) in ("after", "apres"):
            return [AddStage(name=name, after=ref.id)]
        return [AddStage(name=name, position=m.stages.index(ref))]
    return [AddStage(name=name, position=0 if _at_start(g.get("edge")) else None)]


def _at_start(edge: str | None) -> bool:
    """ "at the start", "first", « au début », « en premier » (else: at the end)."""
    return any(
        word in key(edge or "") for word in ("start", "beginning", "first", "debut", "premier")
    )


def _rename_stage(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    return [RenameStage(stage_id=stage_of(m, str(g["stage"])).id, name=unquote(str(g["name"])))]


def _delete_stage(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    stage = stage_of(m, str(g["stage"]))
    if g.get("to") is not None:
        return [DeleteStage(stage_id=stage.id, move_items_to=stage_of(m, str(g["to"])).id)]
    return [DeleteStage(stage_id=stage.id, delete_items=g.get("with") is not None)]


def _move_stage(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    stage = stage_of(m, str(g["stage"]))
    order = [other.id for other in m.stages if other.id != stage.id]
    if g.get("ref") is not None:
        ref = stage_of(m, str(g["ref"]))
        if ref.id == stage.id:
            raise Unclear("stage_itself")
        at = order.index(ref.id) + (key(str(g["where"])) in ("after", "apres"))
    else:
        at = 0 if _at_start(g.get("edge")) else len(order)
    order.insert(at, stage.id)
    return [ReorderStages(stage_ids=order)]


def _reorder_stages(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    text = str(g["stages"])
    separators = r"\s*(?:,|;|→|->|=>|>)\s*" if re.search(r",|;|→|->|=>|>", text) else r"\s+"
    refs = [without(regex(r"^(?:and|et|then|puis)\s+"), p) for p in re.split(separators, text)]
    return [ReorderStages(stage_ids=[stage_of(m, ref).id for ref in refs if ref.strip()])]


def _set_persona(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    return [SetPersona(persona=unquote(str(g["persona"])))]


def _clear_persona(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    return [SetPersona(persona=None)]


def _set_target(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    """The target emotion of a stage, within the valence scale (−2…+2: the preview shows it)."""
    valence = max(-2.0, min(2.0, float(str(g["valence"]).replace(",", "."))))
    return [SetTargetValence(stage_id=stage_of(m, str(g["stage"])).id, valence=valence)]


def _mark(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    word = key(str(g["kind"]))
    if word in STATUS_WORDS:
        status = STATUS_WORDS[word]
        return [SetStatus(item_id=i.id, status=status) for i in items_of(m, str(g["target"]))]
    stage, item = target_of(m, str(g["target"]))
    note = unquote(str(g["note"])) if g.get("note") else None
    return [
        MarkMomentOfTruth(
            kind=MOMENT_WORDS[word], stage_id=stage.id, item_id=item.id if item else None, note=note
        )
    ]


def _unmark(g: Groups, m: JourneyMap, s: Sources) -> list[EditOp]:
    stage, item = target_of(m, str(g["target"]))
    kind = MOMENT_WORDS[key(str(g["kind"]))]
    return [UnmarkMomentOfTruth(kind=kind, stage_id=stage.id, item_id=item.id if item else None)]


BUILDERS: dict[str, Callable[[Groups, JourneyMap, Sources], list[EditOp]]] = {
    "move": _move,
    "delete": _delete,
    "set_status": _set_status,
    "merge": _merge,
    "split": _split,
    "attach": _attach,
    "detach": _detach,
    "add_item": _add_item,
    "rename_item": _rename_item,
    "update_item": _update_item,
    "add_stage": _add_stage,
    "rename_stage": _rename_stage,
    "delete_stage": _delete_stage,
    "move_stage": _move_stage,
    "reorder_stages": _reorder_stages,
    "set_persona": _set_persona,
    "clear_persona": _clear_persona,
    "set_target": _set_target,
    "mark": _mark,
    "unmark": _unmark,
}
