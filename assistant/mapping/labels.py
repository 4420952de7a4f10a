"""A finding's label, offline: the key clause of its most central claim, cleaned of speech.

Extractive by design (no model): the clause of the representative claim that shares the most
rare words with the other members (what makes them one finding), or, for a finding of one
claim, its clause richest in rare words; spoken fillers ("euh", "bah", "you know"), openers
("alors", "par contre", "so") and framing ("je trouve que", "I think") are dropped, the first
letter capitalised, the final full stop removed, at most LABEL_MAX characters cut at a word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.mapping.findings import KeywordSpace, keywords

LABEL_MAX = 80
MIN_CLAUSE_WORDS = 4
KEY_SHARE = 0.8

_CLAUSE_BREAK = re.compile(
    r"\s*(?:[;:—–]|,\s+|\.\.\.|…|\s-\s|"
    r"\b(?:mais|parce que|parce qu'|car|sauf que|alors que|et puis|du coup|because|but|so that|"
    r"although|whereas|and then)\b)\s*",
    re.IGNORECASE,
)
_SPOKEN = re.compile(
    r"[,\s]*\b(?:euh+|heu+|bah|ben|hein|genre|tu vois|vous voyez|you know|i mean|um+|uh+|"
    r"erm|sort of|kind of)\b[\s,]*|,\s*(?:like|quoi)\b[\s,]*",
    re.IGNORECASE,
)
_OPENER = re.compile(
    r"^(?:(?:alors|donc|bon|bref|enfin|voilà|et|mais|puis|ensuite|après|là|oui|non|ouais|"
    r"honnêtement|franchement|sérieusement|par contre|en fait|du coup|en plus|surtout|"
    r"deuxièmement|premièrement|so|and|but|well|yeah|yes|no|honestly|actually|then|also|"
    r"okay|ok|anyway)\b[\s,]*)+",
    re.IGNORECASE,
)
_FRAMING = re.compile(
    r"^(?:je (?:trouve|pense|crois|dirais|me dis|me suis dit|sais) (?:que |qu'|qu’)|"
    r"j'ai (?:l'impression|trouvé) (?:que |qu'|qu’)|j’ai (?:l’impression|trouvé) (?:que |qu’)|"
    r"i (?:think|guess|feel like|felt like|found that|thought|reckon|suppose) (?:that )?|"
    r"to be honest,? )",
    re.IGNORECASE,
)


def clauses(sentence: str) -> list[str]:
    parts = [part.strip(" ,.;:!?-") for part in _CLAUSE_BREAK.split(sentence)]
    return [part for part in parts if part]


def spans(sentence: str) -> list[str]:
    """Every run of consecutive clauses, as written (its inner punctuation kept)."""
    bounds = []
    position = 0
    for match in _CLAUSE_BREAK.finditer(sentence):
        if match.start() > position:
            bounds.append((position, match.start()))
        position = match.end()
    if position < len(sentence):
        bounds.append((position, len(sentence)))
    return [
        sentence[bounds[i][0] : bounds[j][1]].strip(" ,.;:!-")  # a question keeps its "?"
        for i in range(len(bounds))
        for j in range(i, len(bounds))
    ]


def clean(text: str) -> str:
    """Speech tidied into a label: fillers, openers and framing out, capitalised, no final stop."""
    text = _SPOKEN.sub(" ", text)
    previous = None
    while previous != text:
        previous = text
        text = _FRAMING.sub("", _OPENER.sub("", text.strip(" ,.;:!-…"))).strip()
    text = _TRAILER.sub("", re.sub(r"\s{2,}", " ", text).strip(" ,;:-–—.!…"))
    text = text.rstrip(".!…").rstrip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    if len(text) > LABEL_MAX:
        cut = text[: LABEL_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,;:'’")
        text = cut + "…"
    return text


def _weight(text: str, space: KeywordSpace, shared: set[str] | None) -> float:
    words = set(keywords(text))
    if shared is not None:
        words &= shared
    return sum(space.idf.get(word, 0.0) for word in words)


_TRAILER = re.compile(
    r"[,\s]+(?:honnêtement|franchement|en fait|quoi|hein|voilà|honestly|actually|really|"
    r"you know|i guess)\s*$",
    re.IGNORECASE,
)
_ASIDE = re.compile(
    r"\s*\((?:rires?|laughs?|sourire|smiles?|pause|silence|sic|inaudible)[^)]{0,20}\)"
)


def finding_label(
    head: str, others: Sequence[str], space: KeywordSpace, quotes: Sequence[str]
) -> str:
    """The label of a finding whose most central claim says `head`, the others `others`."""
    head = _ASIDE.sub("", head)
    shared: set[str] | None = None
    if others:
        counts: dict[str, int] = {}
        for text in others:
            for word in set(keywords(text)):
                counts[word] = counts.get(word, 0) + 1
        shared = set(counts)
    candidates = [
        span
        for span in spans(head)
        if len(span.split()) >= MIN_CLAUSE_WORDS and len(clean(span)) <= LABEL_MAX
    ] or [head]

    # The key clause: the shortest run of clauses carrying most (80 %) of what the members
    # share (for a finding of one claim, of its rarest words).
    def weight(span: str) -> float:
        return _weight(span, space, shared) if shared else _weight(span, space, None)

    top = max(weight(span) for span in candidates)
    enough = [span for span in candidates if weight(span) >= KEY_SHARE * top - 1e-9]
    best = min(enough, key=lambda span: (len(span), candidates.index(span)))
    label = clean(best) or clean(head) or head.strip()
    return _unlike_quotes(label, quotes)


def _unlike_quotes(label: str, quotes: Sequence[str]) -> str:
    """A label is never character for character one of its quotes (it would pass for one, and a
    reader could not tell the researcher's words from the participant's): the rare quote with no
    final stop and nothing to clean gives a label without its last word."""
    if label not in {quote.strip() for quote in quotes}:
        return label
    words = label.rstrip("…").split()
    return " ".join(words[:-1]) + "…" if len(words) > 2 else label + " (…)"
