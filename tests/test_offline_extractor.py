"""The offline extractor on small, readable cases (quality is measured by `make eval`)."""

from __future__ import annotations

from assistant.extract.offline import OfflineExtractor, item_text
from assistant.model import Lane
from ingest.embedders import HashingEmbedder
from ingest.loaders import load_file
from ingest.segment import SpacySegmenter

INTERVIEW = """Enquêtrice : Comment avez-vous découvert la marque ?
Léa : Oui.
Léa : J'ai vu une publicité sur Instagram pour un canapé en velours.
Enquêtrice : Et la livraison ?
Léa : Le livreur est arrivé avec trois jours de retard, j'étais vraiment énervée.
Léa : Est-ce que je peux le retourner si la couleur ne va pas ?
"""


def extract(segmenter: SpacySegmenter, map_language: str = "fr") -> list[tuple[str, Lane, str]]:
    embedder = HashingEmbedder()
    [source] = load_file("lea.md", INTERVIEW.encode(), segmenter)
    vectors = dict(
        zip(
            [s.id for s in source.segments],
            embedder.embed_documents([source.text[s.start : s.end] for s in source.segments]),
            strict=True,
        )
    )
    claims = OfflineExtractor(embedder).extract([source], vectors, map_language=map_language)
    return [(c.stage_id, c.lane, c.text) for c in claims]


def test_fillers_and_interviewer_turns_yield_nothing(segmenter: SpacySegmenter) -> None:
    texts = [text for _, _, text in extract(segmenter)]
    assert "Oui." not in texts
    assert not any("Comment avez-vous" in text for text in texts)


def test_stages_follow_cues_and_the_interviewers_question(segmenter: SpacySegmenter) -> None:
    claims = extract(segmenter)
    assert ("awareness", Lane.TOUCHPOINT, "Instagram") in claims
    late = [c for c in claims if "retard" in c[2]]
    assert late and all(stage == "retention" for stage, _, _ in late)
    assert {lane for _, lane, _ in late} >= {Lane.OBSTACLE, Lane.EMOTION}
    assert any(lane == Lane.QUESTION and "retourner" in text for _, lane, text in claims)


def test_touchpoints_are_named_in_the_maps_language(segmenter: SpacySegmenter) -> None:
    labels = {text for _, lane, text in extract(segmenter, "en") if lane == Lane.TOUCHPOINT}
    assert "Delivery / courier" in labels


def test_item_text_trims_spoken_fillers() -> None:
    assert item_text("Euh, bon, alors j'ai comparé trois sites.") == "J'ai comparé trois sites."
    assert item_text("(rires) Well, I loved it.") == "I loved it."
