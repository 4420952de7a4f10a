"""The build page: which model (offline, OpenAI, any OpenAI-compatible server by URL), the persona
mapping, which maps to build; a progress bar while `Project.build` runs each map, then what was
built and the tokens spent. The API key typed here stays in this browser session's memory, goes
to the provider only, and is never shown back or written to disk.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

from assistant.errors import ParcoursError
from assistant.mapping.build import BuildResult
from assistant.model import Conflict
from assistant.project import Project
from assistant.uploads import save_files
from ui.text import plain
from ui.words import words_for

Provider = Literal["offline", "openai", "compatible"]
KEY = "parcours:api-key"
BUILT = "parcours:built"


def show_build(project: Project, language: str) -> None:
    words = words_for(language)
    st.header(words["build_title"])
    if not project.workspace.exists() or not project.workspace.source_ids():
        st.info(words["no_sources"])
        return
    provider: Provider = st.radio(
        words["provider"],
        ["offline", "openai", "compatible"],
        format_func=lambda p: words[f"provider_{p}"],
        key="build:provider",
    )
    configured = _model_settings(project, provider, words)
    _persona_mapping(project, words)
    personas = project.personas()
    options: list[str] = ["", *personas, "*"] if personas else [""]
    target = st.selectbox(
        words["build_for"],
        options,
        format_func=lambda t: (
            words["all_participants"] if t == "" else words["all_personas"] if t == "*" else t
        ),
        key="build:target",
    )
    if st.button(words["build"], type="primary", key="build:run"):
        _run(configured, "offline" if provider == "offline" else "openai", target, words)
    built = st.session_state.get(BUILT)
    if built:
        for line, conflicts in built:
            st.success(line)
            for conflict in conflicts:
                st.warning(conflict, icon="⚠️")


def _model_settings(project: Project, provider: Provider, words: dict[str, str]) -> Project:
    if provider == "offline":
        return project
    settings = project.settings
    default_model = settings.model or ("gpt-4.1-mini" if provider == "openai" else "llama3.1")
    model = st.text_input(words["model_name"], value=default_model, key=f"build:model:{provider}")
    base_url = None
    if provider == "compatible":
        base_url = st.text_input(
            words["base_url"],
            value=settings.base_url or "http://localhost:11434/v1",
            key="build:base-url",
        )
    st.text_input(words["api_key"], type="password", key="build:key-input", on_change=_keep_key)
    if st.session_state.get(KEY):
        st.caption(words["api_key_set"])
    key = st.session_state.get(KEY) or ("ollama" if provider == "compatible" else None)
    return project.configured(model=model, base_url=base_url, api_key=key)


def _keep_key() -> None:
    """The key moves out of the widget at once, so the page never draws it back."""
    typed = str(st.session_state.get("build:key-input") or "").strip()
    if typed:
        st.session_state[KEY] = typed
    st.session_state["build:key-input"] = ""


def _persona_mapping(project: Project, words: dict[str, str]) -> None:
    mapping = st.file_uploader(
        words["persona_mapping"], type=["csv", "json", "tsv", "txt"], key="build:mapping"
    )
    if mapping is None or not st.button(words["apply_mapping"], key="build:apply-mapping"):
        return
    try:
        (path,) = save_files(project.workspace, [(mapping.name, mapping.getvalue())])
        plan, _ = project.apply_personas(path)
    except ParcoursError as error:
        st.error(str(error))
        return
    st.success(words["mapping_applied"].format(n=len(plan)))


def _run(project: Project, provider: str, target: str, words: dict[str, str]) -> None:
    progress = st.progress(0.0)

    def on_progress(done: float, persona: str | None, step: str) -> None:
        label = persona or words["all_participants"]
        progress.progress(done, words["building"].format(label=label, step=step))

    try:
        built = project.build_maps(
            provider=provider,
            persona=target if target not in ("", "*") else None,
            all_personas=target == "*",
            on_progress=on_progress,
        )
    except ParcoursError as error:
        st.error(str(error))
        return
    finally:
        progress.progress(1.0)
    st.session_state[BUILT] = [
        (_summary(result, words), [_conflict(c, words) for c in result.conflicts])
        for result in built
    ]


def _conflict(conflict: Conflict, words: dict[str, str]) -> str:
    return plain(
        words["conflict"].format(
            revision=conflict.revision, reason=conflict.reason, hint=conflict.hint
        )
    )


def _summary(result: BuildResult, words: dict[str, str]) -> str:
    journey_map = result.map
    items = journey_map.items()
    line = words["built"].format(
        maps=journey_map.id,
        items=len(items),
        quotes=sum(len(item.evidence) for _, item in items),
        ungrounded=len(journey_map.ungrounded),
    )
    if result.replayed or result.conflicts:
        line += " " + words["replayed"].format(
            replayed=result.replayed, conflicts=len(result.conflicts)
        )
    usage = journey_map.provenance.token_usage
    if usage is None or not (usage.input_tokens or usage.output_tokens):
        return f"{line} {words['tokens_none']}"
    tokens = words["tokens"].format(
        input=f"{usage.input_tokens:,}", output=f"{usage.output_tokens:,}"
    )
    return f"{line} {tokens}"
