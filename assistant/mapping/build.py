"""Build a journey map from a workspace: extract claims, ground them, merge them, save a revision.

This is the one function the CLI, the UI and the MCP server call to build a map.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant import __version__
from assistant.errors import ConfigError, MapError, ParcoursError, StaleRevisionError
from assistant.evidence.claims import Claim, ground_claims
from assistant.evidence.grounding import FUZZY_THRESHOLD
from assistant.extract.llm import LLMExtractor
from assistant.extract.offline import ExemplarBank, OfflineExtractor
from assistant.mapping.findings import GroupingParams, grouping_params
from assistant.mapping.identity import carry_ids
from assistant.mapping.naming import label_findings
from assistant.mapping.synthesis import Vector, synthesize_findings
from assistant.model import (
    Conflict,
    EditOp,
    JourneyMap,
    Provenance,
    Rebase,
    Revision,
    RevisionLog,
    Role,
    Source,
    Stage,
    Ungrounded,
    WorkspaceManifest,
    default_stages,
    unnumbered,
)
from assistant.providers import PROVIDERS
from assistant.workspace import Workspace, atomic_write
from ingest.embedders.base import Embedder, Vectors
from ingest.loaders import slugify
from ingest.pipeline import check_embedder
from ingest.store import SegmentStore

OVERALL_MAP_ID = "overall"

BUILD_STEPS = ("extract", "ground", "synthesize", "save")
"""What `build_map` reports to `on_step`, in order. A callback that raises (a shell's
cancellation) before "save" leaves the workspace unchanged."""

StepCallback = Callable[[str, int, int], None]
"""on_step(step, index, total): step is one of BUILD_STEPS, index counts from 0."""


@dataclass(frozen=True)
class BuildResult:
    map: JourneyMap
    path: Path
    replayed: int = 0
    """Edits of the researcher replayed onto the new extraction."""
    conflicts: list[Conflict] = field(default_factory=list)
    """Edits that could not be replayed, each with its reason."""


@dataclass
class Extracted:
    """What an extractor produced, before grounding and synthesis."""

    claims: list[Claim]
    ungrounded: list[Ungrounded]
    vectors: dict[int, Vector]
    """Vector of claims[i], for merging equivalent claims."""
    provenance: dict[str, Any]


def build_map(
    workspace: Workspace,
    embedder: Embedder,
    store: SegmentStore,
    *,
    provider: str = "offline",
    persona: str | None = None,
    llm: LLMExtractor | None = None,
    on_step: StepCallback | None = None,
    history: HistoryLoader | None = None,
) -> BuildResult:
    """Build (or rebuild, as a new revision) the overall map or one persona's map.

    `provider` "offline" runs the offline extractor; any other provider needs `llm`.
    `history` reads the map's past: by default (`fresh_history`) a rebuild keeps the finding
    ids only; `assistant.editing.revisions.load_history` replays the researcher's edits too.
    """

    def step(name: str) -> None:
        if on_step is not None:
            on_step(name, BUILD_STEPS.index(name), len(BUILD_STEPS))

    workspace.require()
    started_on = workspace.load_manifest()
    check_embedder(started_on, embedder)
    if provider not in PROVIDERS:
        raise ConfigError(f"unknown provider {provider!r}", f"use one of: {', '.join(PROVIDERS)}")
    sources = select_sources(workspace.load_sources(), persona)
    language = majority_language(sources)
    stages = default_stages(language)
    step("extract")
    if provider == "offline":
        extracted = _extract_offline(workspace, embedder, store, sources, language)
    else:
        assert llm is not None, "an LLM provider needs an LLMExtractor"
        extracted = _extract_llm(llm, embedder, sources, stages, language)
    step("ground")
    grounded, ungrounded = ground_claims(
        extracted.claims, {source.id: source for source in sources}, FUZZY_THRESHOLD
    )
    # ground_claims keeps the order of the claims it grounds: carry their vectors along.
    claim_index = {id(claim): i for i, claim in enumerate(extracted.claims)}
    claim_vectors = {
        n: extracted.vectors[claim_index[id(g.claim)]]
        for n, g in enumerate(grounded)
        if claim_index[id(g.claim)] in extracted.vectors
    }
    step("synthesize")
    map_id = slugify(persona) if persona else OVERALL_MAP_ID
    grouping = grouping_params(embedder.name, embedder.duplicate_threshold)
    filled, members = synthesize_findings(stages, grounded, claim_vectors, grouping)
    info = extracted.provenance
    if llm is not None:
        filled = label_findings(llm, filled, members, language, info)
    changed = sources_change(started_on, workspace.load_manifest())  # while extracting

    def compose(head: int | None) -> Revision:
        past = (history or fresh_history)(workspace, map_id, head)
        journey_map = JourneyMap(
            id=map_id,
            title=map_title(language, persona),
            language=language,
            persona=persona,
            revision=(head or 0) + 1,
            stages=carry_ids(filled, past.previous, past.used),
            ungrounded=extracted.ungrounded + ungrounded,
            sources=[source.ref() for source in sources],
            provenance=_provenance(info, embedder, grouping, changed),
        )
        message = f"build with the {provider} extractor" + (
            f" (partial: {len(journey_map.provenance.failures)} sources failed)"
            if journey_map.provenance.failures
            else ""
        )
        replayed = past.replay(journey_map) if head is not None else None
        if replayed is None:
            return Revision(
                number=journey_map.revision, parent=head, message=message, map=journey_map
            )
        edited, operations, rebase = replayed
        kept, lost = len(operations), len(rebase.conflicts)
        return Revision(
            number=journey_map.revision,
            parent=head,
            message=f"re{message}: {kept} edit(s) replayed"
            + (f", {lost} could not be (conflicts)" if lost else ""),
            operations=operations,
            rebase=rebase,
            map=edited,
        )

    step("save")
    return save_build(workspace, map_id, compose)


def _provenance(
    info: dict[str, Any], embedder: Embedder, grouping: GroupingParams, changed: str | None
) -> Provenance:
    return Provenance(
        tool_version=__version__,
        extractor=info["extractor"],
        model=info.get("model"),
        prompt_version=info.get("prompt_version"),
        embedder=embedder.name,
        data_versions=info.get("data_versions", {}),
        parameters={
            "fuzzy_threshold": FUZZY_THRESHOLD,
            "duplicate_threshold": embedder.duplicate_threshold,
            "finding_threshold": grouping.threshold,
            "finding_merge_threshold": grouping.merge_threshold,
            "finding_keyword_weight": grouping.keyword_weight,
            **info.get("parameters", {}),
        },
        token_usage=info.get("token_usage"),
        failures=info.get("failures", {}),
        sources_changed=changed,
    )


class History(Protocol):
    """A map's past, as a rebuild needs it: the extraction its edits were made on (to keep
    finding ids), the ids it has used, and how to replay its edits onto a new extraction."""

    previous: JourneyMap | None
    used: set[str]

    def replay(self, built: JourneyMap) -> tuple[JourneyMap, list[EditOp], Rebase] | None:
        """The rebuilt map, the edits replayed and the rebase record; None: nothing to replay."""


HistoryLoader = Callable[[Workspace, str, "int | None"], History]
"""history(workspace, map_id, head): the map's past as of revision `head` (None: no map yet)."""


@dataclass
class FreshHistory:
    """A build from the sources only (`parcours build --fresh`): ids carried, edits not."""

    previous: JourneyMap | None
    used: set[str]

    def replay(self, built: JourneyMap) -> tuple[JourneyMap, list[EditOp], Rebase] | None:
        return None


def fresh_history(workspace: Workspace, map_id: str, head: int | None) -> History:
    previous, used = previous_build(workspace, map_id, head)
    return FreshHistory(previous, used)


def previous_build(
    workspace: Workspace, map_id: str, head: int | None
) -> tuple[JourneyMap | None, set[str]]:
    """The extraction the last build made (the newest build or rebuild, before any edit was
    replayed onto it), and the ids the latest revision holds (edits may have added some)."""
    if head is None:
        return None, set()
    used = {item.id for _, item in workspace.load_map(map_id, head).items()}
    for number in range(head, 0, -1):
        path = workspace.revision_path(map_id, number)
        if RevisionLog.model_validate_json(path.read_bytes()).is_build:
            revision = workspace.load_revision(map_id, number)
            return (revision.rebase.built if revision.rebase else revision.map), used
    return None, used


def save_build(
    workspace: Workspace, map_id: str, compose: Callable[[int | None], Revision], attempts: int = 20
) -> BuildResult:
    """Save a build as the next revision. A build is made from the sources, and its replayed
    edits from the history as of the head: when another writer saved a revision meanwhile, the
    revision is composed again on the new head."""
    for _ in range(attempts):
        revision = compose(workspace.head(map_id))
        try:
            path = workspace.save_revision(revision)
        except StaleRevisionError:
            continue
        conflicts = revision.rebase.conflicts if revision.rebase else []
        return BuildResult(revision.map, path, len(revision.operations), conflicts)
    raise MapError(
        f"map {map_id}: {attempts} other revisions were saved while this build tried to",
        "run `parcours build` again when the other writers are done",
    )


def sources_change(before: WorkspaceManifest, after: WorkspaceManifest) -> str | None:
    """What was ingested or removed between two readings of the manifest, in a sentence."""
    added = sum(1 for key in after.files if key not in before.files)
    removed = sum(1 for key in before.files if key not in after.files)
    changed = sum(
        1 for key, r in after.files.items() if key in before.files and before.files[key] != r
    )
    parts = [
        f"{count} file(s) {what}"
        for count, what in ((added, "ingested"), (changed, "re-ingested"), (removed, "removed"))
        if count
    ]
    if not parts:
        return None
    return (
        f"{', '.join(parts)} while this map was built; it uses the sources it started with: "
        "build again to include the change"
    )


def _extract_offline(
    workspace: Workspace,
    embedder: Embedder,
    store: SegmentStore,
    sources: list[Source],
    language: str,
) -> Extracted:
    participant_ids = [s.id for src in sources for s in src.segments if s.role != Role.INTERVIEWER]
    vectors = store.vectors(participant_ids)
    extractor = OfflineExtractor(embedder, exemplar_vectors(workspace, embedder))
    claims = extractor.extract(sources, vectors, map_language=language)
    claim_vectors = {
        i: vectors[c.segment_id] for i, c in enumerate(claims) if c.segment_id in vectors
    }
    return Extracted(
        claims,
        [],
        claim_vectors,
        {"extractor": extractor.name, "data_versions": extractor.data_versions},
    )


def _extract_llm(
    llm: LLMExtractor,
    embedder: Embedder,
    sources: list[Source],
    stages: list[Stage],
    language: str,
) -> Extracted:
    result = llm.extract(sources, stages, language)
    if result.failures and len(result.failures) == len(sources):
        reason = next(iter(result.failures.values()))
        raise ParcoursError(
            f"every call to the model {llm.provider.model!r} at {llm.provider.endpoint} failed "
            f"({reason})",
            "check that the server runs, and --base-url / PARCOURS_BASE_URL, --model / "
            "PARCOURS_MODEL and OPENAI_API_KEY",
        )
    texts = [claim.text for claim in result.claims]
    vectors = embedder.embed_documents([unnumbered(t) for t in texts]) if texts else None
    claim_vectors = {i: vectors[i] for i in range(len(texts))} if vectors is not None else {}
    return Extracted(
        result.claims,
        result.ungrounded,
        claim_vectors,
        {
            "extractor": f"llm:{llm.provider.endpoint}",
            "model": llm.provider.model,
            "prompt_version": result.prompt_version,
            "token_usage": result.usage,
            "failures": result.failures,
            "parameters": {
                "structured_output": result.method,
                "chunks": result.chunks,
                "cached_chunks": result.cached_chunks,
                "calls": result.calls,
            },
        },
    )


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
