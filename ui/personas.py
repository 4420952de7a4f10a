"""The persona comparison page: two maps side by side (`Project.compare`), stage by stage: the
valence of each, the findings they share and those distinct to each, lane by lane."""

from __future__ import annotations

import streamlit as st

from assistant.errors import ParcoursError
from assistant.exports.labels import LANE_LABELS
from assistant.mapping.compare import ComparedItem, StageComparison
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
    except ParcoursError as error:
        st.error(str(error))
        return
    for stage in comparison.stages:
        _stage(stage, titles[first], titles[second], words, lang)


def _title(project: Project, map_id: str, words: dict[str, str]) -> str:
    persona = project.load_map(map_id).persona
    return persona or words["all_participants"]


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
