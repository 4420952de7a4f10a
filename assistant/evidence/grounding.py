"""Align a claimed quote to its source text: offsets and how it was found. Pure functions.

Three passes, cheapest first:
1. exact — `str.find`, preferring the occurrence inside a hinted span (the cited segment);
2. normalized — both sides compared after folding representation differences: Unicode NFC vs NFD,
   case, typographic apostrophes and quotes (’ ‘ « » “ ”), dashes, ellipsis, zero-width characters
   and all whitespace (French puts a space before « ? ! : ; » that English does not);
3. fuzzy — rapidfuzz's best partial alignment on the normalized view, above a threshold.

Every pass maps its match back through an offset table to the ORIGINAL text, so the stored quote is
always `text[start:end]` and accents or combining marks never shift an offset.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from assistant.model import Alignment

FUZZY_THRESHOLD = 90.0
"""Minimum rapidfuzz partial-ratio (0–100) on the normalized view for a fuzzy match."""

_FOLD = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "‚": "'",
        "‛": "'",
        "ʼ": "'",
        "′": "'",
        "`": "'",
        "´": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‹": '"',
        "›": '"',
        "″": '"',
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "−": "-",
        "…": "...",
    }
)
_DROPPED = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


@lru_cache(maxsize=4096)
def _fold_cluster(cluster: str) -> str:
    """Normalized form of one base character and its combining marks ('' when it is dropped)."""
    if cluster.isspace() or cluster in _DROPPED:
        return ""
    return unicodedata.normalize("NFC", cluster).casefold().translate(_FOLD)


@dataclass(frozen=True)
class NormalizedView:
    """`text` folded for comparison, with, for each folded character, its span in the original."""

    text: str
    starts: np.ndarray[Any, np.dtype[np.int64]]
    ends: np.ndarray[Any, np.dtype[np.int64]]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the folded characters [start, end)."""
        return int(self.starts[start]), int(self.ends[end - 1])

    def folded_offset(self, original: int) -> int:
        """The first folded character at or after an original offset."""
        return int(np.searchsorted(self.starts, original))


class _FoldTable(dict[int, str]):
    """A `str.translate` table that folds each character on first sight (no combining marks)."""

    def __missing__(self, codepoint: int) -> str:
        folded = _fold_cluster(chr(codepoint))
        self[codepoint] = folded
        return folded


_TABLE = _FoldTable()


def _has_combining(text: str) -> bool:
    return any(unicodedata.combining(char) for char in set(text))


def normalize_view(text: str) -> NormalizedView:
    """Fold `text` (see module doc) keeping a map from every folded character to the original."""
    if _has_combining(text):
        return _normalize_clusters(text)
    # Fast path (almost every text): no combining marks, so each character folds on its own;
    # the per-character folded lengths come from the alphabet, vectorised over the codepoints.
    codepoints = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    alphabet, inverse = np.unique(codepoints, return_inverse=True)
    folded_lengths = np.array([len(_TABLE[int(c)]) for c in alphabet], dtype=np.int64)
    starts = np.repeat(np.arange(len(text), dtype=np.int64), folded_lengths[inverse])
    return NormalizedView(text.translate(_TABLE), starts, starts + 1)


def _normalize_clusters(text: str) -> NormalizedView:
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        folded = _fold_cluster(text[i:j])
        out.append(folded)
        starts.extend([i] * len(folded))
        ends.extend([j] * len(folded))
        i = j
    return NormalizedView(
        "".join(out), np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)
    )


def fold(text: str) -> str:
    """The normalized form alone (for comparing two strings)."""
    if not _has_combining(text):
        return text.translate(_TABLE)
    return "".join(_fold_cluster(cluster) for cluster in _clusters(text))


def _clusters(text: str) -> list[str]:
    clusters: list[str] = []
    for char in text:
        if clusters and unicodedata.combining(char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


@dataclass(frozen=True)
class Match:
    """Where a quote was found. `alignment` is None when it was not found; `reason` says why."""

    alignment: Alignment | None
    start: int = 0
    end: int = 0
    score: float = 0.0
    reason: str = ""

    @property
    def found(self) -> bool:
        return self.alignment is not None


@dataclass
class SourceText:
    """A source text with its normalized view built once, on first need (aligning many quotes)."""

    text: str
    _view: NormalizedView | None = field(default=None, repr=False)

    @property
    def view(self) -> NormalizedView:
        if self._view is None:
            self._view = normalize_view(self.text)
        return self._view

    def align(
        self,
        quote: str,
        hint: tuple[int, int] | None = None,
        threshold: float = FUZZY_THRESHOLD,
        fuzzy: bool = True,
    ) -> Match:
        return align(quote, self, hint=hint, threshold=threshold, fuzzy=fuzzy)


def align(
    quote: str,
    source: str | SourceText,
    *,
    hint: tuple[int, int] | None = None,
    threshold: float = FUZZY_THRESHOLD,
    fuzzy: bool = True,
) -> Match:
    """Find `quote` in `source`: exact, then normalized, then fuzzy (score ≥ `threshold`).

    `hint` is a (start, end) span where the quote is expected (its cited segment): among several
    occurrences, the one overlapping it wins. `fuzzy=False` stops after the normalized pass: the
    quote must be the text itself, up to representation (what "an exact quote" means).
    """
    src = source if isinstance(source, SourceText) else SourceText(source)
    text = src.text
    if not quote.strip():
        return Match(None, reason="the quote is empty")
    stripped = quote.strip()
    start = _find_near(text, stripped, hint)
    if start >= 0:
        return Match(Alignment.EXACT, start, start + len(stripped), 100.0)
    needle = fold(stripped)
    if not needle:
        return Match(None, reason="the quote has no comparable characters")
    view = src.view
    folded_hint = _fold_hint(view, hint)
    at = _find_near(view.text, needle, folded_hint)
    if at >= 0:
        begin, finish = view.to_original(at, at + len(needle))
        return Match(Alignment.NORMALIZED, begin, finish, 100.0)
    if not fuzzy:
        return Match(None, reason="the quote is not copied exactly from the text")
    return _fuzzy(text, view, needle, threshold)


def _find_near(haystack: str, needle: str, hint: tuple[int, int] | None) -> int:
    if hint is not None:
        lo = max(0, hint[0] - len(needle))
        at = haystack.find(needle, lo, hint[1] + len(needle))
        if at >= 0:
            return at
    return haystack.find(needle)


def _fold_hint(view: NormalizedView, hint: tuple[int, int] | None) -> tuple[int, int] | None:
    if hint is None or not len(view.starts):
        return None
    return view.folded_offset(hint[0]), view.folded_offset(hint[1])


def _fuzzy(text: str, view: NormalizedView, needle: str, threshold: float) -> Match:
    if len(needle) > len(view.text):
        return Match(None, reason="the quote is longer than the source")
    best = fuzz.partial_ratio_alignment(needle, view.text, score_cutoff=threshold)
    if best is None:
        score = fuzz.partial_ratio(needle, view.text)
        return Match(
            None,
            score=score,
            reason=f"no passage matches closely enough (best similarity {score:.0f} "
            f"< {threshold:.0f})",
        )
    begin, finish = view.to_original(best.dest_start, best.dest_end)
    begin, finish = _snap_to_words(text, begin, finish, needle[0].isalnum(), needle[-1].isalnum())
    if finish <= begin:
        return Match(None, score=best.score, reason="the closest passage is only punctuation")
    return Match(Alignment.FUZZY, begin, finish, best.score)


def _snap_to_words(
    text: str, start: int, end: int, trim_start: bool, trim_end: bool
) -> tuple[int, int]:
    """Widen a fuzzy span so it neither starts nor ends inside a word, and drop punctuation at
    its edges when the claimed quote has none there."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    while start < end and (text[start].isspace() or (trim_start and not text[start].isalnum())):
        start += 1
    while end > start and (text[end - 1].isspace() or (trim_end and not text[end - 1].isalnum())):
        end -= 1
    return start, end
