"""Cue lexicons (FR/EN) for the offline extractor, compiled from `data/cues.json`. Pure.

Pattern syntax: a lowercase word or phrase matched on word boundaries against lowercased text
whose typographic apostrophes became ' ; a trailing `*` means any word ending ("compar*").
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any

from assistant.model import Lane

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})


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


def _for(patterns: dict[str, re.Pattern[str] | None], language: str) -> re.Pattern[str] | None:
    return patterns.get(language) or patterns.get("en")
