"""Addressing for the offline command grammar: what a command's words name in the map and its
sources. Pure.

Items, stages and lanes resolve through `find_item`, `find_stage` and `find_lane` (ids, names,
unique prefixes; FR or EN), after articles and the words "stage"/"lane" (« étape », « ligne »)
are dropped; sources by id, file name or unique prefix — or, when a quote names no source, the
one source whose text contains it. What cannot be resolved raises `EditError` (its message says
why); a command whose shape is unclear raises `Unclear`, a message key in the user's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

from assistant.editing.operations import find_item, find_lane, find_stage, key
from assistant.errors import EditError
from assistant.evidence.grounding import fold
from assistant.model import Item, JourneyMap, Lane, Source, Stage
from assistant.refine.grammar.matching import BULK_WORDS, FILLER_WORDS, regex, unquote
from assistant.refine.grammar.matching import plain as accentless

Sources = Mapping[str, Source]


class Unclear(Exception):
    """The command's shape is not understood: `key` names the message to show."""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(key)
        self.key = key
        self.fields = fields


_ARTICLES = regex(r"^(?:the|a|an|la|le|les|l'|un|une|des|du|de la|de l'|de|au|aux)\s*(?<=\s|')")
_LANE_HINT = regex(r"\b(?:lane|row|ligne|rangee)\b")
_STAGE_HINT = regex(r"\b(?:stage|step|column|etape|colonne|phase)\b")
_DEST_SEPARATORS = regex(
    r"\s*(?:,|/|\s(?:in|into|as|under|dans|en|de|du|et|and)\s(?:l'|la\s|les\s)?)\s*"
)


def without(pattern: re.Pattern[str], text: str) -> str:
    """`text` minus what `pattern` matches in its accent-less copy, spaces tidied."""
    plain, kept, last = accentless(text), [], 0
    for found in pattern.finditer(plain):
        kept.append(text[last : found.start()])
        last = found.end()
    kept.append(text[last:])
    return " ".join("".join(kept).split())


def name_of(text: str) -> str:
    """A stage or lane reference without quotes, articles or the words stage/lane."""
    text = without(_STAGE_HINT, without(_LANE_HINT, unquote(text)))
    while (stripped := without(_ARTICLES, text)) != text:
        text = stripped
    return unquote(text)


def stage_of(journey_map: JourneyMap, ref: str) -> Stage:
    return find_stage(journey_map, name_of(ref))


def item_of(journey_map: JourneyMap, ref: str) -> Item:
    return find_item(journey_map, unquote(ref))


def items_of(journey_map: JourneyMap, text: str) -> list[Item]:
    refs = re.findall(r'"[^"]+"|[^\s,&+]+', text)
    refs = [ref for ref in refs if key(ref) not in FILLER_WORDS]
    if any(key(ref) in BULK_WORDS for ref in refs):
        raise Unclear("bulk")
    found = {item.id: item for item in (item_of(journey_map, ref) for ref in refs)}
    if not found:
        raise Unclear("no_item")
    return list(found.values())


def destination(journey_map: JourneyMap, text: str) -> tuple[str | None, Lane | None]:
    """Where "to obstacle lane", "vers achat", "dans les freins", "to purchase, questions" go."""
    plain = accentless(text)
    lane_hint, stage_hint = bool(_LANE_HINT.search(plain)), bool(_STAGE_HINT.search(plain))
    name = name_of(text)
    if not stage_hint:
        try:
            return None, find_lane(name)
        except EditError:
            if lane_hint:
                raise
    try:
        return stage_of(journey_map, text).id, None
    except EditError as error:
        parts = [p for p in _DEST_SEPARATORS.split(accentless(text)) if p.strip()]
        if len(parts) != 2:
            raise
        stage_id, lane = None, None
        for part in _split_like(text, parts):
            try:
                lane = find_lane(name_of(part))
            except EditError:
                try:
                    stage_id = stage_of(journey_map, part).id
                except EditError:
                    raise error from None
        if stage_id is None or lane is None:
            raise
        return stage_id, lane


def _split_like(text: str, plain_parts: list[str]) -> list[str]:
    """The original (accented) spans of parts found in the accent-less copy of `text`."""
    plain, out, start = accentless(text), [], 0
    for part in plain_parts:
        at = plain.index(part, start)
        out.append(text[at : at + len(part)])
        start = at + len(part)
    return out


def source_of(sources: Sources, ref: str | None, quote: str) -> str:
    """A source id from its id, file name or unique prefix; without `ref`, the only source whose
    text contains `quote`."""
    if ref is None:
        wanted = fold(quote)
        found = [source.id for source in sources.values() if wanted in fold(source.text)]
        if len(found) == 1:
            return found[0]
        if found:
            raise EditError(
                f"{len(found)} sources contain {quote!r}: {', '.join(found[:6])}",
                'say which: … "quote" from SOURCE',
            )
        raise EditError(f"no source contains {quote!r}", "check the quote, or search for it")
    ref = unquote(ref)
    if ref in sources:
        return ref
    wanted = key(ref)
    everything = list(sources.values())
    tests: list[Callable[[Source], bool]] = [
        lambda s: key(s.id) == wanted,
        lambda s: wanted in (key(s.name), key(Path(s.name).stem)),
        lambda s: key(s.id).startswith(wanted) or key(s.name).startswith(wanted),
    ]
    for test in tests:
        found = [source.id for source in everything if test(source)]
        if len(found) == 1:
            return found[0]
        if found:
            raise EditError(f"{ref!r} names several sources: {', '.join(found[:6])}", "give its id")
    raise EditError(f"no source is called {ref!r}", "give a source id (see `search` results)")


def target_of(m: JourneyMap, ref: str) -> tuple[Stage, Item | None]:
    """A stage, or an item and its stage, for moments of truth: an exact item id wins, then a
    stage, then an item by its text."""
    ids = {item.id.casefold(): (stage, item) for stage, item in m.items()}
    if unquote(ref).casefold() in ids:
        return ids[unquote(ref).casefold()]
    try:
        return stage_of(m, ref), None
    except EditError:
        try:
            item = item_of(m, ref)
        except EditError:
            pass
        else:
            return next(stage for stage, other in m.items() if other is item), item
        raise
