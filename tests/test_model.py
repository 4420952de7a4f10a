"""The domain model and its public JSON contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from assistant.cli import app
from assistant.model import (
    Alignment,
    Evidence,
    Item,
    Lane,
    default_stages,
    journey_map_json_schema,
)
from tests.conftest import CONTRACT_TOP_LEVEL

SHIPPED = Path(__file__).parent.parent / "assistant/schema/journey-map.schema.json"


def test_shipped_schema_is_the_generated_one() -> None:
    """Run `make schema` after changing the model, and commit the file."""
    assert json.loads(SHIPPED.read_text()) == journey_map_json_schema()


def test_parcours_schema_prints_it() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == journey_map_json_schema()


def test_contract_field_names() -> None:
    schema = journey_map_json_schema()
    defs = schema["$defs"]
    assert set(schema["properties"]) == CONTRACT_TOP_LEVEL | {"ideal", "gap"}  # exports add them
    assert {"id", "name", "order", "items"} <= set(defs["Stage"]["properties"])
    assert {"id", "lane", "text", "status", "valence", "support", "evidence"} <= set(
        defs["Item"]["properties"]
    )
    assert {"source_id", "quote", "start", "end", "speaker", "timestamp", "alignment"} <= set(
        defs["Evidence"]["properties"]
    )
    assert {"id", "name", "kind", "language", "sha256", "text"} <= set(
        defs["SourceRef"]["properties"]
    )


def test_default_stages_are_named_in_the_sources_language() -> None:
    assert [s.name for s in default_stages("fr")] == [
        "Sensibilisation",
        "Considération",
        "Achat",
        "Rétention",
        "Recommandation",
    ]
    assert [s.id for s in default_stages("en")] == [
        "awareness",
        "consideration",
        "purchase",
        "retention",
        "advocacy",
    ]


def evidence() -> Evidence:
    return Evidence(source_id="s", quote="abc", start=0, end=3, alignment=Alignment.EXACT)


def test_customer_items_need_evidence_and_analyst_items_need_citations() -> None:
    with pytest.raises(ValidationError, match="no evidence"):
        Item(id="I1", lane=Lane.OBSTACLE, text="Frais de port cachés")
    with pytest.raises(ValidationError, match="cites no customer item"):
        Item(id="I2", lane=Lane.OPPORTUNITY, text="Afficher les frais plus tôt")
    Item(id="I3", lane=Lane.OBSTACLE, text="x", evidence=[evidence()])
    Item(id="I4", lane=Lane.KPI, text="Taux d'abandon panier", cites=["I3"])


def test_evidence_span_must_fit_its_quote() -> None:
    with pytest.raises(ValidationError, match="does not fit"):
        Evidence(source_id="s", quote="abc", start=0, end=5, alignment=Alignment.EXACT)
