"""Reviews' obstacle lane (issue 14, item 5): what a researcher would notice on a map of reviews.
The offline extractor with the hashing embedder, so every case is deterministic."""

from __future__ import annotations

import pytest

from assistant.extract.cues import CueLexicon
from assistant.extract.offline import OfflineExtractor
from assistant.extract.reviews import ObstacleRule, Reading, obstacle_rule, review_rating
from assistant.model import Lane, Source
from ingest.embedders import HashingEmbedder
from ingest.loaders import load_file
from ingest.segment import SpacySegmenter

LEXICON = CueLexicon.bundled()


def reviews(segmenter: SpacySegmenter, *rows: str) -> list[Source]:
    data = ("note;avis\n" + "\n".join(rows) + "\n").encode()
    return load_file("avis.csv", data, segmenter)


def obstacles(sources: list[Source]) -> dict[str, list[str]]:
    """Review id → the quotes of its obstacle claims."""
    embedder = HashingEmbedder()
    segments = [
        (segment.id, source.text[segment.start : segment.end])
        for source in sources
        for segment in source.segments
    ]
    vectors = dict(
        zip(
            [segment_id for segment_id, _ in segments],
            embedder.embed_documents([text for _, text in segments]),
            strict=True,
        )
    )
    claims = OfflineExtractor(embedder).extract(sources, vectors, map_language="fr")
    out: dict[str, list[str]] = {source.id: [] for source in sources}
    for claim in claims:
        if claim.lane == Lane.OBSTACLE:
            out[claim.source_id].append(claim.quote)
    return out


def test_a_one_star_complaint_without_obstacle_cue_words_is_an_obstacle(
    segmenter: SpacySegmenter,
) -> None:
    complaint = "Nous sommes le 20 février et toujours pas de remboursement."
    assert LEXICON.lane_scores(complaint, "fr")[Lane.OBSTACLE] == 0  # no obstacle cue word
    [found] = obstacles(
        reviews(segmenter, f"1;Retour effectué le 12 janvier. {complaint} Je suis dégoûtée.")
    ).values()
    assert found == [complaint]  # the context sentence and the feeling are not obstacles


def test_sarcasm_and_concessions_in_low_rated_reviews_are_obstacles(
    segmenter: SpacySegmenter,
) -> None:
    found = obstacles(
        reviews(
            segmenter,
            "1;Bravo, une chaise qui tient deux semaines avant de casser, c'est un record.",
            "2;Le meuble est correct mais la livraison a été repoussée trois fois.",
            "1;Screen cracked. Fantastic.",
        )
    )
    assert [len(quotes) for quotes in found.values()] == [1, 1, 1]
    assert found[next(iter(found))][0].startswith("Bravo")
    assert list(found.values())[2] == ["Screen cracked."]  # two words are enough for a problem


def test_praise_is_never_an_obstacle_whatever_the_rating(segmenter: SpacySegmenter) -> None:
    found = obstacles(
        reviews(
            segmenter,
            "5;Produit conforme à la commande, livraison rapide, bon site de vente en ligne.",
            "5;Très bon site de vente en ligne. Ne changez rien !",
            "5;Aucun problème avec ma commande, jamais eu de souci avec eux.",
            "4;Produit conforme à la commande. Ordinateur reçu en 48 h, rien à signaler.",
            "1;Le produit est conforme à la commande. Mais le colis est arrivé éventré.",
        )
    )
    assert [quotes for quotes in found.values()][:4] == [[], [], [], []]
    assert list(found.values())[4] == ["Mais le colis est arrivé éventré."]


def test_a_low_rated_review_without_problem_words_gets_its_most_negative_sentence(
    segmenter: SpacySegmenter,
) -> None:
    found = obstacles(
        reviews(
            segmenter,
            "2;Je m'attendais à mieux. Expérience vraiment décevante du début à la fin.",
            "1;Arnaque. Fuyez !!!",
        )
    )
    assert list(found.values()) == [
        ["Expérience vraiment décevante du début à la fin."],  # not the expectation
        [],  # a one-word verdict and a warning state no problem
    ]


def test_a_five_star_review_yields_an_obstacle_only_for_a_stated_problem(
    segmenter: SpacySegmenter,
) -> None:
    put_right = (
        "My sofa arrived with a tear in the cushion cover, but customer service sent a new "
        "cover within three days."
    )
    data = (
        "rating,review\n"
        f'5,"{put_right} That\'s how you keep a customer."\n'
        "5,\"Best grocery app I've used. No complaints whatsoever, don't change a thing!\"\n"
    ).encode()
    found = obstacles(load_file("reviews.csv", data, segmenter))
    assert list(found.values()) == [[put_right], []]


def reading(sentence: str, language: str = "fr") -> Reading:
    return Reading.of(sentence, language, LEXICON)


@pytest.mark.parametrize(
    ("sentence", "rating", "rule"),
    [
        ("Colis jamais arrivé, aucune réponse du service client.", 1, ObstacleRule.FORCE),
        ("Super, j'ai attendu mes courses de 18h à 22h30.", 1, ObstacleRule.FORCE),
        ("Je ne commanderai plus jamais chez eux.", 1, ObstacleRule.BLOCK),
        ("Aucun problème avec ma commande.", 4, ObstacleRule.BLOCK),
        ("Beau produit mais livraison en retard.", 3, ObstacleRule.FORCE),
        ("Livraison en retard, je suis ravie quand même.", 5, ObstacleRule.BLOCK),
        ("Le carton n'était pas abîmé.", 4, ObstacleRule.BLOCK),
        ("Le service était vraiment nul.", None, ObstacleRule.ALLOW),  # an interview
        ("C'était parfait, merci.", None, ObstacleRule.BLOCK),
    ],
)
def test_obstacle_rules(sentence: str, rating: float | None, rule: ObstacleRule) -> None:
    assert obstacle_rule(reading(sentence), rating) == rule


def test_negated_problem_words_are_not_problems() -> None:
    assert LEXICON.statement_of("Aucun problème, jamais eu de souci.", "fr").problems == 0
    assert LEXICON.statement_of("No issues at all, nothing wrong.", "en").problems == 0
    assert LEXICON.statement_of("Still waiting for my refund.", "en").problems > 0


@pytest.mark.parametrize(
    ("raw", "rating"), [("4", 4.0), ("4,5", 4.5), ("8/10", 4.0), ("★★☆☆☆", 2.0), ("", None)]
)
def test_review_rating_reads_the_usual_notations(
    segmenter: SpacySegmenter, raw: str, rating: float | None
) -> None:
    [source] = reviews(segmenter, "3;Bien.")
    assert review_rating(source.model_copy(update={"metadata": {"rating": raw}})) == rating
