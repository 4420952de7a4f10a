"""Patterns for the structured kinds: e-mail (plain or obfuscated), phone (FR, UK, US, +CC),
postal address, IBAN (mod-97), card (card-like groupings whatever the Luhn check, or Luhn).

Borderline cases, decided:
- cards: 13–19 digits grouped as cards are printed (4-4-4-4, 4-6-5, 4-6-4, 4-4-4-1…, one separator
  throughout) are cards whatever the Luhn check says: a typo or a test number is still a card to a
  reader. An ungrouped run is a card when Luhn-valid, or when it has sixteen digits (fifteen
  opening 34/37) opening like a card network's: a 13-digit order or parcel number stays.
- phones: every full-length grouping (French 2-2-2-2-2, 4-3-3 freephone and premium numbers,
  « 0 800 123 456 »; UK 11 digits; US 10 digits; ``+CC`` or ``00CC``, parentheses included), also
  a company's line: we cannot tell it from a person's. Short service numbers (« le 3639 », « le 39
  49 ») are an organisation's, never a person's, and stay: they are touchpoint evidence. A number
  right after an order, invoice, parcel or ticket cue (« commande n° 0612345678 ») is a reference,
  not a phone; prices (« 1 290 euros ») and dates (« 2024-03-12 », « 01.02.2024 12:30 ») are not.
- e-mails: bracketed obfuscations (« [at] », "(dot)", « {at} ») and « arobase … point » always;
  a bare "name at example dot com" only when clearly an address (`_clear_bare_email`).
- IBANs still need their mod-97 checksum (a bad one is also not cut into a card).

Also the character classes the name patterns share (upper- and lower-case letters with accents).
"""

from __future__ import annotations

import re

from stdnum import iban as stdnum_iban
from stdnum import luhn

from ingest.redact.spans import Detection
from ingest.redact.vault import PiiKind

_U = "A-ZÀ-ÖØ-ÞŒ"
_L = "a-zß-öø-ÿœ"
_B = r"(?<![\w@.+-])"  # left boundary for numbers and addresses
_E = r"(?![\w@])"

EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)

# Obfuscated e-mails: « prenom [at] domaine [dot] fr », "name (at) example (dot) com",
# « marc arobase exemple point fr »; bare "name at example dot com" only when clearly an address
# (see `_clear_bare_email`). Top-level domains are listed, so that "me at jo.walker" is no address.
_LOCAL = r"[A-Za-z0-9][A-Za-z0-9._%+-]*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_TLD = (
    r"(?i:com|fr|org|net|io|eu|be|ch|de|uk|us|ca|es|it|nl|pt|lu|info|biz|me|co|app|dev|gouv|"
    r"edu|gov|ie|au|nz|in)"
)
_OPEN, _CLOSE = r"[\[({<]", r"[\])}>]"
_AT_BRACKETED = rf"\s*{_OPEN}\s*(?i:at|@|arobase)\s*{_CLOSE}\s*"
_DOT_BRACKETED = rf"\s*{_OPEN}\s*(?i:dot|point|\.)\s*{_CLOSE}\s*"
_DOT_ANY = rf"(?:{_DOT_BRACKETED}|\.|\s+(?:dot|DOT|point)\s+)"
_DOMAIN = rf"{_LABEL}(?:{_DOT_ANY}{_LABEL})*{_DOT_ANY}{_TLD}(?![\w-])"
OBFUSCATED_EMAIL_RES = [
    re.compile(rf"(?<![\w.+-]){_LOCAL}(?:{_AT_BRACKETED}|\s+(?i:arobase)\s+|\s?@\s?){_DOMAIN}"),
]
BARE_EMAIL_RE = re.compile(rf"(?<![\w.+-])(?P<local>{_LOCAL})\s+(?:at|AT)\s+(?P<domain>{_DOMAIN})")
_MAIL_CUE = re.compile(
    r"(?i)(?:e-?mail|mail|courriel|adresse|address|write|écri|contact|joindre|reach)"
)
_MAIL_PROVIDERS = frozenset(
    "gmail googlemail outlook hotmail live msn yahoo icloud me aol proton protonmail gmx orange "
    "wanadoo free sfr laposte neuf bbox numericable".split()
)

_S = r"[ .\u00a0\u202f-]"  # one separator between digit groups
_NB = r"(?<![\w@.+-])(?<!\d[ .\u00a0\u202f-])"  # not inside a longer number or word
_NE = r"(?![\w@]|[.,:]\d|[ .\u00a0\u202f-]\d)"  # not followed by more digits
PHONE_RES = [
    # French national, ten digits: 06 12 34 56 78 (any of ' .-' or none), 0800 123 456,
    # 0 800 123 456, 0 800 12 34 56, 0800 12 34 56, 06 12 345 678
    re.compile(
        rf"{_NB}0(?:[1-9](?:{_S}?\d{{2}}){{4}}|[1-9]\d{{2}}{_S}\d{{3}}{_S}\d{{3}}|"
        rf"{_S}[1-9]\d{{2}}{_S}\d{{3}}{_S}\d{{3}}|{_S}?[1-9]\d{{2}}(?:{_S}\d{{2}}){{3}}|"
        rf"[1-9]{_S}\d{{2}}{_S}\d{{3}}{_S}\d{{3}}){_NE}"
    ),
    # +33 6 12 34 56 78, +33 (0)6 12…, 0033 6…, +33612345678, (+33) 6…, +33 800 123 456
    re.compile(
        rf"(?<![\w+])(?:\+33|\(\+33\)|0033){_S}?(?:\(0\){_S}?)?"
        rf"(?:[1-9](?:{_S}?\d{{2}}){{4}}|[1-9]\d{{2}}{_S}\d{{3}}{_S}\d{{3}}){_NE}"
    ),
    # international: +44 20 7946 0958, +1 (415) 555-0132, +49 30 1234567, 0044 20…, (+32) 2…
    re.compile(
        rf"(?<![\w+(])(?:\+[1-9]\d{{0,2}}|\(\+[1-9]\d{{0,2}}\)|00[1-9]\d{{0,2}})"
        rf"(?:{_S}?(?:\(\d{{1,4}}\)|\d{{1,5}})){{2,6}}{_NE}"
    ),
    # North America: (415) 555-0132, 415-555-0132, 415.555.0132, 415 555 0132, 1-800-555-0199
    re.compile(
        rf"(?<![\w(+-])(?<!\d[ .-])(?:1{_S})?(?:\([2-9]\d{{2}}\){_S}?|[2-9]\d{{2}}{_S})"
        rf"\d{{3}}{_S}\d{{4}}{_NE}"
    ),
    # UK national, eleven digits: 020 7946 0958, 0161 496 0018, 07700 900123, 01632 960 001,
    # 0800 123 4567, (020) 7946 0958, 07700900123
    re.compile(
        rf"{_NB}(?:0\d{{2}}{_S}\d{{4}}{_S}\d{{4}}|0\d{{3}}{_S}\d{{3}}{_S}\d{{4}}|"
        rf"0\d{{4}}{_S}\d{{6}}|0\d{{4}}{_S}\d{{3}}{_S}\d{{3}}|0[1-9]\d{{9}}|"
        rf"\(0\d{{2}}\){_S}?\d{{4}}{_S}\d{{4}}|\(0\d{{3}}\){_S}?\d{{3}}{_S}\d{{4}}|"
        rf"\(0\d{{4}}\){_S}?\d{{6}}|\(0\d{{4}}\){_S}?\d{{3}}{_S}\d{{3}}){_NE}"
    ),
]
# A number right after one of these is a reference, not a phone: « commande n° 0612345678 ».
_REFERENCE_CUE = re.compile(
    r"(?i)(?:commande|order|facture|invoice|suivi|tracking|colis|parcel|ticket|dossier|"
    r"r[ée]f[ée]rence|r[ée]f\.?|sku|transaction|contrat|contract)"
    r"\s*(?:n[°º]|no\.?|num(?:[ée]ro|ber)?|#|:)?\s*[:#]?\s*$"
)

IBAN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,8}(?![A-Za-z0-9])")
# Card numbers grouped as cards are printed (4-4-4-4[-1..3], 4-6-5 or 4-6-4, 4-4-4-1..3), with
# one separator throughout: a card to a reader whatever the Luhn check says (a typo, a test card).
_CS = r"[ \u00a0.-]"
CARD_GROUPED_RE = re.compile(
    rf"(?<![\w.,+-])(?<!\d{_CS})(?:\d{{4}}(?P<a>{_CS})\d{{4}}(?P=a)\d{{4}}(?P=a)\d{{1,4}}"
    rf"(?:(?P=a)\d{{1,3}})?|\d{{4}}(?P<b>{_CS})\d{{6}}(?P=b)\d{{4,5}})(?![\w]|[.,]\d|{_CS}\d)"
)
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


def find_structured(text: str) -> list[Detection]:
    """E-mails (plain and obfuscated), phones, addresses, IBANs (mod-97), cards (card-like
    groupings, or a Luhn-valid run), overlaps included."""
    out: list[Detection] = []
    for m in IBAN_RE.finditer(text):
        if stdnum_iban.is_valid(m.group()):
            out.append(Detection(m.start(), m.end(), PiiKind.IBAN, "iban"))
    for m in CARD_GROUPED_RE.finditer(text):
        out.append(Detection(m.start(), m.end(), PiiKind.CARD, "card"))
    for m in CARD_RE.finditer(text):
        if _card_run(m.group()):
            out.append(Detection(m.start(), m.end(), PiiKind.CARD, "card"))
    for m in EMAIL_RE.finditer(text):
        out.append(Detection(m.start(), m.end(), PiiKind.EMAIL, "email"))
    for pattern in OBFUSCATED_EMAIL_RES:
        for m in pattern.finditer(text):
            out.append(Detection(m.start(), m.end(), PiiKind.EMAIL, "email-obfuscated"))
    for m in BARE_EMAIL_RE.finditer(text):
        if _clear_bare_email(text, m):
            out.append(Detection(m.start(), m.end(), PiiKind.EMAIL, "email-obfuscated"))
    for pattern in PHONE_RES:
        for m in pattern.finditer(text):
            digits = re.sub(r"\D", "", m.group())
            if (
                8 <= len(digits) <= 15
                and not _looks_like_price(text, m.end())
                and not _REFERENCE_CUE.search(text[max(0, m.start() - 40) : m.start()])
            ):
                out.append(Detection(m.start(), m.end(), PiiKind.PHONE, "phone"))
    for pattern in (*ADDRESS_FR_RES, *ADDRESS_EN_RES):
        for m in pattern.finditer(text):
            start, end = m.start(), m.end()
            while end > start and text[end - 1] in " ,\u00a0":
                end -= 1
            out.append(Detection(start, end, PiiKind.ADDRESS, "address"))
    return out


def _card_run(raw: str) -> bool:
    """13–19 digits not grouped as a card: Luhn-valid and grouped plausibly, or sixteen digits
    (fifteen for 34/37) opening like a card network's number, even with a typo."""
    digits = re.sub(r"\D", "", raw)
    if not 13 <= len(digits) <= 19:
        return False
    if luhn.is_valid(digits) and _plausible_card(raw):
        return True
    if digits != raw:
        return False
    return (len(digits) == 16 and digits[0] in "23456") or (
        len(digits) == 15 and digits[:2] in ("34", "37")
    )


def _clear_bare_email(text: str, m: re.Match[str]) -> bool:
    """ "jo.walker at gmail dot com" is an address; "looked at amazon dot com" is not: the local
    part looks like one (a dot, a digit, an underscore), the domain is a mail provider, or the
    sentence talks about e-mail before it."""
    if re.search(r"[._\d-]", m.group("local")):
        return True
    if re.split(r"\s|\[|\(", m.group("domain"))[0].casefold() in _MAIL_PROVIDERS:
        return True
    before = re.split(r"[.!?\n]\s", text[max(0, m.start() - 60) : m.start()])[-1]
    return bool(_MAIL_CUE.search(before))


def _plausible_card(raw: str) -> bool:
    """Digits grouped like a card (4-4-4-4, 4-6-5) or not grouped at all."""
    groups = re.split(r"[ -]", raw)
    if len(groups) == 1:
        return True
    return all(len(g) in (4, 5, 6) for g in groups[:-1]) and 1 <= len(groups[-1]) <= 7


def _looks_like_price(text: str, end: int) -> bool:
    return bool(re.match(r"\s?(?:€|euros?\b|EUR\b|\$|£|USD|GBP|dollars?|pounds?|%)", text[end:]))
