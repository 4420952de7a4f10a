"""One workspace, many writers: `parcours` processes at once lose nothing.

Real processes, the real local Chroma store and the real redactor; the lexical embedder keeps it
fast. A concurrent ingest must leave the workspace a sequential ingest of the same files leaves
(placeholder numbering aside), and a build, edits and kills meanwhile must lose nothing.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.writers import (
    environment,
    parcours,
    placeholders_named,
    run,
    snapshot,
    without_numbering,
    write_group,
)

pytestmark = pytest.mark.slow


def _at_once(
    commands: list[list[str]], timeout: float = 600
) -> list[subprocess.CompletedProcess[str]]:
    """Start every command, then wait for all of them."""
    children = [
        subprocess.Popen(
            command, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for command in commands
    ]
    done = []
    for command, child in zip(commands, children, strict=True):
        out, err = child.communicate(timeout=timeout)
        done.append(subprocess.CompletedProcess(command, child.returncode, out, err))
    return done


def _exported(root: Path) -> str:
    result = run("export", "-w", root)
    assert result.returncode == 0, result.stderr
    return without_numbering(result.stdout)


@pytest.fixture(scope="module")
def groups(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("corpus")
    for index in range(6):
        write_group(folder / f"group-{index}", index)
    return [folder / f"group-{index}" for index in range(6)]


@pytest.fixture(scope="module")
def sequential(groups: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: one process ingests every group, then builds."""
    root = tmp_path_factory.mktemp("sequential") / "ws"
    result = run("ingest", *groups, "-w", root)
    assert result.returncode == 0, result.stderr
    assert run("build", "-w", root).returncode == 0
    return root


def test_six_concurrent_ingests_equal_a_sequential_one(
    groups: list[Path], sequential: Path, tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    results = _at_once([parcours("ingest", group, "-w", root) for group in groups])
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "2 ingested, 0 skipped, 0 failed" in result.stdout

    concurrent, reference = snapshot(root), snapshot(sequential)
    assert len(concurrent["files"]) == 12
    assert concurrent["files"] == reference["files"]  # every file, with the same sources
    assert concurrent["people"] == reference["people"]  # the same people, as many of them
    assert all(len(names) == 1 for names in placeholders_named(root).values())
    assert concurrent["segments"] == reference["segments"]
    expected = sorted(
        f"{source_id}:{index}"
        for source_id, count in concurrent["segments"].items()
        for index in range(count)
    )
    assert concurrent["store"] == expected  # every segment in Chroma, exactly once

    assert run("build", "-w", root).returncode == 0
    assert _exported(root) == _exported(sequential)


def test_a_build_and_two_edits_at_once_lose_no_revision(sequential: Path, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-r", str(sequential), str(root)], check=True)
    results = _at_once(
        [
            parcours("build", "-w", root),
            parcours("edit", "accept I1", "--yes", "-w", root),
            parcours("edit", "reject I2", "--yes", "-w", root),
        ]
    )
    build, *edits = results
    assert build.returncode == 0, build.stderr  # a build takes the next free number
    applied = [e for e in edits if e.returncode == 0]
    for refused in (e for e in edits if e.returncode != 0):  # said so, and changed nothing
        assert "your edit was made on revision" in refused.stderr, refused.stderr
    history = run("history", "-w", root)
    revisions = sorted(int(p.stem) for p in (root / "maps/overall/revisions").glob("*.json"))
    assert revisions == list(range(1, 3 + len(applied)))  # none lost, none overwritten
    saved = [
        json.loads((root / f"maps/overall/revisions/{number:06d}.json").read_text())
        for number in revisions
    ]
    assert all(r["parent"] == r["number"] - 1 for r in saved[1:])  # one chain
    assert [r["author"] for r in saved].count("user") == len(applied)
    assert history.returncode == 0


def _kill_at(delay: Callable[[Path], None], command: list[str], root: Path) -> None:
    child = subprocess.Popen(
        command, env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        delay(root)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()


def test_edits_at_once_all_land(sequential: Path, tmp_path: Path) -> None:
    """Three writers edit the same map at once: each instruction that lost the race to another
    edit is proposed again on the new revision (the ids still mean the same items)."""
    root = tmp_path / "ws"
    root.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-r", str(sequential), str(root)], check=True)
    instructions = ("accept I1", "reject I2", "accept I3")
    results = _at_once([parcours("edit", text, "--yes", "-w", root) for text in instructions])
    for result in results:
        assert result.returncode == 0, result.stderr
    final = json.loads(run("export", "-w", root).stdout)
    status = {item["id"]: item["status"] for stage in final["stages"] for item in stage["items"]}
    assert (status["I1"], status["I2"], status["I3"]) == ("accepted", "rejected", "accepted")
    assert final["revision"] == 4


def after(seconds: float) -> Callable[[Path], None]:
    return lambda _: time.sleep(seconds)


def in_commit(extra: float) -> Callable[[Path], None]:
    """Until a commit starts (its journal exists only meanwhile), then `extra` seconds more."""

    def wait(root: Path) -> None:
        deadline = time.monotonic() + 30
        while not (root / "ingest-journal.json").exists() and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(extra)

    return wait


def test_an_ingest_killed_anywhere_is_completed_by_the_next(
    groups: list[Path], tmp_path: Path
) -> None:
    english = groups[3:5]  # no NER to load: more kills in the time
    clean = tmp_path / "clean"
    assert run("ingest", *english, "-w", clean).returncode == 0
    reference = snapshot(clean)
    chance = random.Random(20261201)
    delays = [
        after(chance.uniform(0.5, 4.0)) if n % 2 else in_commit(chance.uniform(0, 0.05))
        for n in range(50)
    ]

    def trial(number: int) -> tuple[bool, dict[str, object]]:
        root = tmp_path / f"killed-{number}"
        _kill_at(delays[number], parcours("ingest", *english, "-w", root), root)
        mid_commit = (root / "ingest-journal.json").exists()
        again = run("ingest", *english, "-w", root)
        assert again.returncode == 0, again.stderr
        return mid_commit, snapshot(root)

    with ThreadPoolExecutor(2) as pool:  # two trials at a time: two cores
        outcomes = list(pool.map(trial, range(50)))
    for number, (_, outcome) in enumerate(outcomes):
        assert outcome == reference, f"trial {number}"
    # The kills did land inside commits (half of them aim there), not only before or after.
    assert sum(mid_commit for mid_commit, _ in outcomes) >= 5
