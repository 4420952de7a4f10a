"""What surrounds a word tells a person from a product, a shop or a sentence's first word.

Shared by the name detectors (`names`, `cues`): where a sentence starts, a speaker label, a verb
after a subject, a product or shop context before a name, an organisation's head or tail word, and
the growth of a name over its surname (« Léa Martin », « Jean-Baptiste de La Fontaine »).
"""

from __future__ import annotations

import re

from ingest.redact.lexicon import (
    _COLOUR_HEADS,
    _COMMON_CAPS,
    _INITIAL,
    _NAME_WORD,
    _ORG_HEADS,
    _ORG_TAILS,
    _PARTICLE,
    _PLACES,
    _SENTENCE_INITIAL_ONLY,
    LOANWORDS,
)
from ingest.redact.rules import _L, _U
from ingest.redact.vault import fold

LOANWORDS_FOLDED = frozenset(fold(w) for w in LOANWORDS)


def extend_name(text: str, end: int) -> int:
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
            or folded in LOANWORDS_FOLDED
            or folded in _ORG_TAILS
            or folded in _PLACES
            or text[m.end() : m.end() + 1] in ("@",)
        ):
            return end
        end = m.end()


def rejected(surface: str) -> bool:
    """An organisation or a common word, not a person (brands: `_protect`)."""
    words = [fold(w) for w in re.split(r"[\s]+", surface) if w]
    if not words:
        return True
    if words[0] in _ORG_HEADS or (words[-1] in _ORG_TAILS and len(words) > 1):
        return True
    if words[0] in _COLOUR_HEADS and len(words) > 1:
        return True
    return all(w in _COMMON_CAPS and w not in _SENTENCE_INITIAL_ONLY for w in words)


def _sentence_initial(text: str, start: int) -> bool:
    """At the start of a sentence, a quotation (« Ondine », "Lovely app…") or a field of a table
    (``5;Parfait``, ``3,"Handy app``)."""
    raw = text[max(0, start - 4) : start]
    if raw[-1:] in (",", ";", "|", "\t"):
        return True
    before = raw.rstrip(" \u00a0\t*«“\"'(")
    if before != raw.rstrip(" \u00a0") and raw.rstrip(" \u00a0")[-1:] in ("«", "“", '"'):
        return True
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
    r"appli|application|app|site|enseigne|boutique|magasin|abonnement|offre|programme|montre|"
    r"robot|store|shop|website|membership|plan|offer|scheme|watch|"
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
