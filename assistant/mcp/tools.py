"""The server's tools as plain synchronous methods over `Project` and `RefinementSession`.

`assistant.mcp.server` registers them (async, in a worker thread, with progress); this module
only translates arguments to library calls and library results to `assistant.mcp.results`.
Nothing here reads source text as an instruction: quotes go into result fields.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.editing.diff import diff
from assistant.editing.edits import parse_operations
from assistant.editing.revisions import (
    commit,
    diff_revisions,
    history,
    redo,
    undo,
    undo_state,
)
from assistant.errors import ConfigError
from assistant.exports.view import (
    EvidenceView,
    ItemExplanation,
    MapView,
    ViewKind,
    explain,
    map_view,
)
from assistant.mapping.build import OVERALL_MAP_ID
from assistant.mapping.gap import Gap
from assistant.mcp import results as r
from assistant.mcp.files import AllowedRoots, InlineFile, save_uploads
from assistant.model import JourneyMap, Lane, Revision, SourceKind
from assistant.project import Project
from assistant.refine.proposals import load_proposal, save_proposal
from assistant.refine.session import RefinementSession, make_assistant
from assistant.refine.turns import Citation, Proposal, SearchFilters
from assistant.workspace import Workspace, atomic_write

MAPS_KEPT = 8
Progress = Callable[[float, float, str], None]
"""progress(done, total, message); raising from it cancels the operation."""


def _ignore(done: float, total: float, message: str) -> None:
    return None


class ParcoursTools:
    """One workspace served to one host: its project, its allowed roots, its chat assistant."""

    def __init__(self, project: Project, roots: AllowedRoots, assistant: str = "offline") -> None:
        self.project = project
        self.roots = roots
        self.assistant = assistant
        self._maps: dict[tuple[str, int], JourneyMap] = {}

    def load_map(self, map_id: str) -> JourneyMap:
        """The map's latest revision. Revisions never change once saved (a new state is a new
        number), so one read per (map, revision) serves every later call: a host that pages
        through a map, or asks for it after each edit, does not re-read and re-validate it."""
        self.workspace.require()
        head = self.workspace.head(map_id)
        if head is None:
            return self.project.load_map(map_id)  # the library's "no such map" error
        key = (map_id, head)
        if key not in self._maps:
            if len(self._maps) >= MAPS_KEPT:
                self._maps.pop(next(iter(self._maps)))
            self._maps[key] = self.workspace.load_map(map_id, head)
        return self._maps[key]

    @property
    def workspace(self) -> Workspace:
        return self.project.workspace

    # -- sources and builds -------------------------------------------------------------------
    def ingest_sources(
        self,
        paths: Sequence[str] = (),
        files: Sequence[InlineFile] = (),
        interviewers: Sequence[str] = (),
        progress: Progress = _ignore,
    ) -> r.IngestResult:
        if not paths and not files:
            raise ConfigError(
                "ingest_sources needs `paths` or `files`",
                f"name files or folders under {self.roots.describe()}, or send their contents",
            )
        resolved = [self.roots.resolve(raw) for raw in paths]
        self.workspace.ensure_manifest()
        resolved += save_uploads(self.workspace, files)
        count = len(resolved)
        seen = [0]

        def on_file(path: Path) -> None:
            progress(seen[0], count, f"reading {path.name}")
            seen[0] += 1

        report = self.project.ingest(
            resolved, interviewers=frozenset(interviewers), on_file=on_file
        )
        outcomes = [
            r.FileResult(
                file=o.path,
                status=o.status,
                reason=o.reason or None,
                sources=o.sources,
                segments=o.segments,
            )
            for o in report.outcomes
        ]
        return r.IngestResult(
            files=outcomes,
            ingested=sum(o.status == "ingested" for o in outcomes),
            skipped=sum(o.status == "skipped" for o in outcomes),
            failed=sum(o.status == "failed" for o in outcomes),
            sources_in_workspace=len(self.workspace.source_ids()),
        )

    def build_map(
        self,
        provider: str = "offline",
        model: str | None = None,
        base_url: str | None = None,
        persona: str | None = None,
        all_personas: bool = False,
        fresh: bool = False,
        progress: Progress = _ignore,
    ) -> r.BuildResult:
        # The API key only ever comes from the server's environment.
        project = self.project.configured(model=model, base_url=base_url)

        def on_progress(done: float, target: str | None, step: str) -> None:
            progress(done, 1.0, f"map {target or 'overall'}: {step}")

        built = project.build_maps(
            provider=provider,
            persona=persona,
            all_personas=all_personas,
            on_progress=on_progress,
            fresh=fresh,
        )
        return r.BuildResult(
            maps=[
                r.BuiltMap(
                    map_id=b.map.id,
                    revision=b.map.revision,
                    items=len(b.map.items()),
                    quotes=sum(len(item.evidence) for _, item in b.map.items()),
                    ungrounded=len(b.map.ungrounded),
                    token_usage=b.map.provenance.token_usage,
                    failures=b.map.provenance.failures,
                    sources_changed=b.map.provenance.sources_changed,
                    replayed=b.replayed,
                    conflicts=[
                        r.BuildConflict(
                            revision=c.revision, target=c.target, reason=c.reason, hint=c.hint
                        )
                        for c in b.conflicts
                    ],
                )
                for b in built
            ],
            view=map_view(built[0].map),
        )

    # -- reading ------------------------------------------------------------------------------
    def list_maps(self) -> r.MapList:
        self.workspace.require()
        summaries = []
        for map_id in self.workspace.map_ids():
            m = self.workspace.load_map(map_id)
            summaries.append(
                r.MapSummary(
                    map_id=m.id,
                    title=m.title,
                    persona=m.persona,
                    revision=m.revision,
                    items=len(m.items()),
                    sources=len(m.sources),
                )
            )
        return r.MapList(maps=summaries)

    def get_map(
        self, map_id: str = OVERALL_MAP_ID, view: ViewKind = "compact", page: int = 1
    ) -> MapView:
        return map_view(self.load_map(map_id), view, page)

    def search_evidence(
        self,
        query: str,
        map_id: str = OVERALL_MAP_ID,
        stage: str | None = None,
        lane: Lane | None = None,
        persona: str | None = None,
        source_kind: SourceKind | None = None,
        limit: int = 8,
    ) -> r.SearchResult:
        journey_map = self.load_map(map_id) if map_id in self._map_ids() else None
        search = self.project.search(journey_map)
        filters = SearchFilters(stage_id=stage, lane=lane, persona=persona, source_kind=source_kind)
        hits = search(query, filters=filters, k=max(1, min(limit, 50)))
        sources = {ref.id: ref for ref in journey_map.sources} if journey_map else {}
        return r.SearchResult(
            query=query,
            map_id=map_id,
            hits=[
                r.Hit(
                    evidence=_citation_view(
                        h.citation,
                        sources[h.citation.source_id].kind
                        if h.citation.source_id in sources
                        else None,
                    ),
                    score=round(h.score, 4),
                    item_ids=h.item_ids,
                )
                for h in hits
            ],
        )

    def explain_item(self, item_id: str, map_id: str = OVERALL_MAP_ID) -> ItemExplanation:
        journey_map = self.load_map(map_id)
        sources = {s.id: s for s in self.project.cited_sources(journey_map)}
        return explain(journey_map, item_id, sources)

    def _map_ids(self) -> list[str]:
        self.workspace.require()
        return list(self.workspace.map_ids())

    # -- editing ------------------------------------------------------------------------------
    def _session(self, map_id: str) -> RefinementSession:
        self.workspace.require()
        assistant = make_assistant(self.project.settings, self.assistant)
        return RefinementSession(self.project, map_id, assistant, run_controls=False)

    def propose_edits(
        self,
        map_id: str = OVERALL_MAP_ID,
        instruction: str | None = None,
        operations: list[dict[str, Any]] | None = None,
    ) -> r.ProposalResult:
        if (instruction is None) == (operations is None):
            raise ConfigError(
                "propose_edits needs an instruction or a list of operations (one of them)",
                'e.g. instruction "move I3 to purchase", or operations [{"op": "set_status", …}]',
            )
        session = self._session(map_id)
        head = session.journey_map.revision
        proposal: Proposal | None
        citations: list[Citation]
        if operations is not None:
            proposal = Proposal(base_revision=head, operations=parse_operations(operations))
            reply, citations = f"{len(proposal.operations)} operation(s) proposed", []
        else:
            turn = session.send(instruction or "")
            if turn.control is not None:
                turn = turn.model_copy(
                    update={"reply": f"{turn.reply}\n(use the {turn.control} tool to run it)"}
                )
            proposal, reply, citations = turn.proposal, turn.reply, turn.citations
        if proposal is None:
            return r.ProposalResult(
                map_id=map_id,
                base_revision=head,
                reply=reply,
                citations=[_citation_view(c) for c in citations],
            )
        return r.ProposalResult(
            map_id=map_id,
            proposal_id=save_proposal(self.workspace, map_id, proposal),
            base_revision=proposal.base_revision,
            reply=reply,
            operations=[op.model_dump(mode="json") for op in proposal.operations],
            descriptions=proposal.descriptions,
            diff=session.preview(proposal).lines(session.journey_map.language),
            citations=[_citation_view(c) for c in citations],
        )

    def apply_edits(
        self,
        map_id: str = OVERALL_MAP_ID,
        proposal_id: str | None = None,
        operations: list[dict[str, Any]] | None = None,
        indices: list[int] | None = None,
        base_revision: int | None = None,
    ) -> r.RevisionResult:
        if (proposal_id is None) == (operations is None):
            raise ConfigError(
                "apply_edits needs a proposal_id or a list of operations (one of them)",
                "apply the proposal_id propose_edits returned",
            )
        session = self._session(map_id)
        if proposal_id is not None:
            proposal = load_proposal(self.workspace, map_id, proposal_id)
            chosen = [i - 1 for i in indices] if indices else None  # 1-based, as shown
            revision = session.approve(proposal, chosen)
        else:
            head = session.journey_map.revision
            revision = commit(
                self.workspace,
                map_id,
                parse_operations(operations or []),
                base_revision=base_revision if base_revision is not None else head,
            )
        return self._revision_result(map_id, revision)

    def undo(self, map_id: str = OVERALL_MAP_ID) -> r.RevisionResult:
        self.workspace.require()
        return self._revision_result(map_id, undo(self.workspace, map_id))

    def redo(self, map_id: str = OVERALL_MAP_ID) -> r.RevisionResult:
        self.workspace.require()
        return self._revision_result(map_id, redo(self.workspace, map_id))

    def history(self, map_id: str = OVERALL_MAP_ID) -> r.HistoryResult:
        self.workspace.require()
        return r.HistoryResult(
            map_id=map_id,
            revisions=history(self.workspace, map_id),
            state=undo_state(self.workspace, map_id),
        )

    def diff(self, first: int, second: int, map_id: str = OVERALL_MAP_ID) -> r.DiffResult:
        self.workspace.require()
        found = diff_revisions(self.workspace, map_id, first, second)
        language = self.workspace.load_map(map_id).language
        return r.DiffResult(map_id=map_id, lines=found.lines(language), diff=found)

    def _revision_result(self, map_id: str, revision: Revision) -> r.RevisionResult:
        lines: list[str] = []
        if revision.parent is not None:
            before = self.workspace.load_map(map_id, revision.parent)
            lines = diff(before, revision.map).lines(revision.map.language)
        state = undo_state(self.workspace, map_id)
        return r.RevisionResult(
            map_id=map_id,
            revision=revision.number,
            parent=revision.parent,
            message=revision.message,
            diff=lines,
            undo=state.undo,
            redo=state.redo,
        )

    # -- the ideal journey and the gap ---------------------------------------------------------
    def draft_ideal(
        self, map_id: str = OVERALL_MAP_ID, provider: str = "offline", redraft: bool = False
    ) -> r.IdealResult:
        result = self.project.ideal(map_id, provider=provider, redraft=redraft)
        return r.IdealResult(
            map_id=result.map.id,
            actual_map_id=result.map.actual_map_id or map_id,
            revision=result.map.revision,
            created=result.created,
            notes=result.notes,
            view=map_view(result.map),
        )

    def gap(self, map_id: str = OVERALL_MAP_ID) -> Gap:
        return self.project.gap(map_id)

    # -- exports ------------------------------------------------------------------------------
    def export_map(self, map_id: str = OVERALL_MAP_ID, format: str = "json") -> r.ExportResult:
        journey_map = self.load_map(map_id)
        exported = self.project.export(map_id, format=format, revision=journey_map.revision)
        folder = self.workspace.root / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{map_id}-r{journey_map.revision}.{exported.extension}"
        atomic_write(path, exported.content)
        return r.ExportResult(
            map_id=map_id,
            revision=journey_map.revision,
            format=format,
            path=str(path),
            media_type=exported.media_type,
            bytes=len(exported.content),
            content=exported.text if exported.is_text else None,
        )


def _citation_view(citation: Citation, kind: SourceKind | None = None) -> EvidenceView:
    """A search hit's or an answer's citation as the quote view every result carries."""
    return EvidenceView(
        source_id=citation.source_id,
        source_name=citation.source_name,
        source_kind=kind,
        speaker=citation.speaker,
        timestamp=citation.timestamp,
        quote=citation.quote,
        start=citation.start or 0,
        end=citation.end or 0,
    )
