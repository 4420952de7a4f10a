"""Rebuild = rebase (`assistant.editing.rebase`): the edits in effect, replayed onto a new
extraction; what cannot be is a conflict with its reason. Pure tests on the small map of
test_edits, and a workspace property test with undo and redo in the history."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from assistant.editing.edits import apply_and_pin
from assistant.editing.rebase import Edit, edit_chain, replay
from assistant.editing.revisions import commit, load_history, redo, undo
from assistant.errors import EditError
from assistant.model import (
    AddOpportunity,
    EditOp,
    Evidence,
    JourneyMap,
    MergeItems,
    Revision,
    SetStatus,
    SplitItem,
    SplitPart,
    UpdateItem,
)
from tests.test_edits import (
    I_ANGRY,
    I_FEES,
    I_SLOW,
    MAP,
    SOURCES,
    new_workspace,
    operations,
    without_revision,
)


def rebuilt(journey_map: JourneyMap, number: int) -> JourneyMap:
    """What a rebuild with no source change extracts: the build's map, numbered anew."""
    return journey_map.model_copy(update={"revision": number})


def items(journey_map: JourneyMap) -> dict[str, tuple[str, str, str]]:
    return {i.id: (s.id, i.lane.value, i.status.value) for s, i in journey_map.items()}


# -- the chain in effect --------------------------------------------------------------------------
def revision(number: int, parent: int | None, **fields: object) -> Revision:
    return Revision(
        number=number,
        parent=parent,
        message="",
        map=MAP.model_copy(update={"revision": number}),
        **fields,
    )


def test_the_chain_drops_what_undo_took_back_and_brings_back_what_redo_reapplies() -> None:
    accept = SetStatus(item_id=I_FEES, status="accepted")
    reject = SetStatus(item_id=I_SLOW, status="rejected")
    history = {
        1: revision(1, None),
        2: revision(2, 1, author="user", operations=[accept]),
        3: revision(3, 2, author="user", operations=[reject]),
        4: revision(4, 3, author="user", undoes=3),
        5: revision(5, 4, author="user", redoes=3, operations=[reject]),
        6: revision(6, 5, author="user", undoes=5),
        7: revision(7, 6, author="user", restores=3),
    }
    chain = edit_chain(4, history.__getitem__)
    assert chain.base == 1 and chain.edits == (Edit(2, accept),)
    assert edit_chain(5, history.__getitem__).edits == (Edit(2, accept), Edit(3, reject))
    assert edit_chain(6, history.__getitem__).edits == (Edit(2, accept),)
    assert edit_chain(7, history.__getitem__).edits == (Edit(2, accept), Edit(3, reject))
    assert edit_chain(1, history.__getitem__).edits == ()


# -- replaying onto a new extraction --------------------------------------------------------------
def test_edits_follow_their_findings_into_a_richer_extraction() -> None:
    """New quotes in a finding (another interview) keep its status, text and merges."""
    _, edits = apply_and_pin(
        MAP,
        [
            SetStatus(item_id=I_FEES, status="accepted"),
            UpdateItem(item_id=I_FEES, text="Frais découverts au paiement"),
            MergeItems(item_ids=[I_FEES, I_ANGRY]),
        ],
        SOURCES,
    )
    richer = MAP.model_copy(deep=True)
    fees = next(item for _, item in richer.items() if item.id == I_FEES)
    extra = next(e for _, i in MAP.items() if i.id == I_SLOW for e in i.evidence)
    fees.evidence.append(Evidence.model_validate(extra.model_dump()))
    done = replay(richer, MAP, [Edit(2, op) for op in edits], SOURCES)
    assert not done.conflicts
    merged = next(item for _, item in done.map.items() if item.id == I_FEES)
    assert merged.text == "Frais découverts au paiement" and merged.status == "accepted"
    assert extra.quote in {e.quote for e in merged.evidence}
    assert I_ANGRY not in items(done.map)


def test_a_split_gives_the_finding_s_new_quotes_to_its_first_part() -> None:
    fees = next(item for _, item in MAP.items() if item.id == I_FEES)
    split = SplitItem(
        item_id=I_FEES,
        parts=[SplitPart(text="Frais", evidence=[0]), SplitPart(text="Autre", evidence=[1])],
    )
    _, pinned = apply_and_pin(MAP, [split], SOURCES)
    assert isinstance(pinned[0], SplitItem) and pinned[0].parts[1].id is not None
    assert [part.quotes for part in pinned[0].parts] == [[e.quote] for e in fees.evidence]
    richer = MAP.model_copy(deep=True)
    extra = next(e for _, i in MAP.items() if i.id == I_SLOW for e in i.evidence)
    next(i for _, i in richer.items() if i.id == I_FEES).evidence.insert(0, extra)
    done = replay(richer, MAP, [Edit(2, pinned[0])], SOURCES)
    first = next(item for _, item in done.map.items() if item.id == I_FEES)
    assert not done.conflicts and extra.quote in {e.quote for e in first.evidence}
    assert pinned[0].parts[1].id in items(done.map)


def test_an_edit_whose_finding_came_only_from_a_removed_source_is_a_conflict() -> None:
    slow = next(item for _, item in MAP.items() if item.id == I_SLOW)
    gone = {e.source_id for e in slow.evidence}  # the English review alone
    kept_sources = {k: v for k, v in SOURCES.items() if k not in gone}
    without = MAP.model_copy(deep=True)
    for stage in without.stages:
        stage.items = [i for i in stage.items if not {e.source_id for e in i.evidence} & gone]
    rename = UpdateItem(item_id=I_SLOW, text="Livraison lente")
    accept = SetStatus(item_id=I_FEES, status="accepted")
    done = replay(without, MAP, [Edit(3, rename), Edit(4, accept)], kept_sources)
    assert [c.target for c in done.conflicts] == [I_SLOW]
    conflict = done.conflicts[0]
    assert conflict.revision == 3 and "sources retirées de l’espace" in conflict.reason
    assert all(source in conflict.reason for source in gone)
    assert [e.revision for e in done.kept] == [4]


def test_a_merge_whose_halves_now_sit_in_different_stages_is_a_conflict() -> None:
    merge = MergeItems(item_ids=[I_FEES, I_ANGRY])
    moved = MAP.model_copy(deep=True)
    stage_of = {item.id: stage for stage, item in moved.items()}
    if stage_of[I_FEES].id != stage_of[I_ANGRY].id:
        return  # the fixture keeps them together; guard against it changing
    angry = next(i for i in stage_of[I_ANGRY].items if i.id == I_ANGRY)
    stage_of[I_ANGRY].items.remove(angry)
    other = next(s for s in moved.stages if s.id != stage_of[I_FEES].id)
    other.items.append(angry)
    done = replay(moved, MAP, [Edit(2, merge)], SOURCES)
    assert len(done.conflicts) == 1 and "dans des étapes différentes" in done.conflicts[0].reason


def test_an_opportunity_re_points_its_citation_to_where_the_quotes_went() -> None:
    add = AddOpportunity(stage_id="purchase", text="Afficher les frais", cites=[I_ANGRY])
    grouped = apply_and_pin(MAP, [MergeItems(item_ids=[I_FEES, I_ANGRY])], SOURCES)[0]
    _, pinned = apply_and_pin(MAP, [add], SOURCES)
    done = replay(grouped, MAP, [Edit(2, pinned[0])], SOURCES)
    assert not done.conflicts
    added = next(i for _, i in done.map.items() if i.id == pinned[0].id)  # type: ignore[union-attr]
    assert added.cites == [I_FEES]


# -- property: a rebuild with no source change gives back the same map ----------------------------
steps = st.lists(
    st.one_of(
        st.lists(operations(), min_size=1, max_size=2).map(lambda ops: ("edit", ops)),
        st.just(("undo", [])),
        st.just(("redo", [])),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_rebuild_without_source_change_gives_back_the_same_map(
    history: list[tuple[str, list[EditOp]]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        workspace = new_workspace(Path(folder))
        for kind, batch in history:
            head = workspace.head(MAP.id) or 1
            try:
                if kind == "edit":
                    commit(workspace, MAP.id, batch, base_revision=head)
                elif kind == "undo":
                    undo(workspace, MAP.id)
                else:
                    redo(workspace, MAP.id)
            except EditError:
                event(f"{kind} refused")
        final = workspace.head(MAP.id)
        assert final is not None
        head = final
        past = load_history(workspace, MAP.id, head)
        replayed = past.replay(rebuilt(MAP, head + 1))
        expected = workspace.load_map(MAP.id, head)
        if replayed is None:
            event("nothing to replay")
            assert without_revision(expected) == without_revision(MAP)
            return
        edited, operations_, record = replayed
        event(f"{len(operations_)} replayed")
        assert record.conflicts == []
        assert without_revision(edited) == without_revision(expected)
