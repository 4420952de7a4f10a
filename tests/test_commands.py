"""The offline assistant's command grammar: every form, French and English, gives the expected
operations as a proposal (never applied); unknown or refused commands give a reply and no
proposal; searches, explanations and listings cite their quotes as [source, speaker, time]."""

from __future__ import annotations

from typing import get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.editing.edits import apply_operations
from assistant.editing.operations import describe_operation
from assistant.model import (
    AddItem,
    AddKpi,
    AddOpportunity,
    AddStage,
    AttachEvidence,
    DeleteItem,
    DeleteStage,
    DetachEvidence,
    EditOp,
    ItemStatus,
    JourneyMap,
    Lane,
    MarkMomentOfTruth,
    MergeItems,
    MomentKind,
    MoveItem,
    QuoteRef,
    RenameStage,
    ReorderStages,
    SetPersona,
    SetStatus,
    SetTargetValence,
    Source,
    SplitItem,
    SplitPart,
    UnmarkMomentOfTruth,
    UpdateItem,
)
from assistant.refine.grammar.assistant import OfflineAssistant
from assistant.refine.search import WorkspaceSearch
from assistant.refine.turns import AssistantTurn, ChatContext
from tests.test_edits import (
    I_ACTION,
    I_ANGRY,
    I_FEES,
    I_KPI,
    I_OPPORTUNITY,
    I_SLOW,
    MAP,
    SOURCES,
    item_id,
)

I_COMPARE = item_id(MAP, "Compare trois sites")
I_RETURN = item_id(MAP, "Peut-on retourner le produit ?")
I_SUPPORT = item_id(MAP, "Support aimable")
I_SISTER = item_id(MAP, "Recommande à sa sœur")
ORDER = ["awareness", "purchase", "consideration", "retention", "advocacy"]


def with_timestamps(source: Source) -> Source:
    """The source with a time on each of its segments, as a timed transcript has."""
    segments = [
        segment.model_copy(update={"timestamp": f"00:0{segment.turn}:{10 + segment.index:02d}"})
        for segment in source.segments
    ]
    return source.model_copy(update={"segments": segments, "persona": "Impulsive"})


TIMED = {**SOURCES, "lea": with_timestamps(SOURCES["lea"])}


def context(journey_map: JourneyMap = MAP) -> ChatContext:
    search = WorkspaceSearch(TIMED, journey_map=journey_map)
    return ChatContext(map_id=journey_map.id, journey_map=journey_map, sources=TIMED, search=search)


def respond(message: str, journey_map: JourneyMap = MAP) -> AssistantTurn:
    return OfflineAssistant().respond(message, context(journey_map))


def english(journey_map: JourneyMap = MAP) -> JourneyMap:
    return journey_map.model_copy(update={"language": "en"})


# fmt: off
CASES: list[tuple[str, str, list[EditOp]]] = [
    ("move I3 to purchase", "en", [MoveItem(item_id=I_COMPARE, stage_id="purchase")]),
    ("déplace I3 vers achat", "fr", [MoveItem(item_id=I_COMPARE, stage_id="purchase")]),
    ("mets I3 à l’achat", "fr", [MoveItem(item_id=I_COMPARE, stage_id="purchase")]),
    ('move "Compare trois" to the purchase stage', "en", [MoveItem(item_id=I_COMPARE, stage_id="purchase")]),
    ("move I6 to obstacle lane", "en", [MoveItem(item_id=I_ANGRY, lane=Lane.OBSTACLE)]),
    ("déplace I6 dans les freins", "fr", [MoveItem(item_id=I_ANGRY, lane=Lane.OBSTACLE)]),
    ("move I3 to purchase, questions", "en", [MoveItem(item_id=I_COMPARE, stage_id="purchase", lane=Lane.QUESTION)]),
    ("déplace I3 et I4 vers l'étape achat", "fr",
     [MoveItem(item_id=I_COMPARE, stage_id="purchase"), MoveItem(item_id=I_RETURN, stage_id="purchase")]),
    ('merge I5 and I7 as "Frais et délais"', "en", [MergeItems(item_ids=[I_FEES, I_SLOW], text="Frais et délais")]),
    ("fusionne I5 et I7", "fr", [MergeItems(item_ids=[I_FEES, I_SLOW])]),
    ('split I5 into "Port" (1) | "Livraison" (2)', "en",
     [SplitItem(item_id=I_FEES, parts=[SplitPart(text="Port", evidence=[0]), SplitPart(text="Livraison", evidence=[1])])]),
    ("scinde I5 en « Port » (1) et « Livraison »", "fr",
     [SplitItem(item_id=I_FEES, parts=[SplitPart(text="Port", evidence=[0]), SplitPart(text="Livraison", evidence=[1])])]),
    ("delete I9", "en", [DeleteItem(item_id=I_SISTER)]),
    ("supprime I9", "fr", [DeleteItem(item_id=I_SISTER)]),
    ('rename stage purchase to "Checkout"', "en", [RenameStage(stage_id="purchase", name="Checkout")]),
    ("renomme l'étape achat en « Paiement »", "fr", [RenameStage(stage_id="purchase", name="Paiement")]),
    ("add a stage onboarding after purchase", "en", [AddStage(name="onboarding", after="purchase")]),
    ("ajoute une étape onboarding après achat", "fr", [AddStage(name="onboarding", after="purchase")]),
    ("ajoute une étape « Après-vente » au début", "fr", [AddStage(name="Après-vente", position=0)]),
    ("add stage Research before consideration", "en", [AddStage(name="Research", position=1)]),
    ("delete stage retention and move its items to purchase", "en",
     [DeleteStage(stage_id="retention", move_items_to="purchase")]),
    ("supprime l'étape rétention et déplace ses éléments vers achat", "fr",
     [DeleteStage(stage_id="retention", move_items_to="purchase")]),
    ("delete stage retention with its items", "en", [DeleteStage(stage_id="retention", delete_items=True)]),
    ("reorder stages awareness, purchase, consideration, retention, advocacy", "en", [ReorderStages(stage_ids=ORDER)]),
    ("réordonne les étapes sensibilisation, achat, considération, rétention, recommandation", "fr",
     [ReorderStages(stage_ids=ORDER)]),
    ("move stage purchase before consideration", "en", [ReorderStages(stage_ids=ORDER)]),
    ("déplace l'étape considération après achat", "fr", [ReorderStages(stage_ids=ORDER)]),
    ("accept I3", "en", [SetStatus(item_id=I_COMPARE, status=ItemStatus.ACCEPTED)]),
    ("reject I3", "en", [SetStatus(item_id=I_COMPARE, status=ItemStatus.REJECTED)]),
    ("valide I3, I4", "fr",
     [SetStatus(item_id=I_COMPARE, status=ItemStatus.ACCEPTED), SetStatus(item_id=I_RETURN, status=ItemStatus.ACCEPTED)]),
    ("rejette I3", "fr", [SetStatus(item_id=I_COMPARE, status=ItemStatus.REJECTED)]),
    ("remets I3 en proposé", "fr", [SetStatus(item_id=I_COMPARE, status=ItemStatus.PROPOSED)]),
    ("mark I3 as accepted", "en", [SetStatus(item_id=I_COMPARE, status=ItemStatus.ACCEPTED)]),
    ('attach "ça m’a énervée" from lea to I5', "en",
     [AttachEvidence(item_id=I_FEES, source_id="lea", quote="ça m'a énervée")]),
    ('attach "Delivery took two weeks" to I8', "en",
     [AttachEvidence(item_id=I_SUPPORT, source_id="avis-en", quote="Delivery took two weeks")]),
    ("rattache « J’ai comparé trois sites » de lea.md à I4", "fr",
     [AttachEvidence(item_id=I_RETURN, source_id="lea", quote="J'ai comparé trois sites")]),
    ("detach quote 2 from I5", "en", [DetachEvidence(item_id=I_FEES, index=1)]),
    ("retire la citation 2 de I5", "fr", [DetachEvidence(item_id=I_FEES, index=1)]),
    ('detach "Frais de livraison" from I5', "en", [DetachEvidence(item_id=I_FEES, quote="Frais de livraison")]),
    ('add obstacle to purchase: "Retour incertain" quote "si je pouvais retourner le produit" from lea', "en",
     [AddItem(stage_id="purchase", lane=Lane.OBSTACLE, text="Retour incertain",
              evidence=[QuoteRef(source_id="lea", quote="si je pouvais retourner le produit")])]),
    ("ajoute un frein à achat : « Retour incertain » citation « si je pouvais retourner le produit » de lea", "fr",
     [AddItem(stage_id="purchase", lane=Lane.OBSTACLE, text="Retour incertain",
              evidence=[QuoteRef(source_id="lea", quote="si je pouvais retourner le produit")])]),
    ('add emotion to retention: "Rassuré" quote "The support team was friendly" valence 1', "en",
     [AddItem(stage_id="retention", lane=Lane.EMOTION, text="Rassuré", valence=1,
              evidence=[QuoteRef(source_id="avis-en", quote="The support team was friendly")])]),
    ('set persona "Léa"', "en", [SetPersona(persona="Léa")]),
    ("persona : « Léa »", "fr", [SetPersona(persona="Léa")]),
    ("clear persona", "en", [SetPersona(persona=None)]),
    ("target purchase +1.5", "en", [SetTargetValence(stage_id="purchase", valence=1.5)]),
    ("aim for retention at 2", "en", [SetTargetValence(stage_id="retention", valence=2.0)]),
    ("cible achat +1,5", "fr", [SetTargetValence(stage_id="purchase", valence=1.5)]),
    ("vise l'étape rétention : 3", "fr", [SetTargetValence(stage_id="retention", valence=2.0)]),
    ('add opportunity to purchase: "Livraison express" for I5, I7', "en",
     [AddOpportunity(stage_id="purchase", text="Livraison express", cites=[I_FEES, I_SLOW])]),
    ("ajoute une opportunité à achat : « Livraison express » pour I5", "fr",
     [AddOpportunity(stage_id="purchase", text="Livraison express", cites=[I_FEES])]),
    ("add kpi to retention: delivery time for I7", "en", [AddKpi(stage_id="retention", text="delivery time", cites=[I_SLOW])]),
    ("ajoute un indicateur à achat : taux d'abandon pour I5 et I6", "fr",
     [AddKpi(stage_id="purchase", text="taux d'abandon", cites=[I_FEES, I_ANGRY])]),
    ("mark retention as SMOT: premier usage", "en",
     [MarkMomentOfTruth(kind=MomentKind.SMOT, stage_id="retention", note="premier usage")]),
    ("marque achat comme ZMOT", "fr", [MarkMomentOfTruth(kind=MomentKind.ZMOT, stage_id="purchase")]),
    ("mark I9 as TMOT", "en", [MarkMomentOfTruth(kind=MomentKind.TMOT, stage_id="advocacy", item_id=I_SISTER)]),
    ("unmark FMOT on purchase", "en", [UnmarkMomentOfTruth(kind=MomentKind.FMOT, stage_id="purchase")]),
    ("retire le FMOT de achat", "fr", [UnmarkMomentOfTruth(kind=MomentKind.FMOT, stage_id="purchase")]),
    ('rename I3 "Compare des sites"', "en", [UpdateItem(item_id=I_COMPARE, text="Compare des sites")]),
    ("renomme I3 en « Compare des sites »", "fr", [UpdateItem(item_id=I_COMPARE, text="Compare des sites")]),
    ('update I6 text "Agacée" valence -1', "en", [UpdateItem(item_id=I_ANGRY, text="Agacée", valence=-1)]),
    ("modifie I6 valence aucune", "fr", [UpdateItem(item_id=I_ANGRY, clear_valence=True)]),
    ("update I10 cites I5, I6", "en", [UpdateItem(item_id=I_OPPORTUNITY, cites=[I_FEES, I_ANGRY])]),
    ('rename purchase to "Checkout"', "en", [RenameStage(stage_id="purchase", name="Checkout")]),
    ("accept I3; move I4 to purchase", "en",
     [SetStatus(item_id=I_COMPARE, status=ItemStatus.ACCEPTED), MoveItem(item_id=I_RETURN, stage_id="purchase")]),
]
# fmt: on


@pytest.mark.parametrize(("message", "language", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_form_proposes_its_operations(
    message: str, language: str, expected: list[EditOp]
) -> None:
    before = MAP.model_dump()
    turn = respond(message)
    assert turn.proposal is not None, turn.reply
    assert turn.proposal.operations == expected
    assert turn.language == language and turn.control is None
    assert turn.proposal.base_revision == MAP.revision
    assert turn.proposal.descriptions == [describe_operation(op, language, MAP) for op in expected]
    assert all(line in turn.reply for line in turn.proposal.descriptions)
    assert MAP.model_dump() == before  # proposed, never applied


def test_the_grammar_covers_every_operation_in_both_languages() -> None:
    names = {cls.model_fields["op"].default for cls in get_args(get_args(EditOp)[0])}
    for language in ("en", "fr"):
        covered = {op.op for _, lang, ops in CASES if lang == language for op in ops}
        assert covered == names, (language, names - covered)


def test_accents_case_and_typographic_quotes_do_not_matter() -> None:
    for message in ("DEPLACE I3 VERS ACHAT", "déplace i3 vers Achat.", "Déplace I3 vers « achat »"):
        turn = respond(message)
        assert turn.proposal is not None, turn.reply
        assert turn.proposal.operations == [MoveItem(item_id=I_COMPARE, stage_id="purchase")]


@pytest.mark.parametrize(
    ("message", "control", "language"),
    [("undo", "undo", "en"), ("annule", "undo", "fr"), ("redo", "redo", "en"),
     ("rétablis", "redo", "fr")],
)  # fmt: skip
def test_undo_and_redo_are_controls_not_proposals(
    message: str, control: str, language: str
) -> None:
    turn = respond(message)
    assert (turn.control, turn.proposal, turn.language) == (control, None, language)


@pytest.mark.parametrize(
    ("message", "language"),
    [("blah blah", "fr"), ("please do the thing with the stage", "en"), ("fais un truc", "fr")],
)
def test_an_unknown_command_gets_examples_and_no_proposal(message: str, language: str) -> None:
    turn = respond(message)
    assert turn.proposal is None and turn.control is None and turn.language == language
    assert message in turn.reply
    assert ("déplace I12 vers achat" if language == "fr" else "move I12 to purchase") in turn.reply


def test_help_lists_examples_in_the_users_language() -> None:
    assert "search delivery delay" in respond("help").reply
    assert "cherche retard de livraison" in respond("aide").reply
    assert "cherche retard de livraison" in respond("?").reply  # shared form: the map's language
    assert "search delivery delay" in respond("?", english()).reply


@pytest.mark.parametrize(
    ("message", "why"),
    [
        ("move I99 to purchase", "no item of map overall has the id or the text 'I99'"),
        ("move I3 to nowhere", "no stage of map overall matches 'nowhere'"),
        ("déplace I3 dans la ligne des bêtises", "no lane is called"),
        ("mark I5 as FMOT", "purchase is already marked FMOT with I5"),
        ("detach quote 1 from I6", "that quote is the only evidence of"),
        ('attach "une phrase que personne n’a dite" to I5', "no source contains"),
        ("reorder stages awareness, purchase", "missing consideration, retention, advocacy"),
        ("move I10 to obstacle lane", "cannot move to the obstacle lane"),
        ("delete stage retention", "need a destination"),
    ],
)
def test_an_invalid_target_is_explained_and_nothing_is_proposed(message: str, why: str) -> None:
    turn = respond(message)
    assert turn.proposal is None and turn.control is None
    assert why in turn.reply, turn.reply


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("supprime tous les éléments", "Je ne modifie que les éléments que vous nommez"),
        ("delete every item", "I only change the items you name"),
        ("fusionne I5", "Nommez au moins deux éléments"),
        ('split I5 into "a" (1)', "Give two parts or more"),
        ('split I5 into "a" | "b" | "c"', "I5 has 2 quotes"),
        ('add obstacle to purchase: "Sans preuve"', "needs at least one quote"),
        ('add opportunity to purchase: "Idée" quote "x"', "cite the items they answer"),
        ("update I6 couleur rouge", "Say what changes"),
        ("delete I3; search frais", "One thing at a time"),
    ],
)
def test_an_unclear_command_says_how_to_write_it(message: str, expected: str) -> None:
    turn = respond(message)
    assert turn.proposal is None
    assert expected in turn.reply, turn.reply


def test_search_cites_source_speaker_and_timestamp() -> None:
    turn = respond("cherche frais de port")
    assert turn.proposal is None and turn.language == "fr"
    assert turn.citations[0].label() == "[lea.md, Léa, 00:01:14]"
    assert turn.reply.splitlines()[1] == (
        "1. [lea.md, Léa, 00:01:14] « Les frais de port étaient cachés jusqu’au paiement, "
        f"ça m’a énervée. » — cité par {I_FEES}, {I_ANGRY}"
    )
    assert "[avis-fr.md, ?] « Frais de livraison annoncés trop tard, dommage. »" in turn.reply
    english_turn = respond("search delivery")
    assert english_turn.reply.startswith("1 passage(s) for “delivery”:")
    assert f"[avis-en.md, ?] “Delivery took two weeks, far too long.” — cited by {I_SLOW}" in (
        english_turn.reply
    )


@pytest.mark.parametrize(
    ("message", "sources", "label"),
    [
        ("cherche frais dans l'étape achat", {"lea", "avis-fr"}, "(Achat)"),
        ("search fees in stage retention", set(), "(Rétention)"),
        ("cherche livraison dans les avis", {"avis-fr"}, "(avis)"),
        ("search delivery in reviews", {"avis-en"}, "(reviews)"),
        ("cherche frais dans les freins", {"lea", "avis-fr"}, "(obstacles)"),
        ("search frais in the emotion lane", {"lea"}, "(emotions)"),
        ("cherche frais persona impulsive", {"lea"}, "(persona Impulsive)"),
    ],
)
def test_search_filters(message: str, sources: set[str], label: str) -> None:
    turn = respond(message)
    assert {citation.source_id for citation in turn.citations} == sources, turn.reply
    assert label in turn.reply.splitlines()[0]


def test_search_for_an_unknown_persona_names_the_known_ones() -> None:
    turn = respond("search fees persona Bob")
    assert turn.reply == "No source has the persona “Bob” (known: “Impulsive”)."


def test_explain_shows_the_item_and_its_numbered_quotes() -> None:
    turn = respond("explique I5")
    assert turn.reply.splitlines()[:2] == [
        f"{I_FEES} · obstacles · Achat · proposé",
        "« Frais de port cachés »",
    ]
    quote = "« Les frais de port étaient cachés jusqu’au paiement »"
    assert f"  2. [lea.md, Léa, 00:01:14] {quote}" in turn.reply
    assert [c.source_id for c in turn.citations] == ["avis-fr", "lea"]
    assert f"Answers: {I_FEES}, {I_ANGRY}" in respond(f"explain {I_KPI}").reply


def test_show_map_list_stages_and_items() -> None:
    shown = respond("show map").reply
    assert shown.splitlines()[0] == "Parcours client — tous les participants — revision 1, 11 items"
    assert (
        "3. Achat (purchase): 4 items — 1 obstacles, 1 emotions, 1 opportunities, 1 KPIs [FMOT (I5)]"
        in shown
    )
    assert respond("liste les étapes").reply.splitlines()[2] == "3. purchase — Achat (4)"
    items = respond("liste les éléments de achat").reply.splitlines()
    assert items[0] == f"{I_FEES} [obstacles, purchase, proposé, 2q] « Frais de port cachés »"
    assert len(items) == 4
    assert respond("list items in obstacle lane").reply.count("[obstacles,") == 2
    assert respond(f"explain {I_ACTION}").citations[0].quote == "Je l’ai vue sur Instagram"


def test_a_proposal_is_made_on_the_maps_revision() -> None:
    later = MAP.model_copy(update={"revision": 7})
    turn = respond("accept I3", later)
    assert turn.proposal is not None and turn.proposal.base_revision == 7
    assert turn.reply.startswith("Proposed on revision 7")


WORDS = [
    "move", "déplace", "I3", "I5", "I7", "I10", "to", "vers", "purchase", "achat", "stage",
    "étape", "lane", "freins", "merge", "and", "et", "split", "into", '"a"', '"b"', "(1)", "|",
    "delete", "supprime", "add", "ajoute", "obstacle", ":", "quote", '"Frais"', "from", "lea",
    "mark", "as", "FMOT", "search", "cherche", "in", "dans", "les", "avis", "persona", "undo",
    "rename", "renomme", "en", "reorder", "stages", ",", ";", "tous", "all", "valence", "-1",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=9) | st.text(max_size=60))
def test_any_message_gets_an_answer_and_only_valid_proposals(message: list[str] | str) -> None:
    text = message if isinstance(message, str) else " ".join(message)
    turn = respond(text)  # never raises
    assert turn.reply
    if turn.proposal is not None:
        apply_operations(MAP, turn.proposal.operations, TIMED)  # it was dry-run: it applies
        assert turn.proposal.base_revision == MAP.revision


@pytest.mark.parametrize(
    ("message", "language", "lead"),
    [
        ("pourquoi les clientes trouvent les frais de port cachés ?", "fr", "Ce n’est pas une"),
        ("why did delivery take so long?", "en", "That is not a command I know"),
    ],
)
def test_a_free_question_is_answered_as_an_evidence_search_saying_so(
    message: str, language: str, lead: str
) -> None:
    turn = respond(message, english() if language == "en" else MAP)
    assert turn.proposal is None and turn.control is None and turn.language == language
    assert turn.reply.startswith(lead)
    assert turn.citations, "the quotes behind the answer are cited"
    assert all(c.source_id in TIMED for c in turn.citations)


@pytest.mark.parametrize("message", ["mvoe I3 to purchase", "fusione I3 et I4", "zzz qqq"])
def test_a_mistyped_command_still_gets_the_help(message: str) -> None:
    turn = respond(message)
    assert not turn.citations and message in turn.reply
