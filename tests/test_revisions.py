"""Revisions: commit with optimistic concurrency, exclusive creation, undo/redo/restore, history,
and the typed diff between two maps."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from assistant.editing.diff import MapDiff, diff
from assistant.editing.revisions import (
    commit,
    diff_revisions,
    history,
    rebuilt_since,
    redo,
    restore,
    undo,
    undo_state,
    workspace_sources,
)
from assistant.errors import EditError, MapError, StaleRevisionError
from assistant.model import (
    AddStage,
    AttachEvidence,
    DeleteItem,
    ItemStatus,
    JourneyMap,
    MarkMomentOfTruth,
    MomentKind,
    MoveItem,
    RenameStage,
    ReorderStages,
    Revision,
    SetPersona,
    SetStatus,
    UpdateItem,
)
from assistant.workspace import Workspace
from tests.test_edits import (
    I_ANGRY,
    I_FEES,
    I_KPI,
    I_SLOW,
    MAP,
    item_id,
    new_workspace,
    without_revision,
)

ACCEPT = SetStatus(item_id=I_FEES, status=ItemStatus.ACCEPTED)
RENAME = RenameStage(stage_id="purchase", name="Paiement")


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return new_workspace(tmp_path / "ws")


def test_commit_saves_the_next_revision_with_its_operations(workspace: Workspace) -> None:
    revision = commit(workspace, MAP.id, [ACCEPT, RENAME], base_revision=1, author="assistant")
    assert (revision.number, revision.parent, revision.map.revision) == (2, 1, 2)
    assert revision.author == "assistant" and revision.operations == [ACCEPT, RENAME]
    assert revision.message == "marquer I5 comme accepté; renommer l’étape purchase en « Paiement »"
    assert workspace.head(MAP.id) == 2 and workspace.load_revision(MAP.id) == revision
    assert workspace.load_map(MAP.id).stages[2].name == "Paiement"
    saved = json.loads(workspace.revision_path(MAP.id, 2).read_text())
    assert saved["operations"][0] == {"op": "set_status", "item_id": I_FEES, "status": "accepted"}


def test_an_edit_made_on_an_old_revision_is_refused(workspace: Workspace) -> None:
    commit(workspace, MAP.id, [ACCEPT], base_revision=1, message="accept")
    with pytest.raises(StaleRevisionError) as caught:
        commit(workspace, MAP.id, [RENAME], base_revision=1)
    assert str(caught.value) == (
        "map overall is at revision 2, your edit was made on revision 1 — "
        "reload the map and retry (nothing was saved)"
    )
    assert isinstance(caught.value, MapError) and workspace.revisions(MAP.id) == [1, 2]
    with pytest.raises(StaleRevisionError):
        undo(workspace, MAP.id, base_revision=1)


def test_an_empty_commit_and_a_missing_map_are_refused(workspace: Workspace) -> None:
    with pytest.raises(EditError, match="no operation"):
        commit(workspace, MAP.id, [], base_revision=1)
    with pytest.raises(MapError, match="parcours build"):
        commit(workspace, "persona-x", [ACCEPT], base_revision=1)
    with pytest.raises(MapError, match="parcours build"):
        history(workspace, "persona-x")


def test_two_writers_racing_for_the_same_revision_one_wins(workspace: Workspace) -> None:
    """Both read HEAD = 1 before either writes: the exclusive link lets only one create 2."""
    writers = 8
    barrier = threading.Barrier(writers)
    outcomes: list[object] = []
    real_load = workspace.load_revision

    def load_then_wait(map_id: str, number: int | None = None) -> Revision:
        revision = real_load(map_id, number)
        barrier.wait()  # everyone has seen revision 1 as the latest
        return revision

    workspace.load_revision = load_then_wait  # type: ignore[method-assign]

    def write(n: int) -> None:
        try:
            op = SetPersona(persona=f"writer {n}")
            outcomes.append(commit(workspace, MAP.id, [op], base_revision=1))
        except StaleRevisionError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    workspace.load_revision = real_load  # type: ignore[method-assign]
    won = [o for o in outcomes if isinstance(o, Revision)]
    lost = [o for o in outcomes if isinstance(o, StaleRevisionError)]
    assert len(won) == 1 and len(lost) == writers - 1
    assert workspace.revisions(MAP.id) == [1, 2] and workspace.head(MAP.id) == 2
    assert workspace.load_map(MAP.id).persona == won[0].map.persona
    assert "your edit was made on revision 1" in str(lost[0])
    leftovers = [p.name for p in workspace.revision_path(MAP.id, 1).parent.iterdir()]
    assert sorted(leftovers) == ["000001.json", "000002.json"]  # no temporary file left


def test_an_existing_revision_file_is_never_overwritten(workspace: Workspace) -> None:
    first = workspace.revision_path(MAP.id, 1).read_bytes()
    clash = Revision(number=1, message="again", map=MAP.model_copy(update={"title": "other"}))
    with pytest.raises(StaleRevisionError):
        workspace.save_revision(clash)
    assert workspace.revision_path(MAP.id, 1).read_bytes() == first


def test_head_follows_the_revision_files_when_the_head_file_lags(workspace: Workspace) -> None:
    commit(workspace, MAP.id, [ACCEPT], base_revision=1)
    (workspace.revision_path(MAP.id, 1).parent.parent / "HEAD").write_text("1\n")  # a crash
    assert workspace.head(MAP.id) == 2
    assert commit(workspace, MAP.id, [RENAME], base_revision=2).number == 3


def test_a_revision_holds_a_map_numbered_like_itself() -> None:
    with pytest.raises(ValueError, match="holds a map marked revision 1"):
        Revision(number=2, message="x", map=MAP)


def test_undo_redo_restore_sequence(workspace: Workspace) -> None:
    def current() -> dict[str, object]:
        return without_revision(workspace.load_map(MAP.id))

    v1 = current()
    assert undo_state(workspace, MAP.id).model_dump() == {"head": 1, "undo": None, "redo": None}
    with pytest.raises(EditError, match="nothing to undo on map overall"):
        undo(workspace, MAP.id)
    commit(workspace, MAP.id, [ACCEPT], base_revision=1)  # 2
    v2 = current()
    commit(workspace, MAP.id, [RENAME], base_revision=2)  # 3
    v3 = current()
    assert undo(workspace, MAP.id).undoes == 3 and current() == v2  # 4
    assert undo(workspace, MAP.id).undoes == 2 and current() == v1  # 5
    with pytest.raises(EditError, match="nothing to undo"):
        undo(workspace, MAP.id)  # the build cannot be undone
    assert undo_state(workspace, MAP.id).redo == 2
    assert redo(workspace, MAP.id).redoes == 2 and current() == v2  # 6
    assert redo(workspace, MAP.id).redoes == 3 and current() == v3  # 7
    with pytest.raises(EditError, match="nothing to redo"):
        redo(workspace, MAP.id)
    assert undo(workspace, MAP.id).undoes == 7 and current() == v2  # 8: undo the redo
    commit(workspace, MAP.id, [SetPersona(persona="Léa")], base_revision=8)  # 9
    v9 = current()
    with pytest.raises(EditError, match="nothing to redo"):
        redo(workspace, MAP.id)  # a new change clears what could be redone
    restored = restore(workspace, MAP.id, 1, author="assistant")  # 10
    assert restored.restores == 1 and restored.map.revision == 10 and current() == v1
    assert undo(workspace, MAP.id).undoes == 10 and current() == v9  # 11
    with pytest.raises(MapError, match="no revision 12"):
        restore(workspace, MAP.id, 12)
    assert workspace.revisions(MAP.id) == list(range(1, 12))  # append-only
    for number in workspace.revisions(MAP.id):
        assert workspace.load_map(MAP.id, number).revision == number


def test_history_summarises_every_revision(workspace: Workspace) -> None:
    commit(workspace, MAP.id, [ACCEPT, RENAME], base_revision=1, message="two things")
    undo(workspace, MAP.id, author="assistant")
    rows = history(workspace, MAP.id)
    assert [(r.number, r.parent, r.author, r.operations) for r in rows] == [
        (1, None, "system", 0),
        (2, 1, "user", 2),
        (3, 2, "assistant", 0),
    ]
    assert rows[1].message == "two things" and rows[2].message == "undo: two things"
    assert rows[2].undoes == 2 and rows[0].created_at <= rows[2].created_at


def test_commit_grounds_quotes_in_the_workspace_sources(workspace: Workspace) -> None:
    attach = AttachEvidence(item_id=I_SLOW, source_id="avis-en", quote="far too long")
    revision = commit(workspace, MAP.id, [attach], base_revision=1)
    assert revision.map.stages[3].items[0].evidence[-1].quote == "far too long"
    sources = workspace_sources(workspace)
    assert sorted(sources) == ["avis-en", "avis-fr", "lea"] and len(sources) == 3
    assert sources.get("../workspace") is None and "nobody" not in sources


def test_conversation_lives_next_to_the_revisions(workspace: Workspace) -> None:
    path = workspace.conversation_path(MAP.id)
    assert path == workspace.root / "maps" / MAP.id / "conversation.jsonl"
    assert not path.exists()


# -- diff -----------------------------------------------------------------------------------------
def edited_map() -> JourneyMap:
    from assistant.editing.edits import apply_operations
    from tests.test_edits import SOURCES

    return apply_operations(
        MAP,
        [
            ACCEPT,
            RENAME,
            SetPersona(persona="Léa"),
            UpdateItem(item_id=I_ANGRY, valence=-1),
            MoveItem(item_id=I_SLOW, stage_id="purchase"),
            AttachEvidence(item_id=I_SLOW, source_id="avis-en", quote="far too long"),
            DeleteItem(item_id=item_id(MAP, "Recommande à sa sœur")),
            AddStage(name="Après-vente", after="purchase"),
            ReorderStages(
                stage_ids=[
                    "awareness",
                    "purchase",
                    "consideration",
                    "apres-vente",
                    "retention",
                    "advocacy",
                ]
            ),
            MarkMomentOfTruth(kind=MomentKind.TMOT, stage_id="advocacy", note="bouche à oreille"),
        ],
        SOURCES,
    ).model_copy(update={"revision": 2})


def test_diff_lists_every_kind_of_change() -> None:
    result = diff(MAP, edited_map())
    assert (result.from_revision, result.to_revision) == (1, 2)
    assert result.persona is not None and result.persona.after == "Léa"
    assert [s.id for s in result.stages_added] == ["apres-vente"] and not result.stages_removed
    assert result.stages_renamed[0].model_dump() == {
        "field": "purchase",
        "before": "Achat",
        "after": "Paiement",
    }
    assert result.stage_order is not None and result.stage_order.after[1] == "purchase"
    assert [i.text for i in result.items_removed] == ["Recommande à sa sœur"]
    changed = {c.id: c for c in result.items_changed}
    assert [(f.field, f.before, f.after) for f in changed[I_FEES].changes] == [
        ("status", ItemStatus.PROPOSED, ItemStatus.ACCEPTED)
    ]
    assert [f.field for f in changed[I_SLOW].changes] == ["stage"]
    assert [e.quote for e in changed[I_SLOW].evidence_attached] == ["far too long"]
    assert [(f.field, f.before, f.after) for f in changed[I_ANGRY].changes] == [("valence", -2, -1)]
    assert I_KPI not in changed  # support and valence of stages are derived: not reported
    assert [m.moment.kind for m in result.moments_added] == [MomentKind.TMOT]
    assert MapDiff.model_validate_json(result.model_dump_json()) == result


def test_diff_renders_markdown_and_text_in_english_and_french() -> None:
    result = diff(MAP, edited_map())
    markdown = result.to_markdown()
    assert markdown.startswith("**Map overall: revision 1 → 2**\n\n- persona: ∅ → “Léa”\n")
    assert f"- ~ {I_FEES} “Frais de port cachés”: status proposed → accepted\n" in markdown
    assert f"- ~ {I_SLOW} “Livraison trop lente”: stage retention → purchase; " in markdown
    assert "+ quote from avis-en “far too long”" in markdown
    assert "- stage purchase renamed: “Achat” → “Paiement”\n" in markdown
    assert "- + TMOT on advocacy — bouche à oreille\n" in markdown
    french = result.to_text("fr")
    assert french.startswith("Carte overall : révision 1 → 2\n  persona : ∅ → « Léa »\n")
    assert f"~ {I_FEES} « Frais de port cachés » : statut proposé → accepté" in french
    assert "− I9 [actions, advocacy] « Recommande à sa sœur »" in french
    assert "ordre des étapes : awareness → consideration" in french


def test_an_empty_diff_says_so(workspace: Workspace) -> None:
    result = diff(MAP, MAP)
    assert result.empty and result.to_text() == "Map overall: revision 1 → 1\n  No changes."
    assert result.to_markdown("fr") == "**Carte overall : révision 1 → 1**\n\n- Aucun changement.\n"
    commit(workspace, MAP.id, [ACCEPT], base_revision=1)
    assert len(diff_revisions(workspace, MAP.id, 1, 2).items_changed) == 1


def test_an_instruction_may_be_proposed_again_after_edits_not_after_a_build(
    workspace: Workspace,
) -> None:
    commit(workspace, "overall", [ACCEPT], base_revision=1)
    commit(workspace, "overall", [RENAME], base_revision=2)
    assert not rebuilt_since(workspace, "overall", 1)  # edits keep item ids meaning the same
    rebuilt = MAP.model_copy(update={"revision": 4})
    workspace.save_revision(Revision(number=4, parent=3, message="build", map=rebuilt))
    assert rebuilt_since(workspace, "overall", 1)
    assert not rebuilt_since(workspace, "overall", 4)
