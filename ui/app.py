"""The review UI researchers live in: a thin Streamlit shell over the library the CLI and the MCP
server use (`assistant.project`, `assistant.editing`, `assistant.refine`, `assistant.exports`).

    parcours ui [-w WORKSPACE] [--port N]     # or: make ui

Pages: the journey map (emotion curve, filters, swimlane grid, evidence panel, ungrounded claims,
chat), the sources (upload, ingest, remove), the build (model, personas, progress, tokens) and the
persona comparison. The sidebar holds the workspace, the language, the map or persona, undo / redo
and history, and the downloads. Layout and session state only: no domain logic here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

from assistant.errors import ParcoursError
from assistant.mapping.build import OVERALL_MAP_ID
from assistant.project import Project
from assistant.settings import Settings
from ui.actions import selected, take_outcome
from ui.build import show_build
from ui.chat_panel import get_panel, show_chat, show_old_revision, show_revisions
from ui.downloads import show_downloads
from ui.evidence import show_evidence_panel
from ui.grid import related_maps, show_curve, show_filters, show_grid, show_ungrounded
from ui.personas import show_personas
from ui.sources import show_sources
from ui.words import UiLanguage, words_for

PAGES = ("map", "sources", "build", "personas")


def default_workspace() -> str:
    if "--workspace" in sys.argv:
        return sys.argv[sys.argv.index("--workspace") + 1]
    return str(Settings().workspace)


def default_language(project: Project, map_ids: list[str]) -> UiLanguage:
    """The settings' PARCOURS_UI_LANGUAGE, else the browser's language, else the map's."""
    chosen = project.settings.ui_language or (st.context.locale or "")[:2]
    if chosen in ("fr", "en"):
        return "fr" if chosen == "fr" else "en"
    if map_ids:
        try:
            return "fr" if project.load_map(map_ids[0]).language == "fr" else "en"
        except ParcoursError:
            pass
    return "fr"


def _map_label(project: Project, map_id: str, language: str) -> str:
    try:
        persona = project.load_map(map_id).persona
    except ParcoursError:
        return map_id
    if map_id == OVERALL_MAP_ID:
        return words_for(language)["all_participants"]
    return persona or map_id


def show_map_page(project: Project, map_id: str, map_ids: list[str], language: str) -> None:
    panel = get_panel(project, map_id, language)
    viewed = show_revisions(panel)
    journey_map = project.load_map(map_id, viewed)
    read_only = viewed is not None
    show_downloads(project, journey_map, language)
    st.header(journey_map.title)
    st.caption(
        f"revision {journey_map.revision} · {len(journey_map.sources)} sources · "
        f"{journey_map.provenance.extractor} · {journey_map.provenance.embedder}"
    )
    if viewed is not None:
        head = panel.session.workspace.head(map_id)
        st.info(panel.words["read_only"].format(number=viewed, head=head))
        show_old_revision(panel, viewed, language)
    outcome = take_outcome()
    show_curve(journey_map, related_maps(project, journey_map, map_ids, language), language)
    wanted = show_filters(journey_map, language)
    chosen = selected()
    if chosen and not any(item.id == chosen for _, item in journey_map.items()):
        chosen = None
    if chosen:
        show_evidence_panel(project.workspace, journey_map, chosen, language, read_only, outcome)
    show_grid(project.workspace, journey_map, wanted, language, read_only)
    show_ungrounded(journey_map, language)
    st.divider()
    with st.container():  # inline, so the chat box does not pull the page to the bottom
        show_chat(panel, read_only=read_only)


def main() -> None:
    st.set_page_config(page_title="Parcours", layout="wide")
    st.sidebar.markdown("## Parcours")
    root = st.sidebar.text_input("Workspace · Espace de travail", value=default_workspace())
    project = Project(Path(root))
    map_ids = project.workspace.map_ids() if project.workspace.exists() else []
    language: UiLanguage = st.sidebar.radio(
        "Langue · Language",
        ["fr", "en"],
        index=["fr", "en"].index(default_language(project, map_ids)),
        format_func=lambda code: {"fr": "Français", "en": "English"}[code],
        horizontal=True,
        key="ui:language",
    )
    words = words_for(language)
    page = st.sidebar.radio(
        words["page"],
        PAGES,
        index=0 if map_ids else 1,
        format_func=lambda p: words[f"page_{p}"],
        key=f"ui:page:{root}",  # another workspace starts on its own default page
    )
    try:
        if page == "sources":
            show_sources(project, language)
        elif page == "build":
            show_build(project, language)
        elif page == "personas":
            show_personas(project, map_ids, language)
        elif not map_ids:
            st.info(words["no_map"])
        else:
            default = map_ids.index(OVERALL_MAP_ID) if OVERALL_MAP_ID in map_ids else 0
            map_id = st.sidebar.selectbox(
                words["persona_switch"],
                map_ids,
                index=default,
                format_func=lambda m: _map_label(project, m, language),
                key="ui:map",
            )
            show_map_page(project, map_id, map_ids, language)
    except ParcoursError as error:
        st.error(str(error))


main()
