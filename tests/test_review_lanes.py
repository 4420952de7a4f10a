"""evals.review_lanes: the metrics on a hand-made map, the labels against the corpus, and one
small run through ingest and the offline build (hashing embedder)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from assistant.model import (
    Alignment,
    Evidence,
    Item,
    JourneyMap,
    Lane,
    Provenance,
    Source,
    SourceKind,
    default_stages,
)
from evals.review_lanes import (
    CORPUS,
    ObstacleQuote,
    Review,
    ReviewLabel,
    ReviewSet,
    corpus_labels,
    errors,
    gold_labels,
    halves,
    measure_set,
    obstacle_quotes,
    rating_of,
    reviews_of,
    score,
)
from ingest.embedders import HashingEmbedder
from ingest.loaders import load_file
from ingest.segment import SpacySegmenter

TEXTS = {
    "r1": "Colis arrivé cassé. Service client injoignable. Je suis déçue.",
    "r2": "Beau produit mais livraison en retard.",
    "r3": "Produit conforme à la commande. Ne changez rien !",
    "r4": "Parfait, rien à redire.",
}
RATINGS = {"r1": "1", "r2": "3", "r3": "5", "r4": "5"}


def source(source_id: str) -> Source:
    text = TEXTS[source_id]
    return Source(
        id=source_id,
        name=f"{source_id}.csv#row 1",
        kind=SourceKind.REVIEW,
        language="fr",
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        text=text,
        metadata={"rating": RATINGS[source_id]},
    )


def evidence(source_id: str, quote: str) -> Evidence:
    start = TEXTS[source_id].index(quote)
    return Evidence(
        source_id=source_id,
        quote=quote,
        start=start,
        end=start + len(quote),
        alignment=Alignment.EXACT,
    )


def hand_made_map() -> JourneyMap:
    stages = default_stages("fr")
    purchase, retention = stages[2], stages[3]
    purchase.items = [
        # one finding quoting two reviews: a true obstacle (r1) and praise (r3)
        Item(
            id="o1",
            lane=Lane.OBSTACLE,
            text="Colis cassé",
            evidence=[
                evidence("r1", "Colis arrivé cassé."),
                evidence("r3", "Produit conforme à la commande."),
            ],
        ),
        # the same span again in another item: counted once
        Item(
            id="o2",
            lane=Lane.OBSTACLE,
            text="Cassé",
            evidence=[evidence("r1", "Colis arrivé cassé.")],
        ),
        # a whole sentence whose clause is the labelled obstacle
        Item(
            id="o3",
            lane=Lane.OBSTACLE,
            text="Livraison en retard",
            evidence=[evidence("r2", "Beau produit mais livraison en retard.")],
        ),
    ]
    retention.items = [
        Item(
            id="e1",
            lane=Lane.EMOTION,
            text="Déçue",
            valence=-1,
            evidence=[evidence("r1", "Je suis déçue.")],
        ),
        Item(
            id="e2",
            lane=Lane.EMOTION,
            text="Ravie",
            valence=2,
            evidence=[evidence("r4", "Parfait, rien à redire.")],
        ),
    ]
    return JourneyMap(
        id="overall",
        title="t",
        language="fr",
        revision=1,
        stages=stages,
        provenance=Provenance(tool_version="test", extractor="offline"),
    )


LABELS = {
    "r1": ReviewLabel("r1", True, ("Colis arrivé cassé.", "Service client injoignable."), "dev"),
    "r2": ReviewLabel("r2", True, ("livraison en retard",), "test"),
    "r3": ReviewLabel("r3", False, (), "dev"),
    "r4": ReviewLabel("r4", False, (), "test"),
}


def hand_made_reviews() -> list[Review]:
    return reviews_of([source(s) for s in TEXTS], LABELS)


def test_obstacle_quotes_are_the_obstacle_evidence_once_per_span() -> None:
    quotes = obstacle_quotes(hand_made_map())
    assert [(q.source_id, q.quote) for q in quotes] == [
        ("r1", "Colis arrivé cassé."),
        ("r2", "Beau produit mais livraison en retard."),
        ("r3", "Produit conforme à la commande."),
    ]


def test_scores_on_a_hand_made_map() -> None:
    reviews = hand_made_reviews()
    assert [r.rating for r in reviews] == [1.0, 3.0, 5.0, 5.0]
    assert reviews[1].label.spans == ((18, 37),)
    s = score(reviews, obstacle_quotes(hand_made_map()))
    assert s.reviews == 4
    assert (s.low_rated_with_obstacle.count, s.low_rated_with_obstacle.total) == (1, 1)
    assert (s.low_rated_with_true_obstacle.count, s.low_rated_with_true_obstacle.total) == (1, 1)
    assert (s.low_rated_labelled_obstacle.count, s.low_rated_labelled_obstacle.total) == (1, 1)
    # r3 (5★) yields the misplaced praise, r4 (5★) only an emotion
    assert (s.five_star_with_obstacle.count, s.five_star_with_obstacle.total) == (1, 2)
    assert s.five_star_with_obstacle.value == 0.5
    assert (s.five_star_labelled_obstacle.count, s.five_star_labelled_obstacle.total) == (0, 2)
    assert {k: (v.count, v.total) for k, v in s.by_rating_with_obstacle.items()} == {
        "1": (1, 1),
        "3": (1, 1),
        "5": (1, 2),
    }
    # precision: r1 and r2's quotes sit on labelled sentences (r2's by its clause), r3's not
    assert (s.precision.count, s.precision.total) == (2, 3)
    # recall: "Colis arrivé cassé." and "livraison en retard" found, "Service client…" not
    assert (s.recall.count, s.recall.total) == (2, 3)
    assert (s.labelled_reviews_found.count, s.labelled_reviews_found.total) == (2, 2)
    assert (s.unlabelled_reviews_flagged.count, s.unlabelled_reviews_flagged.total) == (1, 2)
    assert s.as_dict()["precision"] == {"count": 2, "total": 3, "value": pytest.approx(2 / 3)}


def test_halves_score_apart_and_quotes_of_other_sources_are_ignored() -> None:
    split = halves(hand_made_reviews())
    assert {half: [r.id for r in rows] for half, rows in split.items()} == {
        "dev": ["r1", "r3"],
        "test": ["r2", "r4"],
        "all": ["r1", "r2", "r3", "r4"],
    }
    quotes = obstacle_quotes(hand_made_map())
    dev, test = score(split["dev"], quotes), score(split["test"], quotes)
    assert (dev.precision.count, dev.precision.total) == (1, 2)
    assert (test.precision.count, test.precision.total) == (1, 1)
    assert test.five_star_with_obstacle.value == 0.0
    # an unlabelled set (the samples): rating shares only
    bare = reviews_of([source(s) for s in TEXTS], {})
    unlabelled = score(bare, quotes)
    assert unlabelled.five_star_with_obstacle.value == 0.5
    assert unlabelled.precision.total == unlabelled.recall.total == 0
    assert unlabelled.low_rated_labelled_obstacle.value is None
    assert halves(bare).keys() == {"all"}


def test_a_near_miss_quote_does_not_count_and_errors_say_why() -> None:
    reviews = hand_made_reviews()
    # "Je suis déçue." as an obstacle: no overlap with r1's labelled sentences
    wrong = [ObstacleQuote("r1", 49, 63, "Je suis déçue.")]
    s = score(reviews, wrong)
    assert s.low_rated_with_obstacle.count == 1 and s.low_rated_with_true_obstacle.count == 0
    assert (s.precision.count, s.precision.total) == (0, 1)
    lines = errors(reviews[:1], wrong)
    assert "r1 1★ not an obstacle: 'Je suis déçue.'" in lines
    assert "r1 1★ missed obstacle: 'Service client injoignable.'" in lines


def test_labels_must_quote_the_text_and_ratings_read_like_the_rows() -> None:
    bad = {"r2": ReviewLabel("r2", True, ("livraison en avance",), "dev")}
    with pytest.raises(ValueError, match="not in the text"):
        reviews_of([source("r2")], bad)
    with pytest.raises(ValueError, match="not ingested"):
        reviews_of([source("r1")], {"r9": ReviewLabel("r9", False)})
    r = source("r1")
    assert rating_of(r.model_copy(update={"metadata": {"rating": "4,5"}})) == 4.5
    assert rating_of(r.model_copy(update={"metadata": {"rating": "4/5"}})) == 4.0
    assert rating_of(r.model_copy(update={"metadata": {}})) is None


def test_corpus_labels_quote_their_rows(segmenter: SpacySegmenter) -> None:
    """Every label of evals/reviews/ is one ingested row, its sentences verbatim, its rating the
    row's; halves balanced by rating; the gold set's reviews are all labelled."""
    labels = corpus_labels()
    sources = [
        s
        for path in sorted(CORPUS.glob("*.csv"))
        for s in load_file(path.name, path.read_bytes(), segmenter=segmenter)
    ]
    reviews = reviews_of(sources, labels)
    assert len(reviews) == len(labels) == 100
    assert Counter(s.language for s in sources) == {"fr": 60, "en": 40}
    lines = (CORPUS / "labels.jsonl").read_text("utf-8").splitlines()
    raw = {row["id"]: row for row in map(json.loads, lines)}
    for review in reviews:
        assert review.rating == raw[review.id]["rating"]
        assert review.label.has_obstacle == bool(review.label.obstacles)
    for stars in range(1, 6):
        dev = sum(r.rating == stars and r.label.split == "dev" for r in reviews)
        test = sum(r.rating == stars and r.label.split == "test" for r in reviews)
        assert abs(dev - test) <= 1, stars
    gold = gold_labels()
    assert len(gold) == 24 and all(label.split in ("dev", "test") for label in gold.values())


def test_a_small_set_through_ingest_and_the_offline_build(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    folder = tmp_path / "reviews"
    folder.mkdir()
    rows = "\n".join(f"{RATINGS[s]};{TEXTS[s]}" for s in TEXTS)
    (folder / "avis.csv").write_text(f"note;avis\n{rows}\n", encoding="utf-8")
    labels = {
        f"avis-{n:03d}": ReviewLabel(
            f"avis-{n:03d}", label.has_obstacle, label.obstacles, label.split
        )
        for n, label in enumerate(LABELS.values(), start=1)
    }
    result = measure_set(
        ReviewSet("tiny", (folder / "avis.csv",), labels), HashingEmbedder(), segmenter, tmp_path
    )
    assert [r.id for r in result.reviews] == ["avis-001", "avis-002", "avis-003", "avis-004"]
    assert [r.rating for r in result.reviews] == [1.0, 3.0, 5.0, 5.0]
    whole = result.scores["all"]
    assert whole.reviews == 4 and whole.low_rated_with_obstacle.total == 1
    assert whole.five_star_with_obstacle.total == 2 and whole.recall.total == 3
    assert whole.precision.total == sum(q.source_id in labels for q in result.quotes)
    texts = {r.id: r.text for r in result.reviews}
    assert all(texts[q.source_id][q.start : q.end] == q.quote for q in result.quotes)
