"""The sidebar's downloads: every format the library exports (`assistant.exports`), as the CLI
and the MCP server offer them, and the map's JSON Schema. Each revision's files are made once per
browser session."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assistant.exports import EXPORT_FORMATS, ExportedFile
from assistant.model import JourneyMap
from assistant.project import Project
from ui.words import words_for

EXPORT_LABELS = {
    "json": "JSON",
    "markdown": "Markdown",
    "csv": "CSV",
    "html": "HTML",
    "qdpx": "REFI-QDA (.qdpx)",
    "mermaid": "Mermaid",
}
SCHEMA = Path(__file__).resolve().parent.parent / "assistant" / "schema" / "journey-map.schema.json"
CACHE = "parcours:exports"


def exports_of(project: Project, map_id: str, revision: int) -> dict[str, ExportedFile]:
    """Every export format of one revision, made once per browser session and revision."""
    cache: dict[tuple[str, str, int], dict[str, ExportedFile]] = st.session_state.setdefault(
        CACHE, {}
    )
    key = (str(project.workspace.root), map_id, revision)
    if key not in cache:
        cache.clear()
        cache[key] = {
            name: project.export(
                map_id, revision=revision, format=name, with_sources=name == "json"
            )
            for name in EXPORT_FORMATS
        }
    return cache[key]


def show_downloads(project: Project, journey_map: JourneyMap, language: str) -> None:
    words = words_for(language)
    st.sidebar.markdown(f"**{words['exports']}**")
    for name, exported in exports_of(project, journey_map.id, journey_map.revision).items():
        st.sidebar.download_button(
            EXPORT_LABELS.get(name, name),
            exported.content,
            file_name=exported.file_name(journey_map.id),
            mime=exported.media_type,
            key=f"export-{name}",
            width="stretch",
        )
    st.sidebar.download_button(
        words["export_schema"],
        SCHEMA.read_bytes(),
        file_name="journey-map.schema.json",
        mime="application/schema+json",
        key="export-schema",
        width="stretch",
    )
