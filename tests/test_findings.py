"""Findings, not sentences: claims of many sources grouped into labelled findings with their
support, emotion valence by participant, and the naming call of LLM builds. Pure except the last."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from assistant.evidence.claims import Claim, GroundedClaim, ground_claims
from assistant.extract.llm import LLMExtractor, ResponseCache
from assistant.mapping.findings import GroupingParams, KeywordSpace
from assistant.mapping.labels import LABEL_MAX, clean, finding_label
from assistant.mapping.synthesis import stage_valence, synthesize
from assistant.model import Evidence, Item, Lane, Source, SourceKind, default_stages
from assistant.model.journey import Alignment
from assistant.project import Project
from assistant.providers.openai import OpenAIProvider
from assistant.providers.retry import RetryPolicy
from assistant.testing import ScriptedOpenAIServer
from ingest.embedders import HashingEmbedder
from ingest.segment import SpacySegmenter
from tests.test_synthesis import source

PARAMS = GroupingParams(0.8, 0.85, keyword_weight=0.3, keyword_floor=0.1, alone=0.97)


def _grounded(
    rows: list[tuple[str, str, str, Lane, int | None]],
) -> tuple[list[GroundedClaim], dict[str, Source]]:
    sources = {sid: source(sid, text, speaker) for sid, text, speaker, _, _ in rows}
    claims = [
        Claim(
            stage_id="purchase", lane=lane, text=text, quote=text, source_id=sid,
            segment_id=f"{sid}:0", valence=valence, score=0.5,
        )
        for sid, text, _, lane, valence in rows
    ]  # fmt: skip
    grounded, ungrounded = ground_claims(claims, sources)
    assert not ungrounded
    return grounded, sources


def _unit(*values: float) -> np.ndarray[Any, np.dtype[np.float32]]:
    vector = np.array(values, np.float32)
    return vector / np.linalg.norm(vector)


def test_three_participants_saying_the_same_thing_make_one_labelled_finding() -> None:
    grounded, _ = _grounded(
        [
            (
                "a",
                "Euh, les frais de livraison sont apparus à la toute dernière étape.",
                "Léa",
                Lane.OBSTACLE,
                None,
            ),
            (
                "b",
                "Bah les frais de livraison, découverts à la dernière étape du panier.",
                "Marc",
                Lane.OBSTACLE,
                None,
            ),
            (
                "c",
                "Franchement, frais de livraison affichés seulement à la dernière étape !",
                "Zoé",
                Lane.OBSTACLE,
                None,
            ),
            (
                "d",
                "La vendeuse du showroom était adorable avec les enfants.",
                "Inès",
                Lane.OBSTACLE,
                None,
            ),
        ]
    )
    vectors = {
        0: _unit(1, 0.1, 0),
        1: _unit(1, 0.15, 0.05),
        2: _unit(1, 0.05, 0.1),
        3: _unit(0, 0, 1),
    }
    stages = synthesize(default_stages("fr"), grounded, vectors, PARAMS)
    items = next(s for s in stages if s.id == "purchase").items
    assert [item.support.participants for item in items] == [3, 1]  # recurring first
    finding = items[0]
    assert finding.support.quotes == 3 and finding.support.source_kinds == [SourceKind.INTERVIEW]
    assert len(finding.text) <= LABEL_MAX
    assert finding.text not in {e.quote for e in finding.evidence}
    assert "frais de livraison" in finding.text.lower()
    assert not finding.text.lower().startswith(("euh", "bah", "franchement"))
    assert finding.confidence is not None and items[1].confidence is not None
    assert finding.confidence > items[1].confidence  # independent participants add confidence


def test_words_alone_do_not_make_a_finding_and_opposite_feelings_never_merge() -> None:
    grounded, _ = _grounded(
        [
            ("a", "J'étais vraiment ravie de la livraison rapide.", "Léa", Lane.EMOTION, 2),
            ("b", "J'étais vraiment furieuse de la livraison en retard.", "Marc", Lane.EMOTION, -2),
            ("c", "Trop contente de la livraison rapide et soignée.", "Zoé", Lane.EMOTION, 1),
        ]
    )
    same = _unit(1, 0, 0)
    stages = synthesize(default_stages("fr"), grounded, {0: same, 1: same, 2: same}, PARAMS)
    items = next(s for s in stages if s.id == "purchase").items
    by_sign = {item.valence: item for item in items}
    assert len(items) == 2 and by_sign[-2].support.participants == 1
    positive = next(item for item in items if item.valence and item.valence > 0)
    assert positive.support.participants == 2
    assert positive.valence == 2 and positive.valence_spread == 0.5  # mean 1.5 → 2, spread 0.5


def _emotion(item_id: str, valence: int, participants: list[tuple[str, str]]) -> Item:
    evidence = [
        Evidence(source_id=sid, quote="x", start=n, end=n + 1, speaker=speaker, alignment=Alignment.EXACT)
        for n, (sid, speaker) in enumerate(participants)
    ]  # fmt: skip
    return Item(id=item_id, lane=Lane.EMOTION, text="t", valence=valence, evidence=evidence)


def test_a_talkative_participant_does_not_set_the_stage_curve() -> None:
    talkative = [("a", "Léa")] * 6
    items = [
        _emotion("I1", -2, talkative[:3]),
        _emotion("I2", -2, talkative[3:]),
        _emotion("I3", 2, [("b", "Marc")]),
    ]
    assert stage_valence(items) == 0.0  # one voice each: (-2 + 2) / 2, not (-12 + 2) / 7


def test_offline_labels_are_clauses_cleaned_of_speech() -> None:
    space = KeywordSpace(["x"])
    assert (
        clean("Euh, bah je trouve que le suivi reste bloqué, tu vois.") == "Le suivi reste bloqué"
    )
    assert (
        clean("So, I think the checkout was, you know, confusing.") == "The checkout was confusing"
    )
    long = "Alors " + "très " * 30 + "long."
    assert len(clean(long)) <= LABEL_MAX and clean(long).endswith("…")
    label = finding_label(
        "Je voulais payer en trois fois, mais le site ne le proposait pas.",
        ["Paiement en trois fois introuvable sur le site."],
        space,
        ["Je voulais payer en trois fois, mais le site ne le proposait pas."],
    )
    assert label in {"Je voulais payer en trois fois", "Le site ne le proposait pas"}


def test_an_llm_build_names_its_findings_in_one_cheap_call_per_stage(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, person in (("a", "Léa"), ("b", "Marc"), ("c", "Zoé")):
        (corpus / f"{name}.txt").write_text(
            f"Enquêteur : Et au paiement ?\n{person} : Les frais de livraison sont arrivés à la "
            f"dernière étape du panier, {person.lower()} était surprise.\n"
        )
    project = Project(tmp_path / "ws", embedder=HashingEmbedder(), segmenter=segmenter)
    project.ingest([corpus])

    def same_claim(request: dict[str, Any]) -> list[dict[str, Any]]:
        data = "\n".join(m.get("content") or "" for m in request["messages"] if m["role"] == "user")
        items = []
        for source_id in ("a", "b", "c"):
            if f'id="{source_id}"' in data:
                text = project.workspace.load_source(source_id).text
                quote = text[text.index("Les frais") : text.index(" du panier") + 10]
                items.append(
                    {"source": source_id, "stage": "purchase", "lane": "obstacle",
                     "text": "Frais de livraison découverts au dernier moment", "quote": quote,
                     "speaker": None, "valence": None}
                )  # fmt: skip
        return items

    with ScriptedOpenAIServer(extract=same_claim) as server:
        provider = OpenAIProvider("scripted", base_url=server.base_url)
        cache = ResponseCache(project.workspace.cache_path / "llm")
        llm = LLMExtractor(provider, cache=cache, retry=RetryPolicy(sleep=lambda _: None))
        built = project.build(provider="openai", llm=llm).map
        calls = len(server.requests)
        project.build(provider="openai", llm=llm)
        assert len(server.requests) == calls  # the rebuild asked nothing: both calls cached
    naming = [r for r in server.requests if "<findings>" in str(r["messages"])]
    assert len(naming) == 1  # one stage had a finding to name
    assert "Les frais de livraison sont arrivés" not in str(naming[0]["messages"])  # no source
    finding = next(i for _, i in built.items() if i.lane == Lane.OBSTACLE)
    assert finding.support.participants == 3
    assert finding.text == "Frais de livraison découverts au dernier moment"
    parameters = built.provenance.parameters
    # Three one-line sources make a tiny extraction; `make bench` measures the ratio on the samples.
    naming_tokens = int(parameters["naming_input_tokens"])
    assert 0 < naming_tokens < int(parameters["extraction_input_tokens"])
    assert built.provenance.prompt_version == "extract-v2+repair-v2+reask-v1+naming-v1"


def test_review_ratings_and_feelings_inform_the_obstacle_lane(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    reviews = tmp_path / "avis.csv"
    reviews.write_text(
        "note;avis\n"
        "5;Produit conforme à la commande, livraison rapide. Bon site de vente en ligne, "
        "ne changez rien.\n"
        "1;Livraison en retard de trois semaines et colis abîmé, le service client ne répond "
        "jamais.\n"
        "4;Très belle table, je suis ravie, le montage a été simple et rapide.\n",
        encoding="utf-8",
    )
    project = Project(tmp_path / "ws", embedder=HashingEmbedder(), segmenter=segmenter)
    project.ingest([reviews])
    built = project.build().map
    rating = {s.id: s.metadata.get("rating") for s in project.workspace.load_sources()}
    obstacles = {
        rating[e.source_id] for _, i in built.items() if i.lane == Lane.OBSTACLE for e in i.evidence
    }
    assert "1" in obstacles  # the complaint of a 1-star review
    assert "5" not in obstacles and "4" not in obstacles  # positive sentences are not obstacles
