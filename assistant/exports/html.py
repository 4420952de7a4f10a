"""The HTML export: one standalone page, a swimlane grid of the map with its emotion curve.

Stages are columns and lanes rows; each cell holds its items best supported first, the first
`cards_per_cell` shown and the rest behind a "+k more". Every card opens onto its quotes.
The page makes no network request (no font, script or image from elsewhere; its Content Security
Policy forbids them) and escapes every text: sources are untrusted. It prints on A3 landscape.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from html import escape

from assistant.exports.gap_labels import curve_fact, gap_title, gap_words, priority_head, score_text
from assistant.exports.html_style import MAP_CSS
from assistant.exports.labels import (
    citation_parts,
    colon,
    count_phrase,
    lane_hint,
    lane_label,
    moment_label,
    persona_text,
    provenance_line,
    quote_marks,
    ranked,
    short_support,
    source_names,
    status_label,
    support_phrase,
    valence_text,
    words,
)
from assistant.mapping.gap import Gap, GapItem, GapQuote
from assistant.model import (
    CUSTOMER_LANES,
    Evidence,
    Item,
    JourneyMap,
    Lane,
    MomentKind,
    Source,
    Stage,
    Ungrounded,
)

__all__ = ["CARDS_PER_CELL", "MAP_CSS", "export_html"]

CARDS_PER_CELL = 4
_PRINT_SCRIPT = (
    "addEventListener('beforeprint',function(){"
    "document.querySelectorAll('details').forEach(function(d){d.open=true})});"
)
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_PRINT_SCRIPT.encode()).digest()).decode()
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; "
    f"script-src 'sha256-{_SCRIPT_HASH}'; img-src data:; base-uri 'none'; form-action 'none'"
)


def export_html(
    journey_map: JourneyMap,
    sources: Sequence[Source] = (),
    *,
    cards_per_cell: int = CARDS_PER_CELL,
    gap: Gap | None = None,
) -> str:
    """The map as one self-contained HTML page, in the map's language; with `gap`, the ideal
    journey and the gap to it after the grid."""
    view = _View(journey_map, sources, max(cards_per_cell, 1))
    title = escape(journey_map.title)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{escape(journey_map.language)}">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title}</title>",
            f"<style>{MAP_CSS}</style>",
            "</head>",
            '<body class="pc-page">',
            view.header(),
            view.legend(),
            view.grid(),
            gap_html(gap) if gap is not None else "",
            view.ungrounded(),
            f'<footer class="pc-footer">{escape(provenance_line(journey_map))}</footer>',
            f"<script>{_PRINT_SCRIPT}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _valence_class(valence: float | None) -> str:
    if valence is None or abs(valence) < 0.25:
        return ""
    return " pc-neg" if valence < 0 else " pc-pos"


class _View:
    """The pieces of the page for one map."""

    def __init__(self, journey_map: JourneyMap, sources: Sequence[Source], per_cell: int) -> None:
        self.map = journey_map
        self.language = journey_map.language
        self.words = words(journey_map.language)
        self.names = source_names(journey_map, sources)
        self.texts = {item.id: item.text for _, item in journey_map.items()}
        self.per_cell = per_cell
        present = {item.lane for _, item in journey_map.items()}
        self.lanes = [lane for lane in Lane if lane in CUSTOMER_LANES or lane in present]
        self.moments: dict[str, list[MomentKind]] = {}
        for stage in journey_map.stages:
            for moment in stage.moments_of_truth:
                if moment.item_id:
                    self.moments.setdefault(moment.item_id, []).append(moment.kind)

    # -- header and legend ------------------------------------------------------------------
    def header(self) -> str:
        journey_map, table = self.map, self.words
        items = journey_map.items()
        quotes = sum(len(item.evidence) for _, item in items)
        facts = [
            (table["persona"], persona_text(journey_map)),
            (table["revision"], str(journey_map.revision)),
            (table["stages"], str(len(journey_map.stages))),
            (table["items"], str(len(items))),
            (table["quotes_word"], str(quotes)),
            ("sources", str(len(journey_map.sources))),
            (table["ungrounded"], str(len(journey_map.ungrounded))),
        ]
        chips = "".join(f"<li><b>{escape(k)}</b> {escape(v)}</li>" for k, v in facts)
        parts = [
            '<header class="pc-header">',
            f"<h1>{escape(journey_map.title)}</h1>",
            f'<ul class="pc-facts">{chips}</ul>',
            f'<p class="pc-provenance">{escape(provenance_line(journey_map))}</p>',
        ]
        if journey_map.provenance.failures:
            failed = ", ".join(sorted(journey_map.provenance.failures))
            warning = table["partial"].format(sources=failed)
            parts.append(f'<p class="pc-warning">{escape(warning)}</p>')
        return "\n".join([*parts, "</header>"])

    def legend(self) -> str:
        entries = "".join(
            f'<li class="pc-lane-{lane.value}"><span class="pc-swatch"></span>'
            f"<b>{escape(lane_label(lane, self.language))}</b> "
            f"{escape(lane_hint(lane, self.language))}</li>"
            for lane in self.lanes
        )
        entries += f'<li class="pc-legend-support">{escape(self.words["support_legend"])}</li>'
        label = escape(self.words["legend"])
        return f'<ul class="pc-legend" aria-label="{label}">{entries}</ul>'

    # -- the grid ---------------------------------------------------------------------------
    def grid(self) -> str:
        stages = self.map.stages
        parts = [
            '<div class="pc-scroll">',
            f'<div class="pc-grid" style="--stages: {max(len(stages), 1)}">',
            f'<div class="pc-corner">{escape(self.words["stage"])} →<br>'
            f"{escape(self.words['lane'])} ↓</div>",
            *(self.stage_head(stage) for stage in stages),
            self.curve(),
        ]
        for lane in self.lanes:
            parts.append(
                f'<div class="pc-lane-head pc-lane-{lane.value}">'
                f"<b>{escape(lane_label(lane, self.language))}</b>"
                f"<small>{escape(lane_hint(lane, self.language))}</small></div>"
            )
            parts += [self.cell([i for i in stage.items if i.lane == lane]) for stage in stages]
        return "\n".join([*parts, "</div>", "</div>"])

    def stage_head(self, stage: Stage) -> str:
        meta = count_phrase(len(stage.items), "item", self.language)
        if stage.valence is not None:
            meta += f" · {self.words['valence'].lower()} {valence_text(stage.valence)}"
        moments = "".join(
            f'<span class="pc-moment" title="{escape(moment_label(m.kind, self.language))}'
            f'{escape(" — " + m.note) if m.note else ""}">{m.kind.value}</span>'
            for m in stage.moments_of_truth
        )
        return (
            f'<div class="pc-stage-head" id="stage-{escape(stage.id)}">'
            f"<h2>{escape(stage.name)}</h2>"
            f'<div class="pc-stage-meta">{escape(meta)}</div>{moments}</div>'
        )

    def curve(self) -> str:
        """The emotion curve row: stage valence −2…+2, one point per stage, axis on the left."""
        stages = self.map.stages
        width = 100 * max(len(stages), 1)

        def y(valence: float) -> float:
            return 50 - 24 * valence

        lines = "".join(
            f'<line class="{"pc-zero" if v == 0 else "pc-grid-line"}" x1="0" x2="{width}" '
            f'y1="{y(v):g}" y2="{y(v):g}" vector-effect="non-scaling-stroke"/>'
            for v in (2, 1, 0, -1, -2)
        )
        points = [  # an ideal map's curve is its target
            (100 * i + 50, stage.curve_valence, stage)
            for i, stage in enumerate(stages)
            if stage.curve_valence is not None
        ]
        path = " ".join(f"{x},{y(v):g}" for x, v, _ in points)
        line = (
            f'<polyline class="pc-line" points="{path}" vector-effect="non-scaling-stroke"/>'
            if len(points) > 1
            else ""
        )
        dots = "".join(
            f'<line class="pc-dot{_valence_class(v)}" x1="{x}" x2="{x}" y1="{y(v):g}" '
            f'y2="{y(v):g}" vector-effect="non-scaling-stroke">'
            f"<title>{escape(stage.name)} {valence_text(v)}</title></line>"
            for x, v, stage in points
        )
        labels = "".join(
            f'<span style="left: {(x / width) * 100:.3f}%; top: {y(v):g}%">{valence_text(v)}</span>'
            for x, v, _ in points
        )
        summary = ", ".join(
            f"{stage.name} {valence_text(stage.curve_valence) or self.words['no_valence']}"
            for stage in stages
        )
        axis = "".join(f"<span>{valence_text(v)}</span>" for v in (2, 0, -2))
        return (
            f'<div class="pc-curve-label"><span>{escape(self.words["emotion_curve"])}</span>'
            f'<span class="pc-axis">{axis}</span></div>'
            f'<div class="pc-curve"><svg viewBox="0 0 {width} 100" preserveAspectRatio="none" '
            f'role="img" aria-label="{escape(self.words["emotion_curve"] + ": " + summary)}">'
            f"{lines}{line}{dots}</svg>"
            f'<div class="pc-curve-values">{labels}</div></div>'
        )

    def cell(self, items: list[Item]) -> str:
        if not items:
            return '<div class="pc-cell"><div class="pc-empty">—</div></div>'
        cards = [self.card(item) for item in ranked(items)]
        shown, hidden = cards[: self.per_cell], cards[self.per_cell :]
        more = ""
        if hidden:
            label = escape(self.words["more"].format(n=len(hidden)))
            more = f'<details class="pc-more"><summary>{label}</summary>{"".join(hidden)}</details>'
        return f'<div class="pc-cell">{"".join(shown)}{more}</div>'

    # -- cards ------------------------------------------------------------------------------
    def card(self, item: Item) -> str:
        """A card: the text, then a line of facts that opens onto the quotes."""
        language = self.language
        meta = [
            f'<span class="pc-id">{escape(item.id)}</span>',
            f'<span class="pc-status pc-status-{item.status.value}">'
            f"{escape(status_label(item.status, language))}</span>",
        ]
        if item.valence is not None:
            meta.append(
                f'<span class="pc-valence{_valence_class(item.valence)}" '
                f'title="{escape(self.words["valence"])}">{valence_text(item.valence)}</span>'
            )
        meta += [f'<span class="pc-moment">{k.value}</span>' for k in self.moments.get(item.id, [])]
        if item.evidence:
            meta.append(
                f'<span class="pc-support" title="{escape(support_phrase(item, language))}">'
                f"{escape(short_support(item, language))}</span>"
            )
            facts = (
                f'<details class="pc-quotes"><summary class="pc-meta">{"".join(meta)}</summary>'
                f"{''.join(self.blockquote(evidence) for evidence in item.evidence)}</details>"
            )
        else:
            facts = f'<p class="pc-meta">{"".join(meta)}</p>'
        classes = f"pc-card pc-lane-{item.lane.value} pc-{item.status.value}"
        return (
            f'<article class="{classes}" id="item-{escape(item.id)}">'
            f'<p class="pc-text" title="{escape(item.text)}">{escape(item.text)}</p>'
            f"{facts}{self.cites(item)}</article>"
        )

    def cites(self, item: Item) -> str:
        if not item.cites:
            return ""
        links = ", ".join(
            f'<a href="#item-{escape(cited)}" title="{escape(self.texts.get(cited, ""))}">'
            f"{escape(cited)}</a>"
            for cited in item.cites
        )
        label = escape(self.words["cites"] + colon(self.language))
        return f'<p class="pc-cites">{label}{links}</p>'

    def blockquote(self, evidence: Evidence) -> str:
        opening, closing = quote_marks(self.language)
        where = ", ".join(citation_parts(evidence, self.names))
        return (
            f"<blockquote><p>{opening}{escape(evidence.quote)}{closing}</p>"
            f"<cite>{escape(where)}</cite></blockquote>"
        )

    # -- ungrounded claims ------------------------------------------------------------------
    def ungrounded(self) -> str:
        table = self.words
        head = f'<section class="pc-ungrounded"><h2>{escape(table["ungrounded"])}</h2>'
        if not self.map.ungrounded:
            return f"{head}<p>{escape(table['no_ungrounded'])}</p></section>"
        columns = [
            table["claim"],
            table["stage"],
            table["lane"],
            "Source",
            table["reason"].capitalize(),
        ]
        header = "".join(f"<th>{escape(c)}</th>" for c in columns)
        rows = "".join(self.claim_row(claim) for claim in self.map.ungrounded)
        return (
            f"{head}<p>{escape(table['ungrounded_intro'])}</p>"
            f"<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table></section>"
        )

    def claim_row(self, claim: Ungrounded) -> str:
        opening, closing = quote_marks(self.language)
        text = escape(claim.claim)
        if claim.quote:
            text += f"<br><i>{opening}{escape(claim.quote)}{closing}</i>"
        stage = next((s.name for s in self.map.stages if s.id == claim.stage_id), claim.stage_id)
        cells = [
            stage or "",
            lane_label(claim.lane, self.language) if claim.lane else "",
            self.names.get(claim.source_id, claim.source_id) if claim.source_id else "",
            claim.reason,
        ]
        return f"<tr><td>{text}</td>{''.join(f'<td>{escape(c)}</td>' for c in cells)}</tr>"


# -- HTML -------------------------------------------------------------------------------------
def _html_quote(quote: GapQuote, language: str) -> str:
    opening, closing = quote_marks(language)
    who = ", ".join(p for p in (quote.source_id, quote.speaker or "", quote.item_id) if p)
    return (
        f"<blockquote><p>{opening}{escape(quote.quote)}{closing}</p>"
        f"<cite>{escape(who)}</cite></blockquote>"
    )


def _html_items(items: list[GapItem]) -> str:
    return "".join(f"<li>{escape(i.text)} <small>({escape(i.id)})</small></li>" for i in items)


def gap_html(gap: Gap) -> str:
    """The section, as HTML (styled by the export's stylesheet: `pc-gap`)."""
    language, w = gap.language, gap_words(gap.language)
    parts = [f'<section class="pc-gap"><h2>{escape(w["gap"])}</h2><p>{escape(gap_title(gap))}</p>']
    for stage in gap.stages:
        parts.append(f"<h3>{escape(stage.name)}</h3><p>{escape(curve_fact(stage, language))}</p>")
        for key, items in (("goals", stage.goals), ("expectations", stage.expectations)):
            if items:
                parts.append(f"<h4>{escape(w[key])}</h4><ul>{_html_items(items)}</ul>")
        if stage.targets:
            targets = "".join(f"<li>{escape(t)}</li>" for t in stage.targets)
            parts.append(f"<h4>{escape(w['target'])}</h4><ul>{targets}</ul>")
        if stage.broken:
            rows = "".join(
                f"<li>{escape(b.expectation.text)} <small>({escape(b.expectation.id)})</small> — "
                f"{escape(w['broken_by'])} "
                + ", ".join(f"{escape(c.item.text)} ({escape(c.item.id)})" for c in b.broken_by)
                + "</li>"
                for b in stage.broken
            )
            parts.append(f"<h4>{escape(w['broken'])}</h4><ul>{rows}</ul>")
        if stage.note:
            parts.append(f"<p><i>{escape(stage.note)}</i></p>")
    parts.append(f"<h3>{escape(w['priorities'])}</h3>")
    if not gap.priorities:
        parts.append(f"<p>{escape(w['no_priority'])}</p>")
    ranked_rows: list[str] = []
    for priority in gap.priorities:
        quotes = "".join(_html_quote(quote, language) for quote in priority.quotes)
        ranked_rows.append(
            f"<li><b>{escape(priority.text)}</b> ({escape(priority_head(priority, language))}) — "
            f"{escape(score_text(priority, language))}; {escape(w['evidence'])}"
            f"{escape(colon(language))}{escape(', '.join(priority.item_ids))}{quotes}</li>"
        )
    parts.append(f"<ol>{''.join(ranked_rows)}</ol><h3>{escape(w['kpis'])}</h3><ul>")
    for stage in gap.stages:
        for kpi in stage.kpis:
            parts.append(
                f"<li>{escape(stage.name)}{escape(colon(language))}{escape(kpi.text)} "
                f"<small>({escape(', '.join(kpi.cites))})</small></li>"
            )
    parts.append(f"</ul><p><small>{escape(w['method'].format(method=gap.method))}</small></p>")
    return "".join(parts) + "</section>"
