"""Grounding by construction and targeted repair, through the real openai client and the
scripted server: the model cites numbered segments; refusals are final; only the failing
items go back, each with its segments' text; what a repair cannot fix is shown once."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.evidence.verify import verify_map
from assistant.extract.llm import LLMExtractor
from assistant.model import JourneyMap
from assistant.project import Project
from assistant.providers.openai import OpenAIProvider
from assistant.providers.retry import RetryPolicy
from assistant.testing import FaultKnobs, ScriptedOpenAIServer, read_sources
from assistant.testing.model import (
    KINDS,
    blocks,
    is_repair,
    paraphrased,
    shown_segments,
    truncated,
    unaccented,
)
from ingest.embedders import HashingEmbedder
from ingest.segment import SpacySegmenter
from tests.conftest import SAMPLES

LEA = SAMPLES / "interviews" / "fr-01-lea.md"
JESS = SAMPLES / "interviews" / "en-05-jess.md"
Answer = Callable[[dict[str, Any]], list[dict[str, Any]]]


def build(
    tmp_path: Path, segmenter: SpacySegmenter, server: ScriptedOpenAIServer, *paths: Path
) -> tuple[JourneyMap, Project]:
    project = Project(tmp_path / "ws", embedder=HashingEmbedder(), segmenter=segmenter)
    project.ingest(list(paths or [LEA]))
    provider = OpenAIProvider("scripted", base_url=server.base_url)
    extractor = LLMExtractor(provider, retry=RetryPolicy(sleep=lambda _: None), concurrency=2)
    journey_map = project.build(provider="openai", llm=extractor).map
    report = verify_map(journey_map, {s.id: s for s in project.cited_sources(journey_map)})
    assert report.ok  # whatever the model did, every quote in the map checks out
    return journey_map, project


def extractions(server: ScriptedOpenAIServer) -> list[dict[str, Any]]:
    return [r for r in server.requests if "<findings>" not in json.dumps(r["messages"])]


def user(request: dict[str, Any]) -> str:
    return "\n".join(m["content"] for m in request["messages"] if m["role"] == "user")


def first_answer_then(change: Callable[[list[dict[str, Any]], dict[str, Any]], None]) -> Answer:
    """The fake model's answers, with `change` applied to its first extraction's items."""

    def answer(request: dict[str, Any]) -> list[dict[str, Any]]:
        items = read_sources(request)
        if not is_repair(request) and not any(
            m["role"] == "assistant" for m in request["messages"]
        ):
            change(items, request)
        return items

    return answer


def interviewer_sentence(request: dict[str, Any]) -> str:
    shown = shown_segments(blocks(request)[0]["body"])
    return next(s.text for s in shown if s.interviewer and len(s.text.split()) > 4)


def test_unknown_numbers_and_interviewer_quotes_are_refused_before_any_repair(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    def cite_wrong(items: list[dict[str, Any]], request: dict[str, Any]) -> None:
        items[0]["segments"] = [9999]  # a number the request never showed
        items[1]["quote"] = interviewer_sentence(request)  # cited number kept: a participant's
        items[2]["segments"], items[2]["quote"] = [], interviewer_sentence(request)

    with ScriptedOpenAIServer(extract=first_answer_then(cite_wrong)) as server:
        journey_map, _ = build(tmp_path, segmenter, server)
    assert len(extractions(server)) == 1  # refused, not repaired
    reasons = sorted(u.reason for u in journey_map.ungrounded)
    assert reasons[0] == "segment 9999 is not a numbered segment of this request"
    assert all("the quote is the interviewer's words (Enquêtrice)" in r for r in reasons[1:])
    assert len(reasons) == 3 and len(journey_map.items()) >= 3  # the other claims stay


def test_a_misquote_goes_back_alone_with_only_its_segment_and_is_fixed(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    cited: dict[str, Any] = {}

    def strip_accents(items: list[dict[str, Any]], request: dict[str, Any]) -> None:
        item = next(i for i in items if any(c in i["quote"] for c in "éèàç"))
        cited.update(number=item["segments"][0], quote=item["quote"])
        item["quote"] = unaccented(item["quote"])

    with ScriptedOpenAIServer(extract=first_answer_then(strip_accents)) as server:
        journey_map, _ = build(tmp_path, segmenter, server)
    first, repair = extractions(server)
    assert [m["role"] for m in repair["messages"]] == ["system", "user"]  # not the conversation
    assert repair["messages"][0] == first["messages"][0]  # the same system prompt
    data = repair["messages"][1]["content"]
    assert 'items="1-1"' in data  # only the failing item
    assert f"[{cited['number']}] {cited['quote']}" in data  # with its segment's text …
    shown = [line for line in data.splitlines() if line.startswith("[")]
    assert len(shown) == 1  # … and no other segment, nor the chunk
    assert len(data) < len(user(first)) / 10
    assert not journey_map.ungrounded
    quotes = {e.quote for _, item in journey_map.items() for e in item.evidence}
    assert cited["quote"] in quotes and len(quotes) == 6


def test_an_item_left_out_of_the_repair_answer_is_shown_once(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    def answer(request: dict[str, Any]) -> list[dict[str, Any]]:
        if is_repair(request):
            return []  # the model fixes nothing and says nothing of the item
        items = read_sources(request)
        items[0]["quote"] = "En gros, " + items[0]["quote"]
        return items

    with ScriptedOpenAIServer(extract=answer) as server:
        journey_map, _ = build(tmp_path, segmenter, server)
    assert len(extractions(server)) == 2  # one repair, no retry of the left-out item
    (left,) = journey_map.ungrounded
    assert left.reason.endswith("; left out of the repair answer")
    assert left.stage_id is not None and left.lane is not None  # as the model gave them


def test_an_unreadable_repair_answer_loses_nothing_and_is_retried(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    # The first answer has one misquote; the first repair answer is cut (unreadable), the
    # second repairs it.
    def truncate(items: list[dict[str, Any]], request: dict[str, Any]) -> None:
        items[-1]["quote"] = truncated(items[-1]["quote"])

    faults = ["none", "truncated"]
    with ScriptedOpenAIServer(faults, extract=first_answer_then(truncate)) as server:
        journey_map, _ = build(tmp_path, segmenter, server)
    _, cut, fixed = extractions(server)
    assert user(cut) == user(fixed)  # the same pending item, asked again
    assert not journey_map.ungrounded and len(journey_map.items()) == 6


def test_repairs_from_several_chunks_share_one_call(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    with ScriptedOpenAIServer(misquote=0.5) as server:
        journey_map, _ = build(tmp_path, segmenter, server, LEA, JESS)
    requests = extractions(server)
    assert len(requests) == 3  # one per interview, then one repair for both
    repair = user(requests[2])
    assert 'items="1-3">' in repair and 'items="4-6">' in repair  # a block per chunk
    assert server.knobs.counts["misquote"] == 6
    assert not journey_map.ungrounded


@pytest.mark.parametrize(
    ("knobs", "expected"),
    [
        ({"misquote": 0.5}, {"misquote": 3}),
        ({"misquote": 1 / 3, "unknown_ids": 1 / 3, "interviewer": 1 / 3}, {k: 2 for k in ("misquote", "unknown_ids", "interviewer")}),
        ({"unknown_ids": 0.2, "interviewer": 0.1}, {"unknown_ids": 1, "interviewer": 1}),
    ],
)  # fmt: skip
def test_the_fault_knobs_fail_the_expected_number_of_claims(
    knobs: dict[str, float], expected: dict[str, int], tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    shares = [knobs.get(kind, 0.0) for kind in KINDS]
    with ScriptedOpenAIServer(
        misquote=shares[0], unknown_ids=shares[1], interviewer=shares[2]
    ) as server:
        journey_map, _ = build(tmp_path, segmenter, server)
    counts = dict(server.knobs.counts)
    assert counts.pop("claims") == 6  # the fake model's claims for one interview
    assert counts == expected
    refused = expected.get("unknown_ids", 0) + expected.get("interviewer", 0)
    assert len(journey_map.ungrounded) == refused  # the misquotes were repaired
    assert len(extractions(server)) == 1 + ("misquote" in expected)


def test_fault_knob_positions_and_kinds_are_spread_by_share() -> None:
    assert FaultKnobs(misquote=0.3).positions(10) == [1, 4, 8]  # round(0.3 × 10), spread
    knobs = FaultKnobs(misquote=0.5, unknown_ids=0.25, interviewer=0.25)
    assert knobs.positions(4) == [0, 1, 2, 3]
    assert knobs.kinds(4) == ["misquote", "interviewer", "unknown_ids", "misquote"]
    assert truncated("Le colis est arrivé en retard.") == "Le colis est…"
    assert unaccented("arrivé à Noël") == "arrive a Noel"
    assert paraphrased("Le colis est arrivé en retard.") == "En gros, Le colis est arrivé en"


def test_json_schema_constrains_the_numbers_and_function_calling_does_not(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    with ScriptedOpenAIServer() as server:
        _, project = build(tmp_path, segmenter, server)
    schema = json.dumps(server.requests[0]["response_format"])
    lea = project.workspace.load_source("fr-01-lea")
    spoken = sum(s.role.value != "interviewer" for s in lea.segments)
    assert f'"maximum": {spoken}, "minimum": 1' in schema  # the participant's segments, 1..N
    with ScriptedOpenAIServer(faults=["reject_json_schema"]) as server:
        build(tmp_path / "fc", segmenter, server)
    tools = json.dumps(server.requests[-1]["tools"])
    assert '"segments"' in tools and '"maximum"' not in tools  # open: validation checks
