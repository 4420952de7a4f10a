"""The machinery of the offline command grammar: normalising a message, matching the rule tables
(`en`, `fr` beside this module), and the small lexicons they share. Pure.

Rules are regular expressions written WITHOUT accents and matched, case-insensitively and whole,
against an accent-less copy of the message of the same length ("déplace" and "deplace" both match
`deplace`); the groups are then cut from the original, so names and quotes keep their accents.
Typographic quotes (« », “ ”) become straight double quotes and ’ an apostrophe first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from assistant.editing.operations import key
from assistant.model import ItemStatus, MomentKind, SourceKind

Language = Literal["en", "fr"]

ITEM = r'(?:"[^"]+"|[\w-]+)'
"""An item reference: its id, or the beginning of its text in double quotes."""
ITEMS = r"(?:ITEM)(?:(?:\s*,\s*|\s+(?:and|et|&)\s+|\s+)(?:ITEM))*?"
"""Several, separated by commas, "and", "et" or spaces (lazy: what follows the list wins)."""

READ_INTENTS = frozenset({"help", "show_map", "list_stages", "list_items", "explain", "search"})
CONTROL_INTENTS = frozenset({"undo", "redo"})


@dataclass(frozen=True)
class Rule:
    intent: str
    pattern: re.Pattern[str]


def compile_rules(table: list[tuple[str, str]]) -> tuple[Rule, ...]:
    """Compile a table of (intent, pattern); `ITEM` in a pattern stands for an item reference,
    `ITEMS` for a list of them."""
    return tuple(Rule(intent, regex(pattern)) for intent, pattern in table)


def _expand(pattern: str) -> str:
    return pattern.replace("ITEMS", ITEMS).replace("ITEM", ITEM)


def regex(pattern: str) -> re.Pattern[str]:
    """`pattern` compiled case-insensitively, with `ITEM` and `ITEMS` expanded."""
    return re.compile(_expand(pattern), re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    """One command of a message, as a rule read it."""

    intent: str
    language: Language
    groups: dict[str, str | None]
    text: str


def normalize(message: str) -> str:
    """Straight quotes and apostrophes, one space between words, no closing full stop."""
    text = message.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"«\s*", '"', text)
    text = re.sub(r"\s*»", '"', text)
    text = " ".join(text.split())
    return text.rstrip(" .!")


def plain(text: str) -> str:
    """`text` without accents, character for character (same length, same offsets)."""
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        if len(decomposed) > 1 and all(unicodedata.combining(c) for c in decomposed[1:]):
            char = decomposed[0]
        out.append(char)
    return "".join(out)


def fullmatch(pattern: re.Pattern[str], text: str) -> dict[str, str | None] | None:
    """The groups of `pattern` matched whole against `text`'s accent-less copy, cut from `text`."""
    found = pattern.fullmatch(plain(text))
    return None if found is None else _groups(found, text)


def search_all(pattern: re.Pattern[str], text: str) -> Iterator[dict[str, str | None]]:
    for found in pattern.finditer(plain(text)):
        yield _groups(found, text)


def _groups(found: re.Match[str], text: str) -> dict[str, str | None]:
    return {
        name: (text[found.start(name) : found.end(name)] if found.start(name) >= 0 else None)
        for name in found.re.groupindex
    }


def match(text: str, tables: dict[Language, tuple[Rule, ...]], first: Language) -> Command | None:
    """The first rule matching `text`, trying the `first` language's table first."""
    for language in sorted(tables, key=lambda lang: lang != first):
        for rule in tables[language]:
            groups = fullmatch(rule.pattern, text)
            if groups is not None:
                return Command(rule.intent, language, groups, text)
    return None


def split_commands(message: str) -> list[str]:
    """Commands separated by new lines or semicolons outside double quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in message:
        if char in "«“" or char in "»”":
            quoted = char in "«“"
        elif char == '"':
            quoted = not quoted
        if char in ";\n" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [normalize(part) for part in parts if normalize(part)]


_FRENCH = frozenset(
    """le la les un une des du de et est je tu il elle dans pour sur avec vers apres avant
    etape etapes element elements carte citation citations ajoute supprime deplace fusionne
    renomme cherche explique montre liste annule retablis valide rejette marque aide modifie
    scinde rattache ajoute""".split()
)
_ENGLISH = frozenset(
    """the a an and is to of in on for with into after before stage stages item items map quote
    add delete move merge rename search explain show list undo redo accept reject mark help
    what how update edit set change split attach detach""".split()
)


def guess_language(message: str, default: Language) -> Language:
    """French or English from the message's words (accents count for French); else `default`."""
    words = re.findall(r"[a-z']+", plain(message).casefold())
    french = sum(w in _FRENCH for w in words) + (2 if plain(message) != message else 0)
    english = sum(w in _ENGLISH for w in words)
    if french == english:
        return default
    return "fr" if french > english else "en"


def numbers_in(text: str) -> list[int]:
    """ "1, 3", "1 3", "2-4" → [1, 3], [1, 3], [2, 3, 4] (each once, in order)."""
    numbers: list[int] = []
    for low, high in re.findall(r"(\d+)(?:\s*-\s*(\d+))?", text):
        numbers += range(int(low), int(high or low) + 1)
    return list(dict.fromkeys(numbers))


def unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].strip()
    return text


# -- lexicons (compared with `key`: case, accents and punctuation ignored) -----------------------
STATUS_WORDS: dict[str, ItemStatus] = {
    key(word): status
    for status, spelled in (
        (
            ItemStatus.ACCEPTED,
            "accept approve validate confirm keep accepted approved validated "
            "valide accepte approuve garde confirme acceptee validee",
        ),
        (
            ItemStatus.REJECTED,
            "reject refuse dismiss rejected refused dismissed rejette ecarte "
            "rejete rejetee refusee",
        ),
        (
            ItemStatus.PROPOSED,
            "reopen unaccept unreject reset proposed rouvre reouvre remets propose proposee",
        ),
    )
    for word in spelled.split()
}
MOMENT_WORDS: dict[str, MomentKind] = {key(kind.value): kind for kind in MomentKind}
KIND_WORDS: dict[str, SourceKind] = {
    key(word): kind
    for kind, spelled in (
        (SourceKind.REVIEW, "review reviews avis"),
        (SourceKind.INTERVIEW, "interview interviews entretien entretiens"),
        (SourceKind.SURVEY, "survey surveys enquete enquetes questionnaire questionnaires"),
    )
    for word in spelled.split()
}
FILLER_WORDS = frozenset(
    key(word)
    for word in "and et & + the le la les l' item items element elements élément éléments "
    "un une des du de".split()
)
BULK_WORDS = frozenset(key(w) for w in "all every everything tous toutes tout chaque".split())
