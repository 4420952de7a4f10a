"""Merging claims across sources: support counts, valence, stable ids. Pure: no model, no store."""

from __future__ import annotations

import numpy as np

from assistant.evidence.claims import Claim, ground_claims
from assistant.mapping.synthesis import synthesize
from assistant.model import Lane, Role, Segment, Source, SourceKind, default_stages


def source(
    source_id: str,
    text: str,
    speaker: str = "Léa",
    role: Role = Role.PARTICIPANT,
    start: int = 0,
) -> Source:
    return Source(
        id=source_id,
        name=f"{source_id}.md",
        kind=SourceKind.INTERVIEW,
        language="fr",
        sha256="0" * 64,
        text=text,
        segments=[
            Segment(
                id=f"{source_id}:0",
                source_id=source_id,
                index=0,
                turn=0,
                speaker=speaker,
                role=role,
                start=start,
                end=len(text),
            )
        ],
    )


def claim(
    source_id: str,
    quote: str,
    lane: Lane = Lane.OBSTACLE,
    key: str | None = None,
    valence: int | None = None,
) -> Claim:
    return Claim(
        stage_id="purchase",
        lane=lane,
        text=quote,
        quote=quote,
        source_id=source_id,
        segment_id=f"{source_id}:0",
        key=key,
        valence=valence,
    )


def test_equivalent_claims_from_two_sources_become_one_item_with_both_quotes() -> None:
    sources = {
        "a": source("a", "Les frais de livraison sont apparus à la fin."),
        "b": source("b", "Les frais de livraison apparaissent seulement à la fin.", "Marc"),
        "c": source("c", "La vendeuse était adorable.", "Zoé"),
    }
    claims = [claim(sid, s.text) for sid, s in sources.items()]
    grounded, ungrounded = ground_claims(claims, sources)
    assert not ungrounded
    vectors = {
        0: np.array([1.0, 0.0], np.float32),
        1: np.array([0.96, 0.28], np.float32),
        2: np.array([0.0, 1.0], np.float32),
    }
    stages = synthesize(default_stages("fr"), grounded, vectors, threshold=0.9)
    purchase = next(s for s in stages if s.id == "purchase")
    assert [len(item.evidence) for item in purchase.items] == [2, 1]
    merged = purchase.items[0]
    assert merged.id == "I1" and (
        merged.support.quotes,
        merged.support.sources,
        merged.support.participants,
    ) == (2, 2, 2)


def test_touchpoints_merge_by_identity_and_emotions_give_the_stage_valence() -> None:
    sources = {
        "a": source("a", "Vu sur Instagram, j'étais ravie."),
        "b": source("b", "Sur Instagram, franchement déçue."),
    }
    claims = [
        claim("a", sources["a"].text, Lane.TOUCHPOINT, key="instagram"),
        claim("b", sources["b"].text, Lane.TOUCHPOINT, key="instagram"),
        claim("a", sources["a"].text, Lane.EMOTION, valence=2),
        claim("b", sources["b"].text, Lane.EMOTION, valence=-1),
    ]
    grounded, _ = ground_claims(claims, sources)
    stages = synthesize(default_stages("fr"), grounded, {}, threshold=0.9)
    purchase = next(s for s in stages if s.id == "purchase")
    touchpoints = [i for i in purchase.items if i.lane == Lane.TOUCHPOINT]
    assert len(touchpoints) == 1 and touchpoints[0].support.sources == 2
    assert purchase.valence == 0.5


def test_invented_and_interviewer_quotes_are_ungrounded_with_a_reason() -> None:
    interviewer = source("q", "Q : Vous avez aimé ?", speaker="Q", role=Role.INTERVIEWER, start=4)
    sources = {"q": interviewer, "a": source("a", "J'ai adoré le canapé.")}
    grounded, ungrounded = ground_claims(
        [
            claim("a", "Le vendeur m'a offert une remise énorme."),
            claim("q", "Vous avez aimé ?"),
            claim("zz", "peu importe"),
        ],
        sources,
    )
    assert not grounded
    reasons = [u.reason for u in ungrounded]
    assert (
        "not in a" in reasons[0]
        and "interviewer" in reasons[1]
        and "not in the corpus" in reasons[2]
    )
