"""Names that are evidence, not people: brands, shops, products, apps, channels and loanwords.

The gazetteer ships as data, ``data/keep_names.json`` (brands and channels by sector, and the
English loanwords of French shopping talk: « le Black Friday », « un live », « le drive »); a
workspace extends it with ``<workspace>/keep-names.txt``, one name per line, ``#`` for comments
(`read_keep_names`). `KeepList` finds them in a text, case-, accent- and hyphen-insensitively on
word boundaries, and the name detectors drop the person detections they cover.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ingest.redact.vault import fold

KEEP_NAMES_FILE = "keep-names.txt"
"""The workspace's own keep list, next to its vault: ``<workspace>/keep-names.txt``."""

_WORD = re.compile(r"\w+")
_JOINER = re.compile(r"[^\w\n]{1,3}")  # between two words of a name: « Leroy-Merlin », "H&M"


class KeptKind(StrEnum):
    BRAND = "brand"  # a brand, shop, app or channel (the bundled list or the workspace's)
    LOANWORD = "loanword"  # « le Black Friday », « un live »: a word, never a surname


@dataclass(frozen=True, slots=True)
class Kept:
    """text[start:end] names a kept entry of `words` words."""

    start: int
    end: int
    words: int
    kind: KeptKind
    folded: str


@lru_cache(maxsize=1)
def _bundled() -> dict[str, Any]:
    data = resources.files("ingest.redact").joinpath("data/keep_names.json").read_text("utf-8")
    raw: dict[str, Any] = json.loads(data)
    return raw


def bundled_brands() -> tuple[str, ...]:
    """Brands, shops, apps and channels of the bundled gazetteer, every sector."""
    sectors: dict[str, list[str]] = _bundled()["brands"]
    return tuple(name for names in sectors.values() for name in names)


def bundled_loanwords() -> tuple[str, ...]:
    return tuple(_bundled()["loanwords"])


def read_keep_names(workspace: Path | str) -> tuple[str, ...]:
    """The names of ``<workspace>/keep-names.txt`` (or of that file, given its path): one a line,
    blank lines and ``#`` comments skipped; none when the file does not exist."""
    path = Path(workspace)
    if path.is_dir() or not path.suffix:
        path = path / KEEP_NAMES_FILE
    if not path.is_file():
        return ()
    names = (line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines())
    return tuple(name for name in names if name)


def fold_keep_length(text: str) -> str:
    """Case- and accent-folded text with the same length (one character for one)."""
    if text.isascii():
        return text.lower()
    return "".join(map(_fold_char, text))


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    folded = fold(char)
    return folded if len(folded) == 1 else char.lower()


class KeepList:
    """Finds kept names in a text: the longest entry wins where entries overlap."""

    def __init__(self, brands: Iterable[str], loanwords: Iterable[str] = ()) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], KeptKind]]] = {}
        seen: set[tuple[str, ...]] = set()
        for kind, names in ((KeptKind.BRAND, brands), (KeptKind.LOANWORD, loanwords)):
            for name in names:
                words = tuple(_WORD.findall(fold_keep_length(name)))
                if not words or words in seen:
                    continue
                seen.add(words)
                self._by_first.setdefault(words[0], []).append((words, kind))
        for entries in self._by_first.values():
            entries.sort(key=lambda entry: -len(entry[0]))

    def __contains__(self, name: str) -> bool:
        words = tuple(_WORD.findall(fold_keep_length(name)))
        return bool(words) and any(e == words for e, _ in self._by_first.get(words[0], ()))

    def find(self, text: str) -> list[Kept]:
        folded = fold_keep_length(text)
        tokens = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(folded)]
        out: list[Kept] = []
        i = 0
        while i < len(tokens):
            match = self._match_at(folded, tokens, i)
            if match is None:
                i += 1
                continue
            length, kind = match
            start, end = tokens[i][0], tokens[i + length - 1][1]
            out.append(Kept(start, end, length, kind, " ".join(t[2] for t in tokens[i:][:length])))
            i += length
        return out

    def _match_at(
        self, folded: str, tokens: list[tuple[int, int, str]], i: int
    ) -> tuple[int, KeptKind] | None:
        for words, kind in self._by_first.get(tokens[i][2], ()):
            if i + len(words) > len(tokens):
                continue
            if all(tokens[i + j][2] == w for j, w in enumerate(words)) and all(
                _JOINER.fullmatch(folded[tokens[i + j - 1][1] : tokens[i + j][0]])
                for j in range(1, len(words))
            ):
                return len(words), kind
        return None
