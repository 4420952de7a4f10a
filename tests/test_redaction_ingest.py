"""Redaction at ingest: placeholders before anything is embedded, consistent across files,
the mapping kept in the workspace only."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from assistant.cli import app
from assistant.project import Project
from assistant.settings import Settings
from ingest.embedders import HashingEmbedder
from ingest.segment import SpacySegmenter

INTERVIEW = """---
participant: Camille Durand
---
Enquêtrice : Comment vous joindre ?
Camille Durand : Par mail, camille.durand@example.fr, ou au 06 12 34 56 78.
Camille Durand : J'habite 12 rue de la Paix, 75002 Paris, et ma sœur Claire m'a conseillé la marque.
"""
REVIEWS = "auteur;avis\nCamille Durand;Livraison rapide, merci à Julien Martin du SAV !\n"
PII = (
    "Camille",
    "Durand",
    "camille.durand@example.fr",
    "06 12 34 56 78",
    "12 rue de la Paix",
    "Claire",
    "Julien Martin",
)


def test_personal_data_never_reaches_sources_vectors_or_exports(
    tmp_path: Path, segmenter: SpacySegmenter
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "camille.md").write_text(INTERVIEW, encoding="utf-8")
    (tmp_path / "in" / "avis.csv").write_text(REVIEWS, encoding="utf-8")
    settings = Settings(workspace=tmp_path / "ws")  # redaction is on by default
    project = Project(
        settings.workspace, embedder=HashingEmbedder(), segmenter=segmenter, settings=settings
    )
    assert project.ingest([tmp_path / "in"]).exit_code == 0
    interview = project.workspace.load_source("camille")
    review = project.workspace.load_source("avis-001")
    for source in (interview, review):
        assert not any(value in source.text for value in PII), source.text
    assert "[EMAIL_1]" in interview.text and "[TELEPHONE_1]" in interview.text
    assert "[ADRESSE_1]" in interview.text and "ma sœur [PERSONNE_" in interview.text
    # One person, one placeholder: the review's author, the speaker label, the metadata.
    camille = review.metadata["author"]
    assert camille.startswith("[PERSONNE_") and "merci à [PERSONNE_" in review.text
    speakers = {s.speaker for s in interview.segments if s.role.value == "participant"}
    assert speakers == {camille} and f"participant: {camille}" in interview.text
    assert all(interview.text[s.start : s.end].strip() for s in interview.segments)
    # The store holds only redacted text; the vault holds the originals, in the workspace.
    hits = project.store.search(HashingEmbedder().embed_query("mail"), k=20)
    assert hits and not any(value in hit.text for hit in hits for value in PII)
    vault = project.workspace.vault_path.read_text(encoding="utf-8")
    assert "camille.durand@example.fr" in vault
    project.build()
    exported = project.export(with_sources=True).text
    assert not any(value in exported for value in PII)
    assert "pii-vault" not in exported and json.loads(exported)["sources"]


def test_no_redact_keeps_the_text_as_is(tmp_path: Path, hashing_env: None) -> None:
    path = tmp_path / "camille.md"
    path.write_text(INTERVIEW, encoding="utf-8")
    workspace = tmp_path / "ws"
    result = CliRunner().invoke(app, ["ingest", str(path), "-w", str(workspace), "--no-redact"])
    assert result.exit_code == 0, result.output
    source = json.loads((workspace / "sources" / "camille.json").read_text(encoding="utf-8"))
    assert "camille.durand@example.fr" in source["text"]
    assert not (workspace / "pii-vault.json").exists()
