"""PII redaction: each kind in French and English, placeholders, vault, offsets, and the eval."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evals.pii_recall import (
    DAMAGE_GOAL,
    GOALS,
    HELD_OUT,
    HELD_OUT_2,
    HELD_OUT_GOALS,
    TUNED,
    damages,
    evaluate,
    halves,
)
from ingest.redact import (
    PiiKind,
    PlaceholderVault,
    Redaction,
    Redactor,
    load_ner,
    map_offset,
    normalise,
)


@pytest.fixture(scope="module")
def ner() -> Any:
    return load_ner()


@pytest.fixture(scope="module")
def redactor(ner: Any) -> Redactor:
    return Redactor(ner)


@pytest.fixture(scope="module")
def patterns() -> Redactor:
    """No spaCy: fast, and enough for everything but names the gazetteer doesn't know."""
    return Redactor(use_ner=False)


def redacted(r: Redactor, text: str, language: str, **kwargs: Any) -> str:
    return r.redact(text, language, PlaceholderVault(), **kwargs).text


def kinds(result: Redaction) -> list[PiiKind]:
    return [r.kind for r in result.replacements]


# --- structured kinds -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "06 12 34 56 78",
        "06.12.34.56.78",
        "0612345678",
        "06-12-34-56-78",
        "+33 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "+33612345678",
        "0033 6 12 34 56 78",
        "01 23 45 67 89",
    ],
)
def test_french_phones(patterns: Redactor, phone: str) -> None:
    text = f"Rappelez-moi au {phone}, merci."
    assert redacted(patterns, text, "fr") == "Rappelez-moi au [TELEPHONE_1], merci."


@pytest.mark.parametrize(
    "phone",
    ["+44 20 7946 0958", "+1 (415) 555-0132", "415-555-0132", "(415) 555-0132", "020 7946 0958"],
)
def test_international_phones(patterns: Redactor, phone: str) -> None:
    assert redacted(patterns, f"Call me on {phone} today.", "en") == "Call me on [PHONE_1] today."


@pytest.mark.parametrize(
    "text",
    [
        "Le prix était de 1 299,00 € au lieu de 1 499 €.",
        "Ma commande n° 4581 2290 est bloquée.",
        "La référence CMD-2024-118734 n'existe pas.",
        "Le colis 6A18273645091 est en point relais.",
        "Livraison prévue le 12/03/2024 entre 14:30 et 18:00.",
        "I paid $1,299.00, then £45.99 for shipping.",
        "Order 1234 5678 is eight digits, commande n° 123456 six.",
        "IBAN FR76 3000 6000 0112 3456 7890 188 has a bad checksum.",
    ],
)
def test_numbers_that_are_not_pii(patterns: Redactor, text: str) -> None:
    assert patterns.redact(text, "fr", PlaceholderVault()).replacements == ()


def test_emails_ibans_cards(patterns: Redactor) -> None:
    text = (
        "Écrivez à Lea.Martin@Gmail.com ; IBAN FR76 3000 6000 0112 3456 7890 189, "
        "carte 4111 1111 1111 1111."
    )
    result = patterns.redact(text, "fr", PlaceholderVault())
    assert result.text == "Écrivez à [EMAIL_1] ; IBAN [IBAN_1], carte [CARTE_1]."
    english = patterns.redact(
        "Card 5555-5555-5555-4444, IBAN GB82 WEST 1234 5698 7654 32.", "en", PlaceholderVault()
    )
    assert english.text == "Card [CARD_1], IBAN [IBAN_1]."


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Livré au 12 rue de la Paix, 75002 Paris hier.", "fr", "Livré au [ADRESSE_1] hier."),
        ("Mon adresse : 3 bis avenue Jean Jaurès, 69007 Lyon.", "fr", "Mon adresse : [ADRESSE_1]."),
        ("Facture à BP 4521, 33000 Bordeaux.", "fr", "Facture à [ADRESSE_1]."),
        (
            "Sent to 221B Baker Street, London NW1 6XE by mistake.",
            "en",
            "Sent to [ADDRESS_1] by mistake.",
        ),
        ("Ship to 742 Evergreen Terrace, Springfield.", "en", "Ship to [ADDRESS_1]."),
        ("Write to PO Box 4521 please.", "en", "Write to [ADDRESS_1] please."),
    ],
)
def test_addresses(patterns: Redactor, text: str, language: str, expected: str) -> None:
    assert redacted(patterns, text, language) == expected


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("La vendeuse, Sophie, était adorable.", "La vendeuse, [PERSONNE_1], était adorable."),
        ("J'en ai parlé à ma sœur Claire.", "J'en ai parlé à ma sœur [PERSONNE_1]."),
        ("Mme Dupont m'a rappelée.", "Mme [PERSONNE_1] m'a rappelée."),
        (
            "J'ai vu Jean-Baptiste de La Fontaine au salon.",
            "J'ai vu [PERSONNE_1] au salon.",
        ),
        ("Pierre m'a conseillé Instagram.", "[PERSONNE_1] m'a conseillé Instagram."),
        ("Avis de Manon D. : top.", "Avis de [PERSONNE_1] : top."),
    ],
)
def test_french_names(redactor: Redactor, text: str, expected: str) -> None:
    assert redacted(redactor, text, "fr") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Smith refused the refund.", "Mr. [PERSON_1] refused the refund."),
        ("My husband Will built it.", "My husband [PERSON_1] built it."),
        ("Rose told me about the brand.", "[PERSON_1] told me about the brand."),
        (
            "The sales assistant, Grace, was patient.",
            "The sales assistant, [PERSON_1], was patient.",
        ),
        ("Grace O'Brien sorted it out.", "[PERSON_1] sorted it out."),
    ],
)
def test_english_names(redactor: Redactor, text: str, expected: str) -> None:
    assert redacted(redactor, text, "en") == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("J'ai acheté la lampe Opaline chez Atelier Brun, vue sur Instagram.", "fr"),
        ("On a pris le canapé Olive, et la marque Maison Rose fait pareil.", "fr"),
        ("Paiement refusé par Alma, colis Colissimo perdu, pub sur TikTok.", "fr"),
        ("J'habite à Paris et j'ai vu leur pub sur Facebook.", "fr"),
        ("Will you restock? The lamp comes in rose gold.", "en"),
        ("The Grace collection and the Olive sofa, seen on Pinterest and YouTube.", "en"),
        ("Honestly, Atelier Brun is great; Klarna declined my payment.", "en"),
    ],
)
def test_brands_products_and_places_are_kept(redactor: Redactor, text: str, language: str) -> None:
    assert redacted(redactor, text, language) == text


def test_known_names_are_always_redacted(patterns: Redactor) -> None:
    text = "Xyzzie : j'ai hésité. Xyzzie Quuxon a fini par commander."
    out = redacted(patterns, text, "fr", known_names=["Xyzzie Quuxon"])
    assert out == "[PERSONNE_1] : j'ai hésité. [PERSONNE_1] a fini par commander."


def test_allow_terms_protect_a_workspace_brand() -> None:
    text = "J'ai commandé chez Claire Voie, la vendeuse Claire était top."
    out = redacted(Redactor(use_ner=False, allow_terms=["Claire Voie"]), text, "fr")
    assert "Claire Voie" in out and "vendeuse [PERSONNE_1]" in out


# --- placeholders and the vault -----------------------------------------------------------------


def test_placeholders_are_consistent_across_calls_and_languages(patterns: Redactor) -> None:
    vault = PlaceholderVault()
    first = patterns.redact("Léa m'a écrit de lea@ex.fr, tél. 06 12 34 56 78.", "fr", vault)
    second = patterns.redact("LEA@EX.FR again, +33 6 12 34 56 78, and Lea Martin.", "en", vault)
    third = patterns.redact("Puis Paul, et encore Léa Martin.", "fr", vault)
    assert first.text == "[PERSONNE_1] m'a écrit de [EMAIL_1], tél. [TELEPHONE_1]."
    assert second.text == "[EMAIL_1] again, [PHONE_1], and [PERSON_1]."
    assert third.text == "Puis [PERSONNE_2], et encore [PERSONNE_1]."


def test_bare_name_after_full_name_links_only_when_unambiguous() -> None:
    vault = PlaceholderVault()
    assert vault.number_for(PiiKind.PERSON, "Léa Martin") == 1
    assert vault.number_for(PiiKind.PERSON, "Léa") == 1
    assert vault.number_for(PiiKind.PERSON, "Mme Martin") == 1
    assert vault.number_for(PiiKind.PERSON, "Léa Dubois") == 2
    assert vault.number_for(PiiKind.PERSON, "léa dubois") == 2
    assert vault.number_for(PiiKind.PERSON, "Jean-Baptiste") == vault.number_for(
        PiiKind.PERSON, "jean baptiste"
    )


def test_normalisation() -> None:
    assert normalise(PiiKind.PHONE, "+33 (0)6 12 34 56 78") == normalise(
        PiiKind.PHONE, "06.12.34.56.78"
    )
    assert normalise(PiiKind.PHONE, "0033612345678") == "0612345678"
    assert normalise(PiiKind.EMAIL, "Lea.Martin@Gmail.COM") == "lea.martin@gmail.com"
    assert normalise(PiiKind.PERSON, "Mme Élodie  Lefèvre") == "elodie lefevre"


def test_vault_round_trip(patterns: Redactor) -> None:
    vault = PlaceholderVault()
    patterns.redact("Sophie, sophie@ex.fr, 06 12 34 56 78, Jean-Baptiste Martin.", "fr", vault)
    loaded = PlaceholderVault.from_json(vault.to_json())
    assert loaded == vault
    again = patterns.redact("Jean-Baptiste Martin et Sophie.", "fr", loaded)
    assert again.text == "[PERSONNE_2] et [PERSONNE_1]."


# --- offsets ----------------------------------------------------------------------------------

_PII = st.sampled_from(
    [
        "lea@example.fr",
        "06 12 34 56 78",
        "+44 20 7946 0958",
        "4111 1111 1111 1111",
        "FR76 3000 6000 0112 3456 7890 189",
        "Mme Dupont",
        "ma sœur Claire",
        "12 rue de la Paix, 75002 Paris",
    ]
)
_FILLER = st.text(alphabet="abcdé ,.;:!?\n«»’", max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_FILLER, _PII), max_size=6), _FILLER)
def test_offsets_are_exact(parts: list[tuple[str, str]], tail: str) -> None:
    text = "".join(f + " " + p + " " for f, p in parts) + tail
    result = Redactor(use_ner=False).redact(text, "fr", PlaceholderVault())
    reps = result.replacements
    # every replaced span becomes its placeholder, everything outside is identical
    previous = 0
    for r in reps:
        assert r.start < r.end and r.start >= previous
        assert result.text[r.new_start : r.new_end] == r.placeholder
        assert result.text[map_offset(previous, reps) : r.new_start] == text[previous : r.start]
        previous = r.end
    assert result.text[map_offset(previous, reps) :] == text[previous:]
    # map_offset is monotone, and exact outside replaced spans
    mapped = [map_offset(i, reps) for i in range(len(text) + 1)]
    assert mapped == sorted(mapped)
    assert mapped[len(text)] == len(result.text)
    for i, char in enumerate(text):
        if not any(r.start <= i < r.end for r in reps):
            assert result.text[mapped[i]] == char


def test_map_offset_inside_a_span() -> None:
    result = Redactor(use_ner=False).redact("ab lea@ex.fr cd", "fr", PlaceholderVault())
    (r,) = result.replacements
    assert map_offset(r.start + 2, result.replacements) == r.new_start
    assert map_offset(r.start + 2, result.replacements, inside="end") == r.new_end
    assert map_offset(r.end, result.replacements) == r.new_end


# --- the eval ---------------------------------------------------------------------------------


def test_recall_goals_on_the_pii_sets(ner: Any) -> None:
    scores = evaluate(ner)
    for name in TUNED:  # development sets: the goals
        for kind, goal in GOALS.items():
            assert scores[name][kind].recall >= goal, (name, kind, scores[name][kind])
        assert scores[name][PiiKind.PERSON].precision >= 0.9
    for name in HELD_OUT:  # held-out: e-mails and phones at goal, names at
        for kind in (PiiKind.EMAIL, PiiKind.PHONE):  # their measured level (no regression)
            assert scores[name][kind].recall >= GOALS[kind]
    # held-out sets: names at their measured level (no regression), never tuned on
    assert scores["fr_holdout"][PiiKind.PERSON].recall >= 0.95
    assert scores["en_holdout"][PiiKind.PERSON].recall >= 0.8
    assert scores["fr_brands_holdout"][PiiKind.PERSON].recall >= 0.9
    assert scores["en_brands_holdout"][PiiKind.PERSON].recall >= 0.9
    for name in HELD_OUT_2:
        assert scores[name][PiiKind.PERSON].recall >= 0.95, (name, scores[name])


def test_held_out_goals_for_names_phones_cards_and_damage(ner: Any) -> None:
    """Issue 13's goals on each half: names ≥ 0.9, phones and cards 1.00, damage ≤ 1 %; name
    precision 1.00 on the tuned and the first held-out half (held out 2: 0.96, see the README)."""
    by_half = halves(evaluate(ner), damages(ner))
    for half in ("tuned", "held-out", "held-out 2"):
        per_kind, damaged = by_half[half]
        for kind, goal in HELD_OUT_GOALS.items():
            assert per_kind[kind].recall >= goal, (half, kind, per_kind[kind])
        assert damaged.tokens > {"tuned": 2000, "held-out": 1000, "held-out 2": 700}[half]
        assert damaged.rate <= DAMAGE_GOAL, (half, damaged)
        precision = per_kind[PiiKind.PERSON].precision
        assert precision >= (0.95 if half == "held-out 2" else 1.0), (half, precision)
