"""The map page: the emotion curve, the filters, the swimlane grid and the ungrounded claims.

Layout only. Filtering, cell ranking, the low point and bulk operations are library functions
(`assistant.exports.filters`); edits go through `ui.actions.run_edit`.

The grid is one row of columns per lane, so every lane lines up across the stages; a cell shows
its strongest findings (participants, then quotes) and "+k more" opens the rest. Only the cards
drawn carry widgets, which keeps a 500-item map quick to draw.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from assistant.errors import ParcoursError
from assistant.exports.filters import (
    MapFilter,
    cells,
    filter_map,
    lowest_stage,
    moments_of,
    status_operations,
)
from assistant.exports.labels import LANE_HINTS, LANE_LABELS, STATUS_LABELS
from assistant.mapping.build import OVERALL_MAP_ID
from assistant.model import Item, ItemStatus, JourneyMap, Lane, MomentKind, SourceKind
from assistant.project import Project
from assistant.workspace import Workspace
from ui.actions import run_edit, select, selected
from ui.text import plain
from ui.words import words_for

PER_CELL = 3
"""Cards a cell shows before "+k more"."""
TEXT_CHARS = 110
STATUS_COLOURS = {
    ItemStatus.PROPOSED: "gray",
    ItemStatus.ACCEPTED: "green",
    ItemStatus.REJECTED: "red",
}
EXPANDED = "parcours:expanded"
CARD_STYLE = """<style>
[class*="st-key-card-"] button { justify-content: flex-start; text-align: left; padding: 0;
  min-height: 0; font-weight: 600; line-height: 1.3; }
[class*="st-key-card-"] button p { font-size: 0.9rem; }
[data-testid="stLayoutWrapper"]:has(> .st-key-grid-head) { position: sticky; top: 3.75rem;
  z-index: 5; background: var(--background-color, #fff);
  border-bottom: 1px solid rgba(49, 51, 63, 0.2); padding-top: 0.25rem; }
.st-key-grid-head strong { font-size: 1.2rem; }
</style>"""


def lane_rows(journey_map: JourneyMap) -> list[Lane]:
    """Every customer lane, then the analyst lanes the map uses."""
    used = {item.lane for _, item in journey_map.items()}
    return [lane for lane in Lane if lane.customer_side or lane in used]


# -- the emotion curve ----------------------------------------------------------------------------
def related_maps(
    project: Project, journey_map: JourneyMap, map_ids: list[str], language: str
) -> list[tuple[str, JourneyMap]]:
    """The lines the emotion curve adds: each persona map beside the overall one; the ideal map
    (`<id>-ideal`) when one exists."""
    others: list[tuple[str, JourneyMap]] = []
    words = words_for(language)
    wanted = [m for m in map_ids if m != journey_map.id]
    if journey_map.id != OVERALL_MAP_ID:
        wanted = [m for m in wanted if m == f"{journey_map.id}-ideal"]
    for map_id in wanted:
        try:
            other = project.load_map(map_id)
        except ParcoursError:
            continue
        if other.kind == "ideal" or map_id.endswith("-ideal"):
            others.append((words["ideal"], other))
        elif other.persona:
            others.append((other.persona, other))
    return others


def show_curve(
    journey_map: JourneyMap, others: Sequence[tuple[str, JourneyMap]], language: str
) -> None:
    """Valence per stage, one line per map (overall, personas, the ideal map when one exists)."""
    words = words_for(language)
    main = journey_map.persona or words["all_participants"]
    series = [(words["actual"] if not others else main, journey_map)]
    series += list(others)
    order = [stage.name for stage in journey_map.stages]
    rows = [  # an ideal map's line is its target (`Stage.curve_valence`)
        {"stage": stage.name, "valence": round(stage.curve_valence, 1) + 0.0, "map": label}
        for label, m in series
        for stage in m.stages
        if stage.curve_valence is not None and stage.name in order
    ]
    if not rows:
        return
    st.markdown(f"**{words['curve']}**")
    reach = max(1.0, 1.3 * max(abs(s.curve_valence or 0.0) for _, m in series for s in m.stages))
    x = alt.X("stage:N", sort=order, title=None, axis=alt.Axis(labelAngle=0, labelFontSize=13))
    y = alt.Y("valence:Q", scale=alt.Scale(domain=[-reach, reach]), title=None)
    base = alt.Chart(pd.DataFrame(rows))
    colour = alt.Color("map:N", title=None, legend=alt.Legend(orient="top"))
    lines = base.mark_line(strokeWidth=3).encode(x=x, y=y, color=colour)
    own = alt.Chart(pd.DataFrame([row for row in rows if row["map"] == series[0][0]]))
    points = own.mark_circle(size=90, opacity=1).encode(
        x=x,
        y=y,
        color=alt.condition("datum.valence < 0", alt.value("#c0392b"), alt.value("#1e8449")),
    )
    values = own.mark_text(dy=-14, fontSize=12).encode(  # the values of this map's line only
        x=x, y=y, text=alt.Text("valence:Q", format="+.1f")
    )
    zero = alt.Chart(pd.DataFrame([{"zero": 0}])).mark_rule(strokeDash=[4, 4]).encode(y="zero:Q")
    chart = (zero + lines + points + values).properties(height=240)
    low = lowest_stage(journey_map)
    if low is not None and low.valence is not None:
        marker = alt.Chart(pd.DataFrame([{"stage": low.name, "valence": low.valence}]))
        ring = marker.mark_point(size=520, color="#c0392b", strokeWidth=2.5, filled=False)
        label = marker.mark_text(dy=26, color="#c0392b", fontWeight="bold").encode(
            x=x, y=y, text=alt.value(words["low_label"])
        )
        chart = chart + ring.encode(x=x, y=y) + label
    st.altair_chart(chart, width="stretch")
    if low is not None and low.valence is not None:
        st.caption(words["low_point"].format(stage=low.name, valence=low.valence))


# -- filters --------------------------------------------------------------------------------------
def show_filters(journey_map: JourneyMap, language: str) -> MapFilter:
    words, lang = words_for(language), "fr" if language == "fr" else "en"
    personas = sorted({ref.persona for ref in journey_map.sources if ref.persona})
    with st.expander(words["filters"], expanded=False):
        left, middle, right, last = st.columns(4)
        lanes = left.multiselect(
            words["filter_lanes"],
            lane_rows(journey_map),
            format_func=lambda lane: LANE_LABELS[lang][lane],
            key="filter:lanes",
        )
        statuses = middle.multiselect(
            words["filter_status"],
            list(ItemStatus),
            format_func=lambda status: STATUS_LABELS[lang][status],
            key="filter:status",
        )
        kinds = right.multiselect(
            words["filter_kinds"],
            sorted({ref.kind for ref in journey_map.sources}, key=lambda k: k.value),
            format_func=lambda kind: kind.value,
            key="filter:kinds",
        )
        persona = last.selectbox(
            words["filter_persona"], [None, *personas], format_func=lambda p: p or words["any"],
            key="filter:persona", disabled=not personas,
        )  # fmt: skip
    return MapFilter(
        lanes=frozenset(lanes),
        statuses=frozenset(statuses),
        source_kinds=frozenset(SourceKind(k) for k in kinds),
        persona=persona,
    )


# -- the grid -------------------------------------------------------------------------------------
def show_grid(
    workspace: Workspace,
    journey_map: JourneyMap,
    wanted: MapFilter,
    language: str,
    read_only: bool,
) -> None:
    words, lang = words_for(language), "fr" if language == "fr" else "en"
    shown_map = filter_map(journey_map, wanted)
    total, shown = len(journey_map.items()), len(shown_map.items())
    boxes = cells(shown_map)
    caption = words["shown"].format(shown=shown, total=total)
    if wanted.active and shown and not read_only:
        everything = [item for _, item in shown_map.items()]
        left, right, note = st.columns([1, 1, 3])
        for column, status, label in (
            (left, ItemStatus.ACCEPTED, "bulk_accept"),
            (right, ItemStatus.REJECTED, "bulk_reject"),
        ):
            column.button(
                words[label].format(n=shown),
                key=f"bulk:{status.value}",
                on_click=run_edit,
                args=(workspace, journey_map, status_operations(everything, status), language),
            )
        note.caption(caption)
    else:
        st.caption(caption)
    st.caption(words["legend"])
    st.html(CARD_STYLE)
    stages = journey_map.stages
    widths = [1.0] + [2.0] * len(stages)
    with st.container(key="grid-head"):  # sticky (CARD_STYLE): stage names stay in sight
        header = st.columns(widths, gap="small")
        header[0].markdown("&nbsp;")
        for column, stage in zip(header[1:], stages, strict=True):
            with column:
                _stage_head(
                    stage.name, stage.valence, len(stage.items), stage.moments_of_truth, lang
                )
    expanded: set[str] = st.session_state.setdefault(EXPANDED, set())
    for lane in lane_rows(shown_map):
        if wanted.lanes and lane not in wanted.lanes:
            continue
        row = st.columns(widths, gap="small", border=False)
        row[0].markdown(f"**{LANE_LABELS[lang][lane]}**")
        row[0].caption(LANE_HINTS[lang][lane])
        for column, stage in zip(row[1:], stages, strict=True):
            items = boxes.get((stage.id, lane), [])
            with column:
                _cell(workspace, journey_map, stage.id, lane, items, expanded, language, read_only)
        st.divider()


def _stage_head(
    name: str, valence: float | None, count: int, moments: Sequence[object], lang: str
) -> None:
    mood = "" if valence is None else f" · {valence + 0.0:+.1f}".replace("-0.0", "±0.0")
    colour = (
        "gray"
        if valence is None
        else ("red" if valence < -0.3 else "green" if valence > 0.3 else "orange")
    )
    stars = f" :violet-badge[★ {len(moments)}]" if moments else ""
    noun = "éléments" if lang == "fr" else "items"
    st.markdown(f"**{plain(name)}**  \n:{colour}-badge[{count} {noun}{mood}]{stars}")


def _cell(
    workspace: Workspace,
    journey_map: JourneyMap,
    stage_id: str,
    lane: Lane,
    items: list[Item],
    expanded: set[str],
    language: str,
    read_only: bool,
) -> None:
    if not items:
        st.caption("·")
        return
    words = words_for(language)
    key = f"{stage_id}:{lane.value}"
    is_open = key in expanded
    visible = items if is_open else items[:PER_CELL]
    stage = next(s for s in journey_map.stages if s.id == stage_id)
    marked = moments_of(stage)
    for item in visible:
        _card(item, marked.get(item.id, []), language)
    hidden = len(items) - len(visible)
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        if hidden:
            st.button(words["more"].format(k=hidden), key=f"more:{key}", on_click=_toggle,
                      args=(key,), type="tertiary")  # fmt: skip
        elif is_open and len(items) > PER_CELL:
            st.button(words["fewer"], key=f"fewer:{key}", on_click=_toggle, args=(key,),
                      type="tertiary")  # fmt: skip
        if len(items) > 1 and not read_only:
            with st.popover("⋯", width="content"):
                for status, label in (
                    (ItemStatus.ACCEPTED, "cell_accept"),
                    (ItemStatus.REJECTED, "cell_reject"),
                ):
                    st.button(
                        words[label].format(n=len(items)),
                        key=f"cell:{key}:{status.value}",
                        on_click=run_edit,
                        args=(workspace, journey_map, status_operations(items, status), language),
                    )


def _toggle(key: str) -> None:
    expanded: set[str] = st.session_state.setdefault(EXPANDED, set())
    expanded.symmetric_difference_update({key})


def _card(item: Item, moments: list[MomentKind], language: str) -> None:
    """A finding: its label (click it for the evidence), status, moments of truth and support."""
    words, lang = words_for(language), "fr" if language == "fr" else "en"
    support = item.support
    text = item.text if len(item.text) <= TEXT_CHARS else item.text[: TEXT_CHARS - 1] + "…"
    if support.quotes == 1 and support.participants <= 1:
        counts = words["quote_participant"]
    else:
        counts = words["quotes_participants"].format(
            quotes=support.quotes, participants=support.participants
        )
    badges = f":{STATUS_COLOURS[item.status]}-badge[{STATUS_LABELS[lang][item.status]}]"
    badges += "".join(f" :violet-badge[★ {kind.value.upper()}]" for kind in moments)
    if item.valence is not None:
        badges += f" :blue-badge[{item.valence:+d}]"
    with st.container(border=True, gap=None):
        st.button(
            plain(text),
            key=f"card-{item.id}",
            help=words["evidence"],
            on_click=select,
            args=(item.id,),
            type="primary" if selected() == item.id else "tertiary",
        )
        st.caption(f"{badges} · {counts} · {item.id}")


# -- ungrounded -----------------------------------------------------------------------------------
def show_ungrounded(journey_map: JourneyMap, language: str) -> None:
    words = words_for(language)
    if not journey_map.ungrounded:
        return
    with st.expander(words["ungrounded"].format(n=len(journey_map.ungrounded))):
        st.caption(words["ungrounded_intro"])
        st.dataframe(
            [
                {"claim": claim.claim, "reason": claim.reason, "source": claim.source_id or ""}
                for claim in journey_map.ungrounded
            ],
            hide_index=True,
            width="stretch",
        )
