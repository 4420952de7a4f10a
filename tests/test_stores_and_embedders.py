"""A Chroma server for teams, OpenAI-compatible embedders, reindex and remove."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.errors import ConfigError, ParcoursError
from assistant.project import Project
from assistant.settings import Settings
from ingest.embedders import HashingEmbedder, get_embedder
from ingest.segment import SpacySegmenter
from tests.conftest import SAMPLES
from tests.servers import chroma_server, embeddings_server, free_port

LEA = SAMPLES / "interviews" / "fr-01-lea.md"
REVIEWS = SAMPLES / "reviews" / "reviews-en.csv"


def test_ingest_and_search_through_a_real_chroma_server(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    embedder = HashingEmbedder()
    with chroma_server(tmp_path / "chroma-data") as url:
        settings = Settings(workspace=tmp_path / "ws", chroma_url=url)
        project = Project(
            settings.workspace, embedder=embedder, segmenter=segmenter, settings=settings
        )
        report = project.ingest([LEA])
        assert report.exit_code == 0
        source = project.workspace.load_source("fr-01-lea")
        assert project.store.count() == len(source.segments)
        hits = project.store.search(
            embedder.embed_query("Instagram"), k=3, where={"role": "participant"}
        )
        assert hits and all(hit.source_id == "fr-01-lea" for hit in hits)
        assert any("Instagram" in hit.text for hit in hits)
        # The workspace remembers its server: a later command needs no flag.
        later = Project(
            tmp_path / "ws",
            embedder=embedder,
            segmenter=segmenter,
            settings=Settings(workspace=tmp_path / "ws"),
        )
        assert later.workspace.load_manifest().chroma_url == url
        assert later.store.count() == len(source.segments)
        assert later.build().map.stages


def test_an_unreachable_chroma_server_is_a_clear_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    settings = Settings(workspace=tmp_path / "ws", chroma_url=url)
    project = Project(settings.workspace, embedder=HashingEmbedder(), settings=settings)
    with pytest.raises(ConfigError, match="cannot reach the Chroma server"):
        project.store.count()


def test_openai_compatible_embeddings_by_base_url(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    with embeddings_server() as (base_url, calls):
        settings = Settings(
            workspace=tmp_path / "ws",
            embedder="openai",
            embedding_model="nomic-embed-text",
            embedding_base_url=base_url,
        )
        project = Project(settings.workspace, segmenter=segmenter, settings=settings)
        assert project.ingest([LEA]).exit_code == 0
        manifest = project.workspace.load_manifest()
        assert manifest.embedder is not None
        assert (manifest.embedder.name, manifest.embedder.dim) == (
            "openai-compatible:nomic-embed-text",
            16,
        )
        assert calls and all(call["path"] == "/v1/embeddings" for call in calls)
        assert {call["body"]["model"] for call in calls} == {"nomic-embed-text"}


def test_openai_without_key_names_the_setting_and_a_dead_server_is_reported() -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        get_embedder("openai")
    dead = get_embedder("openai", base_url=f"http://127.0.0.1:{free_port()}/v1")
    with pytest.raises(ParcoursError, match="cannot reach the embedding server"):
        dead.embed_documents(["bonjour"])


def test_changing_embedder_is_refused_until_reindex(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    first = Project(tmp_path / "ws", embedder=HashingEmbedder(), segmenter=segmenter)
    first.ingest([LEA])
    other = HashingEmbedder(dim=64)
    second = Project(tmp_path / "ws", embedder=other, segmenter=segmenter)
    with pytest.raises(ParcoursError, match="parcours reindex"):
        second.ingest([REVIEWS])
    count = second.reindex()
    assert count == len(first.workspace.load_source("fr-01-lea").segments)
    manifest = second.workspace.load_manifest()
    assert manifest.embedder is not None and manifest.embedder.dim == 64
    assert second.ingest([REVIEWS]).exit_code == 0
    vector = next(iter(second.store.vectors(["fr-01-lea:0"]).values()))
    assert vector.shape == (64,)
    assert np.isclose(np.linalg.norm(vector), 1.0)


def test_remove_a_source_or_a_whole_file(tmp_path: Path, segmenter: SpacySegmenter) -> None:
    project = Project(tmp_path / "ws", embedder=HashingEmbedder(), segmenter=segmenter)
    project.ingest([LEA, REVIEWS])
    rows = [sid for sid in project.workspace.source_ids() if sid.startswith("reviews-en")]
    assert project.remove(rows[0]) == [rows[0]]
    assert rows[0] not in project.workspace.source_ids()
    assert not project.store.vectors([f"{rows[0]}:0"])
    # Re-ingesting the unchanged table does not bring the removed row back.
    assert [o.status for o in project.ingest([REVIEWS]).outcomes] == ["skipped"]
    assert project.remove(str(LEA)) == ["fr-01-lea"]
    with pytest.raises(ParcoursError, match="no source or ingested file"):
        project.remove("nope")


def test_cli_remove_and_reindex(tmp_path: Path, hashing_env: None) -> None:
    runner = CliRunner()
    workspace = str(tmp_path / "ws")
    assert runner.invoke(app, ["ingest", str(LEA), "-w", workspace]).exit_code == 0
    result = runner.invoke(app, ["reindex", "-w", workspace])
    assert result.exit_code == 0 and "re-embedded" in result.output
    result = runner.invoke(app, ["remove", "fr-01-lea", "-w", workspace])
    assert result.exit_code == 0 and "fr-01-lea" in result.output
    assert runner.invoke(app, ["remove", "fr-01-lea", "-w", workspace]).exit_code == 1
