"""The refinement commands end to end through the CLI: edit, apply, history, diff, undo, redo,
restore and chat, on a small workspace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.model import Revision
from assistant.workspace import Workspace
from tests.test_edits import I_ANGRY, I_FEES, I_SLOW, MAP, new_workspace, without_revision

runner = CliRunner()


@pytest.fixture
def ws(tmp_path: Path, hashing_env: None) -> Path:
    workspace = new_workspace(tmp_path / "ws")
    workspace.ensure_manifest()
    return workspace.root


def run(*args: str, code: int = 0, input: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == code, result.output
    return result.output


def revision(root: Path, number: int | None = None) -> Revision:
    return Workspace(root).load_revision("overall", number)


def test_edit_shows_the_proposal_and_changes_nothing_without_yes(ws: Path) -> None:
    output = run("edit", f"move {I_SLOW} to purchase", "-w", str(ws))
    assert "Proposed on revision 1" in output
    assert f"1. move {I_SLOW} “Livraison trop lente” to Achat" in output
    assert f"~ {I_SLOW} “Livraison trop lente”: stage retention → purchase" in output
    assert "run again with --yes" in output
    assert Workspace(ws).revisions("overall") == [1]


def test_edit_with_yes_creates_the_next_revision(ws: Path) -> None:
    output = run("edit", f"déplace {I_SLOW} vers achat", "-w", str(ws), "--yes")
    assert f"revision 2: déplacer {I_SLOW} « Livraison trop lente » vers Achat" in output
    latest = revision(ws)
    assert (latest.number, latest.author) == (2, "user")
    assert I_SLOW in [item.id for item in latest.map.stages[2].items]


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        ("range I3 quelque part", "Je n’ai pas compris"),
        ("move I99 to purchase", "no item of map overall has the id or the text 'I99'"),
    ],
)
def test_edit_without_a_proposal_exits_1(ws: Path, instruction: str, expected: str) -> None:
    output = run("edit", instruction, "-w", str(ws), "--yes", code=1)
    assert expected in output
    assert Workspace(ws).revisions("overall") == [1]


def test_edit_undo_needs_yes_too(ws: Path) -> None:
    run("edit", f"accept {I_FEES}", "-w", str(ws), "--yes")
    assert "run again with --yes" in run("edit", "annule", "-w", str(ws))
    assert Workspace(ws).revisions("overall") == [1, 2]
    assert "Révision 3 : undo: mark" in run("edit", "annule", "-w", str(ws), "--yes")
    assert without_revision(revision(ws).map) == without_revision(MAP)


def test_edit_answers_a_search_without_proposing(ws: Path) -> None:
    output = run("edit", "cherche frais de port", "-w", str(ws), code=1)
    assert "[lea.md, Léa] « Les frais de port étaient cachés jusqu’au paiement" in output


def test_apply_a_file_of_operations(ws: Path, tmp_path: Path) -> None:
    operations: list[dict[str, Any]] = [
        {"op": "set_status", "item_id": I_FEES, "status": "accepted"},
        {"op": "rename_stage", "stage_id": "purchase", "name": "Paiement"},
    ]
    path = tmp_path / "ops.json"
    path.write_text(json.dumps(operations), encoding="utf-8")
    output = run("apply", str(path), "-w", str(ws), "--message", "revue du lundi")
    assert "revision 2: revue du lundi" in output
    assert "étape purchase renommée : « Achat » → « Paiement »" in output
    assert revision(ws).map.stages[2].name == "Paiement"
    stale = run("apply", str(path), "-w", str(ws), "--base", "1", code=1)
    assert "map overall is at revision 2, your edit was made on revision 1" in stale
    path.write_text(json.dumps([{"op": "move_item", "item_id": I_FEES, "lane": "nope"}]))
    bad = run("apply", str(path), "-w", str(ws), code=1)
    assert "operation 1 (move_item) is malformed: lane" in bad
    assert Workspace(ws).revisions("overall") == [1, 2]


def test_apply_a_saved_proposal_on_its_base_revision(ws: Path, tmp_path: Path) -> None:
    proposal = {"base_revision": 1, "operations": [{"op": "delete_item", "item_id": I_SLOW}]}
    path = tmp_path / "proposal.json"
    path.write_text(json.dumps(proposal), encoding="utf-8")
    assert "revision 2: supprimer" in run("apply", str(path), "-w", str(ws))
    assert "your edit was made on revision 1" in run("apply", str(path), "-w", str(ws), code=1)


def test_history_diff_undo_redo_restore(ws: Path) -> None:
    run("edit", f"accept {I_FEES}", "-w", str(ws), "--yes")
    run("edit", f"delete {I_SLOW}", "-w", str(ws), "--yes")
    history = run("history", "-w", str(ws))
    for expected in ("system", "build", f"mark {I_FEES}", f"delete {I_SLOW}", "HEAD 3"):
        assert expected in history
    text = run("diff", "1", "2", "-w", str(ws))
    assert text.splitlines() == [
        "Carte overall : révision 1 → 2",
        f"  ~ {I_FEES} « Frais de port cachés » : statut proposé → accepté",
    ]
    data = json.loads(run("diff", "1", "3", "-w", str(ws), "--json"))
    assert (data["from_revision"], data["to_revision"]) == (1, 3)
    assert [item["id"] for item in data["items_removed"]] == [I_SLOW]
    undone = run("undo", "-w", str(ws))
    assert "revision 4: undo: delete" in undone and f"+ {I_SLOW}" in undone
    run("undo", "-w", str(ws))
    assert without_revision(revision(ws).map) == without_revision(MAP)  # revision 1's map
    assert "revision 6: redo:" in run("redo", "-w", str(ws))
    restored = run("restore", "1", "-w", str(ws))
    assert "revision 7: restore revision 1" in restored
    assert without_revision(revision(ws).map) == without_revision(revision(ws, 1).map)
    assert "has no revision 9" in run("restore", "9", "-w", str(ws), code=1)
    assert "nothing to redo" in run("redo", "-w", str(ws), code=1)


def test_chat_asks_before_applying_and_keeps_the_conversation(ws: Path) -> None:
    script = "\n".join(
        [
            f"valide {I_FEES}, {I_ANGRY}",
            "2",  # only the second operation
            f"delete {I_SLOW}",
            "n",
            "cherche frais de port",
            "annule",
            "",
        ]
    )
    output = run("chat", "-w", str(ws), input=script)
    assert f"revision 2: marquer {I_ANGRY} « Énervée par les frais » comme accepté" in output
    assert "not applied" in output
    assert "[lea.md, Léa] « Les frais de port étaient cachés" in output
    assert "Révision 3 : undo:" in output
    assert Workspace(ws).revisions("overall") == [1, 2, 3]
    assert without_revision(revision(ws).map) == without_revision(MAP)
    lines = Workspace(ws).conversation_path("overall").read_text().splitlines()
    assert [json.loads(line)["role"] for line in lines][:3] == ["user", "assistant", "user"]


def test_chat_answers_a_free_question_with_the_evidence(ws: Path) -> None:
    output = run("chat", "-w", str(ws), input="pourquoi les frais de port énervent ?\n")
    assert "j’ai donc cherché dans les preuves" in output
    assert "[lea.md, Léa] « Les frais de port étaient cachés" in output
    assert Workspace(ws).revisions("overall") == [1]


def test_chat_ends_at_the_end_of_input_and_rejects_the_pending_proposal(ws: Path) -> None:
    output = run("chat", "-w", str(ws), input=f"accept {I_FEES}\n")
    assert "Proposed on revision 1" in output
    assert Workspace(ws).revisions("overall") == [1]
    last = json.loads(Workspace(ws).conversation_path("overall").read_text().splitlines()[-1])
    assert last["content"].startswith("reject:")


def test_the_llm_assistant_needs_a_model(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARCOURS_MODEL", raising=False)
    output = run("edit", "hello", "-w", str(ws), "--provider", "openai", code=2)
    assert "error:" in output and "model" in output
    assert "unknown assistant 'gpt'" in run("edit", "x", "-w", str(ws), "--provider", "gpt", code=2)


def test_a_missing_workspace_or_map_is_one_line(tmp_path: Path, hashing_env: None) -> None:
    output = run("history", "-w", str(tmp_path / "nowhere"), code=1)
    assert output.startswith("error: no workspace at")
    ws = new_workspace(tmp_path / "ws")
    ws.ensure_manifest()
    assert "map 'persona-x'" in run(
        "edit", "undo", "-w", str(ws.root), "--map", "persona-x", code=1
    )
