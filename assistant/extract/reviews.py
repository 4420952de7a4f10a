"""How a review's rating and a sentence's wording steer the obstacle lane (issue 14, item 5). Pure.

A researcher reads a review's stars with its sentences, and so does the offline extractor. What
a sentence states comes from the `statements` lexicon (`CueLexicon.statement_of`): a problem
("cassé", "late"; not when negated: "aucun problème"), an unmet expectation ("toujours pas de
remboursement", "never arrived"), a strain ("déjà envoyées quatre fois"), a contrast ("mais",
"but"), an intention or a warning ("je ne commanderai plus jamais", "avoid"). The rules:

- a clearly positive sentence is never an obstacle ("produit conforme à la commande", "ne changez
  rien"), nor, in a rated review, an intention or a warning: they say what the customer will do,
  not what went wrong; a question or a worded expectation keeps the lane scores;
- 1–2 stars: a sentence that states a problem, an unmet expectation or a strain is an obstacle,
  cue word or not, even when it praises or sounds pleased: in a low-rated review that is a
  concession ("le meuble est correct mais…") or sarcasm ("Bravo, une chaise qui tient deux
  semaines avant de casser"); a review left with no obstacle makes its most negative sentence one
  (`fallback_obstacle`);
- 3–4 stars: a stated problem is an obstacle when the sentence is not positive or a contrast sets
  it apart from the praise ("Nice product but delivery was late"); a sentence that states no
  problem and is not negative is not one ("Ordinateur reçu en 48 h, rien à signaler");
- 5 stars: only a negative sentence, or a problem put right ("arrived with a tear in the cover,
  but…"), may be one.

Interviews and unrated reviews keep the lane scores, under the first rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from assistant.extract.cues import CueLexicon, Statement
from assistant.model import Lane, Source, SourceKind

LOW_RATING = 2.0
"""A rating at or below this (on 5) makes a low-rated review."""
TOP_RATING = 5.0
FALLBACK_MIN_WORDS = 2
"""The fallback obstacle is a statement, not a one-word verdict ("Arnaque.")."""


class ObstacleRule(Enum):
    FORCE = "force"
    """The sentence is an obstacle claim whatever the lane scores say."""
    ALLOW = "allow"
    """The lane scores decide."""
    BLOCK = "block"
    """Never an obstacle."""


@dataclass(frozen=True)
class Reading:
    """What the lexicon reads in one sentence: its valence (-2 … +2) and what it states."""

    valence: int
    statement: Statement
    question: bool
    words: int
    expects: bool = False
    """It words an expectation ("je m'attendais à mieux", "should"): the expectation lane's."""

    @classmethod
    def of(cls, sentence: str, language: str, lexicon: CueLexicon) -> Reading:
        return cls(
            lexicon.valence_of(sentence, language),
            lexicon.statement_of(sentence, language),
            sentence.rstrip().endswith("?"),
            len(sentence.split()),
            lexicon.lane_scores(sentence, language).get(Lane.EXPECTATION, 0.0) > 0,
        )

    @property
    def states_problem(self) -> bool:
        return self.statement.problems > 0 and not self.statement.intention

    @property
    def states_strain(self) -> bool:
        return self.statement.strains > 0 and not self.statement.intention


def obstacle_rule(reading: Reading, rating: float | None) -> ObstacleRule:
    """What a sentence's reading and its review's rating (None: an interview or an unrated
    review) allow in the obstacle lane (the module doc's rules)."""
    if rating is None:
        return _by_valence(reading)
    if reading.statement.intention:
        return ObstacleRule.BLOCK
    if reading.question or reading.expects:
        return _by_valence(reading)
    if rating <= LOW_RATING:
        return _low_rated(reading)
    if rating >= TOP_RATING:
        return _top_rated(reading)
    return _mixed(reading)


def _by_valence(reading: Reading) -> ObstacleRule:
    return ObstacleRule.BLOCK if reading.valence > 0 else ObstacleRule.ALLOW


def _low_rated(reading: Reading) -> ObstacleRule:
    if reading.states_problem or reading.states_strain:
        return ObstacleRule.FORCE
    return _by_valence(reading)


def _mixed(reading: Reading) -> ObstacleRule:
    if reading.states_problem and (reading.valence <= 0 or reading.statement.contrast):
        return ObstacleRule.FORCE
    if reading.states_problem or reading.valence < 0:
        return ObstacleRule.ALLOW
    return ObstacleRule.BLOCK


def _top_rated(reading: Reading) -> ObstacleRule:
    if reading.states_problem and reading.statement.contrast and reading.valence <= 0:
        return ObstacleRule.FORCE
    return ObstacleRule.ALLOW if reading.valence < 0 else ObstacleRule.BLOCK


def fallback_obstacle(readings: Sequence[Reading], obstacle_scores: Sequence[float]) -> int | None:
    """Of a low-rated review's sentences (none of which yielded an obstacle), the index of the one
    to make its obstacle: a worded expectation last, then the most negative, then the likeliest
    obstacle by the lane scores, then the first. None when every sentence is positive, a
    question, an intention or a lone word ("Arnaque. Fuyez !!!" states no problem)."""
    candidates = [
        index
        for index, reading in enumerate(readings)
        if reading.valence <= 0
        and not reading.question
        and not reading.statement.intention
        and reading.words >= FALLBACK_MIN_WORDS
    ]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda i: (readings[i].expects, readings[i].valence, -obstacle_scores[i], i),
    )


def is_low_rated(rating: float | None) -> bool:
    return rating is not None and rating <= LOW_RATING


_RATING = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:/\s*(\d+))?")


def review_rating(source: Source) -> float | None:
    """A review's rating on a 5-point scale, from its metadata ("4", "4,5", "8/10", "★★★★");
    None for interviews and unrated rows."""
    if source.kind == SourceKind.INTERVIEW:
        return None
    raw = source.metadata.get("rating", "").strip()
    if raw and set(raw) <= {"★", "☆", " "}:
        return float(raw.count("★"))
    match = _RATING.search(raw)
    if match is None:
        return None
    value = float(match.group(1).replace(",", "."))
    scale = float(match.group(2)) if match.group(2) else 5.0
    return value * 5.0 / scale if scale else None
