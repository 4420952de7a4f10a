"""Build a journey map from a workspace: extract claims, ground them, merge them, save a revision.

This is the one function the CLI, the UI and (later) the MCP server call to build a map.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant import __version__
from assistant.claims import ground_claims
from assistant.errors import ConfigError, MapError
from assistant.extract.offline import ExemplarBank, OfflineExtractor
from assistant.grounding import FUZZY_THRESHOLD
from assistant.model import (
    JourneyMap,
    Provenance,
    Revision,
    Role,
    Source,
    default_stages,
)
from assistant.synthesis import Vector, synthesize
from assistant.workspace import Workspace, atomic_write
from ingest.embedders.base import Embedder, Vectors
from ingest.loaders import slugify
from ingest.pipeline import check_embedder
from ingest.store import SegmentStore

PROVIDERS = ("offline",)
OVERALL_MAP_ID = "overall"


@dataclass(frozen=True)
class BuildResult:
    map: JourneyMap
    path: Path


def build_map(
    workspace: Workspace,
    embedder: Embedder,
    store: SegmentStore,
    *,
    provider: str = "offline",
    persona: str | None = None,
) -> BuildResult:
    """Build (or rebuild, as a new revision) the overall map or one persona's map."""
    workspace.require()
    check_embedder(workspace.load_manifest(), embedder)
    if provider not in PROVIDERS:
        raise ConfigError(f"unknown provider {provider!r}", f"use one of: {', '.join(PROVIDERS)}")
    sources = select_sources(workspace.load_sources(), persona)
    participant_ids = [s.id for src in sources for s in src.segments if s.role != Role.INTERVIEWER]
    vectors = store.vectors(participant_ids)
    extractor = OfflineExtractor(embedder, exemplar_vectors(workspace, embedder))
    language = majority_language(sources)
    claims = extractor.extract(sources, vectors, map_language=language)
    grounded, ungrounded = ground_claims(
        claims, {source.id: source for source in sources}, FUZZY_THRESHOLD
    )
    claim_vectors: dict[int, Vector] = {
        i: vectors[g.evidence.segment_id]
        for i, g in enumerate(grounded)
        if g.evidence.segment_id in vectors
    }
    map_id = slugify(persona) if persona else OVERALL_MAP_ID
    head = workspace.head(map_id)
    journey_map = JourneyMap(
        id=map_id,
        title=map_title(language, persona),
        language=language,
        persona=persona,
        revision=(head or 0) + 1,
        stages=synthesize(
            default_stages(language), grounded, claim_vectors, embedder.duplicate_threshold
        ),
        ungrounded=ungrounded,
        sources=[source.ref() for source in sources],
        provenance=Provenance(
            tool_version=__version__,
            extractor=extractor.name,
            embedder=embedder.name,
            data_versions=extractor.data_versions,
            parameters={
                "fuzzy_threshold": FUZZY_THRESHOLD,
                "duplicate_threshold": embedder.duplicate_threshold,
            },
        ),
    )
    revision = Revision(
        number=journey_map.revision,
        parent=head,
        author="system",
        message=f"build with the {provider} extractor",
        map=journey_map,
    )
    path = workspace.save_revision(revision)
    return BuildResult(journey_map, path)


def select_sources(sources: Sequence[Source], persona: str | None) -> list[Source]:
    if not sources:
        raise MapError("the workspace holds no sources", "run `parcours ingest PATH` first")
    if persona is None:
        return list(sources)
    wanted = persona.casefold()
    chosen = [source for source in sources if (source.persona or "").casefold() == wanted]
    if not chosen:
        known = sorted({source.persona for source in sources if source.persona})
        raise MapError(
            f"no source belongs to the persona {persona!r}",
            f"use one of: {', '.join(known)}"
            if known
            else "tag sources with a 'persona:' line in their front matter",
        )
    return chosen


def majority_language(sources: Sequence[Source]) -> str:
    """The language most of the participants' text is in (French or English)."""
    weights: Counter[str] = Counter()
    for source in sources:
        if source.language in ("fr", "en"):
            weights[source.language] += len(source.text)
    return weights.most_common(1)[0][0] if weights else "en"


def map_title(language: str, persona: str | None) -> str:
    if language == "fr":
        return (
            f"Parcours client — {persona}" if persona else "Parcours client — tous les participants"
        )
    return f"Customer journey — {persona}" if persona else "Customer journey — all participants"


def exemplar_vectors(workspace: Workspace, embedder: Embedder) -> Vectors:
    """The exemplar bank's vectors, computed once per embedder and bank version, then cached."""
    bank = ExemplarBank.bundled()
    path = workspace.cache_path / f"exemplars-{slugify(embedder.name)}-{bank.sha256[:12]}.npy"
    if path.is_file():
        cached = np.load(path)
        if cached.shape == (len(bank.texts), embedder.dim):
            vectors: Vectors = cached.astype(np.float32)
            return vectors
    vectors = embedder.embed_documents(bank.texts)
    buffer = io.BytesIO()
    np.save(buffer, vectors)
    atomic_write(path, buffer.getvalue())
    return vectors
