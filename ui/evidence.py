"""The evidence panel: the selected card's quotes, each highlighted inside the source text around
it (whole turns, from `assistant.exports.view.explain`), with speaker, time, source and kind; and
the card's actions (accept, reject, edit the label, move, merge), each an edit operation through
`ui.actions.run_edit`."""

from __future__ import annotations

import streamlit as st

from assistant.errors import ParcoursError
from assistant.exports.labels import LANE_LABELS, STATUS_LABELS
from assistant.exports.view import QuoteInContext, explain
from assistant.model import (
    ItemStatus,
    JourneyMap,
    Lane,
    MergeItems,
    MoveItem,
    SetStatus,
    Source,
    UpdateItem,
)
from assistant.workspace import Workspace
from ui.actions import Outcome, redraw_page, run_edit, select, show_outcome
from ui.text import html_text, plain
from ui.words import words_for

QUOTE_STYLE = (
    "background:#fff3b0;padding:0 2px;border-radius:3px;font-weight:600;"
    "box-shadow:0 0 0 1px #e0c200"
)


def quote_html(quote: QuoteInContext) -> str:
    """The quote highlighted (`<mark>`) inside its context, every part escaped."""
    return (
        '<div class="parcours-context" style="white-space:pre-wrap;line-height:1.5;'
        'font-size:0.92rem;border-left:3px solid #ccc;padding-left:8px">'
        f"{html_text(quote.before)}"
        f'<mark class="parcours-quote" style="{QUOTE_STYLE}">{html_text(quote.evidence.quote)}'
        f"</mark>{html_text(quote.after)}</div>"
    )


def _sources_of(workspace: Workspace, journey_map: JourneyMap, item_id: str) -> dict[str, Source]:
    ids = {e.source_id for _, i in journey_map.items() if i.id == item_id for e in i.evidence}
    found = {}
    for source_id in sorted(ids):
        try:
            found[source_id] = workspace.load_source(source_id)
        except ParcoursError:
            continue  # removed since the build: the quote shows without its context
    return found


def show_evidence_panel(
    workspace: Workspace,
    journey_map: JourneyMap,
    item_id: str,
    language: str,
    read_only: bool,
    outcome: Outcome | None = None,
) -> None:
    """The panel slides in on the right, over the grid, wherever the card was; closing it
    (×, Esc, a click outside) clears the selection."""
    title = words_for(language)["panel_title"].format(id=item_id)
    panel = st.dialog(title, position="right", width="large", on_dismiss=_dismissed)
    panel(show_evidence)(workspace, journey_map, item_id, language, read_only, outcome)


def _dismissed() -> None:
    select(None)


def show_evidence(
    workspace: Workspace,
    journey_map: JourneyMap,
    item_id: str,
    language: str,
    read_only: bool,
    outcome: Outcome | None = None,
) -> None:
    redraw_page()
    show_outcome(outcome)
    words, lang = words_for(language), "fr" if language == "fr" else "en"
    try:
        explanation = explain(journey_map, item_id, _sources_of(workspace, journey_map, item_id))
    except ParcoursError:
        select(None)  # the item left the map (merged, deleted, undone)
        return
    item = explanation.item
    st.markdown(f"**{plain(item.text)}**")
    where = words["in_stage"].format(
        lane=LANE_LABELS[lang][item.lane], stage=explanation.stage_name
    )
    st.caption(f"{where} · {STATUS_LABELS[lang][item.status]}")
    if not read_only:
        _actions(workspace, journey_map, item_id, language)
    if item.cites:
        st.caption(words["cites"].format(ids=", ".join(item.cites)))
    for number, quote in enumerate(explanation.quotes, 1):
        view = quote.evidence
        meta = " · ".join(
            part
            for part in (
                view.source_name or view.source_id,
                view.source_kind.value if view.source_kind else None,
                view.speaker,
                view.timestamp,
            )
            if part
        )
        st.markdown(f"**{number}.** {plain(meta)}")
        if quote.before or quote.after:
            st.html(quote_html(quote))
        else:
            st.html(quote_html(quote) + f"<small>{html_text(words['no_context'])}</small>")


def _actions(workspace: Workspace, journey_map: JourneyMap, item_id: str, language: str) -> None:
    words, lang = words_for(language), "fr" if language == "fr" else "en"
    stage, item = next((s, i) for s, i in journey_map.items() if i.id == item_id)
    columns = st.columns(3)
    for column, status, label in zip(
        columns,
        (ItemStatus.ACCEPTED, ItemStatus.REJECTED, ItemStatus.PROPOSED),
        ("accept", "reject", "reset"),
        strict=True,
    ):
        column.button(
            words[label],
            key=f"panel:{label}",
            disabled=item.status is status,
            type="primary" if status is ItemStatus.ACCEPTED else "secondary",
            on_click=run_edit,
            args=(workspace, journey_map, [SetStatus(item_id=item_id, status=status)], language),
            width="stretch",
        )
    with st.expander(words["edit_text"] + " · " + words["move"] + " · " + words["merge"]):
        context = (workspace, journey_map, item_id, language)
        st.text_input(words["edit_text"], value=item.text, key=f"panel:text:{item_id}")
        st.button(words["save_text"], key="panel:save", on_click=_save_text, args=context)
        names = {s.id: s.name for s in journey_map.stages}
        left, right = st.columns(2)
        left.selectbox(
            words["move_to"], list(names), index=list(names).index(stage.id),
            format_func=names.__getitem__, key=f"panel:stage:{item_id}",
        )  # fmt: skip
        lanes = [ln for ln in Lane if ln.customer_side] if item.lane.customer_side else [item.lane]
        right.selectbox(
            words["move_lane"], lanes, index=lanes.index(item.lane),
            format_func=lambda ln: LANE_LABELS[lang][ln], key=f"panel:lane:{item_id}",
        )  # fmt: skip
        st.button(words["move"], key="panel:move", on_click=_move, args=context)
        others = [
            (s, i)
            for s, i in journey_map.items()
            if i.id != item_id and i.lane is item.lane and i.lane.customer_side
        ]
        others.sort(key=lambda pair: (pair[0].id != stage.id, pair[0].order))
        labels = {i.id: f"{i.id} · {s.name} · {i.text[:60]}" for s, i in others}
        st.selectbox(
            words["merge_with"], [None, *labels], format_func=lambda i: labels[i] if i else "—",
            key=f"panel:merge:{item_id}",
        )  # fmt: skip
        st.button(words["merge"], key="panel:merge-button", on_click=_merge, args=context)


# Callbacks read the widgets' values when the button is pressed (the value typed just before
# the click arrives with it), not when the page was drawn.
def _save_text(workspace: Workspace, journey_map: JourneyMap, item_id: str, language: str) -> None:
    text = str(st.session_state.get(f"panel:text:{item_id}") or "").strip()
    _, item = next((s, i) for s, i in journey_map.items() if i.id == item_id)
    operations = [UpdateItem(item_id=item_id, text=text)] if text and text != item.text else []
    run_edit(workspace, journey_map, operations, language)


def _move(workspace: Workspace, journey_map: JourneyMap, item_id: str, language: str) -> None:
    stage, item = next((s, i) for s, i in journey_map.items() if i.id == item_id)
    target = st.session_state.get(f"panel:stage:{item_id}", stage.id)
    lane = st.session_state.get(f"panel:lane:{item_id}", item.lane)
    moved = (target, lane) != (stage.id, item.lane)
    operations = [MoveItem(item_id=item_id, stage_id=target, lane=lane)] if moved else []
    run_edit(workspace, journey_map, operations, language)


def _merge(workspace: Workspace, journey_map: JourneyMap, item_id: str, language: str) -> None:
    other = st.session_state.get(f"panel:merge:{item_id}")
    operations = [MergeItems(item_ids=[item_id, other])] if other else []
    run_edit(workspace, journey_map, operations, language)
