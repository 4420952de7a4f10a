"""The LLM chain through the real openai client, over HTTP, against a scripted local server."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.errors import ParcoursError
from assistant.evidence.verify import verify_map
from assistant.extract.llm import LLMExtractor, ResponseCache
from assistant.project import Project
from assistant.providers.openai import OpenAIProvider
from assistant.providers.retry import RetryPolicy
from assistant.settings import Settings
from assistant.testing import ScriptedOpenAIServer
from ingest.embedders import HashingEmbedder
from ingest.segment import SpacySegmenter
from tests.conftest import SAMPLES

LEA = SAMPLES / "interviews" / "fr-01-lea.md"
JESS = SAMPLES / "interviews" / "en-05-jess.md"


def project_with(tmp_path: Path, segmenter: SpacySegmenter, *paths: Path) -> Project:
    project = Project(tmp_path / "ws", embedder=HashingEmbedder(), segmenter=segmenter)
    project.ingest(list(paths))
    return project


def chain(
    server: ScriptedOpenAIServer, project: Project, *, timeout: float = 10.0, max_repairs: int = 2
) -> tuple[LLMExtractor, RetryPolicy]:
    policy = RetryPolicy(sleep=lambda _: None)  # record the waits, don't sleep them
    provider = OpenAIProvider("scripted", base_url=server.base_url, timeout=timeout)
    extractor = LLMExtractor(
        provider,
        cache=ResponseCache(project.workspace.cache_path / "llm"),
        retry=policy,
        max_repairs=max_repairs,
        concurrency=2,
    )
    return extractor, policy


def test_build_through_the_chain_is_grounded_and_records_provenance(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    project = project_with(tmp_path, segmenter, LEA, JESS)
    with ScriptedOpenAIServer() as server:
        extractor, _ = chain(server, project)
        result = project.build(provider="openai", llm=extractor)
    journey_map = result.map
    assert len(journey_map.items()) > 5
    sources = {s.id: s for s in project.cited_sources(journey_map)}
    report = verify_map(journey_map, sources)
    assert report.ok and report.checked > 5
    provenance = journey_map.provenance
    assert provenance.model == "scripted"
    assert (provenance.prompt_version or "").startswith("extract-v2+repair-v2+reask-v1")
    assert provenance.token_usage is not None
    assert provenance.token_usage.input_tokens == server.input_tokens > 0
    assert provenance.parameters["structured_output"] == "json_schema"
    extraction = [r for r in server.requests if "<findings>" not in str(r["messages"])]
    assert len(extraction) == 2  # one call per source, every stage and lane at once


def test_rebuild_costs_nothing_and_a_changed_source_costs_only_its_chunk(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    copy = tmp_path / "jess.md"
    copy.write_text(JESS.read_text(encoding="utf-8"), encoding="utf-8")
    project = project_with(tmp_path, segmenter, LEA, copy)
    with ScriptedOpenAIServer() as server:
        extractor, _ = chain(server, project)
        project.build(provider="openai", llm=extractor)
        first = len(server.requests)
        again = project.build(provider="openai", llm=extractor).map
        assert len(server.requests) == first
        assert again.provenance.token_usage is not None
        assert again.provenance.token_usage.input_tokens == 0
        copy.write_text(
            copy.read_text(encoding="utf-8") + "\nJess: One more thing, the "
            "delivery driver was lovely.\n",
            encoding="utf-8",
        )
        project.ingest([copy])
        project.build(provider="openai", llm=extractor)
        assert len(server.requests) == first + 1


@pytest.mark.parametrize("fault", ["429", "500", "timeout"])
def test_transient_faults_are_retried(
    fault: str, tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    project = project_with(tmp_path, segmenter, LEA)
    with ScriptedOpenAIServer(faults=[fault], slow_seconds=3.0) as server:
        extractor, policy = chain(server, project, timeout=1.0)
        journey_map = project.build(provider="openai", llm=extractor).map
    assert journey_map.items() and not journey_map.provenance.failures
    assert len(policy.waits) == 1
    if fault == "429":
        assert policy.waits[0] >= 1.0  # the server's Retry-After was honoured


@pytest.mark.parametrize("fault", ["truncated", "schema_invalid", "refusal"])
def test_an_unreadable_answer_is_asked_again(
    fault: str, tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    project = project_with(tmp_path, segmenter, LEA)
    with ScriptedOpenAIServer(faults=[fault]) as server:
        extractor, _ = chain(server, project)
        journey_map = project.build(provider="openai", llm=extractor).map
        again = server.requests[1]["messages"]
    assert len(server.requests) == 2
    assert [m["role"] for m in again] == ["system", "user", "user"]  # no broken answer resent
    assert again[1] == server.requests[0]["messages"][1]  # the same data
    assert "n'a pas pu être lue" in again[-1]["content"]  # the French re-ask, with the problem
    assert journey_map.items() and not journey_map.provenance.failures
    assert not journey_map.ungrounded  # the second answer replaced the unreadable one


def test_an_invented_quote_goes_back_alone_and_what_stays_wrong_is_shown_once(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    project = project_with(tmp_path, segmenter, LEA)
    with ScriptedOpenAIServer(faults=["invented"]) as server:
        extractor, _ = chain(server, project)
        journey_map = project.build(provider="openai", llm=extractor).map
    extraction = [r for r in server.requests if "<findings>" not in str(r["messages"])]
    assert len(extraction) == 2  # the answer, then one targeted repair; not retried after
    repair = extraction[1]["messages"]
    assert [m["role"] for m in repair] == ["system", "user"]  # not the conversation
    assert 'items="1-1"' in repair[1]["content"]  # only the failing item
    assert "Le vendeur m'a offert" in repair[1]["content"]
    # The fake model finds nothing like the invented quote in the segments it is shown: it
    # leaves the item out, which is shown once with the reason.
    (invented,) = journey_map.ungrounded
    assert invented.quote == "Le vendeur m'a offert le canapé gratuitement."
    assert "is not copied from fr-01-lea:" in invented.reason
    assert "left out of the repair answer" in invented.reason
    quotes = {e.quote for _, item in journey_map.items() for e in item.evidence}
    assert "Le vendeur m'a offert le canapé gratuitement." not in quotes
    assert len(quotes) == 6  # the good claims of the first answer


def test_a_source_that_keeps_failing_makes_a_partial_map_naming_it(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    project = project_with(tmp_path, segmenter, LEA, JESS)
    with ScriptedOpenAIServer(faults=["500"] * 4) as server:
        extractor, _ = chain(server, project)
        extractor.concurrency = 1  # the first source takes every fault
        journey_map = project.build(provider="openai", llm=extractor).map
    assert set(journey_map.provenance.failures) == {"en-05-jess"}
    assert "Error code: 500" in journey_map.provenance.failures["en-05-jess"]
    assert {e.source_id for _, i in journey_map.items() for e in i.evidence} == {"fr-01-lea"}


def test_a_server_without_json_schema_falls_back_to_function_calling(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    project = project_with(tmp_path, segmenter, LEA)
    with ScriptedOpenAIServer(faults=["reject_json_schema"]) as server:
        extractor, _ = chain(server, project)
        journey_map = project.build(provider="openai", llm=extractor).map
        assert "tools" in server.requests[-1]
    assert journey_map.provenance.parameters["structured_output"] == "function_calling"
    assert journey_map.items()


def test_an_unreachable_server_is_one_clear_error(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    project = project_with(tmp_path, segmenter, LEA)
    provider = OpenAIProvider("m", base_url="http://127.0.0.1:9/v1", timeout=1.0)
    extractor = LLMExtractor(provider, retry=RetryPolicy(attempts=2, sleep=lambda _: None))
    with pytest.raises(ParcoursError, match="PARCOURS_BASE_URL"):
        project.build(provider="openai", llm=extractor)


def test_cli_build_dry_run_and_missing_settings(tmp_path: Path, hashing_env: None) -> None:
    runner = CliRunner()
    workspace = str(tmp_path / "ws")
    assert runner.invoke(app, ["ingest", str(LEA), "-w", workspace]).exit_code == 0
    result = runner.invoke(app, ["build", "-w", workspace, "--provider", "openai"])
    assert result.exit_code == 2 and "PARCOURS_MODEL" in result.output
    with ScriptedOpenAIServer() as server:
        args = [
            "build",
            "-w",
            workspace,
            "--provider",
            "openai",
            "--model",
            "m",
            "--base-url",
            server.base_url,
        ]
        result = runner.invoke(app, [*args, "--dry-run"])
        assert result.exit_code == 0 and "input tokens" in result.output
        assert not server.requests
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "tokens:" in result.output and len(server.requests) == 1


def test_settings_read_the_openai_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("PARCOURS_MODEL", "gpt-test")
    settings = Settings()
    assert (settings.api_key, settings.model) == ("sk-test", "gpt-test")


def test_a_failed_repair_keeps_what_the_first_answer_got_right(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    project = project_with(tmp_path, segmenter, LEA)
    # The first answer has one invented quote; every repair call then fails (500s, retried).
    with ScriptedOpenAIServer(faults=["invented", "500", "500", "500", "500"]) as server:
        extractor, _ = chain(server, project)
        extractor.retry = RetryPolicy(attempts=2, sleep=lambda _: None)
        journey_map = project.build(provider="openai", llm=extractor).map
    assert not journey_map.provenance.failures  # the source is not "failed"
    assert journey_map.items()  # the good claims of the first answer are in the map
    (invented,) = journey_map.ungrounded
    assert invented.quote == "Le vendeur m'a offert le canapé gratuitement."
    assert "not repaired: the model call failed" in invented.reason
    assert "is not copied from fr-01-lea:" in invented.reason
    assert invented.lane is not None and invented.stage_id is not None  # as the model gave them


def test_a_timeout_names_the_setting_to_raise(tmp_path: Path, segmenter: SpacySegmenter) -> None:
    project = project_with(tmp_path, segmenter, LEA)
    with ScriptedOpenAIServer(faults=["timeout"] * 3, slow_seconds=2.0) as server:
        extractor, _ = chain(server, project, timeout=0.5)
        extractor.retry = RetryPolicy(attempts=2, sleep=lambda _: None)
        with pytest.raises(ParcoursError, match=r"raise PARCOURS_REQUEST_TIMEOUT \(now 0.5 s\)"):
            project.build(provider="openai", llm=extractor)


def test_local_servers_get_a_longer_default_timeout() -> None:
    assert OpenAIProvider("m", base_url="http://127.0.0.1:8080/v1").timeout == 600.0
    assert OpenAIProvider("m", api_key="sk-x").timeout == 120.0
    assert OpenAIProvider("m", api_key="sk-x", timeout=30).timeout == 30


def test_a_map_where_nothing_was_grounded_says_so(
    tmp_path: Path, segmenter: SpacySegmenter, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = project_with(tmp_path, segmenter, LEA)

    def invented_only(request: dict[str, object]) -> list[dict[str, object]]:
        return [
            {"source": "fr-01-lea", "stage": "purchase", "lane": "obstacle", "text": "x",
             "quote": "Le vendeur m'a offert le canapé gratuitement.", "speaker": None,
             "valence": None}
        ]  # fmt: skip

    with ScriptedOpenAIServer(extract=invented_only) as server:
        monkeypatch.setenv("PARCOURS_BASE_URL", server.base_url)
        monkeypatch.setenv("PARCOURS_MODEL", "scripted")
        monkeypatch.setenv("PARCOURS_EMBEDDER", "hashing")
        runner = CliRunner()
        workspace = str(project.workspace.root)
        built = runner.invoke(app, ["build", "-w", workspace, "--provider", "openai"])
        exported = tmp_path / "map.json"
        runner.invoke(app, ["export", "-w", workspace, "--with-sources", "-o", str(exported)])
        verified = runner.invoke(app, ["verify", str(exported)])
    assert "nothing could be grounded" in built.output and "scripted" in built.output
    assert verified.exit_code == 1
    assert "no quote to verify" in verified.output
