"""The sources page: upload several files at once, ingest them with a progress bar and a table of
what happened to each (ingested, unchanged, failed with the reason); the workspace's sources with
language, kind, persona and segment count; remove one.

Uploads are written under the workspace's `inbox/uploads/` (`assistant.uploads.save_files`),
then read by `Project.ingest`, as `parcours ingest` and the MCP server's ingest_sources do.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.errors import ParcoursError
from assistant.project import Project
from assistant.uploads import save_files
from ui.actions import OUTCOME, take_outcome
from ui.words import words_for

REPORT = "parcours:ingest-report"
UPLOADER = "parcours:uploader"


def show_sources(project: Project, language: str) -> None:
    words = words_for(language)
    st.header(words["page_sources"])
    take_outcome()
    _upload(project, language)
    report = st.session_state.get(REPORT)
    if report:
        st.dataframe(report, hide_index=True, width="stretch")
    if not project.workspace.exists():
        st.info(words["no_sources"])
        return
    sources = project.workspace.load_sources()
    st.subheader(words["sources_title"].format(n=len(sources)))
    if not sources:
        st.info(words["no_sources"])
        return
    st.dataframe(
        [
            {
                words["source_name"]: source.name,
                "id": source.id,
                words["kind"]: source.kind.value,
                words["language"]: source.language,
                words["persona"]: source.persona or "",
                words["segments"]: len(source.segments),
            }
            for source in sources
        ],
        hide_index=True,
        width="stretch",
    )
    with st.expander(words["remove_source"]):
        chosen = st.selectbox(
            words["source_name"],
            [source.id for source in sources],
            format_func=lambda sid: f"{sid} · {next(s.name for s in sources if s.id == sid)}",
            key="sources:remove-choice",
        )
        st.button(
            words["remove"],
            key="sources:remove",
            on_click=_remove,
            args=(project, chosen, language),
        )


def _upload(project: Project, language: str) -> None:
    words = words_for(language)
    generation = st.session_state.setdefault(UPLOADER, 0)  # a new key empties the uploader
    files = st.file_uploader(
        words["upload"], accept_multiple_files=True, key=f"{UPLOADER}:{generation}"
    )
    interviewers = st.text_input(words["interviewers"], key="sources:interviewers")
    if not files:
        return
    if not st.button(words["ingest"].format(n=len(files)), type="primary", key="sources:ingest"):
        return
    names = frozenset(n.strip() for n in interviewers.split(",") if n.strip())
    progress = st.progress(0.0)
    total, done = len(files), [0]

    def on_file(path: Any) -> None:
        progress.progress(
            min(1.0, done[0] / total),
            words["ingesting"].format(name=path.name, done=done[0] + 1, total=total),
        )
        done[0] += 1

    try:
        project.workspace.ensure_manifest()
        paths = save_files(project.workspace, [(f.name, f.getvalue()) for f in files])
        report = project.ingest(paths, interviewers=names, on_file=on_file)
    except ParcoursError as error:
        st.error(str(error))
        return
    progress.progress(1.0)
    rows = [
        {
            words["file"]: outcome.path.rsplit("/", 1)[-1],
            words["status"]: words.get(f"status_{outcome.status}", outcome.status),
            words["reason"]: outcome.reason,
            "sources": outcome.sources,
            words["segments"]: outcome.segments,
        }
        for outcome in report.outcomes
    ]
    st.session_state[REPORT] = rows
    counts = {s: len(report.by_status(s)) for s in ("ingested", "skipped", "failed")}
    (st.warning if counts["failed"] else st.success)(words["ingested_summary"].format(**counts))
    st.session_state[UPLOADER] = generation + 1


def _remove(project: Project, source_id: str | None, language: str) -> None:
    if not source_id:
        return
    try:
        removed = project.remove(source_id)
    except ParcoursError as error:
        st.session_state[OUTCOME] = ("error", str(error))
        return
    text = words_for(language)["removed"].format(ids=", ".join(removed))
    st.session_state[OUTCOME] = ("success", text)
