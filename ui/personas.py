"""The persona comparison page: two maps side by side (`Project.compare`), stage by stage: the
valence of each, the findings they share and those distinct to each, lane by lane. When the two
are a map and its ideal journey, the gap's priorities first (`Project.gap`)."""

from __future__ import annotations

import streamlit as st

from assistant.errors import ParcoursError
from assistant.exports.gap_labels import gap_words, priority_head, score_text
from assistant.exports.labels import LANE_LABELS
from assistant.mapping.compare import ComparedItem, StageComparison
from assistant.mapping.gap import Gap
from assistant.mapping.ideal import IDEAL_SUFFIX, ideal_map_id
from assistant.project import Project
from ui.text import plain
from ui.words import words_for


def show_personas(project: Project, map_ids: list[str], language: str) -> None:
    words, lang = words_for(language), "fr" if language == "fr" else "en"
    st.header(words["compare_title"])
    if len(map_ids) < 2:
        st.info(words["compare_need"])
        return
    titles = {map_id: _title(project, map_id, words) for map_id in map_ids}
    left, right = st.columns(2)
    first = left.selectbox(
        words["compare_a"], map_ids, format_func=titles.__getitem__, key="compare:a"
    )
    rest = [m for m in map_ids if m != first]
    second = right.selectbox(
        words["compare_b"], rest, format_func=titles.__getitem__, key="compare:b"
    )
    try:
        comparison = project.compare(first, second)
        pair = second in (ideal_map_id(first), first.removesuffix(IDEAL_SUFFIX))
        gap = project.gap(first) if pair and first != second else None
    except ParcoursError as error:
        st.error(str(error))
        return
    if gap is not None:
        _gap(gap)
    for stage in comparison.stages:
        _stage(stage, titles[first], titles[second], words, lang)


def _title(project: Project, map_id: str, words: dict[str, str]) -> str:
    journey_map = project.load_map(map_id)
    name = journey_map.persona or words["all_participants"]
    return f"{name} ({words['ideal']})" if journey_map.kind == "ideal" else name


GAP_SHOWN = 5


def _gap(gap: Gap) -> None:
    """The top priorities of the gap, each with its evidence (layout only)."""
    w = gap_words(gap.language)
    st.subheader(w["priorities"])
    if not gap.priorities:
        st.info(w["no_priority"])
    for priority in gap.priorities[:GAP_SHOWN]:
        head = plain(f"{priority.rank}. {priority.text} ({priority_head(priority, gap.language)})")
        with st.expander(head, expanded=priority.rank == 1):
            st.caption(
                plain(f"{score_text(priority, gap.language)} · {', '.join(priority.item_ids)}")
            )
            for quote in priority.quotes:
                who = ", ".join(part for part in (quote.source_id, quote.speaker) if part)
                st.markdown(f"> {plain(quote.quote)}  \n> — {plain(who)} ({quote.item_id})")
    st.divider()


def _stage(
    stage: StageComparison, name_a: str, name_b: str, words: dict[str, str], lang: str
) -> None:
    def fmt(value: float | None) -> str:
        return "—" if value is None else f"{value:+.1f}"

    title = stage.name_a or stage.name_b or stage.id
    valence = words["valence_ab"].format(a=fmt(stage.valence_a), b=fmt(stage.valence_b))
    st.subheader(f"{title} · {valence}")
    columns = st.columns(3)
    heads = (words["only"].format(name=name_a), words["shared"], words["only"].format(name=name_b))
    for column, head in zip(columns, heads, strict=True):
        column.markdown(f"**{plain(head)}**")
    for lane in stage.lanes:
        if not (lane.shared or lane.only_a or lane.only_b):
            continue
        label = LANE_LABELS[lang][lane.lane]
        only_a, shared, only_b = columns
        only_a.markdown(_items(label, lane.only_a))
        shared.markdown(_items(label, [pair.a for pair in lane.shared]))
        only_b.markdown(_items(label, lane.only_b))
    st.divider()


def _items(label: str, items: list[ComparedItem]) -> str:
    if not items:
        return ""
    lines = [f"*{label}*"]
    lines += [f"- {plain(item.text)} ({item.support.participants})" for item in items[:6]]
    if len(items) > 6:
        lines.append(f"- … +{len(items) - 6}")
    return "\n".join(lines)
