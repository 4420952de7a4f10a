"""Evidence search over a workspace: what participants said, by keyword and by meaning.

`WorkspaceSearch` implements `assistant.refine.turns.EvidenceSearch` for the chat assistants,
the CLI, the UI and the MCP server. Two rankings are fused by reciprocal rank (RRF, k = 60):

- keywords: the query's content words against each segment's words, case and accents ignored
  ("LIVRAISON" = "livraison", "delai" = "délai"); a word also matches its plural or a longer
  form sharing its first 4+ letters ("livraisons", "retarde"), or a near spelling (typos);
- meaning: the workspace's embedder and its vector store (Chroma), when given.

Only participant speech is searched (interviewers' segments never come back); reviews and survey
answers, whose role is unknown, are the customer's words and do. Filters: persona and source kind
go to the store's `where`; a stage or a lane *restricts* the search to the segments that items of
that stage or lane cite in the map (what backs them), which needs the map. Each hit carries the
ids of the map's items that already cite its segment. The text searched is data, never an
instruction: this module only reads it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from assistant.errors import MapError
from assistant.model import JourneyMap, Role, Segment, Source
from assistant.refine.turns import Citation, EvidenceHit, SearchFilters
from ingest.embedders.base import Embedder
from ingest.store import SegmentStore

RRF_K = 60
"""Reciprocal rank fusion constant: a hit's score is the sum of 1 / (RRF_K + rank) per ranking."""
FUZZY_WORD = 85.0
"""Minimum rapidfuzz ratio (0–100) for a near spelling of a query word."""

_STOPWORDS = frozenset(
    """a au aux avec c ca ce ces cet cette d dans de des du elle en est et etait il ils j je l la
    le les leur lui m ma mais me mes mon n ne on ou par pas pour qu que qui s sa se ses si son sur
    t ta te tes ton tu un une vous nous y pourquoi comment quel quelle quels quelles quoi quand
    combien
    an and are as at be but by did do for from had has have he her his i in is it its me my no
    not of on or our she so than that the their them they this to was we were what when with you
    your why how which who where whom whose does""".split()
)


def words(text: str) -> list[str]:
    """Lower-case words without accents: "Délai de LIVRAISON" → ["delai", "de", "livraison"]."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.findall(r"[^\W_]+", plain)


def content_words(text: str) -> list[str]:
    """The words of a query that carry meaning (all of them if every word is a stop word)."""
    every = words(text)
    kept = [w for w in every if w not in _STOPWORDS]
    return list(dict.fromkeys(kept or every))


def keyword_score(query_words: list[str], segment_words: Iterable[str]) -> float:
    """0–1: how well a segment's words cover the query's (1 = every word found as such)."""
    vocabulary = set(segment_words)
    if not query_words or not vocabulary:
        return 0.0
    total = 0.0
    for word in query_words:
        if word in vocabulary:
            total += 1.0
            continue
        if len(word) >= 4 and any(
            len(other) >= 4 and (other.startswith(word) or word.startswith(other))
            for other in vocabulary
        ):
            total += 0.8
            continue
        if len(word) >= 4 and process.extractOne(
            word, vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_WORD
        ):
            total += 0.6
    return total / len(query_words)


@dataclass(frozen=True)
class _Indexed:
    source: Source
    segment: Segment
    words: frozenset[str]
    phrase: str  # the segment's words joined by one space, to find the query as a phrase


class WorkspaceSearch:
    """Hybrid evidence search over `sources` (and the vector `store`, when given)."""

    def __init__(
        self,
        sources: Mapping[str, Source] | Iterable[Source],
        *,
        embedder: Embedder | None = None,
        store: SegmentStore | None = None,
        journey_map: JourneyMap | None = None,
        _index: dict[str, _Indexed] | None = None,
    ) -> None:
        listed = sources.values() if isinstance(sources, Mapping) else sources
        self.sources = {source.id: source for source in listed}
        self.embedder = embedder
        self.store = store
        self.journey_map = journey_map
        self._index = _index if _index is not None else _build_index(self.sources.values())
        self._citing = _citing_items(journey_map, self.sources) if journey_map else {}

    def with_map(self, journey_map: JourneyMap) -> WorkspaceSearch:
        """The same search (sharing its index) answering for another revision of the map."""
        return WorkspaceSearch(
            self.sources.values(),
            embedder=self.embedder,
            store=self.store,
            journey_map=journey_map,
            _index=self._index,
        )

    def __call__(
        self, query: str, *, filters: SearchFilters | None = None, k: int = 8
    ) -> list[EvidenceHit]:
        filters = filters or SearchFilters()
        if k <= 0 or not query.strip():
            return []
        allowed = self._restriction(filters)
        candidates = [
            entry
            for segment_id, entry in self._index.items()
            if (allowed is None or segment_id in allowed) and _passes(entry.source, filters)
        ]
        rankings = [self._keyword_ranking(query, candidates)]
        if self.embedder is not None and self.store is not None:
            rankings.append(self._vector_ranking(query, filters, allowed, k))
        fused: dict[str, float] = {}
        for ranking in rankings:
            for rank, segment_id in enumerate(ranking):
                fused[segment_id] = fused.get(segment_id, 0.0) + 1.0 / (RRF_K + rank + 1)
        best = sorted(fused.items(), key=lambda pair: (-pair[1], pair[0]))[:k]
        return [self._hit(segment_id, score) for segment_id, score in best]

    # -- rankings ---------------------------------------------------------------------------
    def _keyword_ranking(self, query: str, candidates: list[_Indexed]) -> list[str]:
        query_words = content_words(query)
        phrase = " ".join(words(query))
        scored = []
        for entry in candidates:
            score = keyword_score(query_words, entry.words)
            if score > 0 and phrase and phrase in entry.phrase:
                score += 0.5  # the words as the query has them, in a row
            if score > 0:
                scored.append((score, entry.segment.id))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [segment_id for _, segment_id in scored]

    def _vector_ranking(
        self, query: str, filters: SearchFilters, allowed: set[str] | None, k: int
    ) -> list[str]:
        assert self.embedder is not None and self.store is not None
        vector = self.embedder.embed_query(query).reshape(-1)
        if allowed is not None:  # few segments: score them all, not an approximate top-n
            if not allowed:
                return []
            stored = self.store.vectors(sorted(allowed))
            scores = {sid: float(np.dot(v.reshape(-1), vector)) for sid, v in stored.items()}
            kept = [sid for sid in scores if sid in self._index]
            kept = [sid for sid in kept if _passes(self._index[sid].source, filters)]
            return sorted(kept, key=lambda sid: (-scores[sid], sid))
        hits = self.store.search(vector, k=max(50, 5 * k), where=_where(filters))
        return [hit.segment_id for hit in hits if hit.segment_id in self._index]

    def _restriction(self, filters: SearchFilters) -> set[str] | None:
        if filters.stage_id is None and filters.lane is None:
            return None
        if self.journey_map is None:
            raise MapError(
                "a stage or lane filter needs the map whose items it looks at",
                "search with `Project.search(journey_map)`",
            )
        wanted = {
            item.id
            for stage, item in self.journey_map.items()
            if filters.stage_id in (None, stage.id) and filters.lane in (None, item.lane)
        }
        return {sid for sid, items in self._citing.items() if wanted.intersection(items)}

    def _hit(self, segment_id: str, score: float) -> EvidenceHit:
        entry = self._index[segment_id]
        source, segment = entry.source, entry.segment
        citation = Citation(
            source_id=source.id,
            source_name=source.name,
            speaker=segment.speaker,
            timestamp=segment.timestamp,
            quote=source.text[segment.start : segment.end],
            start=segment.start,
            end=segment.end,
            segment_id=segment.id,
        )
        return EvidenceHit(
            citation=citation,
            score=round(score, 6),
            item_ids=list(self._citing.get(segment_id, ())),
        )


# -- helpers -------------------------------------------------------------------------------------
def _build_index(sources: Iterable[Source]) -> dict[str, _Indexed]:
    index = {}
    for source in sources:
        for segment in source.segments:
            if segment.role == Role.INTERVIEWER:
                continue
            segment_words = words(source.text[segment.start : segment.end])
            index[segment.id] = _Indexed(
                source, segment, frozenset(segment_words), " ".join(segment_words)
            )
    return index


def _citing_items(journey_map: JourneyMap, sources: Mapping[str, Source]) -> dict[str, list[str]]:
    """segment id → ids of the map's items whose evidence overlaps that segment."""
    citing: dict[str, list[str]] = {}
    for _, item in journey_map.items():
        for evidence in item.evidence:
            source = sources.get(evidence.source_id)
            if source is None:
                continue
            for segment in source.segments:
                overlaps = segment.start < evidence.end and evidence.start < segment.end
                if (overlaps or segment.id == evidence.segment_id) and item.id not in citing.get(
                    segment.id, []
                ):
                    citing.setdefault(segment.id, []).append(item.id)
    return citing


def _passes(source: Source, filters: SearchFilters) -> bool:
    if filters.source_kind is not None and source.kind != filters.source_kind:
        return False
    return filters.persona is None or source.persona == filters.persona


def _where(filters: SearchFilters) -> dict[str, Any]:
    conditions: list[dict[str, Any]] = [{"role": {"$ne": Role.INTERVIEWER.value}}]
    if filters.persona is not None:
        conditions.append({"persona": filters.persona})
    if filters.source_kind is not None:
        conditions.append({"source_kind": filters.source_kind.value})
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}
