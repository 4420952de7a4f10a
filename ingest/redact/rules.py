"""Patterns for the structured kinds: e-mail, phone, postal address, IBAN (mod-97), card (Luhn).

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


def find_structured(text: str) -> list[Detection]:
    """E-mails, phones, addresses, IBANs (mod-97) and card numbers (Luhn), overlaps included."""
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


def _plausible_card(raw: str) -> bool:
    """Digits grouped like a card (4-4-4-4, 4-6-5) or not grouped at all."""
    groups = re.split(r"[ -]", raw)
    if len(groups) == 1:
        return True
    return all(len(g) in (4, 5, 6) for g in groups[:-1]) and 1 <= len(groups[-1]) <= 7


def _looks_like_price(text: str, end: int) -> bool:
    return bool(re.match(r"\s?(?:€|euros?\b|EUR\b|\$|£|USD|GBP|dollars?|pounds?|%)", text[end:]))
