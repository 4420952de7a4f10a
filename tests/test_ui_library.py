"""What the review UI calls without Streamlit: the map filters and bulk operations
(assistant.exports.filters), the escaping of source text (ui.text), `parcours ui`'s command line,
and a hostile quote drawn by the app (AppTest) as text, never as Markdown or HTML."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.cli.ui import LOOPBACK, app_path, streamlit_command
from assistant.exports.filters import (
    MapFilter,
    cells,
    filter_map,
    lowest_stage,
    status_operations,
)
from assistant.model import ItemStatus, Lane, Revision, SetStatus, SourceKind
from assistant.workspace import Workspace
from tests.test_edits import MAP
from tests.test_exports import EVIL, evil_map
from tests.test_ui import APP
from ui.text import html_text, plain


def test_no_filter_is_the_map_itself() -> None:
    assert filter_map(MAP, MapFilter()) is MAP


def test_filters_keep_every_stage_and_only_matching_items() -> None:
    obstacles = filter_map(MAP, MapFilter(lanes=frozenset({Lane.OBSTACLE})))
    assert [s.id for s in obstacles.stages] == [s.id for s in MAP.stages]
    kept = [item for _, item in obstacles.items()]
    assert kept and all(item.lane is Lane.OBSTACLE for item in kept)
    assert len(kept) == sum(item.lane is Lane.OBSTACLE for _, item in MAP.items())


def test_source_kind_and_persona_filters_follow_the_quotes() -> None:
    reviews = filter_map(MAP, MapFilter(source_kinds=frozenset({SourceKind.REVIEW})))
    refs = {ref.id: ref for ref in MAP.sources}
    for _, item in reviews.items():
        if item.lane.customer_side:
            assert any(refs[e.source_id].kind is SourceKind.REVIEW for e in item.evidence)
    nobody = filter_map(MAP, MapFilter(persona="nobody"))
    assert not nobody.items()  # analyst items go with the items they cite


def test_cells_rank_by_participants_then_quotes() -> None:
    for items in cells(MAP).values():
        keys = [(-i.support.participants, -i.support.quotes) for i in items]
        assert keys == sorted(keys)


def test_lowest_stage_is_the_emotional_low_point() -> None:
    low = lowest_stage(MAP)
    rated = [s.valence for s in MAP.stages if s.valence is not None]
    assert (low is None) == (not rated)
    if low is not None:
        assert low.valence == min(rated)


def test_bulk_status_skips_items_already_there() -> None:
    items = [item for _, item in MAP.items()][:3]
    accepted = items[0].model_copy(update={"status": ItemStatus.ACCEPTED})
    operations = status_operations([accepted, *items[1:]], ItemStatus.ACCEPTED)
    assert operations == [SetStatus(item_id=i.id, status=ItemStatus.ACCEPTED) for i in items[1:]]


def test_source_text_is_escaped_for_markdown_and_html() -> None:
    shown = plain("[clic](http://evil.example) ![x](y) **fort** :red[rouge] $x$")
    assert "](" not in shown.replace("\\](", "") and "\\*\\*fort\\*\\*" in shown
    assert "\\:red\\[rouge\\]" in shown and "\\$x\\$" in shown
    assert html_text("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_parcours_ui_serves_streamlit_on_loopback_only(tmp_path: Path) -> None:
    command = streamlit_command(app_path(), tmp_path, 8600)
    assert command[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert command[command.index("--server.address") + 1] == LOOPBACK == "127.0.0.1"
    assert command[command.index("--browser.gatherUsageStats") + 1] == "false"
    assert command[-2:] == ["--workspace", str(tmp_path)]
    assert app_path().name == "app.py" and app_path().parent.name == "ui"


def test_a_hostile_quote_is_drawn_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARCOURS_MODEL", raising=False)
    journey_map, source = evil_map()
    workspace = Workspace(tmp_path / "ws")
    workspace.ensure_manifest()
    workspace.save_source(source)
    workspace.save_revision(
        Revision(number=1, parent=None, author="system", message="evil", map=journey_map)
    )
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.sidebar.text_input[0].set_value(str(workspace.root)).run()
    app.sidebar.radio(key=f"ui:page:{workspace.root}").set_value("map").run()
    assert not app.exception
    card = next(b for b in app.button if str(b.key).startswith("card-"))
    assert card.label.startswith("\\# Titre injecté \\[clic\\]\\(http")  # escaped, not a link
    card.click().run()
    bodies = [h.proto.body for h in app.get("html")]
    assert not any("<script>" in body for body in bodies)
    assert any("&lt;script&gt;" in body for body in bodies)
    assert EVIL  # the sentence is in the map, untouched
