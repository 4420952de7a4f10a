"""The ideal journey drafted from a map, and the gap between them: pure functions first, then
the workspace (revisions, the LLM wording through the scripted server)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.editing.edits import apply_operations
from assistant.errors import MapError
from assistant.evidence.claims import Claim, ground_claims
from assistant.extract.llm import LLMExtractor
from assistant.mapping.gap import Gap, gap_between
from assistant.mapping.ideal import draft_ideal, ideal_map_id, stage_briefs
from assistant.mapping.ideal_store import map_pair, save_ideal
from assistant.mapping.synthesis import synthesize
from assistant.model import (
    ItemStatus,
    JourneyMap,
    Lane,
    MomentKind,
    MomentOfTruth,
    Provenance,
    Revision,
    Role,
    Source,
    UpdateItem,
    default_stages,
)
from assistant.providers.openai import OpenAIProvider
from assistant.providers.retry import RetryPolicy
from assistant.testing import ScriptedOpenAIServer
from assistant.workspace import Workspace
from tests.test_edits import MAP as MAP_WITHOUT_EXPECTATIONS
from tests.test_edits import make_source

LEA = [
    ("Enquêtrice", Role.INTERVIEWER, ["Qu'attendiez-vous de la livraison ?"]),
    (
        "Léa",
        Role.PARTICIPANT,
        [
            "Je voulais un canapé pour recevoir toute la famille.",
            "Je pensais être livrée en une semaine.",
            "La livraison a pris six semaines.",
            "J'étais furieuse.",
            "Je m'attendais à voir les frais de port dès la fiche produit.",
            "Les frais de port sont apparus au paiement.",
            "Le site plantait sur mon téléphone.",
        ],
    ),
]
MARC = [
    (
        "Marc",
        Role.PARTICIPANT,
        [
            "Six semaines de livraison au lieu d'une semaine promise.",
            "J'étais furieux contre le service client.",
            "Le site plantait sur mon téléphone aussi.",
        ],
    )
]
# fmt: off
CLAIMS = [  # stage, lane, text, quote, source, valence, key
    ("purchase", Lane.MOTIVATION, "Recevoir toute la famille", "Je voulais un canapé pour recevoir toute la famille", "lea", None, None),
    ("purchase", Lane.EXPECTATION, "Voir les frais de port dès la fiche produit", "Je m'attendais à voir les frais de port dès la fiche produit", "lea", None, None),
    ("purchase", Lane.OBSTACLE, "Frais de port apparus au paiement", "Les frais de port sont apparus au paiement", "lea", None, None),
    ("purchase", Lane.OBSTACLE, "Le site plante sur mobile", "Le site plantait sur mon téléphone", "lea", None, "crash"),
    ("purchase", Lane.OBSTACLE, "Le site plante sur mobile", "Le site plantait sur mon téléphone aussi", "marc", None, "crash"),
    ("retention", Lane.EXPECTATION, "Être livré en une semaine", "Je pensais être livrée en une semaine", "lea", None, None),
    ("retention", Lane.OBSTACLE, "Six semaines de livraison", "La livraison a pris six semaines", "lea", None, "late"),
    ("retention", Lane.OBSTACLE, "Six semaines de livraison", "Six semaines de livraison au lieu d'une semaine promise", "marc", None, "late"),
    ("retention", Lane.EMOTION, "Furieux", "J'étais furieuse", "lea", -2, "angry"),
    ("retention", Lane.EMOTION, "Furieux", "J'étais furieux contre le service client", "marc", -2, "angry"),
]
# fmt: on


def make_sources() -> dict[str, Source]:
    return {s.id: s for s in (make_source("lea", LEA), make_source("marc", MARC))}


def make_map(sources: dict[str, Source]) -> JourneyMap:
    claims = [
        Claim(stage_id=stage, lane=lane, text=text, quote=quote, source_id=source,
              valence=valence, key=key)
        for stage, lane, text, quote, source, valence, key in CLAIMS
    ]  # fmt: skip
    grounded, ungrounded = ground_claims(claims, sources)
    assert not ungrounded, ungrounded
    return JourneyMap(
        id="overall",
        title="Parcours client — tous les participants",
        language="fr",
        revision=1,
        stages=synthesize(default_stages("fr"), grounded, {}, 0.9),
        sources=[source.ref() for source in sources.values()],
        provenance=Provenance(tool_version="test", extractor="hand"),
    )


SOURCES = make_sources()
ACTUAL = make_map(SOURCES)


def by_text(journey_map: JourneyMap, text: str) -> str:
    return next(item.id for _, item in journey_map.items() if item.text == text)


def gap_workspace(root: Path) -> Workspace:
    workspace = Workspace(root)
    for source in SOURCES.values():
        workspace.save_source(source)
    workspace.save_revision(Revision(number=1, author="system", message="build", map=ACTUAL))
    workspace.ensure_manifest()
    return workspace


# -- the draft --------------------------------------------------------------------------------
def test_the_ideal_map_keeps_goals_and_expectations_with_their_ids_and_quotes() -> None:
    draft = draft_ideal(ACTUAL)
    ideal = draft.map
    assert (ideal.id, ideal.kind, ideal.actual_map_id, ideal.revision) == (
        "overall-ideal",
        "ideal",
        "overall",
        1,
    )
    assert ideal_map_id("impulsive") == "impulsive-ideal"
    assert [s.id for s in ideal.stages] == [s.id for s in ACTUAL.stages]
    purchase = next(s for s in ideal.stages if s.id == "purchase")
    lanes = [item.lane for item in purchase.items]
    assert lanes == [Lane.MOTIVATION, Lane.EXPECTATION, Lane.OPPORTUNITY]
    actual_items = {item.id: item for _, item in ACTUAL.items()}
    for item in purchase.items[:2]:
        assert item.evidence == actual_items[item.id].evidence  # the same finding, same quotes
    target = purchase.items[2]
    assert target.id == "T3" and not target.evidence
    assert set(target.cites) == {item.id for item in purchase.items[:2]}
    assert "Recevoir toute la famille" in target.text and "à écrire" in target.text
    assert all(stage.target_valence == 1.0 and stage.valence is None for stage in ideal.stages)
    assert [m.kind for m in purchase.moments_of_truth] == [MomentKind.FMOT]  # DOMAIN's default
    assert not any(item.lane in (Lane.OBSTACLE, Lane.EMOTION) for _, item in ideal.items())
    assert JourneyMap.model_validate_json(ideal.model_dump_json()) == ideal


def test_stages_without_motivations_or_expectations_fall_back_or_say_so() -> None:
    draft = draft_ideal(MAP_WITHOUT_EXPECTATIONS)
    stages = {stage.id: stage for stage in draft.map.stages}
    consideration = {item.lane: item for item in stages["consideration"].items}
    assert consideration[Lane.MOTIVATION].text == "Compare trois sites"  # from the actions
    assert consideration[Lane.EXPECTATION].text == "Peut-on retourner le produit ?"  # question
    assert consideration[Lane.EXPECTATION].evidence  # a real quote, never a negated obstacle
    assert "Achat : aucune attente entendue à cette étape" in draft.notes
    assert "Considération : aucune motivation entendue, buts tirés des actions" in draft.notes
    rejected = MAP_WITHOUT_EXPECTATIONS.model_copy(deep=True)
    for _, item in rejected.items():
        item.status = ItemStatus.REJECTED
    assert all(not s.items for s in draft_ideal(rejected).map.stages)  # rejected: left out


def test_an_ideal_map_is_not_drafted_again_from_itself() -> None:
    with pytest.raises(MapError, match=r"already an ideal journey.*its actual map .overall"):
        draft_ideal(draft_ideal(ACTUAL).map)


def test_an_edit_operation_works_on_the_ideal_map() -> None:
    ideal = draft_ideal(ACTUAL).map
    edited = apply_operations(ideal, [UpdateItem(item_id="T3", text="Prix complet affiché")], {})
    target = next(item for _, item in edited.items() if item.id == "T3")
    assert target.text == "Prix complet affiché"
    assert all(stage.target_valence == 1.0 for stage in edited.stages)  # kept through edits


def test_old_map_json_without_a_kind_is_an_actual_map() -> None:
    data = json.loads(ACTUAL.model_dump_json())
    del data["kind"], data["actual_map_id"]
    for stage in data["stages"]:
        del stage["target_valence"]
    loaded = JourneyMap.model_validate(data)
    assert (loaded.kind, loaded.actual_map_id) == ("actual", None)


# -- the gap ----------------------------------------------------------------------------------
def test_the_gap_names_the_broken_expectations_with_their_support() -> None:
    gap = gap_between(ACTUAL, draft_ideal(ACTUAL).map)  # keywords alone
    stages = {stage.id: stage for stage in gap.stages}
    retention = stages["retention"]
    (broken,) = retention.broken
    assert broken.expectation.text == "Être livré en une semaine"
    (late,) = broken.broken_by  # keywords alone: "Furieux" shares none, it hurts apart
    assert late.item.text == "Six semaines de livraison" and "semain" in late.shared_words
    assert late.item.support.participants == 2 and late.item.quotes[0].source_id == "lea"
    assert [c.item.text for c in retention.pain_points] == ["Furieux"]
    assert broken.participants == 2 and broken.severity == 2.0  # both furious at that stage
    assert (retention.actual_valence, retention.target_valence) == (-2.0, 1.0)
    assert retention.valence_gap == 3.0
    purchase = stages["purchase"]
    assert [b.expectation.text for b in purchase.broken] == [
        "Voir les frais de port dès la fiche produit"
    ]
    assert [c.item.text for c in purchase.pain_points] == ["Le site plante sur mobile"]
    awareness = stages["awareness"]
    assert awareness.note == "aucune attente entendue à cette étape"
    assert Gap.model_validate_json(gap.model_dump_json()) == gap


def test_priorities_rank_participants_times_severity_and_name_their_evidence() -> None:
    gap = gap_between(ACTUAL, draft_ideal(ACTUAL).map)
    first = gap.priorities[0]
    assert first.rank == 1 and first.stage_id == "retention"
    assert first.kind == "broken_expectation" and first.moment == MomentKind.SMOT
    assert first.item_ids[0] == by_text(ACTUAL, "Être livré en une semaine")
    assert by_text(ACTUAL, "Six semaines de livraison") in first.item_ids
    assert first.quotes[0].quote == "Je pensais être livrée en une semaine"  # expected, then…
    assert first.quotes[1].quote in {
        "La livraison a pris six semaines",
        "Six semaines de livraison au lieu d'une semaine promise",
        "J'étais furieuse",
        "J'étais furieux contre le service client",
    }
    assert first.score == first.participants * first.severity
    scores = [(p.moment is None, -p.score) for p in gap.priorities]
    assert scores == sorted(scores)
    crash = next(p for p in gap.priorities if p.text == "Le site plante sur mobile")
    assert crash.kind == "pain_point" and crash.participants == 2 and crash.severity == 1.0


def test_a_moment_of_truth_marked_on_an_item_comes_first() -> None:
    ideal = draft_ideal(ACTUAL).map
    crash = by_text(ACTUAL, "Le site plante sur mobile")
    actual = ACTUAL.model_copy(deep=True)
    purchase = next(s for s in actual.stages if s.id == "purchase")
    purchase.moments_of_truth = [MomentOfTruth(kind=MomentKind.FMOT, item_id=crash)]
    assert gap_between(actual, ideal).priorities[0].item_ids == [crash]


def test_kpis_cite_what_they_track_in_the_maps_language() -> None:
    gap = gap_between(ACTUAL, draft_ideal(ACTUAL).map)
    retention = next(s for s in gap.stages if s.id == "retention")
    texts = [kpi.text for kpi in retention.kpis]
    assert texts[0].startswith("Livraisons à la date annoncée")
    assert "Part des clients pour qui « Être livré en une semaine » est tenu" in texts[1]
    assert any(t.startswith("Émotion moyenne à l'étape « Rétention » : -2.0") for t in texts)
    every = {item.id for _, item in ACTUAL.items()}
    assert all(kpi.cites and set(kpi.cites) <= every for s in gap.stages for kpi in s.kpis)
    english = ACTUAL.model_copy(update={"language": "en"})
    texts_en = [k.text for s in gap_between(english, draft_ideal(english).map).stages
                for k in s.kpis]  # fmt: skip
    assert "Share of customers for whom “Être livré en une semaine” holds" in " ".join(texts_en)


def fake_vectors(texts: Sequence[str]) -> np.ndarray:
    """Everything about delivery on one axis, the rest on its own."""
    rows = np.zeros((len(texts), 3), dtype=np.float32)
    for i, text in enumerate(texts):
        rows[i, 0 if ("livr" in text.lower() or text == "Furieux") else 1 + i % 2] = 1.0
    return rows


def test_vectors_pair_what_keywords_miss() -> None:
    ideal = draft_ideal(ACTUAL).map
    lexical = gap_between(ACTUAL, ideal)
    semantic = gap_between(ACTUAL, ideal, fake_vectors)  # "Furieux" shares no keyword
    broken = next(s for s in semantic.stages if s.id == "retention").broken[0]
    assert "Furieux" in {c.item.text for c in broken.broken_by}
    assert broken.severity == 2.0
    assert "cosine" in semantic.method and "keyword overlap" in lexical.method


# -- in a workspace ---------------------------------------------------------------------------
def test_the_ideal_map_is_a_revision_and_redrafting_makes_the_next(tmp_path: Path) -> None:
    workspace = gap_workspace(tmp_path / "ws")
    first = save_ideal(workspace, "overall")
    assert first.created and first.path is not None and first.map.revision == 1
    again = save_ideal(workspace, "overall")
    assert not again.created and again.map == first.map
    redrafted = save_ideal(workspace, "overall", redraft=True)
    assert redrafted.map.revision == 2 and workspace.head("overall-ideal") == 2
    actual, ideal = map_pair(workspace, "overall-ideal")
    assert (actual.id, ideal.id) == ("overall", "overall-ideal")
    assert map_pair(workspace, "overall")[1] == ideal
    assert (
        "draft the ideal journey from overall revision 1"
        in workspace.load_revision("overall-ideal", 1).message
    )


def test_no_ideal_map_yet_says_how_to_draft_one(tmp_path: Path) -> None:
    workspace = gap_workspace(tmp_path / "ws")
    with pytest.raises(MapError, match=r"no ideal journey yet.*parcours ideal --map overall"):
        map_pair(workspace, "overall")


def test_the_chat_model_words_the_targets_from_the_findings_only(tmp_path: Path) -> None:
    workspace = gap_workspace(tmp_path / "ws")
    with ScriptedOpenAIServer() as server:
        provider = OpenAIProvider("scripted", base_url=server.base_url)
        llm = LLMExtractor(provider, retry=RetryPolicy(sleep=lambda _: None))
        result = save_ideal(workspace, "overall", llm=llm)
    (request,) = server.requests  # one call for the whole map
    sent = json.dumps(request["messages"], ensure_ascii=False)
    assert "Voir les frais de port dès la fiche produit" in sent
    assert "Je voulais un canapé" not in sent and "Enquêtrice" not in sent  # no source text
    purchase = next(s for s in result.map.stages if s.id == "purchase")
    target = next(item for item in purchase.items if item.lane == Lane.OPPORTUNITY)
    assert target.text == "Target: Voir les frais de port dès la fiche produit"
    provenance = result.map.provenance
    assert provenance.model == "scripted" and provenance.prompt_version == "targets-v1"
    assert provenance.token_usage is not None and provenance.token_usage.input_tokens > 0
    awareness = next(s for s in result.map.stages if s.id == "awareness")
    assert not awareness.items  # nothing to word, nothing asked
    assert [b.stage_id for b in stage_briefs(ACTUAL) if b.goals or b.expectations] == [
        "purchase",
        "retention",
    ]
