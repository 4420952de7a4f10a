"""Names the context vouches for, beyond honorifics and relational cues (`names`).

- **mentions**: « merci à X », « d'après X », « j'ai eu X », « c'est X qui », "thanks to X",
  "according to X", "dealt with X", "it was X who". Shops and things are mentioned that way too
  (« merci à Decathlon », "it was Currys who…"), so a mention vouches only for a *known* name: a
  first name or a surname of the gazetteer (`lexicon`), capitalised, or a lower-case first name
  that is no word (« merci à julie »);
- **roles after the name**: « Sophie, du SAV », « Guillon, le livreur », "Fitzgerald from
  support", "Rhiannon, the store manager": a known name, or any capitalised word that neither
  opens the sentence nor follows a preposition (« à Bordeaux, le vendeur… » is a place);
- **acts**: a known surname followed by what people do, not shops (« Moreau m'a rappelée »,
  "Kowalski called me back"), at the start of a sentence too;
- **lower case**: a first name that is no word, after any cue (« ma conseillère nathalie », "a
  guy called marcus"), grown over a lower-case surname.

Brands stay brands: `names.PersonFinder` cuts kept names out of every detection made here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.redact.context import (
    _product_context,
    _sentence_initial,
    extend_name,
    rejected,
)
from ingest.redact.lexicon import (
    _ACTS_EN,
    _ACTS_FR,
    _COMMON_CAPS,
    _MENTION_EN,
    _MENTION_FR,
    _NAME_WORD,
    _NAME_WORD_RE,
    _PARTICLE,
    _PLACES,
    _ROLE_AFTER_EN,
    _ROLE_AFTER_FR,
    _SENTENCE_INITIAL_ONLY,
    _WHO_EN,
    _WHO_EN_AFTER,
    _WHO_FR,
    _WHO_FR_AFTER,
    first_names,
    lower_case_names,
    surnames,
)
from ingest.redact.rules import _L
from ingest.redact.spans import Detection
from ingest.redact.vault import PiiKind, fold

LOWER_WORD = rf"[{_L}]+(?:-[{_L}]+)*"
_CANDIDATE = rf"(?:(?P<name>{_NAME_WORD}|{_PARTICLE}\s?{_NAME_WORD})|(?P<low>{LOWER_WORD}))"
_LOWER_NEXT = re.compile(rf"[ \u00a0](?P<w>{LOWER_WORD})(?![\w'’-])")
_AFTER_PREPOSITION = re.compile(
    r"(?i:(?<!\w)(?:à|au|aux|en|chez|de|du|des|d['’]|sur|vers|par|pour|le|la|les|l['’]|un|une|"
    r"in|at|from|to|near|on|by|the|a|an|into)[ \u00a0]+)$"
)


@lru_cache(maxsize=2)
def _patterns(lang: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Mentions, « c'est X qui », roles after a name; and acts after a surname, per language."""
    fr = lang == "fr"
    mention = re.compile(rf"(?<!\w)(?i:{_MENTION_FR if fr else _MENTION_EN}){_CANDIDATE}")
    who = re.compile(rf"(?<!\w)(?i:{_WHO_FR if fr else _WHO_EN}){_CANDIDATE}")
    role = re.compile(_ROLE_AFTER_FR if fr else _ROLE_AFTER_EN)
    return mention, who, role


@lru_cache(maxsize=2)
def _acts(lang: str) -> re.Pattern[str]:
    return re.compile(_ACTS_FR if lang == "fr" else _ACTS_EN)


def acts(text: str, end: int, lang: str) -> bool:
    """Whether what follows `end` is what people do (« m'a rappelée », "called me back")."""
    return bool(_acts(lang).match(text, end))


def known_name(word: str) -> bool:
    """A first name (or a hyphenated one's first part) or a surname of the gazetteer."""
    folded = fold(word)
    names = first_names()
    return folded in names or fold(word.split("-")[0]) in names or folded in surnames()


def lower_name(word: str) -> bool:
    return fold(word) in lower_case_names()


def extend_lower(text: str, end: int) -> int:
    """Grow a lower-case first name over a lower-case surname (« léa moreau »)."""
    while m := _LOWER_NEXT.match(text, end):
        folded = fold(m.group("w"))
        if folded not in surnames() and folded not in lower_case_names():
            return end
        end = m.end("w")
    return end


def _after_preposition(text: str, start: int) -> bool:
    """« à Bordeaux », "from Argos", « le Bosch »: a place, a shop or a thing."""
    return bool(_AFTER_PREPOSITION.search(text[max(0, start - 12) : start]))


def _plain_word(text: str, start: int, word: str) -> bool:
    """Not a common capitalised word, a place, a product's name or an organisation's."""
    folded = fold(word)
    if folded in _COMMON_CAPS and folded not in _SENTENCE_INITIAL_ONLY:
        return False
    return folded not in _PLACES and not _product_context(text, start)


def find(text: str, lang: str) -> list[Detection]:
    """Every name these cues vouch for (`lang`: "fr" or "en"), overlaps included."""
    return [*_mentions(text, lang), *_roles(text, lang), *_surname_acts(text, lang)]


def _mentions(text: str, lang: str) -> list[Detection]:
    mention, who, _ = _patterns(lang)
    after = re.compile(_WHO_FR_AFTER if lang == "fr" else _WHO_EN_AFTER)
    out: list[Detection] = []
    for pattern, source in ((mention, "mentioned"), (who, "who")):
        for m in pattern.finditer(text):
            if m.group("low") is not None:
                start, end = m.start("low"), m.end("low")
                if not lower_name(m.group("low")):
                    continue
                end = extend_lower(text, end)
            else:
                start = m.start("name")
                last = _NAME_WORD_RE.findall(m.group("name"))[-1]
                end = extend_name(text, m.end("name"))
                if not known_name(last) and not known_name(text[start:end].split()[-1]):
                    continue
                if not _plain_word(text, start, last) or rejected(text[start:end]):
                    continue
            if source == "who" and not after.match(text, end):
                continue
            out.append(Detection(start, end, PiiKind.PERSON, source))
    return out


_BEFORE_ROLE = re.compile(
    rf"(?:(?P<first>{_NAME_WORD})[ \u00a0])?(?P<w>{_NAME_WORD}|{LOWER_WORD})$"
)


def _roles(text: str, lang: str) -> list[Detection]:
    _, _, role = _patterns(lang)
    out: list[Detection] = []
    for r in role.finditer(text):
        m = _BEFORE_ROLE.search(text, max(0, r.start() - 60), r.start())
        if not m or (m.start("w") > 0 and text[m.start("w") - 1] in "@_-'’"):
            continue
        word, start, end = m.group("w"), m.start("w"), m.end("w")
        if word[0].islower():
            if not lower_name(word):
                continue
        else:
            if not _plain_word(text, start, word):
                continue
            if _after_preposition(text, start) and fold(word) not in first_names():
                continue  # « à Bordeaux, la vendeuse… »: a place, a shop
            if not known_name(word) and _sentence_initial(text, start):
                continue
            first = m.group("first")
            if first and fold(first) in first_names():
                start = m.start("first")
            if rejected(text[start:end]):
                continue
        out.append(Detection(start, end, PiiKind.PERSON, "role"))
    return out


def _surname_acts(text: str, lang: str) -> list[Detection]:
    acts, known = _acts(lang), surnames()
    out: list[Detection] = []
    for m in _NAME_WORD_RE.finditer(text):
        folded = fold(m.group())
        if folded not in known:
            continue
        start = m.start()
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "@_-'’"):
            continue
        end = extend_name(text, m.end())
        if not acts.match(text, end) or not _plain_word(text, start, m.group()):
            continue
        if _after_preposition(text, start) or rejected(text[start:end]):
            continue
        out.append(Detection(start, end, PiiKind.PERSON, "acts"))
    return out
