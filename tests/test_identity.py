"""Stable identity across builds (issue "A living map", item 1): a rebuild gives each finding the
id of the earlier finding whose quotes it continues; new findings take numbers never used."""

from __future__ import annotations

from pathlib import Path

from assistant.editing.revisions import commit
from assistant.mapping.identity import carry_ids, overlap, spans
from assistant.model import DeleteItem, Item, SetStatus, Stage
from assistant.project import Project
from assistant.settings import Settings
from ingest.embedders import HashingEmbedder
from ingest.segment import SpacySegmenter
from tests.conftest import SAMPLES
from tests.test_edits import MAP


def renumbered(stages: list[Stage]) -> list[Stage]:
    """The same findings numbered afresh from I1, in reverse order (as a new build might)."""
    items = [item for stage in stages for item in stage.items]
    fresh = {item.id: f"I{len(items) - n}" for n, item in enumerate(items)}
    return [
        s.model_copy(update={"items": [i.model_copy(update={"id": fresh[i.id]}) for i in s.items]})
        for s in stages
    ]


def customer_stages() -> list[Stage]:
    return [
        s.model_copy(update={"items": [i for i in s.items if i.lane.customer_side]})
        for s in MAP.stages
    ]


def test_a_rebuild_of_the_same_findings_gives_back_their_ids() -> None:
    stages = customer_stages()
    carried = carry_ids(renumbered(stages), MAP)
    assert [[i.id for i in s.items] for s in carried] == [[i.id for i in s.items] for s in stages]


def test_a_new_finding_takes_a_number_no_item_ever_had() -> None:
    stages = customer_stages()
    donor = stages[0].items[0]
    newcomer = donor.model_copy(
        update={
            "id": "I1",
            "evidence": [e.model_copy(update={"source_id": "someone-new"}) for e in donor.evidence],
        }
    )
    grown = [stages[0].model_copy(update={"items": [*stages[0].items, newcomer]}), *stages[1:]]
    carried = carry_ids(renumbered(grown), MAP, used={"I40"})
    ids = [i.id for s in carried for i in s.items]
    assert len(set(ids)) == len(ids)
    assert ids[len(stages[0].items)] == "I41"  # above every id of the map and its history


def test_a_finding_that_gained_quotes_keeps_its_id() -> None:
    stages = customer_stages()
    first, second = stages[0].items[0], stages[0].items[1]
    joined = first.model_copy(update={"id": "I99", "evidence": first.evidence + second.evidence})
    rest = [i for i in stages[0].items[2:]]
    carried = carry_ids([stages[0].model_copy(update={"items": [joined, *rest]}), *stages[1:]], MAP)
    assert carried[0].items[0].id == first.id or carried[0].items[0].id == second.id
    assert overlap(spans(first), spans(joined)) > 0


def test_without_a_previous_build_nothing_is_renamed() -> None:
    stages = customer_stages()
    assert carry_ids(stages, None) == stages


def build_project(root: Path, segmenter: SpacySegmenter) -> Project:
    settings = Settings(workspace=root, redact=False)
    return Project(root, embedder=HashingEmbedder(), segmenter=segmenter, settings=settings)


def test_new_interviews_keep_the_ids_of_the_findings_found_again(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    project = build_project(tmp_path / "ws", segmenter)
    project.ingest([SAMPLES / "interviews" / "fr-01-lea.md"])
    first = project.build().map
    commit(
        project.workspace,
        "overall",
        [SetStatus(item_id="I2", status="accepted"), DeleteItem(item_id="I3")],
        base_revision=1,
    )
    project.ingest([SAMPLES / "interviews" / "fr-04-bernard.md"])
    second = project.build().map
    before = {i.id: spans(i) for _, i in first.items()}
    after: dict[str, Item] = {i.id: i for _, i in second.items()}
    kept = [
        item_id for item_id, old in before.items() if any(old & spans(i) for i in after.values())
    ]
    assert kept and all(
        item_id in after and before[item_id] & spans(after[item_id]) for item_id in kept
    )
    highest = max(int(i[1:]) for i in before)
    newcomers = [i for i in after if i not in before]
    assert newcomers and all(int(i[1:]) > highest for i in newcomers)
    assert len(set(after)) == len(after)
