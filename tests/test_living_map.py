"""A living map, through the CLI: build on three interviews, refine it for a week, ingest two
more, rebuild. Every edit is still there, the new quotes join the findings they support,
undo brings the pre-rebuild map back; a removed source's edited finding is a listed conflict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from assistant.cli import app
from tests.conftest import SAMPLES

runner = CliRunner()
FIRST = ("fr-01-lea.md", "fr-02-marc.txt", "fr-03-nadia.txt")
MORE = ("fr-04-bernard.md", "fr-07-chloe.md")


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def copy(names: tuple[str, ...], folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        shutil.copy(SAMPLES / "interviews" / name, folder / name)
    return folder


def current(workspace: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run("export", "-w", str(workspace)))
    return data


def by_id(data: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {item["id"]: (stage["id"], item) for stage in data["stages"] for item in stage["items"]}


def apply(workspace: Path, tmp_path: Path, *operations: dict[str, Any]) -> None:
    path = tmp_path / "edit.json"
    path.write_text(json.dumps(list(operations)))
    run("apply", str(path), "-w", str(workspace))


def pick(data: dict[str, Any]) -> dict[str, Any]:
    """The findings the researcher edits: two in one cell (to merge), and three others."""
    cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for stage in data["stages"]:
        for item in stage["items"]:
            if item["lane"] not in ("opportunity", "kpi"):
                cells.setdefault((stage["id"], item["lane"]), []).append(item)
    stage_id, lane = next(cell for cell, found in cells.items() if len(found) >= 2)
    merge = [item["id"] for item in cells[stage_id, lane][:2]]
    others = [i for found in cells.values() for i in found if i["id"] not in merge]
    single = next(
        i for i in others if len({e["source_id"] for e in i["evidence"]}) == 1
    )  # one source only: removing it is a conflict
    rest = [i["id"] for i in others if i["id"] != single["id"]]
    return {
        "merge": merge,
        "rename": single["id"],
        "rename_source": single["evidence"][0]["source_id"],
        "accept": rest[0],
        "reject": rest[1],
        "move": rest[2],
    }


def test_a_rebuild_keeps_every_edit_and_attaches_the_new_quotes(
    tmp_path: Path, hashing_env: None
) -> None:
    ws = tmp_path / "ws"
    w = ("-w", str(ws))
    run("ingest", str(copy(FIRST, tmp_path / "first")), *w)
    run("build", *w)
    chosen = pick(current(ws))
    move_to = "advocacy"
    apply(ws, tmp_path, {"op": "set_status", "item_id": chosen["accept"], "status": "accepted"})
    apply(ws, tmp_path, {"op": "set_status", "item_id": chosen["reject"], "status": "rejected"})
    apply(ws, tmp_path, {"op": "update_item", "item_id": chosen["rename"], "text": "Renommé"})
    apply(ws, tmp_path, {"op": "move_item", "item_id": chosen["move"], "stage_id": move_to})
    apply(ws, tmp_path, {"op": "merge_items", "item_ids": chosen["merge"], "text": "Fusionné"})
    apply(ws, tmp_path, {"op": "add_stage", "name": "Livraison", "after": "purchase"})
    apply(
        ws,
        tmp_path,
        {"op": "add_opportunity", "stage_id": "livraison", "text": "Suivi clair",
         "cites": [chosen["accept"]]},
    )  # fmt: skip
    before = current(ws)
    assert before["revision"] == 8

    run("ingest", str(copy(MORE, tmp_path / "more")), *w)
    output = run("build", *w)
    assert "revision 9" in output and "7 edit(s) replayed" in output and "conflict" not in output
    after = current(ws)
    found = by_id(after)
    assert found[chosen["accept"]][1]["status"] == "accepted"
    assert found[chosen["reject"]][1]["status"] == "rejected"
    assert found[chosen["rename"]][1]["text"] == "Renommé"
    assert found[chosen["move"]][0] == move_to
    assert found[chosen["merge"][0]][1]["text"] == "Fusionné"
    assert chosen["merge"][1] not in found
    assert [s["id"] for s in after["stages"]].index("livraison") == 3
    opportunity = next(i for _, i in found.values() if i["text"] == "Suivi clair")
    assert opportunity["cites"] == [chosen["accept"]]

    # the new interviews' quotes joined findings the researcher already had
    old = by_id(before)
    new_sources = {Path(name).stem for name in MORE}
    grown = [
        item_id
        for item_id, (_, item) in found.items()
        if item_id in old
        and {e["source_id"] for e in item["evidence"]} & new_sources
        and item["support"]["participants"] > old[item_id][1]["support"]["participants"]
    ]
    assert grown, "no existing finding gained a quote from the new interviews"

    run("undo", *w)
    assert by_id(current(ws)).keys() == old.keys()
    assert current(ws)["stages"] == before["stages"]

    # removing the only source of the renamed finding: the rename is a conflict, named
    run("redo", *w)
    run("remove", chosen["rename_source"], *w)
    output = " ".join(run("build", *w).split())  # as one line, whatever the terminal's width
    assert "conflict" in output and chosen["rename"] in output
    assert "sources retirées de l’espace" in output and chosen["rename_source"] in output
    assert chosen["rename"] not in by_id(current(ws))


def test_fresh_builds_from_the_sources_only(tmp_path: Path, hashing_env: None) -> None:
    ws = tmp_path / "ws"
    run("ingest", str(copy(FIRST[:1], tmp_path / "first")), "-w", str(ws))
    run("build", "-w", str(ws))
    item_id = next(iter(by_id(current(ws))))
    apply(ws, tmp_path, {"op": "set_status", "item_id": item_id, "status": "accepted"})
    assert "1 edit(s) replayed" in run("build", "-w", str(ws))
    assert by_id(current(ws))[item_id][1]["status"] == "accepted"
    output = run("build", "-w", str(ws), "--fresh")
    assert "replayed" not in output
    assert by_id(current(ws))[item_id][1]["status"] == "proposed"


def test_a_rebuild_says_the_ideal_journey_was_drafted_from_an_earlier_revision(
    tmp_path: Path, hashing_env: None
) -> None:
    ws = tmp_path / "ws"
    run("ingest", str(copy(FIRST[:2], tmp_path / "first")), "-w", str(ws))
    run("build", "-w", str(ws))
    run("ideal", "-w", str(ws))
    output = " ".join(run("build", "-w", str(ws)).split())
    assert "the ideal journey overall-ideal was drafted from revision 1 of overall" in output
    assert "--redraft" in output
