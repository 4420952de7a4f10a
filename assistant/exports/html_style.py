"""The stylesheet of the HTML map (`assistant.exports.html.MAP_CSS`): no web font, no image.

Screen: a swimlane grid that scrolls sideways, the lane names pinned on the left. Print: A3
landscape, every `<details>` open, nothing sticky, cards kept whole across pages.
"""

from __future__ import annotations

LANE_COLOURS = {
    "action": "#2563eb",
    "motivation": "#7c3aed",
    "question": "#0e7490",
    "obstacle": "#dc2626",
    "touchpoint": "#059669",
    "emotion": "#db2777",
    "expectation": "#b45309",
    "opportunity": "#4b5563",
    "kpi": "#334155",
}

_LANE_RULES = "\n".join(
    f".pc-lane-{lane} {{ --lane: {colour}; }}" for lane, colour in LANE_COLOURS.items()
)

MAP_CSS = (
    """
:root { --ink: #1f2937; --muted: #5b6472; --line: #d9dde3; --paper: #ffffff; --bg: #f4f5f7;
  --neg: #b91c1c; --pos: #047857; --lane: #6b7280; }
* { box-sizing: border-box; }
body.pc-page { margin: 0; padding: 1.25rem 1.5rem 2rem; background: var(--bg); color: var(--ink);
  font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
.pc-header h1 { font-size: 1.6rem; margin: 0 0 .35rem; }
.pc-facts { display: flex; flex-wrap: wrap; gap: .4rem .6rem; margin: 0 0 .4rem; padding: 0;
  list-style: none; font-size: .9rem; }
.pc-facts li { background: var(--paper); border: 1px solid var(--line); border-radius: 999px;
  padding: .1rem .65rem; }
.pc-facts b { font-weight: 600; }
.pc-provenance { color: var(--muted); font-size: .8rem; margin: 0 0 .8rem; }
.pc-warning { background: #fef3c7; border: 1px solid #f59e0b; border-radius: 6px;
  padding: .4rem .7rem; font-size: .85rem; }
.pc-legend { display: flex; flex-wrap: wrap; gap: .3rem 1rem; margin: 0 0 1rem; padding: 0;
  list-style: none; font-size: .8rem; color: var(--muted); }
.pc-legend li { display: flex; align-items: center; gap: .35rem; }
.pc-legend b { color: var(--ink); font-weight: 600; }
.pc-swatch { width: .8rem; height: .8rem; border-radius: 3px; background: var(--lane);
  flex: none; }
.pc-scroll { overflow-x: auto; background: var(--paper); border: 1px solid var(--line);
  border-radius: 8px; }
.pc-grid { display: grid; width: max(100%, calc(8.5rem + var(--stages) * 15.5rem));
  grid-template-columns: 8.5rem repeat(var(--stages), minmax(0, 1fr)); }
.pc-grid > * { border-right: 1px solid var(--line); border-bottom: 1px solid var(--line); }
.pc-corner, .pc-lane-head { position: sticky; left: 0; z-index: 1; background: #eef0f3; }
.pc-corner { font-size: .75rem; color: var(--muted); padding: .5rem; }
.pc-stage-head { padding: .5rem .6rem; background: #eef0f3; }
.pc-stage-head h2 { font-size: 1rem; margin: 0; }
.pc-stage-meta { font-size: .75rem; color: var(--muted); }
.pc-moment { display: inline-block; font-size: .68rem; font-weight: 700; letter-spacing: .02em;
  color: #fff; background: #6d28d9; border-radius: 3px; padding: 0 .3rem;
  margin: .15rem .2rem 0 0; }
.pc-curve-label { position: sticky; left: 0; z-index: 1; background: #fafafb; padding: .4rem .5rem;
  font-size: .75rem; color: var(--muted); display: flex; justify-content: space-between; }
.pc-axis { display: flex; flex-direction: column; justify-content: space-between;
  text-align: right; font-variant-numeric: tabular-nums; }
.pc-curve { grid-column: 2 / -1; position: relative; height: 130px; background: #fafafb;
  padding: 8px 0; }
.pc-curve svg { display: block; width: 100%; height: 100%; overflow: visible; }
.pc-curve .pc-grid-line { stroke: #e5e7eb; stroke-width: 1; }
.pc-curve .pc-zero { stroke: #9ca3af; stroke-dasharray: 4 4; stroke-width: 1; }
.pc-curve .pc-line { fill: none; stroke: #db2777; stroke-width: 2.5; }
.pc-curve .pc-dot { stroke-width: 11; stroke-linecap: round; stroke: #6b7280; }
.pc-curve .pc-dot.pc-neg { stroke: var(--neg); }
.pc-curve .pc-dot.pc-pos { stroke: var(--pos); }
.pc-curve-values { position: absolute; inset: 8px 0; pointer-events: none; }
.pc-curve-values span { position: absolute; transform: translate(-50%, -165%); font-size: .72rem;
  font-weight: 600; background: rgba(255,255,255,.85); padding: 0 .2rem; border-radius: 3px; }
.pc-lane-head { padding: .5rem; border-left: 5px solid var(--lane); }
.pc-lane-head b { display: block; font-size: .88rem; }
.pc-lane-head small { display: block; color: var(--muted); font-size: .7rem; line-height: 1.25; }
.pc-cell { padding: .35rem; display: flex; flex-direction: column; gap: .3rem; min-width: 0; }
.pc-empty { color: #b0b6bf; font-size: .75rem; text-align: center; padding: .3rem; }
.pc-card { background: var(--paper); border: 1px solid var(--line);
  border-left: 4px solid var(--lane); border-radius: 5px; padding: .3rem .45rem;
  font-size: .8rem; line-height: 1.3; break-inside: avoid; }
.pc-card.pc-rejected { opacity: .55; }
.pc-card.pc-rejected .pc-text { text-decoration: line-through; }
.pc-text { margin: 0; display: -webkit-box; -webkit-line-clamp: 4; -webkit-box-orient: vertical;
  overflow: hidden; overflow-wrap: anywhere; }
.pc-meta { display: flex; flex-wrap: wrap; align-items: center; gap: .15rem .35rem;
  margin: .2rem 0 0; font-size: .68rem; color: var(--muted); }
.pc-status { border-radius: 3px; padding: 0 .25rem; background: #f1f5f9; }
.pc-status-accepted { background: #d1fae5; color: #065f46; }
.pc-status-rejected { background: #fee2e2; color: #991b1b; }
.pc-valence { font-weight: 700; border-radius: 3px; padding: 0 .25rem; color: #fff;
  background: #6b7280; }
.pc-valence.pc-neg { background: var(--neg); }
.pc-valence.pc-pos { background: var(--pos); }
.pc-id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.pc-cites { margin: .2rem 0 0; font-size: .72rem; }
.pc-cites a { color: inherit; }
.pc-quotes { margin-top: .2rem; font-size: .74rem; }
.pc-quotes > summary { cursor: pointer; list-style: none; }
.pc-quotes > summary::-webkit-details-marker { display: none; }
.pc-quotes > summary .pc-support { color: #1d4ed8; }
.pc-quotes > summary .pc-support::before { content: "▸ "; }
.pc-quotes[open] > summary .pc-support::before { content: "▾ "; }
.pc-more > summary { cursor: pointer; color: #1d4ed8; font-size: .72rem; }
.pc-quotes blockquote { margin: .25rem 0 0; padding: .1rem 0 .1rem .45rem;
  border-left: 2px solid var(--line); font-style: italic; overflow-wrap: anywhere; }
.pc-quotes blockquote p { margin: 0; }
.pc-quotes cite { display: block; font-style: normal; color: var(--muted); font-size: .68rem; }
.pc-more > summary { padding: .15rem .2rem; font-weight: 600; }
.pc-more[open] > summary { margin-bottom: .3rem; }
.pc-more > .pc-card + .pc-card { margin-top: .3rem; }
.pc-card:target { outline: 2px solid #1d4ed8; }
.pc-gap { margin-top: 1.5rem; background: var(--paper); border: 1px solid var(--line);
  border-radius: 6px; padding: .6rem 1rem; }
.pc-gap h2 { font-size: 1.15rem; margin: 0 0 .3rem; }
.pc-gap h3 { font-size: 1rem; margin: .9rem 0 .2rem; }
.pc-gap h4 { font-size: .85rem; margin: .4rem 0 .1rem; color: var(--muted); }
.pc-gap ul, .pc-gap ol { margin: .1rem 0 .3rem; font-size: .85rem; }
.pc-gap blockquote { margin: .2rem 0 .2rem 1rem; font-size: .8rem; }
.pc-gap cite { color: var(--muted); font-style: normal; }
.pc-ungrounded { margin-top: 1.5rem; }
.pc-ungrounded h2 { font-size: 1.15rem; margin: 0 0 .3rem; }
.pc-ungrounded p { color: var(--muted); font-size: .85rem; margin: 0 0 .5rem; }
.pc-ungrounded table { border-collapse: collapse; width: 100%; background: var(--paper);
  font-size: .8rem; }
.pc-ungrounded th, .pc-ungrounded td { border: 1px solid var(--line); padding: .3rem .45rem;
  text-align: left; vertical-align: top; overflow-wrap: anywhere; }
.pc-ungrounded th { background: #eef0f3; }
.pc-footer { margin-top: 1.5rem; color: var(--muted); font-size: .75rem; }
@page { size: A3 landscape; margin: 10mm; }
@media print {
  body.pc-page { background: #fff; padding: 0; font-size: 11px; }
  .pc-scroll { overflow: visible; border: none; }
  .pc-grid { width: 100%; grid-template-columns: 7rem repeat(var(--stages), minmax(0, 1fr)); }
  .pc-corner, .pc-lane-head, .pc-curve-label { position: static; }
  details::details-content { content-visibility: visible; display: block; }
  details > summary { list-style: none; }
  .pc-more > summary { display: none; }
  .pc-text { display: block; -webkit-line-clamp: none; overflow: visible; }
  .pc-card { box-shadow: none; }
  .pc-quotes > summary .pc-support { color: var(--muted); }
  .pc-quotes > summary .pc-support::before { content: ""; }
}
"""
    + _LANE_RULES
    + "\n"
)
