"""The Markdown export: a report a researcher reads, stage by stage and lane by lane.

Everything that comes from sources (quotes, item texts, names, speakers) is escaped: a quote
renders as the text it is, never as a heading, a link, an image or HTML. Whitespace runs become
one space, so no source text ever starts a line; bare URLs become code spans (renderers that
autolink leave those alone).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.exports.gap_labels import curve_fact, gap_title, gap_words, priority_head, score_text
from assistant.exports.labels import (
    citation_parts,
    colon,
    lane_label,
    moment_label,
    persona_text,
    provenance_line,
    quote_marks,
    ranked,
    source_names,
    status_label,
    support_phrase,
    valence_text,
    words,
)
from assistant.mapping.gap import Gap, GapItem, GapQuote
from assistant.model import Evidence, Item, JourneyMap, Lane, Source, Stage, Ungrounded

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#+!|~&$])")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def escape_markdown(text: str) -> str:
    """`text` as literal Markdown: one line, punctuation escaped, URLs in code spans."""
    text = " ".join(text.split())
    pieces: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        pieces.append(_SPECIAL.sub(r"\\\1", text[last : match.start()]))
        pieces.append(_code_span(match.group()))
        last = match.end()
    pieces.append(_SPECIAL.sub(r"\\\1", text[last:]))
    return "".join(pieces)


def _code_span(text: str) -> str:
    fence = "`"
    while fence in text:
        fence += "`"
    return f"{fence} {text} {fence}"


def export_markdown(
    journey_map: JourneyMap, sources: Sequence[Source] = (), *, gap: Gap | None = None
) -> str:
    """The map as a Markdown report, in the map's language; with `gap`, the ideal journey and
    the gap to it after the stages."""
    names = source_names(journey_map, sources)
    texts = {item.id: item.text for _, item in journey_map.items()}
    lines = _header(journey_map)
    for number, stage in enumerate(journey_map.stages, start=1):
        lines += _stage(journey_map, number, stage, names, texts)
    if gap is not None:
        lines += gap_markdown(gap)
    lines += _ungrounded(journey_map, names)
    return "\n".join(lines).rstrip() + "\n"


def _header(journey_map: JourneyMap) -> list[str]:
    table = words(journey_map.language)
    items = journey_map.items()
    quotes = sum(len(item.evidence) for _, item in items)
    language = journey_map.language
    persona = f"**{table['persona']}**{colon(language)}{escape_markdown(persona_text(journey_map))}"
    counts = (
        f"{len(journey_map.stages)} {table['stages']}, {len(items)} {table['items']}, "
        f"{quotes} {table['quotes_word']}"
    )
    lines = [
        f"# {escape_markdown(journey_map.title)}",
        "",
        f"{persona} · **{table['revision']}** {journey_map.revision} · {counts}",
        "",
        f"_{escape_markdown(provenance_line(journey_map))}_",
        "",
    ]
    failures = journey_map.provenance.failures
    if failures:
        partial = table["partial"].format(sources=", ".join(sorted(failures)))
        lines += [f"> **{escape_markdown(partial)}**", ""]
    return lines


def _stage(
    journey_map: JourneyMap,
    number: int,
    stage: Stage,
    names: dict[str, str],
    texts: dict[str, str],
) -> list[str]:
    language = journey_map.language
    table = words(language)
    lines = [f"## {number}. {escape_markdown(stage.name)}", ""]
    facts = []
    if stage.valence is not None:
        facts.append(f"{table['stage_valence']}{colon(language)}{valence_text(stage.valence)}")
    if stage.moments_of_truth:
        moments = "; ".join(
            moment_label(moment.kind, language)
            + (f" — {moment.item_id}" if moment.item_id else "")
            + (f" ({escape_markdown(moment.note)})" if moment.note else "")
            for moment in stage.moments_of_truth
        )
        facts.append(f"{table['moments']}{colon(language)}{moments}")
    if facts:
        lines += [" · ".join(facts), ""]
    if not stage.items:
        return [*lines, f"_{table['no_items']}_", ""]
    for lane in Lane:
        items = [item for item in stage.items if item.lane == lane]
        if items:
            lines += [f"### {lane_label(lane, language)}", ""]
            for item in ranked(items):
                lines += _item(item, language, names, texts)
    return lines


def _item(item: Item, language: str, names: dict[str, str], texts: dict[str, str]) -> list[str]:
    table = words(language)
    facts = [status_label(item.status, language)]
    if item.lane.customer_side:
        facts.append(support_phrase(item, language))
    if item.valence is not None:
        facts.append(f"{table['valence'].lower()} {valence_text(item.valence)}")
    head = f"- **{escape_markdown(item.text)}** ({item.id}) — {' · '.join(facts)}"
    lines = [head]
    if item.cites:
        cited = ", ".join(
            f"{cited_id} ({escape_markdown(texts[cited_id])})" if cited_id in texts else cited_id
            for cited_id in item.cites
        )
        lines += ["", f"  {table['cites']}{colon(language)}{cited}"]
    for evidence in item.evidence:
        lines += ["", f"  > {blockquote(evidence, language, names)}"]
    return [*lines, ""]


def blockquote(evidence: Evidence, language: str, names: dict[str, str]) -> str:
    """'« quote » — source name, speaker, 00:01:02', escaped."""
    opening, closing = quote_marks(language)
    where = ", ".join(escape_markdown(part) for part in citation_parts(evidence, names))
    return f"{opening}{escape_markdown(evidence.quote)}{closing} — {where}"


def _ungrounded(journey_map: JourneyMap, names: dict[str, str]) -> list[str]:
    language = journey_map.language
    table = words(language)
    lines = [f"## {table['ungrounded']}", ""]
    if not journey_map.ungrounded:
        return [*lines, table["no_ungrounded"], ""]
    lines += [table["ungrounded_intro"], ""]
    for claim in journey_map.ungrounded:
        lines += _claim(claim, language, names)
    return lines


def _claim(claim: Ungrounded, language: str, names: dict[str, str]) -> list[str]:
    table = words(language)
    where = [claim.stage_id or "", lane_label(claim.lane, language) if claim.lane else ""]
    if claim.source_id:
        where.append(names.get(claim.source_id, claim.source_id))
    context = ", ".join(escape_markdown(part) for part in where if part)
    line = f"- **{escape_markdown(claim.claim)}** — {table['reason']}{colon(language)}"
    line += escape_markdown(claim.reason) + (f" ({context})" if context else "")
    lines = [line]
    if claim.quote:
        opening, closing = quote_marks(language)
        lines += ["", f"  > {opening}{escape_markdown(claim.quote)}{closing}"]
    return [*lines, ""]


# -- Markdown ---------------------------------------------------------------------------------
def _md_items(items: list[GapItem]) -> str:
    return "; ".join(
        f"{escape_markdown(i.text)} ({i.id}, {i.support.participants} p.)" for i in items
    )


def _md_quote(quote: GapQuote, language: str) -> str:
    opening, closing = quote_marks(language)
    who = ", ".join(escape_markdown(p) for p in (quote.source_id, quote.speaker or "") if p)
    return f"{opening}{escape_markdown(quote.quote)}{closing} — {who} ({quote.item_id})"


def gap_markdown(gap: Gap) -> list[str]:
    """The section's lines (a level-2 heading, then one level-3 heading per stage)."""
    language, w, sep = gap.language, gap_words(gap.language), colon(gap.language)
    lines = [f"## {w['gap']}", "", f"_{escape_markdown(gap_title(gap))}_", ""]
    for number, stage in enumerate(gap.stages, start=1):
        lines += [
            f"### {number}. {escape_markdown(stage.name)}",
            "",
            curve_fact(stage, language),
            "",
        ]
        for key, items in (("goals", stage.goals), ("expectations", stage.expectations)):
            if items:
                lines += [f"- **{w[key]}**{sep}{_md_items(items)}"]
        for target in stage.targets:
            lines += [f"- **{w['target']}**{sep}{escape_markdown(target)}"]
        for broken in stage.broken:
            by = ", ".join(
                f"{escape_markdown(c.item.text)} ({c.item.id})" for c in broken.broken_by
            )
            lines += [
                f"- **{w['broken']}**{sep}{escape_markdown(broken.expectation.text)} "
                f"({broken.expectation.id}) — {w['broken_by']} {by}"
            ]
        if stage.note:
            lines += [f"- _{escape_markdown(stage.note)}_"]
        lines += [""]
    lines += [f"### {w['priorities']}", ""]
    if not gap.priorities:
        lines += [w["no_priority"], ""]
    for priority in gap.priorities:
        lines += [
            f"{priority.rank}. **{escape_markdown(priority.text)}** "
            f"({escape_markdown(priority_head(priority, language))}) — "
            f"{escape_markdown(score_text(priority, language))}; "
            f"{w['evidence']}{sep}{', '.join(priority.item_ids)}",
        ]
        lines += [f"   > {_md_quote(quote, language)}" for quote in priority.quotes]
    lines += ["", f"### {w['kpis']}", ""]
    for stage in gap.stages:
        for kpi in stage.kpis:
            lines += [
                f"- {escape_markdown(stage.name)}{sep}{escape_markdown(kpi.text)} "
                f"({', '.join(kpi.cites)})"
            ]
    return [*lines, "", f"_{escape_markdown(w['method'].format(method=gap.method))}_", ""]
