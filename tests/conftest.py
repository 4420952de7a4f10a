"""Shared fixtures. The network guard comes from pytest-socket (see pyproject's addopts:
`--allow-hosts` lets tests reach servers they start on loopback, nothing else)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.project import Project
from assistant.settings import Settings
from ingest.embedders import HashingEmbedder
from ingest.segment import SpacySegmenter

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
# The public JSON contract, written out here rather than derived from the code it checks.
CONTRACT_TOP_LEVEL = frozenset(
    {
        "schema_version",
        "id",
        "kind",
        "actual_map_id",
        "title",
        "language",
        "persona",
        "revision",
        "stages",
        "ungrounded",
        "sources",
        "provenance",
    }
)


@pytest.fixture(scope="session")
def segmenter() -> SpacySegmenter:
    return SpacySegmenter()


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def project(tmp_path: Path, embedder: HashingEmbedder, segmenter: SpacySegmenter) -> Project:
    """A workspace in a temporary folder, real Chroma and spaCy, the fast hashing embedder."""
    settings = Settings(workspace=tmp_path / "ws", redact=False)  # redaction: test_redaction.py
    return Project(settings.workspace, embedder=embedder, segmenter=segmenter, settings=settings)


@pytest.fixture
def hashing_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """CLI runs in tests use the fast deterministic embedder unless a test says otherwise."""
    monkeypatch.setenv("PARCOURS_EMBEDDER", "hashing")
    yield
