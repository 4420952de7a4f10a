"""Cue lexicons (FR/EN) for the offline extractor, compiled from `data/cues.json`. Pure.

Pattern syntax: a lowercase word or phrase matched on word boundaries against lowercased text
whose typographic apostrophes became ' ; a trailing `*` means any word ending ("compar*").

Besides stages, lanes, touchpoints and valence, `statements` says what a sentence states: a
problem ("cassé", "late"; negated by one of the three words before it: "aucun problème"), an
unmet expectation ("toujours pas", "never arrived"), a strain that reads as a problem in a
low-rated review ("quatre fois", "again"), a contrast ("mais", "but") and an intention or a
warning ("plus jamais", "avoid").
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any, NamedTuple

from assistant.model import Lane

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})
_NEGATION_WORDS = 3
"""A problem word is negated by a negator among the words just before it ("jamais eu de souci")."""


def prepare(text: str) -> str:
    """The form cues are matched against."""
    return text.lower().translate(_APOSTROPHES)


def compile_patterns(patterns: list[str]) -> re.Pattern[str] | None:
    """One alternation regex for a list of cue patterns (None when the list is empty)."""
    parts = []
    for pattern in sorted(set(patterns), key=len, reverse=True):
        wildcard = pattern.endswith("*")
        body = re.escape(pattern.rstrip("*")).replace(r"\ ", r"\s+")
        parts.append(body + (r"\w*" if wildcard else ""))
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


def count(pattern: re.Pattern[str] | None, text: str) -> int:
    return len(pattern.findall(text)) if pattern is not None else 0


@dataclass(frozen=True)
class Touchpoint:
    id: str
    labels: dict[str, str]
    patterns: dict[str, re.Pattern[str] | None]

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels.get("en") or self.id


class CueLexicon:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.version = str(raw.get("version", "0"))
        self.sha256 = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
        self._raw = raw

    @classmethod
    def bundled(cls) -> CueLexicon:
        data = resources.files("assistant.extract").joinpath("data/cues.json").read_text("utf-8")
        return cls(json.loads(data))

    def _compiled(self, section: str) -> dict[str, dict[str, re.Pattern[str] | None]]:
        return {
            key: {lang: compile_patterns(pats) for lang, pats in by_lang.items()}
            for key, by_lang in self._raw[section].items()
        }

    @cached_property
    def stages(self) -> dict[str, dict[str, re.Pattern[str] | None]]:
        return self._compiled("stages")

    @cached_property
    def lanes(self) -> dict[Lane, dict[str, re.Pattern[str] | None]]:
        return {Lane(key): value for key, value in self._compiled("lanes").items()}

    @cached_property
    def touchpoints(self) -> list[Touchpoint]:
        out = []
        for key, entry in self._raw["touchpoints"].items():
            patterns = {lang: compile_patterns(entry.get(lang, [])) for lang in ("fr", "en")}
            out.append(Touchpoint(key, dict(entry.get("label", {})), patterns))
        return out

    @cached_property
    def valence(self) -> dict[str, dict[str, re.Pattern[str] | None]]:
        return self._compiled("valence")

    def stage_scores(self, text: str, language: str) -> dict[str, float]:
        prepared = prepare(text)
        return {
            stage: float(count(_for(p, language), prepared)) for stage, p in self.stages.items()
        }

    def lane_scores(self, text: str, language: str) -> dict[Lane, float]:
        prepared = prepare(text)
        return {lane: float(count(_for(p, language), prepared)) for lane, p in self.lanes.items()}

    def touchpoints_in(self, text: str, language: str) -> list[Touchpoint]:
        prepared = prepare(text)
        return [tp for tp in self.touchpoints if count(_for(tp.patterns, language), prepared)]

    def valence_of(self, text: str, language: str) -> int:
        """-2 … +2: positive minus negative cues, a negator just before a cue flips it, an
        intensifier just before it doubles it."""
        prepared = prepare(text)
        negators = _for(self.valence["negators"], language)
        intensifiers = _for(self.valence["intensifiers"], language)
        total = 0.0
        for polarity, sign in (("positive", 1.0), ("negative", -1.0)):
            pattern = _for(self.valence[polarity], language)
            if pattern is None:
                continue
            for match in pattern.finditer(prepared):
                before = prepared[max(0, match.start() - 25) : match.start()]
                weight = sign
                if negators is not None and negators.search(before):
                    weight = -weight
                if intensifiers is not None and intensifiers.search(before[-12:]):
                    weight *= 2
                total += weight
        return max(-2, min(2, round(total)))

    @cached_property
    def statements(self) -> dict[str, dict[str, re.Pattern[str] | None]]:
        return self._compiled("statements") if "statements" in self._raw else {}

    def statement_of(self, text: str, language: str) -> Statement:
        prepared = prepare(text)
        kinds = {kind: _for(by_lang, language) for kind, by_lang in self.statements.items()}
        negators = _for(self.valence["negators"], language)
        problems = count(kinds.get("unmet"), prepared)
        pattern = kinds.get("problem")
        if pattern is not None:
            for match in pattern.finditer(prepared):
                before = " ".join(prepared[: match.start()].split()[-_NEGATION_WORDS:])
                if negators is None or not negators.search(before):
                    problems += 1
        return Statement(
            problems,
            count(kinds.get("strain"), prepared),
            bool(count(kinds.get("contrast"), prepared)),
            bool(count(kinds.get("intention"), prepared)),
        )


class Statement(NamedTuple):
    """What a sentence states, read from the `statements` lexicon."""

    problems: int
    """Problems and unmet expectations stated (negated problem words not counted)."""
    strains: int
    """Repeated efforts and waiting ("déjà envoyées quatre fois", "again"): problems only where
    the rating says something went wrong."""
    contrast: bool
    """A contrast word ("mais", "but", "seul bémol"): praise, then the complaint."""
    intention: bool
    """An intention or a warning ("je ne commanderai plus", "avoid"): not a problem met."""


def _for(patterns: dict[str, re.Pattern[str] | None], language: str) -> re.Pattern[str] | None:
    return patterns.get(language) or patterns.get("en")
