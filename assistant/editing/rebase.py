"""Rebuild = rebase: the researcher's edits, replayed onto a map extracted afresh.

A map's revisions are builds (made from the sources) and edits (operations applied to the
parent's map); undo, redo and restore point back at earlier revisions. `edit_chain` reads that
history backwards into what is in effect on a revision: the build it stands on and the edits
applied since, in order (an undo drops what it took back, a redo brings it again, a restore
takes the restored revision's chain). A rebuild extracts the sources again, keeps the ids of the
findings it finds again (`assistant.mapping.identity`), then `replay` applies the chain to it,
one edit at a time:

- an edit that applies is kept: statuses, texts, moves, merges, splits, deletions, stages,
  opportunities and KPIs (their citations follow merged ids), moments of truth, persona;
- an edit the new extraction already satisfies is kept too, quietly: deleting a finding the
  build no longer makes, merging findings the build has already grouped;
- a split keeps its parts by quote, and the new quotes of the split finding go to its first part;
- an edit that cannot apply is a `Conflict` with the reason (its finding's quotes all came from
  removed sources; a merge whose halves now sit in different stages; a quote no longer in its
  source…). It leaves the chain: the rebuild's revision lists it, and undo gives back the map
  from before the rebuild.

Replaying a chain on the extraction it was made on gives back the map it made: a rebuild with
no source change changes nothing. Pure: maps, edits and sources in (`load_history` reads them
from a workspace).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass

from assistant.editing.edits import apply_in_place, finished
from assistant.editing.operations import describe_operation, operation_target, quote_index
from assistant.editing.state import EditState, Refused
from assistant.errors import EditError
from assistant.mapping.identity import overlap, spans
from assistant.model import (
    AddItem,
    AddKpi,
    AddOpportunity,
    AddStage,
    Conflict,
    DeleteItem,
    EditOp,
    Item,
    JourneyMap,
    MergeItems,
    Rebase,
    Revision,
    RevisionLog,
    Source,
    SplitItem,
    SplitPart,
    UpdateItem,
)

AnyRevision = Revision | RevisionLog


@dataclass(frozen=True)
class Edit:
    """An operation in effect, and the revision that made it."""

    revision: int
    operation: EditOp


@dataclass(frozen=True)
class EditChain:
    """What is in effect on a revision: the build it stands on, and the edits since."""

    base: int | None
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Replayed:
    map: JourneyMap
    kept: list[Edit]
    conflicts: list[Conflict]

    def rebase(self, onto: int, built: JourneyMap) -> Rebase:
        return Rebase(
            onto=onto,
            built=built,
            origins=[edit.revision for edit in self.kept],
            conflicts=self.conflicts,
        )


def edit_chain(head: int, load: Callable[[int], AnyRevision]) -> EditChain:
    """The chain in effect on revision `head`; `load(n)` reads revision n (walked backwards
    from the head, each revision read once)."""
    collected: list[AnyRevision] = []  # edit revisions on the way back, newest first
    number: int | None = head
    while number is not None:
        revision = load(number)
        if revision.is_build:
            base = revision.rebase
            inherited = (
                tuple(Edit(o, op) for o, op in zip(base.origins, revision.operations, strict=True))
                if base is not None
                else ()
            )
            return EditChain(revision.number, inherited + _edits_of(collected))
        if revision.undoes is not None:
            number = load(revision.undoes).parent  # the map before the undone change
        elif revision.redoes is not None:
            number = revision.redoes
        elif revision.restores is not None:
            number = revision.restores
        else:
            collected.append(revision)
            number = revision.parent
    return EditChain(None, _edits_of(collected))


def _edits_of(newest_first: Sequence[AnyRevision]) -> tuple[Edit, ...]:
    return tuple(Edit(r.number, op) for r in reversed(newest_first) for op in r.operations)


def created_ids(edits: Sequence[Edit]) -> set[str]:
    """The item ids the edits create (pinned in the revisions): a rebuild numbers its new
    findings above them, so that replaying an addition never finds its id taken."""
    ids: set[str] = set()
    for edit in edits:
        op = edit.operation
        if isinstance(op, AddItem | AddOpportunity | AddKpi) and op.id is not None:
            ids.add(op.id)
        elif isinstance(op, SplitItem):
            ids.update(part.id for part in op.parts if part.id is not None)
    return ids


def creates_unnamed(edits: Sequence[Edit]) -> bool:
    """Whether an edit creates an item without naming its id (saved before ids were pinned)."""
    return any(
        (isinstance(e.operation, AddItem | AddOpportunity | AddKpi) and e.operation.id is None)
        or (
            isinstance(e.operation, SplitItem)
            and any(part.id is None for part in e.operation.parts[1:])
        )
        for e in edits
    )


def replay(
    built: JourneyMap,
    previous: JourneyMap | None,
    edits: Sequence[Edit],
    sources: Mapping[str, Source],
) -> Replayed:
    """`built` with `edits` applied in order, and the edits that could not be.

    `previous` is the extraction the edits were made on: replayed alongside, it says what an
    edit's finding held when the researcher made it (to find it again, or say why it is gone).
    """
    current = _Replica(built, sources)
    then = _Then(previous, sources)
    kept: list[Edit] = []
    conflicts: list[Conflict] = []
    for edit in edits:
        try:
            adapted = _adapt(edit.operation, current.map, then)
            if adapted is not None:
                current.apply(adapted)
            kept.append(edit)
        except (Refused, EditError) as refused:
            conflicts.append(_conflict(edit, refused, current.map, then, sources))
        then.advance(edit.operation)
    return Replayed(finished(current.state), kept, conflicts)


class _Then:
    """The extraction the edits were made on, with the edits replayed so far: what an edit's
    finding held when it was made. Replayed only the first time a question needs it (most
    rebuilds never ask), then kept in step."""

    def __init__(self, previous: JourneyMap | None, sources: Mapping[str, Source]) -> None:
        self.previous = previous
        self.sources = sources
        self.pending: list[EditOp] = []
        self.replica: _Replica | None = None

    def advance(self, operation: EditOp) -> None:
        self.pending.append(operation)

    def get(self) -> JourneyMap | None:
        if self.previous is None:
            return None
        if self.replica is None:
            self.replica = _Replica(self.previous, self.sources)
        for operation in self.pending:
            with suppress(Refused):  # e.g. a quote from a removed source: it stays as it was
                self.replica.apply(operation)
        self.pending = []
        return self.replica.map


class _Replica:
    """A map the edits are applied to in place, one at a time: a copy per refusal rather than
    per edit (a refused edit may have changed the map partly, so it starts again from the
    last copy and the edits applied since, which are known to apply)."""

    def __init__(self, journey_map: JourneyMap, sources: Mapping[str, Source]) -> None:
        self.sources = sources
        self.checkpoint = journey_map
        self.since: list[EditOp] = []
        self.state = EditState(journey_map.model_copy(deep=True), sources)

    @property
    def map(self) -> JourneyMap:
        return self.state.map

    def apply(self, operation: EditOp) -> None:
        try:
            apply_in_place(self.state, operation)
        except Refused:
            self._start_again()
            raise
        self.since.append(operation)

    def _start_again(self) -> None:
        state = EditState(self.checkpoint.model_copy(deep=True), self.sources)
        state.texts = self.state.texts  # the sources' normalised views stay valid
        for operation in self.since:
            apply_in_place(state, operation)
        self.state = state
        self.checkpoint = state.map.model_copy(deep=True)
        self.since = []


# -- adapting an edit to the new extraction -------------------------------------------------------
def _adapt(op: EditOp, current: JourneyMap, then: _Then) -> EditOp | None:
    """`op` as it applies to `current`; None when `current` already satisfies it."""
    ids = {item.id for _, item in current.items()}
    if isinstance(op, DeleteItem):
        return op if op.item_id in ids else None
    if isinstance(op, MergeItems):
        return _adapt_merge(op, current, then, ids)
    if isinstance(op, SplitItem) and op.item_id in ids:
        return _adapt_split(op, _item(current, op.item_id), current.language)
    if isinstance(op, AddOpportunity | AddKpi) or (isinstance(op, UpdateItem) and op.cites):
        cites = _repointed(op.cites or [], current, then, ids)
        return op.model_copy(update={"cites": cites}) if cites else op
    return op


def _repointed(cites: Sequence[str], current: JourneyMap, then: _Then, ids: set[str]) -> list[str]:
    """Citations of findings the rebuild no longer has, re-pointed to the findings that now
    hold their quotes; dropped when none does (empty: none is left, and the edit conflicts)."""
    moved = [c if c in ids else _successor(c, current, then.get()) for c in cites]
    return list(dict.fromkeys(c for c in moved if c is not None))


def _adapt_merge(
    op: MergeItems, current: JourneyMap, then: _Then, ids: set[str]
) -> MergeItems | None:
    found = [
        item_id if item_id in ids else _successor(item_id, current, then.get()) or item_id
        for item_id in op.item_ids
    ]
    distinct = list(dict.fromkeys(found))
    if len(distinct) < 2:
        return None  # the build grouped these quotes into one finding already
    stage_of = {item.id: stage.id for stage, item in current.items()}
    now = {stage_of[i] for i in distinct if i in stage_of}
    if len(now) < 2:
        return op.model_copy(update={"item_ids": distinct})
    earlier = then.get()  # where the halves were when the researcher merged them
    was = {item.id: stage.id for stage, item in earlier.items()} if earlier is not None else {}
    if len({was[i] for i in op.item_ids if i in was}) == 1:
        where = ", ".join(f"{i} → {stage_of[i]}" for i in distinct if i in stage_of)
        raise Refused(*_say(current.language, "split_stages", where=where))
    return op.model_copy(update={"item_ids": distinct})


def _adapt_split(op: SplitItem, item: Item, language: str) -> SplitItem:
    """Parts keep their quotes that the finding still has; its new quotes go to part 1."""
    if not item.lane.customer_side or not all(part.quotes for part in op.parts):
        return op  # by citation, or by position (quotes that read alike): as it was made
    parts: list[SplitPart] = []
    claimed: set[int] = set()
    for number, part in enumerate(op.parts, 1):
        indices = []
        for quote in part.quotes:
            try:
                indices.append(quote_index(item, quote))
            except LookupError:
                continue  # that quote left the finding
        if not indices:
            raise Refused(*_say(language, "split_part", number=number, item=item.id))
        claimed.update(indices)
        parts.append(part.model_copy(update={"quotes": [], "evidence": indices}))
    unclaimed = [n for n in range(len(item.evidence)) if n not in claimed]
    first = parts[0]
    parts[0] = first.model_copy(update={"evidence": first.evidence + unclaimed})
    return op.model_copy(update={"parts": parts})


def _item(journey_map: JourneyMap, item_id: str) -> Item:
    return next(item for _, item in journey_map.items() if item.id == item_id)


def _successor(item_id: str, current: JourneyMap, then: JourneyMap | None) -> str | None:
    """The finding of `current` holding most of the quotes `item_id` had in `then`."""
    if then is None or not any(item.id == item_id for _, item in then.items()):
        return None
    mine = spans(_item(then, item_id))
    scored = [(overlap(mine, spans(item)), item.id) for _, item in current.items()]
    best = max(scored, default=(0.0, ""))
    return best[1] if best[0] > 0 else None


# -- explaining a conflict ------------------------------------------------------------------------
def _conflict(
    edit: Edit,
    refused: Refused | EditError,
    current: JourneyMap,
    then: _Then,
    sources: Mapping[str, Source],
) -> Conflict:
    op = edit.operation
    reason, hint = refused.message, refused.hint or "redo the edit on the new map"
    missing = [
        item_id
        for item_id in _named_items(op)
        if not any(item.id == item_id for _, item in current.items())
    ]
    if missing:
        reason, hint = _why_gone(missing[0], current, then.get(), sources)
    return Conflict(
        revision=edit.revision,
        operation=op,
        target=operation_target(op),
        reason=f"{describe_operation(op, current.language)}: {reason}",
        hint=hint,
    )


def _named_items(op: EditOp) -> list[str]:
    if isinstance(op, MergeItems):
        return list(op.item_ids)
    if isinstance(op, AddOpportunity | AddKpi):
        return list(op.cites)
    if isinstance(op, AddItem | AddStage):
        return []
    item_id = getattr(op, "item_id", None)
    return [item_id] if isinstance(item_id, str) else []


def _why_gone(
    item_id: str, current: JourneyMap, then: JourneyMap | None, sources: Mapping[str, Source]
) -> tuple[str, str]:
    """Why `item_id` is not in the rebuilt map, from what it held when the edit was made."""
    language = current.language
    if then is None or not any(item.id == item_id for _, item in then.items()):
        return _say(language, "not_made", item=item_id)
    old = _item(then, item_id)
    quoted = sorted({e.source_id for e in old.evidence})
    removed = [source_id for source_id in quoted if source_id not in sources]
    if quoted and len(removed) == len(quoted):
        return _say(language, "sources_removed", item=item_id, sources=", ".join(removed))
    successor = _successor(item_id, current, then)
    if successor is not None:
        return _say(language, "grouped", item=item_id, successor=successor)
    return _say(language, "not_found", item=item_id)


_REASONS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "not_made": (
            "{item} is not in the rebuilt map (the edit that made it did not replay)",
            "redo the edit on the new map",
        ),
        "sources_removed": (
            "every quote of {item} came from sources no longer in the workspace ({sources})",
            "ingest those sources again, or redo the edit on a finding the other sources support",
        ),
        "grouped": (
            "the rebuild grouped the quotes of {item} into {successor}",
            "redo the edit on {successor} if it still applies",
        ),
        "not_found": (
            "the rebuild no longer finds the quotes of {item}",
            "redo the edit on the finding that now holds what it said, or undo the rebuild",
        ),
        "split_stages": (
            "the merged findings now sit in different stages ({where})",
            "move one of them, then merge them again if they still belong together",
        ),
        "split_part": (
            "part {number} of the split of {item} keeps none of the finding's quotes now",
            "split the finding again on the new map",
        ),
    },
    "fr": {
        "not_made": (
            "{item} n’est pas dans la carte reconstruite (la modification qui l’a créé n’a pas "
            "pu être rejouée)",
            "refaites la modification sur la nouvelle carte",
        ),
        "sources_removed": (
            "toutes les citations de {item} venaient de sources retirées de l’espace ({sources})",
            "importez de nouveau ces sources, ou refaites la modification sur un constat que "
            "les autres sources soutiennent",
        ),
        "grouped": (
            "la reconstruction a regroupé les citations de {item} dans {successor}",
            "refaites la modification sur {successor} si elle vaut encore",
        ),
        "not_found": (
            "la reconstruction ne retrouve plus les citations de {item}",
            "refaites la modification sur le constat qui porte maintenant ces propos, ou "
            "annulez la reconstruction",
        ),
        "split_stages": (
            "les constats fusionnés sont maintenant dans des étapes différentes ({where})",
            "déplacez l’un d’eux, puis fusionnez-les de nouveau s’ils vont toujours ensemble",
        ),
        "split_part": (
            "la partie {number} de la scission de {item} ne garde plus aucune citation du constat",
            "scindez de nouveau le constat sur la nouvelle carte",
        ),
    },
}


def _say(language: str, key: str, **fields: object) -> tuple[str, str]:
    """A conflict's reason and hint in the map's language (French or English)."""
    reason, hint = _REASONS["fr" if language == "fr" else "en"][key]
    return reason.format(**fields), hint.format(**fields)
