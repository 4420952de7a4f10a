"""Evidence search: keywords (case, accents, plurals, typos) fused with the vector store's ranks,
participant speech only, filters by persona, kind of source, stage and lane."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import MapError, WorkspaceError
from assistant.model import Lane, SourceKind
from assistant.project import Project
from assistant.refine.search import WorkspaceSearch, content_words, keyword_score, words
from assistant.refine.turns import SearchFilters
from ingest.embedders import HashingEmbedder
from tests.test_edits import I_ANGRY, I_FEES, MAP, SOURCES

INTERVIEW = """Persona : deliberate
Participant : Marc

[00:00:05] Enquêteur : Parlez-moi des délais de livraison, et du retard éventuel.
[00:00:20] Marc : La livraison a eu trois semaines de retard, personne ne m'a prévenu.
[00:01:10] Marc : Le vendeur du showroom était patient et connaissait bien le bois.
"""
REVIEWS = """date,rating,channel,author,review
2026-03-02,2,Trustpilot,Tom H.,"Delivery took eight weeks, far too late."
2026-03-05,5,Google,Ann B.,"Lovely showroom staff, patient and kind."
"""


def test_words_ignore_case_accents_and_punctuation() -> None:
    assert words("Délai de LIVRAISON, s’il vous plaît !") == [
        "delai", "de", "livraison", "s", "il", "vous", "plait",
    ]  # fmt: skip
    assert content_words("le retard de la livraison") == ["retard", "livraison"]
    assert content_words("de la") == ["de", "la"]  # only stop words: keep them


def test_keyword_score_exact_prefix_and_typo() -> None:
    segment = words("Les livraisons étaient retardées")
    assert keyword_score(["livraison"], segment) == 0.8  # a longer form of the word
    assert keyword_score(["retardees"], segment) == 1.0
    assert keyword_score(["livraisin"], words("la livraison")) == 0.6  # near spelling
    assert keyword_score(["prix"], segment) == 0.0


def test_keyword_search_skips_the_interviewer_and_names_citing_items() -> None:
    search = WorkspaceSearch(SOURCES, journey_map=MAP)
    assert not search("avez-vous découvert la marque")  # only the interviewer said it
    hits = search("FRAIS DE PORT caches")
    assert hits[0].citation.segment_id == "lea:4"
    assert hits[0].citation.quote.startswith("Les frais de port étaient cachés")
    assert hits[0].item_ids == [I_FEES, I_ANGRY]
    assert hits[0].citation.label() == "[lea.md, Léa]"


def test_stage_and_lane_filters_restrict_to_what_the_maps_items_cite() -> None:
    search = WorkspaceSearch(SOURCES, journey_map=MAP)
    in_purchase = search("frais", filters=SearchFilters(stage_id="purchase"))
    assert {hit.citation.source_id for hit in in_purchase} == {"lea", "avis-fr"}
    emotions = search("frais", filters=SearchFilters(lane=Lane.EMOTION))
    assert [hit.citation.segment_id for hit in emotions] == ["lea:4"]
    assert not search("frais", filters=SearchFilters(stage_id="awareness"))
    with pytest.raises(MapError, match="needs the map"):
        WorkspaceSearch(SOURCES)("frais", filters=SearchFilters(stage_id="purchase"))


def test_kind_filter_and_k() -> None:
    search = WorkspaceSearch(SOURCES, journey_map=MAP)
    reviews = search("frais livraison", filters=SearchFilters(source_kind=SourceKind.REVIEW))
    assert [hit.citation.source_id for hit in reviews] == ["avis-fr"]
    assert len(search("je", k=2)) == 2 and search("je", k=0) == []


@pytest.fixture
def ingested(project: Project, tmp_path: Path) -> Project:
    (tmp_path / "fr-02-marc.txt").write_text(INTERVIEW, encoding="utf-8")
    (tmp_path / "reviews-en.csv").write_text(REVIEWS, encoding="utf-8")
    project.ingest([tmp_path / "fr-02-marc.txt", tmp_path / "reviews-en.csv"])
    return project


def test_hybrid_search_through_the_vector_store(ingested: Project) -> None:
    search = ingested.search()
    hits = search("retard de livraison")
    assert hits[0].citation.quote.startswith("La livraison a eu trois semaines de retard")
    assert hits[0].citation.label() == "[fr-02-marc.txt, Marc, 00:00:20]"
    assert all(hit.citation.speaker != "Enquêteur" for hit in search("délais livraison", k=20))
    # no shared word: the vectors alone rank, and the store's `where` filters still hold
    staff = search("xyzzy showroom", filters=SearchFilters(source_kind=SourceKind.REVIEW))
    assert staff and {hit.citation.source_id.split("-")[0] for hit in staff} == {"reviews"}
    deliberate = search("showroom", filters=SearchFilters(persona="deliberate"), k=20)
    assert deliberate and {hit.citation.source_id for hit in deliberate} == {"fr-02-marc"}


def test_the_search_refuses_vectors_of_another_embedder(ingested: Project) -> None:
    root = ingested.workspace.root
    other = Project(root, embedder=HashingEmbedder(dim=64), settings=ingested.settings)
    with pytest.raises(WorkspaceError, match="parcours reindex"):
        other.search()
