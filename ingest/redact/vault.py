"""The placeholder vault: one number per person, e-mail, phone… across a whole workspace.

Identity (the vault key): e-mails by case-folded address, obfuscations undone (« lea [at] orange
[dot] fr » is lea@orange.fr); phones by digits, French numbers in national form (``+33 (0)6 12…``,
``0033 6…`` and ``06.12…`` are one number); IBANs and cards by their compact form; addresses and
names case-, accent-, hyphen- and space-insensitively, with honorifics and greetings stripped (« Mme
Dupont » is « Dupont », « Bonjour Léa » is « Léa »). A full name and a single name are linked when
unambiguous: « Léa » then « Léa Martin » share a number (the full name adopts the bare name when its
first or last word is a bare entry no other full name claimed), and « Léa » after « Léa Martin »
reuses Léa Martin's number when exactly one full name in the vault starts or ends with « Léa »; with
both « Léa Martin » and « Léa Dubois » known, a bare « Léa » gets its own number. The vault is
personal data: it stays in the workspace and is never embedded or sent to a model.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class PiiKind(StrEnum):
    PERSON = "person"
    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"
    IBAN = "iban"
    CARD = "card"


LABELS: dict[str, dict[PiiKind, str]] = {
    "fr": {
        PiiKind.PERSON: "PERSONNE",
        PiiKind.EMAIL: "EMAIL",
        PiiKind.PHONE: "TELEPHONE",
        PiiKind.ADDRESS: "ADRESSE",
        PiiKind.IBAN: "IBAN",
        PiiKind.CARD: "CARTE",
    },
    "en": {
        PiiKind.PERSON: "PERSON",
        PiiKind.EMAIL: "EMAIL",
        PiiKind.PHONE: "PHONE",
        PiiKind.ADDRESS: "ADDRESS",
        PiiKind.IBAN: "IBAN",
        PiiKind.CARD: "CARD",
    },
}

# Overlaps: the more specific pattern wins (an IBAN contains card-like and phone-like digits; an
# address may contain a name, « 12 rue Victor Hugo »).


class VaultEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: PiiKind
    number: int = Field(ge=1)
    keys: list[str]  # normalised identities (a name may have several: « lea », « lea martin »)
    full: bool = False  # a name of two words or more
    first_seen: str  # surface form, for the analyst; the vault is PII and stays in the workspace


class PlaceholderVault(BaseModel):
    """Workspace-wide mapping value → number, per kind. JSON round-trips with
    ``vault.model_dump_json()`` / ``PlaceholderVault.model_validate_json(text)``."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    entries: list[VaultEntry] = Field(default_factory=list)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> PlaceholderVault:
        return cls.model_validate_json(text)

    def number_for(self, kind: PiiKind, value: str) -> int:
        """The number of this value, creating an entry the first time it is seen."""
        key = normalise(kind, value)
        for entry in self.entries:
            if entry.kind == kind and key in entry.keys:
                return entry.number
        if kind == PiiKind.PERSON:
            linked = self._link_name(key)
            if linked is not None:
                linked.keys.append(key)
                if " " in key:
                    linked.full = True
                return linked.number
        number = 1 + max((e.number for e in self.entries if e.kind == kind), default=0)
        self.entries.append(
            VaultEntry(kind=kind, number=number, keys=[key], full=" " in key, first_seen=value)
        )
        return number

    def _link_name(self, key: str) -> VaultEntry | None:
        people = [e for e in self.entries if e.kind == PiiKind.PERSON]
        words = key.split()
        if len(words) >= 2:
            for word in (words[0], words[-1]):
                for entry in people:
                    if not entry.full and word in entry.keys:
                        return entry
            return None
        matches = [
            e
            for e in people
            if e.full and any(k.split()[0] == key or k.split()[-1] == key for k in e.keys)
        ]
        return matches[0] if len(matches) == 1 else None

    def placeholder(self, kind: PiiKind, value: str, language: str) -> str:
        labels = LABELS["fr" if language == "fr" else "en"]
        return f"[{labels[kind]}_{self.number_for(kind, value)}]"


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(word: str) -> str:
    return strip_accents(word).casefold()


HONORIFIC_PREFIX = re.compile(
    r"^(?:m\.|mme|mlle|madame|monsieur|mademoiselle|dr\.?|docteure?|pr\.?|professeur|maitre|mr\.?|"
    r"mrs\.?|ms\.?|miss|mx\.?|prof\.?|sir|dame|lady|lord|doctor|professor|mister)\s+"
)


# « Bonjour Léa » is Léa: a greeting glued to a name never makes a second person.
GREETING_PREFIX = re.compile(
    r"^(?:(?:bonjour|bonsoir|salut|coucou|merci|hello|hi|hey|dear|cher|chere|thanks)[\s,!]+)+(?=\w)"
)


def normalise(kind: PiiKind, value: str) -> str:
    """The identity of a value in the vault."""
    if kind == PiiKind.EMAIL:
        return _email_key(value)
    if kind == PiiKind.PHONE:
        return _phone_key(value)
    if kind in (PiiKind.IBAN, PiiKind.CARD):
        return re.sub(r"[\s-]", "", value).upper()
    text = strip_accents(value).casefold()
    if kind == PiiKind.PERSON:
        text = GREETING_PREFIX.sub("", HONORIFIC_PREFIX.sub("", text))
        text = re.sub(r"[-‐‑'’.]", " ", text)
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


_EMAIL_AT = re.compile(r"\s*[\[({<]\s*(?:at|@|arobase)\s*[\])}>]\s*|\s+(?:at|arobase)\s+|\s?@\s?")
_EMAIL_DOT = re.compile(r"\s*[\[({<]\s*(?:dot|point|\.)\s*[\])}>]\s*|\s+(?:dot|point)\s+")


def _email_key(value: str) -> str:
    """« lea [at] orange [dot] fr », "lea at orange dot fr" and lea@orange.fr are one address."""
    text = value.strip().casefold()
    return _EMAIL_DOT.sub(".", _EMAIL_AT.sub("@", text, count=1))


def _phone_key(value: str) -> str:
    digits = re.sub(r"\D", "", re.sub(r"\(0\)", "", value))
    plus = value.lstrip().startswith("+")
    if not plus and digits.startswith("00"):
        digits, plus = digits[2:], True
    if plus and digits.startswith("33"):
        return "0" + digits[2:]
    return ("+" if plus else "") + digits
