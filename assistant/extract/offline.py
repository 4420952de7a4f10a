"""The offline extractor: deterministic, no LLM. A real baseline, measured by `make eval`.

Each participant sentence is scored for (stage, lane) by
- FR/EN cue lexicons on the sentence itself (`data/cues.json`);
- the interviewer's question just before the answer, and the rest of the answer (context: "Comment
  avez-vous découvert la marque ?" says "awareness" for every sentence of the reply);
- its nearest labelled exemplars in embedding space (`data/exemplars.jsonl`), rank-weighted;
- a weak prior from where the sentence sits in the interview (interviews walk the journey in order).
A sentence with no cue at all (fillers, small talk) yields nothing. A sentence may yield a main
item, touchpoint items (channels from a gazetteer, merged by identity across sources) and an
emotion item when it carries a feeling. For reviews, the rating and what a sentence states steer
the obstacle lane (`reviews`): a problem stated in a 1–2-star review is an obstacle, cue word or
not, and such a review with none makes its most negative sentence one; praise never is.
Quotes are the sentences themselves: grounded by construction, and still checked by the aligner.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources

import numpy as np

from assistant.evidence.claims import Claim
from assistant.extract.cues import CueLexicon
from assistant.extract.reviews import (
    FALLBACK_MIN_WORDS,
    ObstacleRule,
    Reading,
    fallback_obstacle,
    is_low_rated,
    obstacle_rule,
    review_rating,
)
from assistant.model import STAGE_IDS, Lane, Role, Segment, Source, SourceKind
from ingest.embedders.base import Embedder, Vectors

NAME = "offline"
VERSION = "2"

_STAGE_CENTRES = dict(zip(STAGE_IDS, (0.1, 0.3, 0.5, 0.7, 0.9), strict=True))
_REVIEW_PRIOR = {
    "awareness": 0.1,
    "consideration": 0.2,
    "purchase": 0.3,
    "retention": 0.6,
    "advocacy": 0.5,
}
_MAIN_LANES = list(lane for lane in Lane if lane.customer_side and lane != Lane.TOUCHPOINT)
_FILLER = re.compile(
    r"^(?:\([^)]{0,30}\)[\s,.…!]*|(?:euh+|heu+|bon|bah|ben|alors|donc|et|mais|oui|non|ouais|voilà|enfin|bref|"
    r"honnêtement|franchement|en fait|du coup|well|so|yeah|yes|no|um+|uh+|like|honestly|"
    r"actually|and|but|okay|ok)\b[\s,.…!]*)+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Weights:
    """Relative weight of each signal (tuned on the eval dev half only)."""

    # v2, from a search on the dev half (make eval; see README "Quality"): the exemplars'
    # neighbours say more than the cue words; one touchpoint mention per channel and source.
    sentence_cues: float = 1.5
    question_context: float = 0.8
    turn_context: float = 0.3
    exemplars: float = 3.5
    position: float = 1.0
    lane_cues: float = 0.5
    lane_exemplars: float = 2.5
    question_mark: float = 0.5
    min_lane_score: float = 1.2
    min_words: int = 4
    neighbours: int = 11
    touchpoint_repeats: int = 1
    """Touchpoint mentions kept per source and channel (the first ones: the encounter)."""


@dataclass(frozen=True)
class _Sentence:
    segment: Segment
    text: str
    vector: Vectors | None


@dataclass(frozen=True)
class _Context:
    """One source as the classifier of its sentences sees it."""

    source: Source
    language: str
    rating: float | None
    map_language: str
    questions: dict[int, str]
    """Participant turn → the interviewer's words just before it."""
    turns: dict[int, str]
    """Turn → its whole text."""

    @classmethod
    def of(cls, source: Source, map_language: str) -> _Context:
        turns: dict[int, str] = {}
        for segment in source.segments:
            turns[segment.turn] = (
                turns.get(segment.turn, "") + " " + source.text[segment.start : segment.end]
            )
        language = source.language if source.language in ("fr", "en") else "en"
        return cls(
            source,
            language,
            review_rating(source),
            map_language,
            _questions_before_turns(source),
            turns,
        )


class ExemplarBank:
    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.rows = rows
        self.texts = [row["text"] for row in rows]
        self.stages = [row["stage"] for row in rows]
        self.lanes = [Lane(row["lane"]) for row in rows]
        payload = "\n".join(json.dumps(row, sort_keys=True) for row in rows)
        self.sha256 = hashlib.sha256(payload.encode()).hexdigest()

    @classmethod
    def bundled(cls) -> ExemplarBank:
        data = resources.files("assistant.extract").joinpath("data/exemplars.jsonl")
        rows = [json.loads(line) for line in data.read_text("utf-8").splitlines() if line.strip()]
        return cls(rows)


class OfflineExtractor:
    name = NAME

    def __init__(
        self,
        embedder: Embedder,
        exemplar_vectors: Vectors | None = None,
        lexicon: CueLexicon | None = None,
        bank: ExemplarBank | None = None,
        weights: Weights | None = None,
    ) -> None:
        self.embedder = embedder
        self.lexicon = lexicon or CueLexicon.bundled()
        self.bank = bank or ExemplarBank.bundled()
        self.weights = weights or Weights()
        if exemplar_vectors is None:
            exemplar_vectors = embedder.embed_documents(self.bank.texts)
        self.exemplar_vectors = exemplar_vectors

    @property
    def data_versions(self) -> dict[str, str]:
        return {
            "extractor": f"{NAME}-{VERSION}",
            "cues": f"{self.lexicon.version}:{self.lexicon.sha256[:12]}",
            "exemplars": self.bank.sha256[:12],
        }

    def extract(
        self, sources: Sequence[Source], vectors: Mapping[str, Vectors], map_language: str = "en"
    ) -> list[Claim]:
        """Claims from every participant sentence; touchpoints are named in `map_language`."""
        claims: list[Claim] = []
        for source in sources:
            claims.extend(self._extract_source(source, vectors, map_language))
        return claims

    def _extract_source(
        self, source: Source, vectors: Mapping[str, Vectors], map_language: str
    ) -> list[Claim]:
        context = _Context.of(source, map_language)
        sentences = [
            _Sentence(segment, source.text[segment.start : segment.end], vectors.get(segment.id))
            for segment in source.segments
            if segment.role != Role.INTERVIEWER
        ]
        found = [self._classify(context, sentence) for sentence in sentences]
        if is_low_rated(context.rating) and not any(
            claim.lane == Lane.OBSTACLE for claims in found for claim in claims
        ):
            self._add_fallback_obstacle(context, sentences, found)
        claims: list[Claim] = []
        seen_touchpoints: dict[str, int] = {}
        for claim in (claim for claims in found for claim in claims):
            if claim.lane == Lane.TOUCHPOINT:
                channel = claim.key or claim.text
                seen = seen_touchpoints[channel] = seen_touchpoints.get(channel, 0) + 1
                if seen > self.weights.touchpoint_repeats:
                    continue
            claims.append(claim)
        return claims

    def _add_fallback_obstacle(
        self, context: _Context, sentences: list[_Sentence], found: list[list[Claim]]
    ) -> None:
        """A low-rated review with no obstacle: its most negative sentence becomes one."""
        language = context.language
        readings = [Reading.of(s.text, language, self.lexicon) for s in sentences]
        scores = [self._obstacle_score(s, language) for s in sentences]
        index = fallback_obstacle(readings, scores)
        if index is not None:
            found[index] = self._classify(context, sentences[index], force_obstacle=True)

    def _obstacle_score(self, sentence: _Sentence, language: str) -> float:
        cues = self.lexicon.lane_scores(sentence.text, language).get(Lane.OBSTACLE, 0.0)
        _, knn_lane = self._neighbours(sentence.vector)
        w = self.weights
        return w.lane_cues * cues + w.lane_exemplars * knn_lane.get(Lane.OBSTACLE, 0.0)

    def _classify(
        self, context: _Context, sentence: _Sentence, force_obstacle: bool = False
    ) -> list[Claim]:
        """The claims of one sentence: a main item (unless no lane scores enough), an emotion
        item when it carries a feeling, its touchpoints. `force_obstacle`: the main item is an
        obstacle whatever the scores (the fallback of a low-rated review)."""
        lex, language, text = self.lexicon, context.language, sentence.text
        reading = Reading.of(text, language, lex)
        rule = ObstacleRule.FORCE if force_obstacle else obstacle_rule(reading, context.rating)
        forced = rule == ObstacleRule.FORCE
        if reading.words < (FALLBACK_MIN_WORDS if forced else self.weights.min_words):
            return []
        stage_cues = lex.stage_scores(text, language)
        lane_cues = lex.lane_scores(text, language)
        touchpoints = lex.touchpoints_in(text, language)
        has_cue = any(stage_cues.values()) or any(lane_cues.values()) or touchpoints
        if not (has_cue or reading.valence or forced):
            return []
        knn_stage, knn_lane = self._neighbours(sentence.vector)
        stage_score = self._stage_scores(context, sentence.segment, stage_cues, knn_stage)
        lane_score = self._lane_scores(lane_cues, knn_lane, reading, rule)
        # Emotion is an overlay: a felt sentence yields an emotion item besides its main lane
        # ("livraison en retard, j'étais énervée" is an obstacle and an emotion).
        felt = bool(reading.valence) and lane_cues.get(Lane.EMOTION, 0.0) > 0
        lanes = [lane for lane in _MAIN_LANES if lane != Lane.EMOTION] if felt else _MAIN_LANES
        lane = Lane.OBSTACLE if forced else max(lanes, key=lambda c: lane_score[c])
        base = Claim(
            stage_id=max(STAGE_IDS, key=lambda s: stage_score[s]),
            lane=lane,
            text=item_text(text),
            quote=text,
            source_id=context.source.id,
            segment_id=sentence.segment.id,
            score=_confidence(stage_score, max(0.0, lane_score[lane])),
        )
        claims: list[Claim] = []
        if forced or lane_score[lane] >= self.weights.min_lane_score:
            claims.append(replace(base, valence=reading.valence if lane == Lane.EMOTION else None))
        if felt:
            claims.append(replace(base, lane=Lane.EMOTION, valence=reading.valence))
        for touchpoint in touchpoints:
            label = touchpoint.label(context.map_language)
            claims.append(replace(base, lane=Lane.TOUCHPOINT, text=label, key=touchpoint.id))
        return claims

    def _stage_scores(
        self,
        context: _Context,
        segment: Segment,
        stage_cues: dict[str, float],
        knn_stage: dict[str, float],
    ) -> dict[str, float]:
        w, lex, language = self.weights, self.lexicon, context.language
        question_cues = lex.stage_scores(context.questions.get(segment.turn, ""), language)
        turn_cues = lex.stage_scores(context.turns.get(segment.turn, ""), language)
        prior = self._prior(context.source, segment)
        return {
            stage: w.sentence_cues * stage_cues[stage]
            + w.question_context * min(question_cues[stage], 2)
            + w.turn_context * min(turn_cues[stage], 3)
            + w.exemplars * knn_stage.get(stage, 0.0)
            + w.position * prior.get(stage, 0.0)
            for stage in STAGE_IDS
        }

    def _lane_scores(
        self,
        lane_cues: dict[Lane, float],
        knn_lane: dict[Lane, float],
        reading: Reading,
        rule: ObstacleRule,
    ) -> dict[Lane, float]:
        w = self.weights
        lane_score: dict[Lane, float] = {
            lane: w.lane_cues * lane_cues.get(lane, 0.0)
            + w.lane_exemplars * knn_lane.get(lane, 0.0)
            for lane in _MAIN_LANES
        }
        if reading.question:
            lane_score[Lane.QUESTION] += w.question_mark
        # The rating and the sentence's wording steer the obstacle lane (`reviews`): a clearly
        # positive sentence is not an obstacle ("produit conforme à la commande"); a problem
        # stated in a low-rated review is one, cue word or not.
        if rule == ObstacleRule.BLOCK:
            lane_score[Lane.OBSTACLE] = float("-inf")
        return lane_score

    def _neighbours(self, vector: Vectors | None) -> tuple[dict[str, float], dict[Lane, float]]:
        if vector is None or not len(self.exemplar_vectors):
            return {}, {}
        # float64 rounded to 1e-6 and a stable sort: the k-th neighbour is often within 1e-5 of
        # the next one, and float32 dot products differ in their last bits between CPUs.
        similarities = np.round(
            self.exemplar_vectors.astype(np.float64) @ np.asarray(vector, np.float64), 6
        )
        k = min(self.weights.neighbours, len(similarities))
        nearest = np.argsort(-similarities, kind="stable")[:k]
        stages: dict[str, float] = {}
        lanes: dict[Lane, float] = {}
        total = sum(1.0 / (rank + 1) for rank in range(k))
        for rank, index in enumerate(nearest):
            weight = 1.0 / (rank + 1) / total
            stages[self.bank.stages[index]] = stages.get(self.bank.stages[index], 0.0) + weight
            lanes[self.bank.lanes[index]] = lanes.get(self.bank.lanes[index], 0.0) + weight
        return stages, lanes

    @staticmethod
    def _prior(source: Source, segment: Segment) -> dict[str, float]:
        if source.kind != SourceKind.INTERVIEW:
            return _REVIEW_PRIOR
        position = segment.start / max(1, len(source.text))
        return {
            stage: math.exp(-(((position - centre) / 0.2) ** 2) / 2)
            for stage, centre in _STAGE_CENTRES.items()
        }


def _questions_before_turns(source: Source) -> dict[int, str]:
    """For each participant turn, the interviewer's words in the turn just before it."""
    by_turn: dict[int, list[Segment]] = {}
    for segment in source.segments:
        by_turn.setdefault(segment.turn, []).append(segment)
    out: dict[int, str] = {}
    previous_interviewer = ""
    for turn in sorted(by_turn):
        segments = by_turn[turn]
        text = " ".join(source.text[s.start : s.end] for s in segments)
        if segments[0].role == Role.INTERVIEWER:
            previous_interviewer = text
        else:
            out[turn] = previous_interviewer
    return out


def _confidence(stage_score: dict[str, float], lane_score: float) -> float:
    ranked = sorted(stage_score.values(), reverse=True)
    margin = (ranked[0] - ranked[1]) / ranked[0] if ranked and ranked[0] > 0 else 0.0
    return round(max(0.05, min(1.0, 0.5 * margin + 0.5 * min(1.0, lane_score / 3))), 2)


def item_text(sentence: str, limit: int = 180) -> str:
    """A sentence as an item label: spoken fillers trimmed at the start, capitalised, bounded."""
    text = _FILLER.sub("", sentence.strip()).strip(" ,;:-–—")
    text = text or sentence.strip()
    text = text[0].upper() + text[1:]
    if len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0]
        text = cut.rstrip(" ,;:") + "…"
    return text
