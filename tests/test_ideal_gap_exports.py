"""Exports of an actual/ideal pair: JSON carries the ideal map and the gap (schema-valid, and
`import` and `verify` still read it as the map), Markdown and HTML add the gap section."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from assistant.export_files import verify_export
from assistant.exports.json import load_export
from assistant.project import Project
from assistant.settings import Settings
from ingest.embedders import HashingEmbedder
from tests.test_ideal_gap import ACTUAL, gap_workspace

SCHEMA = json.loads(
    (Path(__file__).parent.parent / "assistant/schema/journey-map.schema.json").read_text()
)
NBSP = "\u00a0"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = gap_workspace(tmp_path / "ws").root
    return Project(root, embedder=HashingEmbedder(), settings=Settings(workspace=root))


def test_an_actual_map_alone_exports_as_before(project: Project) -> None:
    data = json.loads(project.export("overall").text)
    assert "ideal" not in data and "gap" not in data and data["kind"] == "actual"
    assert "Écart" not in project.export("overall", format="markdown").text


def test_the_json_export_carries_the_ideal_map_and_the_gap(
    project: Project, tmp_path: Path
) -> None:
    project.ideal("overall")
    text = project.export("overall", with_sources=True).text
    data = json.loads(text)
    jsonschema.validate(data, SCHEMA)
    assert data["ideal"]["id"] == "overall-ideal" and data["ideal"]["kind"] == "ideal"
    assert data["gap"]["priorities"][0]["item_ids"]
    assert data["gap"] == json.loads(project.gap("overall").model_dump_json())
    ideal = json.loads(project.export("overall-ideal").text)
    jsonschema.validate(ideal, SCHEMA)
    assert "gap" in ideal and "ideal" not in ideal  # the ideal map's export: its gap
    path = tmp_path / "overall.json"
    path.write_text(text, encoding="utf-8")
    assert verify_export(path).ok
    plain = project.export("overall").text
    assert "gap" in json.loads(plain)
    assert load_export("x.json", plain) == ACTUAL  # the derived members are left out
    imported = project.import_map(path, map_id="copy")
    assert imported.revision.map.kind == "actual"


def test_markdown_and_html_add_the_gap_section(project: Project) -> None:
    project.ideal("overall")
    markdown = project.export("overall", format="markdown").text
    for expected in (
        "## Écart entre le parcours vécu et le parcours idéal",
        "### Priorités : là où la marque doit être irréprochable",
        "1. **Être livré en une semaine** (Rétention · SMOT · attente non tenue)",
        f"> «{NBSP}Je pensais être livrée en une semaine{NBSP}»",
        "### KPI pour suivre l’écart",
        "**Expérience cible**",
    ):
        assert expected in markdown, expected  # fmt: skip
    assert markdown.index("## Écart") < markdown.index("## Affirmations non sourcées")
    html = project.export("overall-ideal", format="html").text
    assert '<section class="pc-gap">' in html and "Être livré en une semaine" in html
    assert "<polyline" in html  # the ideal map's curve: its target
    assert "pc-gap" not in project.export("overall", format="csv").text
