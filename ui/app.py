"""Streamlit viewer and refinement chat: a thin shell over `assistant.project` and
`assistant.refine.session` (layout and session state only; the chat panel is `ui.chat_panel`).

make ui            # or: streamlit run ui/app.py -- --workspace PATH
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

from assistant.errors import ParcoursError
from assistant.exports import EXPORT_FORMATS
from assistant.mapping.build import OVERALL_MAP_ID
from assistant.model import CUSTOMER_LANES, Item, JourneyMap
from assistant.project import Project
from assistant.settings import Settings
from ui.chat_panel import get_panel, show_chat, show_revisions

EXPORT_LABELS = {
    "json": "JSON",
    "markdown": "Markdown",
    "csv": "CSV",
    "html": "HTML",
    "qdpx": "REFI-QDA (.qdpx)",
    "mermaid": "Mermaid",
}

LANE_LABELS = {
    "fr": {
        "action": "Actions",
        "motivation": "Motivations",
        "question": "Questions",
        "obstacle": "Obstacles",
        "touchpoint": "Points de contact",
        "emotion": "Émotions",
        "expectation": "Attentes",
    },
    "en": {
        "action": "Actions",
        "motivation": "Motivations",
        "question": "Questions",
        "obstacle": "Obstacles",
        "touchpoint": "Touchpoints",
        "emotion": "Emotions",
        "expectation": "Expectations",
    },
}


def default_workspace() -> str:
    if "--workspace" in sys.argv:
        return sys.argv[sys.argv.index("--workspace") + 1]
    return str(Settings().workspace)


def citation(item: Item) -> list[str]:
    lines = []
    for evidence in item.evidence:
        where = ", ".join(
            p for p in (evidence.source_id, evidence.speaker, evidence.timestamp) if p
        )
        lines.append(f"> {evidence.quote}\n\n[{where}]")
    return lines


def show_map(journey_map: JourneyMap) -> None:
    labels = LANE_LABELS.get(journey_map.language, LANE_LABELS["en"])
    st.caption(
        f"revision {journey_map.revision} · {len(journey_map.sources)} sources · "
        f"{journey_map.provenance.extractor} extractor · {journey_map.provenance.embedder}"
    )
    columns = st.columns(len(journey_map.stages))
    for column, stage in zip(columns, journey_map.stages, strict=True):
        with column:
            valence = "" if stage.valence is None else f" ({stage.valence:+.1f})"
            st.subheader(stage.name + valence)
            for lane in CUSTOMER_LANES:
                items = [item for item in stage.items if item.lane == lane]
                if not items:
                    continue
                st.markdown(f"**{labels[lane.value]}**")
                for item in items:
                    support = f"{item.support.quotes}q · {item.support.sources}s"
                    with st.expander(f"{item.id} · {item.text[:70]} ({support})"):
                        for quote in citation(item):
                            st.markdown(quote)
    if journey_map.ungrounded:
        with st.expander(f"Ungrounded claims ({len(journey_map.ungrounded)})"):
            for claim in journey_map.ungrounded:
                st.markdown(f"- {claim.claim} — *{claim.reason}*")


def main() -> None:
    st.set_page_config(page_title="Parcours", layout="wide")
    st.title("Parcours")
    root = st.sidebar.text_input("Workspace", value=default_workspace())
    project = Project(Path(root))
    map_ids = project.workspace.map_ids() if project.workspace.exists() else []
    if not map_ids:
        st.info(
            f"No map in {root} yet: run `parcours ingest` then `parcours build` (or `make demo`)."
        )
        return
    default = map_ids.index(OVERALL_MAP_ID) if OVERALL_MAP_ID in map_ids else 0
    map_id = st.sidebar.selectbox("Map", map_ids, index=default)
    try:
        language = project.load_map(map_id).language
        panel = get_panel(project, map_id, language)
        viewed = show_revisions(panel)
        journey_map = project.load_map(map_id, viewed)
        exports = {
            name: project.export(map_id, format=name, with_sources=name == "json")
            for name in EXPORT_FORMATS
        }
    except ParcoursError as error:
        st.error(str(error))
        return
    st.header(journey_map.title)
    # Every format the library exports, as the CLI and the MCP server offer them.
    for name, exported in exports.items():
        st.sidebar.download_button(
            f"Export {EXPORT_LABELS.get(name, name)}",
            exported.content,
            file_name=exported.file_name(map_id),
            mime=exported.media_type,
            key=f"export-{name}",
        )
    if viewed is not None:
        head = panel.session.workspace.head(map_id)
        st.info(panel.words["read_only"].format(number=viewed, head=head))
    show_map(journey_map)
    st.divider()
    show_chat(panel, read_only=viewed is not None)


main()
