"""Edit operations on a journey map: every operation, its refusals, addressing, descriptions, and
property tests (any operation keeps the map's invariants; a refused one changes nothing)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from assistant.editing.edits import (
    apply_operations,
    describe_operation,
    find_item,
    find_lane,
    find_stage,
    operations_json_schema,
    parse_operations,
)
from assistant.editing.revisions import commit, redo, undo
from assistant.errors import EditError
from assistant.evidence.claims import Claim, ground_claims
from assistant.evidence.verify import verify_map
from assistant.mapping.synthesis import stage_valence, support_of, synthesize
from assistant.model import (
    CUSTOMER_LANES,
    AddItem,
    AddKpi,
    AddOpportunity,
    AddStage,
    Alignment,
    AttachEvidence,
    DeleteItem,
    DeleteStage,
    DetachEvidence,
    EditOp,
    Item,
    ItemStatus,
    JourneyMap,
    Lane,
    MarkMomentOfTruth,
    MergeItems,
    MomentKind,
    MomentOfTruth,
    MoveItem,
    Provenance,
    QuoteRef,
    RenameStage,
    ReorderStages,
    Revision,
    Role,
    Segment,
    SetPersona,
    SetStatus,
    SetTargetValence,
    Source,
    SourceKind,
    SplitItem,
    SplitPart,
    UnmarkMomentOfTruth,
    UpdateItem,
    default_stages,
)
from assistant.workspace import Workspace

# -- a small map, grounded in three small sources ---------------------------------------------------
INTERVIEWER = "Enquêtrice"
TURNS_LEA = [
    (INTERVIEWER, Role.INTERVIEWER, ["Comment avez-vous découvert la marque ?"]),
    (
        "Léa",
        Role.PARTICIPANT,
        [
            "Je l’ai vue sur Instagram, dans la story d’une amie.",
            "J’ai comparé trois sites avant d’acheter.",
            "Je me demandais si je pouvais retourner le produit.",
            "Les frais de port étaient cachés jusqu’au paiement, ça m’a énervée.",
            "Au final je l’adore et je l’ai recommandé à ma sœur.",
        ],
    ),
]
TURNS_REVIEW_EN = [
    (
        None,
        Role.UNKNOWN,
        [
            "Delivery took two weeks, far too long.",
            "The support team was friendly and fixed it fast.",
        ],
    )
]
TURNS_REVIEW_FR = [(None, Role.UNKNOWN, ["Frais de livraison annoncés trop tard, dommage."])]


def make_source(
    source_id: str,
    turns: Sequence[tuple[str | None, Role, list[str]]],
    kind: SourceKind = SourceKind.INTERVIEW,
    language: str = "fr",
) -> Source:
    """A source whose segments are the given sentences, turn by turn ("Speaker : sentences")."""
    text = ""
    segments: list[Segment] = []
    for turn, (speaker, role, sentences) in enumerate(turns):
        if text:
            text += "\n"
        if speaker:
            text += f"{speaker} : "
        for sentence in sentences:
            start = len(text)
            text += sentence
            segments.append(
                Segment(
                    id=f"{source_id}:{len(segments)}",
                    source_id=source_id,
                    index=len(segments),
                    turn=turn,
                    speaker=speaker,
                    role=role,
                    start=start,
                    end=len(text),
                )
            )
            text += " "
    return Source(
        id=source_id,
        name=f"{source_id}.md",
        kind=kind,
        language=language,
        sha256="0" * 64,
        text=text,
        segments=segments,
    )


def make_sources() -> dict[str, Source]:
    sources = [
        make_source("lea", TURNS_LEA),
        make_source("avis-en", TURNS_REVIEW_EN, SourceKind.REVIEW, "en"),
        make_source("avis-fr", TURNS_REVIEW_FR, SourceKind.REVIEW),
    ]
    return {source.id: source for source in sources}


# fmt: off
CLAIMS = [  # stage, lane, item text, quote, source, valence, key (same key: one item)
    ("awareness", Lane.ACTION, "Découvre la marque sur Instagram", "Je l’ai vue sur Instagram", "lea", None, None),
    ("awareness", Lane.TOUCHPOINT, "Story Instagram d’une amie", "dans la story d’une amie", "lea", None, None),
    ("consideration", Lane.ACTION, "Compare trois sites", "J’ai comparé trois sites avant d’acheter", "lea", None, None),
    ("consideration", Lane.QUESTION, "Peut-on retourner le produit ?", "Je me demandais si je pouvais retourner le produit", "lea", None, None),
    ("purchase", Lane.OBSTACLE, "Frais de port cachés", "Les frais de port étaient cachés jusqu’au paiement", "lea", None, "fees"),
    ("purchase", Lane.OBSTACLE, "Frais de port cachés", "Frais de livraison annoncés trop tard", "avis-fr", None, "fees"),
    ("purchase", Lane.EMOTION, "Énervée par les frais", "ça m’a énervée", "lea", -2, None),
    ("retention", Lane.OBSTACLE, "Livraison trop lente", "Delivery took two weeks", "avis-en", None, None),
    ("retention", Lane.EMOTION, "Support aimable", "The support team was friendly", "avis-en", 1, None),
    ("advocacy", Lane.ACTION, "Recommande à sa sœur", "je l’ai recommandé à ma sœur", "lea", None, None),
]
# fmt: on


def make_map(sources: dict[str, Source] | None = None) -> JourneyMap:
    """Built like the builder does (ground, then synthesize), plus an opportunity, a KPI and a
    moment of truth."""
    sources = sources or make_sources()
    claims = [
        Claim(
            stage_id=stage,
            lane=lane,
            text=text,
            quote=quote,
            source_id=source,
            valence=valence,
            key=key,
        )
        for stage, lane, text, quote, source, valence, key in CLAIMS
    ]
    grounded, ungrounded = ground_claims(claims, sources)
    assert not ungrounded, ungrounded
    stages = synthesize(default_stages("fr"), grounded, {}, 0.9)
    journey = JourneyMap(
        id="overall",
        title="Parcours client — tous les participants",
        language="fr",
        revision=1,
        stages=stages,
        sources=[source.ref() for source in sources.values()],
        provenance=Provenance(tool_version="test", extractor="hand"),
    )
    fees = item_id(journey, "Frais de port cachés")
    angry = item_id(journey, "Énervée par les frais")
    purchase = next(stage for stage in journey.stages if stage.id == "purchase")
    next_id = len(journey.items()) + 1
    purchase.items += [
        Item(
            id=f"I{next_id}",
            lane=Lane.OPPORTUNITY,
            text="Afficher les frais dès le panier",
            cites=[fees],
        ),
        Item(id=f"I{next_id + 1}", lane=Lane.KPI, text="Abandons au paiement", cites=[fees, angry]),
    ]
    purchase.moments_of_truth.append(
        MomentOfTruth(kind=MomentKind.FMOT, item_id=fees, note="les frais")
    )
    return JourneyMap.model_validate(journey.model_dump())


def item_id(journey: JourneyMap, text: str) -> str:
    """The item whose label is `text`, or which quotes it (labels drop a final full stop)."""
    return next(
        item.id
        for _, item in journey.items()
        if item.text == text or any(e.quote == text for e in item.evidence)
    )


SOURCES = make_sources()
MAP = make_map(SOURCES)


# -- helpers ------------------------------------------------------------------------------------
def items_by_id(journey: JourneyMap) -> dict[str, tuple[str, Item]]:
    return {item.id: (stage.id, item) for stage, item in journey.items()}


def apply(*operations: EditOp, journey: JourneyMap = MAP) -> JourneyMap:
    result = apply_operations(journey, operations, SOURCES)
    assert_invariants(result)
    return result


def refused(*operations: EditOp, journey: JourneyMap = MAP) -> EditError:
    before = journey.model_dump()
    with pytest.raises(EditError) as caught:
        apply_operations(journey, operations, SOURCES)
    assert journey.model_dump() == before
    return caught.value


def without_revision(journey: JourneyMap) -> dict[str, Any]:
    data = journey.model_dump(mode="json")
    data.pop("revision")
    return data


def assert_invariants(journey: JourneyMap) -> None:
    """What every edited map must satisfy, whatever the operations."""
    JourneyMap.model_validate(journey.model_dump())  # unique ids, evidence or citations, sources
    report = verify_map(journey, SOURCES)  # quotes are the source's text, speakers, no interviewer
    assert report.ok, report.problems
    every = items_by_id(journey)
    for order, stage in enumerate(journey.stages):
        assert stage.order == order
        assert stage.valence == stage_valence(stage.items)
        for item in stage.items:
            if item.lane.customer_side:
                assert item.evidence and not item.cites
                assert item.support == support_of(item.evidence)
            else:
                assert item.cites and not item.evidence
                assert all(every[cited][1].lane.customer_side for cited in item.cites)
        for moment in stage.moments_of_truth:
            assert moment.item_id is None or moment.item_id in every


def new_workspace(root: Path) -> Workspace:
    """A workspace holding the three sources and MAP as revision 1 (what a build leaves)."""
    workspace = Workspace(root)
    for source in SOURCES.values():
        workspace.save_source(source)
    workspace.save_revision(Revision(number=1, author="system", message="build", map=MAP))
    return workspace


I_ACTION = item_id(MAP, "Découvre la marque sur Instagram")
I_FEES = item_id(MAP, "Frais de port cachés")  # two quotes, cited by the opportunity and the KPI
I_ANGRY = item_id(MAP, "Énervée par les frais")
I_SLOW = item_id(MAP, "Livraison trop lente")
I_OPPORTUNITY = item_id(MAP, "Afficher les frais dès le panier")
I_KPI = item_id(MAP, "Abandons au paiement")


OP_NAMES = [cls.model_fields["op"].default for cls in get_args(get_args(EditOp)[0])]
EXAMPLES: list[EditOp] = [
    AddItem(stage_id="purchase", lane=Lane.QUESTION, text="Retour possible ?",
            evidence=[QuoteRef(source_id="lea", quote="si je pouvais retourner le produit")]),
    UpdateItem(item_id=I_ANGRY, text="Agacée", valence=-1),
    DeleteItem(item_id=I_ACTION),
    MoveItem(item_id=I_SLOW, stage_id="purchase"),
    MergeItems(item_ids=[I_FEES, I_SLOW]),
    SplitItem(item_id=I_FEES, parts=[SplitPart(text="a", evidence=[0]), SplitPart(text="b", evidence=[1, 2])]),
    AttachEvidence(item_id=I_ANGRY, source_id="lea", quote="ça m’a énervée"),
    DetachEvidence(item_id=I_ANGRY, index=1),
    SetStatus(item_id=I_KPI, status=ItemStatus.ACCEPTED),
    AddStage(name="Après-vente", after="purchase"),
    RenameStage(stage_id="retention", name="Fidélité"),
    ReorderStages(stage_ids=["awareness", "consideration", "purchase", "apres-vente", "advocacy", "retention"]),
    DeleteStage(stage_id="apres-vente", move_items_to="purchase"),
    SetPersona(persona="Léa"),
    SetTargetValence(stage_id="purchase", valence=1.5),
    AddOpportunity(stage_id="purchase", text="Frais affichés tôt", cites=[I_FEES]),
    AddKpi(stage_id="purchase", text="Taux d’abandon", cites=[I_FEES]),
    MarkMomentOfTruth(kind=MomentKind.SMOT, stage_id="retention", note="premier usage"),
    UnmarkMomentOfTruth(kind=MomentKind.SMOT, stage_id="retention"),
]  # fmt: skip


def test_the_examples_apply_one_after_the_other() -> None:
    journey = MAP
    for op in EXAMPLES:
        if isinstance(op, AttachEvidence | DetachEvidence):
            continue  # I_ANGRY's only quote: attaching it again is refused, see REFUSALS
        journey = apply(op, journey=journey)
    assert journey.persona == "Léa" and [s.id for s in journey.stages][-1] == "retention"


# -- one example per operation --------------------------------------------------------------------
def test_add_item_aligns_its_quotes_and_takes_the_next_id() -> None:
    result = apply(
        AddItem(
            stage_id="consideration",
            lane=Lane.OBSTACLE,
            text="Politique de retour floue",
            evidence=[QuoteRef(source_id="lea", quote="si je pouvais retourner le produit")],
        )
    )
    stage_id, item = items_by_id(result)["I12"]
    assert stage_id == "consideration"
    assert item.evidence[0].quote == "si je pouvais retourner le produit"
    assert item.evidence[0].speaker == "Léa" and item.evidence[0].alignment == Alignment.EXACT
    assert item.support.quotes == 1 and item.status == ItemStatus.PROPOSED
    lanes = [i.lane for i in next(s for s in result.stages if s.id == "consideration").items]
    assert lanes == sorted(lanes, key=list(Lane).index)  # grouped by lane


def test_a_quote_with_other_apostrophes_and_case_is_stored_as_the_source_has_it() -> None:
    touchpoint = item_id(MAP, "Story Instagram d’une amie")
    result = apply(
        AttachEvidence(item_id=touchpoint, source_id="lea", quote="je l'ai VUE sur instagram")
    )
    added = items_by_id(result)[touchpoint][1].evidence[-1]
    assert added.quote == "Je l’ai vue sur Instagram" and added.alignment == Alignment.NORMALIZED
    assert SOURCES["lea"].text[added.start : added.end] == added.quote


def test_add_item_with_an_explicit_id_and_valence() -> None:
    result = apply(
        AddItem(
            id="joie",
            stage_id="advocacy",
            lane=Lane.EMOTION,
            text="Adore le produit",
            valence=2,
            evidence=[QuoteRef(source_id="lea", quote="Au final je l’adore")],
        )
    )
    assert items_by_id(result)["joie"][1].valence == 2
    assert next(s for s in result.stages if s.id == "advocacy").valence == 2.0


def test_update_item_text_valence_and_citations() -> None:
    result = apply(
        UpdateItem(item_id=I_ANGRY, text="Agacée par les frais", valence=-1),
        UpdateItem(item_id=I_OPPORTUNITY, cites=[I_FEES, I_ANGRY, I_FEES]),
    )
    every = items_by_id(result)
    assert every[I_ANGRY][1].text == "Agacée par les frais" and every[I_ANGRY][1].valence == -1
    assert next(s for s in result.stages if s.id == "purchase").valence == -1.0
    assert every[I_OPPORTUNITY][1].cites == [I_FEES, I_ANGRY]
    cleared = apply(UpdateItem(item_id=I_ANGRY, clear_valence=True))
    assert items_by_id(cleared)[I_ANGRY][1].valence is None
    assert next(s for s in cleared.stages if s.id == "purchase").valence is None


def test_delete_item_drops_it_from_citations_and_moments() -> None:
    result = apply(DeleteItem(item_id=I_ANGRY))
    every = items_by_id(result)
    assert I_ANGRY not in every and every[I_KPI][1].cites == [I_FEES]
    unmoored = apply(
        DeleteItem(item_id=I_OPPORTUNITY), DeleteItem(item_id=I_KPI), DeleteItem(item_id=I_FEES)
    )
    purchase = next(s for s in unmoored.stages if s.id == "purchase")
    assert purchase.moments_of_truth == [MomentOfTruth(kind=MomentKind.FMOT, note="les frais")]


def test_move_item_to_another_stage_and_lane() -> None:
    result = apply(MoveItem(item_id=I_SLOW, stage_id="purchase", lane=Lane.EXPECTATION))
    stage_id, item = items_by_id(result)[I_SLOW]
    assert (stage_id, item.lane) == ("purchase", Lane.EXPECTATION)
    assert apply(MoveItem(item_id=I_SLOW, stage_id="retention")) == MAP  # already there


def test_merge_keeps_the_first_id_all_evidence_and_rewrites_citations() -> None:
    result = apply(MergeItems(item_ids=[I_FEES, I_SLOW, I_ANGRY], text="Frais et délais"))
    every = items_by_id(result)
    merged = every[I_FEES][1]
    assert I_SLOW not in every and I_ANGRY not in every
    assert merged.text == "Frais et délais" and merged.support.quotes == 4
    assert merged.support.sources == 3
    assert every[I_KPI][1].cites == [I_FEES]  # I_ANGRY became I_FEES, once
    assert next(s for s in result.stages if s.id == "purchase").valence is None  # no emotion left


def test_split_gives_each_part_its_quotes_and_new_ids() -> None:
    fees = items_by_id(MAP)[I_FEES][1]
    result = apply(
        SplitItem(
            item_id=I_FEES,
            parts=[
                SplitPart(text="Frais de port cachés", evidence=[1]),
                SplitPart(text="Frais annoncés trop tard", quotes=["annoncés trop tard"]),
            ],
        )
    )
    every = items_by_id(result)
    assert [e.quote for e in every[I_FEES][1].evidence] == [fees.evidence[1].quote]
    assert every["I12"][1].text == "Frais annoncés trop tard"
    assert every["I12"][1].evidence == [fees.evidence[0]]
    assert every[I_OPPORTUNITY][1].cites == [I_FEES]  # citations stay on the first part


def test_split_an_opportunity_into_two_with_their_own_citations() -> None:
    result = apply(
        SplitItem(
            item_id=I_KPI,
            parts=[SplitPart(text="Abandons", cites=[I_FEES]), SplitPart(text="Plaintes")],
        )
    )
    every = items_by_id(result)
    assert every[I_KPI][1].cites == [I_FEES] and every["I12"][1].cites == [I_FEES, I_ANGRY]


def test_attach_and_detach_evidence() -> None:
    result = apply(
        AttachEvidence(item_id=I_SLOW, source_id="avis-en", quote="far too long"),
        DetachEvidence(item_id=I_FEES, quote="Frais de livraison annoncés trop tard"),
    )
    every = items_by_id(result)
    assert [e.quote for e in every[I_SLOW][1].evidence] == [
        "Delivery took two weeks",
        "far too long",
    ]
    assert every[I_SLOW][1].support.quotes == 2 and every[I_FEES][1].support.quotes == 1
    by_index = apply(DetachEvidence(item_id=I_FEES, index=0))
    assert items_by_id(by_index)[I_FEES][1].evidence == items_by_id(result)[I_FEES][1].evidence


def test_set_status() -> None:
    result = apply(SetStatus(item_id=I_FEES, status=ItemStatus.ACCEPTED))
    assert items_by_id(result)[I_FEES][1].status == ItemStatus.ACCEPTED


def test_add_stage_after_at_a_position_and_at_the_end() -> None:
    result = apply(
        AddStage(name="Après-vente", after="purchase"),
        AddStage(name="Besoin", position=0),
        AddStage(name="Après-vente", id="fin"),
    )
    assert [s.id for s in result.stages] == [
        "besoin", "awareness", "consideration", "purchase", "apres-vente", "retention", "advocacy", "fin",
    ]  # fmt: skip
    assert [s.order for s in result.stages] == list(range(8))


def test_rename_and_reorder_stages() -> None:
    order = ["awareness", "purchase", "consideration", "retention", "advocacy"]
    result = apply(
        RenameStage(stage_id="purchase", name="  Achat   en ligne "), ReorderStages(stage_ids=order)
    )
    assert [s.id for s in result.stages] == order
    assert result.stages[1].name == "Achat en ligne" and result.stages[1].order == 1


def test_delete_stage_moving_or_deleting_its_items() -> None:
    moved = apply(DeleteStage(stage_id="purchase", move_items_to="consideration"))
    assert "purchase" not in [s.id for s in moved.stages]
    consideration = next(s for s in moved.stages if s.id == "consideration")
    assert {I_FEES, I_OPPORTUNITY} <= {i.id for i in consideration.items}
    assert consideration.moments_of_truth[0].kind == MomentKind.FMOT
    assert consideration.valence == -2.0
    deleted = apply(DeleteStage(stage_id="purchase", delete_items=True))
    assert I_FEES not in items_by_id(deleted) and len(deleted.items()) == len(MAP.items()) - 4


def test_set_persona_opportunity_kpi_and_moments() -> None:
    result = apply(
        SetPersona(persona="Léa, acheteuse prudente"),
        AddOpportunity(stage_id="retention", text="Livrer en 48 h", cites=[I_SLOW]),
        AddKpi(stage_id="retention", text="Délai de livraison médian", cites=[I_SLOW]),
        MarkMomentOfTruth(
            kind=MomentKind.ZMOT, stage_id="awareness", item_id=I_ACTION, note="Instagram"
        ),
        UnmarkMomentOfTruth(kind=MomentKind.FMOT, stage_id="purchase"),
    )
    every = items_by_id(result)
    assert result.persona == "Léa, acheteuse prudente"
    assert (every["I12"][1].lane, every["I13"][1].lane) == (Lane.OPPORTUNITY, Lane.KPI)
    assert result.stages[0].moments_of_truth[0].item_id == I_ACTION
    assert result.stages[2].moments_of_truth == []
    assert apply(SetPersona(persona=None), journey=result).persona is None
    aimed = apply(SetTargetValence(stage_id="retention", valence=1.5), journey=result)
    assert next(s for s in aimed.stages if s.id == "retention").target_valence == 1.5
    cleared = apply(SetTargetValence(stage_id="retention", valence=None), journey=aimed)
    assert next(s for s in cleared.stages if s.id == "retention").target_valence is None


def test_apply_never_mutates_its_input_and_keeps_untouched_parts_identical() -> None:
    before = MAP.model_dump()
    result = apply(SetStatus(item_id=I_SLOW, status=ItemStatus.REJECTED))
    assert MAP.model_dump() == before
    assert (
        result.stages[:2] == MAP.stages[:2]
        and result.stages[3].items[1:] == MAP.stages[3].items[1:]
    )


def test_operations_round_trip_through_json() -> None:
    operations = EXAMPLES
    data = json.loads(json.dumps([op.model_dump(mode="json") for op in operations]))
    assert parse_operations(data) == operations
    assert {op.op for op in operations} == set(OP_NAMES)  # one example of every operation


def test_malformed_operations_are_named_before_anything_is_applied() -> None:
    with pytest.raises(EditError, match=r"operation 2 \(set_status\) is malformed: status"):
        parse_operations(
            [
                {"op": "delete_item", "item_id": "I1"},
                {"op": "set_status", "item_id": "I1", "status": "done"},
            ]
        )
    with pytest.raises(
        EditError, match=r"operation 1 \(nope\) is malformed: value: Input tag 'nope'"
    ):
        parse_operations([{"op": "nope"}])
    with pytest.raises(EditError, match="the operations are malformed"):
        parse_operations({"op": "delete_item", "item_id": "I1"})
    schema = operations_json_schema()
    assert schema["type"] == "array" and set(schema["items"]["discriminator"]["mapping"]) == set(
        OP_NAMES
    )


def test_merging_keeps_an_emotion_valence_but_gives_none_to_other_lanes() -> None:
    support = item_id(MAP, "Support aimable")
    emotions = apply(MergeItems(item_ids=[support, I_ANGRY]))
    assert items_by_id(emotions)[support][1].valence == 1
    obstacle = apply(MergeItems(item_ids=[I_SLOW, I_ANGRY]))
    assert items_by_id(obstacle)[I_SLOW][1].valence is None


# -- refusals -------------------------------------------------------------------------------------
# fmt: off
REFUSALS: list[tuple[list[EditOp], str]] = [
    ([DeleteItem(item_id="I404")], "item 'I404' does not exist"),
    ([MoveItem(item_id=I_FEES, stage_id="nowhere")], "stage 'nowhere' does not exist"),
    ([MoveItem(item_id=I_FEES)], "no destination"),
    ([MoveItem(item_id=I_FEES, lane=Lane.KPI)], "cannot move to the kpi lane"),
    ([AttachEvidence(item_id=I_FEES, source_id="lea", quote="livraison gratuite et rapide partout")], "cannot be grounded"),
    ([AttachEvidence(item_id=I_FEES, source_id="lea", quote="Comment avez-vous découvert la marque")], "interviewer"),
    ([AttachEvidence(item_id=I_FEES, source_id="nobody", quote="frais")], "source 'nobody'"),
    ([AttachEvidence(item_id=I_OPPORTUNITY, source_id="lea", quote="frais de port")], "not quotes"),
    ([AttachEvidence(item_id=I_FEES, source_id="avis-fr", quote="Frais de livraison annoncés trop tard")], "already quotes"),
    ([DetachEvidence(item_id=I_SLOW, index=0)], f"only evidence of {I_SLOW}"),
    ([DetachEvidence(item_id=I_FEES, index=5)], "no quote 5"),
    ([DetachEvidence(item_id=I_FEES)], "say which quote"),
    ([DetachEvidence(item_id=I_FEES, quote="introuvable")], "no quote of"),
    ([DeleteStage(stage_id="purchase")], "need a destination"),
    ([DeleteStage(stage_id="purchase", move_items_to="purchase")], "being deleted"),
    ([DeleteStage(stage_id="purchase", move_items_to="awareness", delete_items=True)], "contradict"),
    ([DeleteStage(stage_id="awareness", delete_items=True), DeleteStage(stage_id="purchase", move_items_to="awareness")], "'awareness' does not exist"),
    ([AddOpportunity(stage_id="purchase", text="x", cites=[I_FEES, "I404"])], "'I404', which does not exist"),
    ([AddKpi(stage_id="purchase", text="x", cites=[I_OPPORTUNITY])], "cite customer items"),
    ([UpdateItem(item_id=I_KPI, cites=["I404"])], "I404"),
    ([UpdateItem(item_id=I_FEES, cites=[I_ANGRY])], "quotes ground it"),
    ([UpdateItem(item_id=I_FEES)], "nothing to change"),
    ([UpdateItem(item_id=I_FEES, text="   ")], "text is empty"),
    ([UpdateItem(item_id=I_ANGRY, valence=1, clear_valence=True)], "contradict"),
    ([DeleteItem(item_id=I_FEES)], f"opportunity {I_OPPORTUNITY} cites only {I_FEES}"),
    ([DeleteStage(stage_id="purchase", delete_items=True), DeleteItem(item_id=I_ANGRY)], f"item '{I_ANGRY}' does not exist"),
    ([MergeItems(item_ids=[I_FEES, I_FEES])], "listed twice"),
    ([MergeItems(item_ids=[I_FEES, I_KPI])], "same side"),
    ([SplitItem(item_id=I_FEES, parts=[SplitPart(text="a", evidence=[0]), SplitPart(text="b")])], "part 2 «b» keeps no quote"),
    ([SplitItem(item_id=I_FEES, parts=[SplitPart(text="a", evidence=[0]), SplitPart(text="b", evidence=[0])])], "goes to no part"),
    ([SplitItem(item_id=I_FEES, parts=[SplitPart(text="a", evidence=[0, 7]), SplitPart(text="b", evidence=[1])])], "keeps quote 7"),
    ([SplitItem(item_id=I_KPI, parts=[SplitPart(text="a", evidence=[0]), SplitPart(text="b")])], "its parts cite items"),
    ([AddItem(stage_id="purchase", lane=Lane.KPI, text="x", evidence=[QuoteRef(source_id="lea", quote="frais de port")])], "add_kpi"),
    ([AddItem(id=I_FEES, stage_id="purchase", lane=Lane.ACTION, text="x", evidence=[QuoteRef(source_id="lea", quote="frais de port")])], "already used"),
    ([AddStage(name="x", after="purchase", position=1)], "contradict"),
    ([AddStage(name="x", position=9)], "past the end"),
    ([AddStage(name="x", id="purchase")], "already used"),
    ([ReorderStages(stage_ids=["purchase", "awareness", "awareness", "retention", "advocacy", "nope"])], "missing consideration; unknown nope; repeated awareness"),
    ([MarkMomentOfTruth(kind=MomentKind.FMOT, stage_id="purchase", item_id=I_FEES)], "already marked FMOT"),
    ([MarkMomentOfTruth(kind=MomentKind.SMOT, stage_id="retention", item_id="I404")], "I404"),
    ([UnmarkMomentOfTruth(kind=MomentKind.TMOT, stage_id="advocacy")], "not marked TMOT"),
]
# fmt: on


@pytest.mark.parametrize(("operations", "expected"), REFUSALS)
def test_a_refused_operation_is_named_and_changes_nothing(
    operations: list[EditOp], expected: str
) -> None:
    error = refused(*operations)
    assert expected in str(error)
    last = operations[-1]
    assert error.index == len(operations) - 1 and error.op == last.op
    assert str(error).startswith(f"operation {len(operations)} of {len(operations)} ({last.op}")
    assert " — " in str(error)  # and says what to do


def test_a_refusal_late_in_a_batch_undoes_the_earlier_operations() -> None:
    error = refused(
        SetStatus(item_id=I_FEES, status=ItemStatus.ACCEPTED),
        RenameStage(stage_id="purchase", name="Achat"),
        DeleteItem(item_id="I404"),
    )
    assert error.index == 2 and error.target == "I404"


def test_deleting_the_last_stage_is_refused() -> None:
    only = MAP.model_copy(update={"stages": [MAP.stages[0]]})
    assert "at least one stage" in str(
        refused(DeleteStage(stage_id="awareness", delete_items=True), journey=only)
    )


# -- addressing and descriptions -------------------------------------------------------------------
def test_find_stage_by_id_name_default_name_or_prefix() -> None:
    assert find_stage(MAP, "purchase").id == "purchase"
    assert find_stage(MAP, "achat").id == "purchase"
    assert find_stage(MAP, "CONSIDÉRATION").id == "consideration"
    assert find_stage(MAP, "Consideration").id == "consideration"  # the English default name
    assert find_stage(MAP, "recomm").id == "advocacy"
    assert find_stage(MAP, "plaidoyer").id == "advocacy"
    renamed = apply(RenameStage(stage_id="retention", name="Après-vente"))
    assert find_stage(renamed, "apres vente").id == "retention"
    with pytest.raises(EditError, match="no stage of map overall matches 'paiement'"):
        find_stage(MAP, "paiement")


def test_find_item_by_id_or_unique_text_prefix() -> None:
    assert find_item(MAP, I_FEES).id == I_FEES
    assert find_item(MAP, I_FEES.lower()).id == I_FEES
    assert find_item(MAP, "« frais de port »").id == I_FEES
    assert find_item(MAP, "ENERVEE").id == I_ANGRY
    assert find_item(MAP, "livr").id == I_SLOW
    with pytest.raises(EditError, match="starts the text of 2 items"):
        find_item(MAP, "a")  # "Afficher les frais…", "Abandons au paiement"
    with pytest.raises(EditError, match="no item of map overall"):
        find_item(MAP, "tarif")


def test_find_lane_in_french_or_english() -> None:
    assert find_lane("freins") == Lane.OBSTACLE
    assert find_lane("Pain points") == Lane.OBSTACLE
    assert find_lane("points de contact") == Lane.TOUCHPOINT
    assert find_lane("Émotions") == Lane.EMOTION
    assert find_lane("KPIs") == Lane.KPI
    with pytest.raises(EditError, match="no lane is called 'humeur'"):
        find_lane("humeur")


def test_describe_every_operation_in_english_and_french() -> None:
    for op in EXAMPLES:
        for language in ("en", "fr"):
            line = describe_operation(op, language, MAP)
            assert line and "\n" not in line and "{" not in line, line
    move = MoveItem(item_id=I_FEES, stage_id="retention", lane=Lane.EXPECTATION)
    assert describe_operation(move) == f"move {I_FEES} to retention, to lane expectations"
    assert describe_operation(move, "fr", MAP) == (
        f"déplacer {I_FEES} « Frais de port cachés » vers Rétention, dans la ligne attentes"
    )
    delete = DeleteStage(stage_id="purchase", move_items_to="retention")
    assert (
        describe_operation(delete, "fr", MAP)
        == "supprimer l’étape Achat, ses éléments vont à Rétention"
    )


# -- properties -----------------------------------------------------------------------------------
STAGE_IDS = [stage.id for stage in MAP.stages]
CUSTOMER = [item.id for _, item in MAP.items() if item.lane.customer_side]
ANALYST = [item.id for _, item in MAP.items() if not item.lane.customer_side]
ALL_ITEMS = CUSTOMER + ANALYST
ANALYST_LANES = [Lane.OPPORTUNITY, Lane.KPI]
# What a participant (or a review) says: any run of 3+ words of it is a quote that grounds.
SPOKEN = [
    (source.id, source.text[segment.start : segment.end])
    for source in SOURCES.values()
    for segment in source.segments
    if segment.role != Role.INTERVIEWER
]
texts = st.from_regex(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ' ]{0,24}", fullmatch=True)
valences = st.none() | st.integers(-2, 2)
statuses = st.sampled_from(list(ItemStatus))
stage_ids = st.sampled_from(STAGE_IDS)
customer_ids = st.sampled_from(CUSTOMER)
cites = st.lists(customer_ids, min_size=1, max_size=3)


@st.composite
def quotes(draw: st.DrawFn) -> QuoteRef:
    source_id, sentence = draw(st.sampled_from(SPOKEN))
    words = sentence.split()
    start = draw(st.integers(0, len(words) - 3))
    end = draw(st.integers(start + 3, len(words)))
    return QuoteRef(source_id=source_id, quote=" ".join(words[start:end]))


@st.composite
def moves(draw: st.DrawFn) -> MoveItem:
    item = draw(st.sampled_from(ALL_ITEMS))
    lanes = CUSTOMER_LANES if item in CUSTOMER else ANALYST_LANES
    stage = draw(st.none() | stage_ids)
    lane = draw(st.sampled_from(lanes) if stage is None else st.none() | st.sampled_from(lanes))
    return MoveItem(item_id=item, stage_id=stage, lane=lane)


@st.composite
def splits(draw: st.DrawFn) -> SplitItem:
    if draw(st.booleans()):  # the one customer item with two quotes: one each, or shared
        second = draw(st.sampled_from([[1], [0, 1]]))
        parts = [
            SplitPart(text=draw(texts), evidence=[0]),
            SplitPart(text=draw(texts), evidence=second),
        ]
        return SplitItem(item_id=I_FEES, parts=parts)
    parts = [
        SplitPart(text=draw(texts), cites=draw(st.none() | cites))
        for _ in range(draw(st.integers(2, 3)))
    ]
    return SplitItem(item_id=draw(st.sampled_from(ANALYST)), parts=parts)


@st.composite
def reorders(draw: st.DrawFn) -> ReorderStages:
    return ReorderStages(stage_ids=draw(st.permutations(STAGE_IDS)))


@st.composite
def stage_deletions(draw: st.DrawFn) -> DeleteStage:
    stage = draw(stage_ids)
    if draw(st.booleans()):
        return DeleteStage(stage_id=stage, delete_items=True)
    return DeleteStage(
        stage_id=stage, move_items_to=draw(st.sampled_from([s for s in STAGE_IDS if s != stage]))
    )


@st.composite
def merges(draw: st.DrawFn) -> MergeItems:
    pool = CUSTOMER if draw(st.booleans()) else ANALYST
    ids = draw(st.lists(st.sampled_from(pool), min_size=2, max_size=3, unique=True))
    return MergeItems(item_ids=ids, text=draw(st.none() | texts))


def operations() -> st.SearchStrategy[EditOp]:
    """Operations that are valid against MAP, or refused only for a reason the map explains
    (deleting an item an opportunity alone cites, attaching a passage already quoted…)."""
    return st.one_of(
        st.builds(AddItem, stage_id=stage_ids, lane=st.sampled_from(CUSTOMER_LANES), text=texts,
                  evidence=st.lists(quotes(), min_size=1, max_size=2), valence=valences),
        st.builds(UpdateItem, item_id=customer_ids, text=st.none() | texts, valence=st.integers(-2, 2)),
        st.builds(UpdateItem, item_id=st.sampled_from(ANALYST), cites=cites),
        st.builds(DeleteItem, item_id=st.sampled_from(ALL_ITEMS)),
        moves(),
        merges(),
        splits(),
        st.builds(AttachEvidence, item_id=customer_ids, source_id=st.just("lea"), quote=quotes().map(lambda q: q.quote)),
        st.builds(AttachEvidence, item_id=customer_ids, source_id=st.just("avis-en"), quote=st.sampled_from(["far too long", "fixed it fast"])),
        st.builds(DetachEvidence, item_id=st.just(I_FEES), index=st.integers(0, 1)),
        st.builds(SetStatus, item_id=st.sampled_from(ALL_ITEMS), status=statuses),
        st.builds(AddStage, name=texts, after=st.none() | stage_ids),
        st.builds(AddStage, name=texts, position=st.integers(0, len(STAGE_IDS))),
        st.builds(RenameStage, stage_id=stage_ids, name=texts),
        reorders(),
        stage_deletions(),
        st.builds(SetPersona, persona=st.none() | texts),
        st.builds(AddOpportunity, stage_id=stage_ids, text=texts, cites=cites),
        st.builds(AddKpi, stage_id=stage_ids, text=texts, cites=cites),
        st.builds(MarkMomentOfTruth, kind=st.sampled_from(list(MomentKind)), stage_id=stage_ids,
                  item_id=st.none() | st.sampled_from(ALL_ITEMS), note=st.none() | texts),
        st.just(UnmarkMomentOfTruth(kind=MomentKind.FMOT, stage_id="purchase")),
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(operations(), min_size=1, max_size=4))
def test_any_batch_keeps_the_invariants_or_is_refused_whole(batch: list[EditOp]) -> None:
    before = MAP.model_dump()
    try:
        result = apply_operations(MAP, batch, SOURCES)
    except EditError as error:
        event(f"refused: {error.op}")
        assert error.index is not None and 0 <= error.index < len(batch)
        assert MAP.model_dump() == before
        return
    event("applied")
    assert MAP.model_dump() == before  # the input is never mutated
    assert_invariants(result)
    assert parse_operations([op.model_dump(mode="json") for op in batch]) == batch


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operations(), min_size=1, max_size=2))
def test_commit_then_undo_gives_back_the_same_map_and_redo_the_edited_one(
    batch: list[EditOp],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        workspace = new_workspace(Path(folder))
        try:
            edited = commit(workspace, MAP.id, batch, base_revision=1)
        except EditError:
            event("refused")
            assert workspace.revisions(MAP.id) == [1] and workspace.head(MAP.id) == 1
            return
        event("committed")
        assert edited.number == edited.map.revision == 2
        assert workspace.load_revision(MAP.id, 2) == edited  # operations survive the JSON
        undone = undo(workspace, MAP.id, base_revision=2)
        assert undone.map.revision == 3 and undone.undoes == 2
        assert without_revision(workspace.load_map(MAP.id)) == without_revision(MAP)
        redone = redo(workspace, MAP.id, base_revision=3)
        assert without_revision(redone.map) == without_revision(edited.map)
        assert redone.operations == edited.operations and workspace.revisions(MAP.id) == [
            1,
            2,
            3,
            4,
        ]
        # what a revision stores is pinned: replayed on its parent, it gives the same map
        replayed = apply_operations(MAP, edited.operations, SOURCES)
        assert without_revision(replayed) == without_revision(edited.map)


@st.composite
def invalid(draw: st.DrawFn) -> tuple[EditOp, str]:
    """An operation MAP cannot take, and what its refusal must name."""
    missing = draw(st.from_regex(r"I[1-9][0-9]{2}|X[a-z]{1,5}", fullmatch=True))
    stage, item, single = (
        draw(stage_ids),
        draw(customer_ids),
        draw(st.sampled_from([i for i in CUSTOMER if i != I_FEES])),
    )
    junk = " ".join(
        draw(
            st.lists(
                st.sampled_from(["zorglub", "quux", "blorf", "wibble", "frobnic"]),
                min_size=4,
                max_size=6,
            )
        )
    )
    # fmt: off
    choices: list[tuple[EditOp, str]] = [
        (DeleteItem(item_id=missing), repr(missing)),
        (SetStatus(item_id=missing, status=ItemStatus.ACCEPTED), repr(missing)),
        (MoveItem(item_id=item, stage_id=f"no-{stage}"), repr(f"no-{stage}")),
        (AddItem(stage_id=f"no-{stage}", lane=Lane.ACTION, text="x", evidence=[QuoteRef(source_id="lea", quote="trois sites")]), repr(f"no-{stage}")),
        (AttachEvidence(item_id=item, source_id="lea", quote=junk), "cannot be grounded"),
        (AttachEvidence(item_id=item, source_id="lea", quote="Comment avez-vous découvert la marque ?"), "interviewer"),
        (AttachEvidence(item_id=item, source_id=f"src-{missing}", quote="trois sites"), repr(f"src-{missing}")),
        (DetachEvidence(item_id=single, index=0), f"only evidence of {single}"),
        (DeleteStage(stage_id=stage), f"stage {stage} need a destination"),
        (AddOpportunity(stage_id=stage, text="x", cites=[item, missing]), repr(missing)),
        (AddKpi(stage_id=stage, text="x", cites=[missing]), repr(missing)),
        (MarkMomentOfTruth(kind=MomentKind.ZMOT, stage_id=stage, item_id=missing), repr(missing)),
    ]
    # fmt: on
    return draw(st.sampled_from(choices))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    invalid(),
    st.lists(st.builds(SetStatus, item_id=st.sampled_from(ALL_ITEMS), status=statuses), max_size=2),
)
def test_an_invalid_operation_is_refused_by_name_and_saves_nothing(
    tmp_path: Path, case: tuple[EditOp, str], valid_before: list[EditOp]
) -> None:
    workspace = Workspace(tmp_path) if Workspace(tmp_path).head(MAP.id) else new_workspace(tmp_path)
    operation, named = case
    with pytest.raises(EditError) as caught:
        commit(workspace, MAP.id, [*valid_before, operation], base_revision=1)
    assert named in str(caught.value)
    assert caught.value.index == len(valid_before) and caught.value.op == operation.op
    assert workspace.revisions(MAP.id) == [1] and workspace.head(MAP.id) == 1
    assert [p.name for p in workspace.revision_path(MAP.id, 1).parent.iterdir()] == ["000001.json"]
