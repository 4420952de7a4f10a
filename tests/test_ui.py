"""The Streamlit viewer renders a built map and offers its JSON export."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from assistant.project import Project
from tests.conftest import SAMPLES

APP = str(Path(__file__).parent.parent / "ui" / "app.py")


def test_viewer_shows_stages_items_and_export(project: Project) -> None:
    project.ingest([SAMPLES / "interviews" / "fr-01-lea.md"])
    project.build()
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.sidebar.text_input[0].set_value(str(project.workspace.root)).run()
    assert not app.exception
    assert app.header[0].value == "Parcours client — tous les participants"
    assert [s.value.split(" (")[0] for s in app.subheader] == [
        "Sensibilisation",
        "Considération",
        "Achat",
        "Rétention",
        "Recommandation",
    ]
    assert len(app.expander) > 5
    assert app.sidebar.get("download_button")[0].proto.label == "Export JSON"


def test_viewer_explains_an_empty_workspace(tmp_path: Path) -> None:
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.sidebar.text_input[0].set_value(str(tmp_path / "none")).run()
    assert "make demo" in app.info[0].value
