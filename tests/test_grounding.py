"""The aligner: quotes come back as exact source substrings; accents never shift offsets."""

from __future__ import annotations

import unicodedata

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from assistant.evidence.grounding import SourceText, align, fold, normalize_view
from assistant.model import Alignment

FRENCH = (
    "Bon, alors au début j’ai vu une pub sur Instagram. C’était « vraiment » joli — "
    "le canapé à 1 290 € ? Ensuite j'ai comparé les prix… Où est-ce que je pouvais l’essayer ?\n"
    "Enquêtrice : Et après ?\nLéa : Après, déçue : la livraison était très en retard."
)


def test_exact_quote_returns_its_offsets() -> None:
    quote = "j'ai comparé les prix"
    match = align(quote, FRENCH)
    assert match.alignment == Alignment.EXACT
    assert FRENCH[match.start : match.end] == quote


def test_accents_before_a_quote_do_not_shift_its_offsets() -> None:
    quote = "la livraison était très en retard"
    match = align(quote, FRENCH)
    assert (match.start, match.end) == (FRENCH.index(quote), FRENCH.index(quote) + len(quote))


def test_typographic_differences_align_as_normalized_and_keep_source_text() -> None:
    claimed = "J'AI VU une pub sur instagram. C'était \"vraiment\" joli - le canapé"
    match = align(claimed, FRENCH)
    assert match.alignment == Alignment.NORMALIZED
    assert (
        FRENCH[match.start : match.end]
        == "j’ai vu une pub sur Instagram. C’était « vraiment » joli — le canapé"
    )


def test_nfd_quote_matches_nfc_source_and_nfd_source_matches_nfc_quote() -> None:
    quote = "déçue : la livraison était très en retard"
    nfd_quote = unicodedata.normalize("NFD", quote)
    match = align(nfd_quote, FRENCH)
    assert match.found and FRENCH[match.start : match.end] == quote
    nfd_text = unicodedata.normalize("NFD", FRENCH)
    match = align(quote, nfd_text)
    assert match.found and nfd_text[match.start : match.end] == unicodedata.normalize("NFD", quote)


def test_small_paraphrase_is_fuzzy_and_snapped_to_whole_words() -> None:
    match = align("Ensuite j'ai comparer les prix", FRENCH)
    assert match.alignment == Alignment.FUZZY
    found = FRENCH[match.start : match.end]
    assert found.startswith("Ensuite") and found.endswith("prix")


def test_invented_quote_is_not_found_and_says_why() -> None:
    match = align("le vendeur m'a proposé une remise de vingt pour cent", FRENCH)
    assert not match.found
    assert "best similarity" in match.reason


def test_empty_quote_is_refused() -> None:
    assert not align("   ", FRENCH).found


def test_hint_picks_the_occurrence_inside_the_cited_segment() -> None:
    text = "J'ai aimé. Puis plus tard : J'ai aimé."
    second = text.rindex("J'ai aimé")
    match = align("J'ai aimé", text, hint=(second, len(text)))
    assert match.start == second


def test_normalized_view_maps_every_character_back() -> None:
    view = normalize_view("É  t’é\u200b")
    assert view.text == "ét'é"
    assert [int(s) for s in view.starts] == [0, 3, 4, 5]


# --- properties -------------------------------------------------------------------------
ALPHABET = st.sampled_from([*"abcdeéèêàçôùœ ’'«»—-,.?!ÉÀ\n", "e\u0301"])
texts = st.lists(ALPHABET, min_size=1, max_size=300).map("".join)


@given(text=texts, data=st.data())
@settings(max_examples=300, deadline=None)
def test_any_substring_aligns_exactly_to_an_equal_substring(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    assume(quote.strip())
    match = align(quote, text)
    assert match.alignment == Alignment.EXACT
    assert text[match.start : match.end] == quote.strip()


@given(text=texts, data=st.data())
@settings(max_examples=300, deadline=None)
def test_transformed_quotes_align_to_a_span_with_the_same_folded_text(
    text: str, data: st.DataObject
) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    # A quote starts and ends on whole characters, never between a letter and its accent.
    assume(not unicodedata.combining(text[start]))
    assume(end == len(text) or not unicodedata.combining(text[end]))
    quote = text[start:end]
    assume(fold(quote))
    transform = data.draw(
        st.sampled_from(
            [
                str.upper,
                lambda q: unicodedata.normalize("NFD", q),
                lambda q: unicodedata.normalize("NFC", q),
                lambda q: q.replace("’", "'").replace("«", '"').replace("»", '"'),
                lambda q: q.replace(" ", "  ").replace("\n", " "),
                lambda q: q.replace("—", "-"),
            ]
        )
    )
    claimed = transform(quote)
    assume(claimed.strip())
    match = SourceText(text).align(claimed)
    assert match.found
    found = text[match.start : match.end]
    assert 0 <= match.start <= match.end <= len(text)
    if match.alignment != Alignment.FUZZY:
        assert fold(found) == fold(claimed)


@given(prefix=st.text(alphabet="éèàçÉœ\u0301 ab", max_size=50))
@settings(max_examples=200, deadline=None)
def test_accented_prefixes_never_shift_the_offsets_of_what_follows(prefix: str) -> None:
    quote = "la livraison était en retard"
    text = prefix + " " + quote
    claimed = unicodedata.normalize("NFD", quote.upper())
    match = align(claimed, text)
    assert text[match.start : match.end] == quote
