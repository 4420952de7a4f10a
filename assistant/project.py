"""The library's front door: one object per workspace, with the operations every shell calls.

The CLI, the Streamlit UI and the MCP server are thin layers over `Project`: one way to ingest,
build, export and verify.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path

from assistant.build import OVERALL_MAP_ID, BuildResult, build_map
from assistant.errors import MapError
from assistant.exports.json import export_json, load_export
from assistant.model import JourneyMap, Source, SourceRef
from assistant.verify import VerifyReport, verify_map
from assistant.workspace import Workspace
from ingest.embedders import Embedder, get_embedder
from ingest.pipeline import IngestReport, ingest_paths
from ingest.segment import Segmenter, SpacySegmenter
from ingest.store import ChromaSegmentStore, SegmentStore


class Project:
    def __init__(
        self,
        root: Path | str,
        *,
        embedder: Embedder | str = "auto",
        store: SegmentStore | None = None,
        segmenter: Segmenter | None = None,
    ) -> None:
        self.workspace = Workspace(root)
        self._embedder_choice = embedder
        self._store = store
        self._segmenter = segmenter

    @cached_property
    def embedder(self) -> Embedder:
        choice = self._embedder_choice
        if not isinstance(choice, str):
            return choice
        recorded = self.workspace.load_manifest().embedder
        if choice == "auto" and recorded is not None:
            choice = recorded.name.split(":", 1)[0]  # keep what the workspace was built with
        return get_embedder(choice)

    @cached_property
    def store(self) -> SegmentStore:
        return self._store or ChromaSegmentStore(self.workspace.chroma_path)

    @cached_property
    def segmenter(self) -> Segmenter:
        return self._segmenter or SpacySegmenter()

    def ingest(
        self,
        paths: Sequence[Path],
        *,
        interviewers: frozenset[str] = frozenset(),
        on_file: Callable[[Path], None] | None = None,
    ) -> IngestReport:
        return ingest_paths(
            paths,
            self.workspace,
            self.embedder,
            self.store,
            self.segmenter,
            interviewers=interviewers,
            on_file=on_file,
        )

    def build(self, *, provider: str = "offline", persona: str | None = None) -> BuildResult:
        return build_map(
            self.workspace, self.embedder, self.store, provider=provider, persona=persona
        )

    def load_map(self, map_id: str = OVERALL_MAP_ID, revision: int | None = None) -> JourneyMap:
        self.workspace.require()
        return self.workspace.load_map(map_id, revision)

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
