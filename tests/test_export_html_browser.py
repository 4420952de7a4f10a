"""The HTML export in headless Chromium: the map built from the samples opens with no network
request and no console error, shows every stage and item, and prints with every quote."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.exports.html import export_html
from assistant.model import JourneyMap
from assistant.project import Project
from assistant.settings import Settings
from ingest.embedders import HashingEmbedder
from ingest.segment import SpacySegmenter
from tests.browser import PageVisit, visit_file
from tests.conftest import SAMPLES
from tests.test_exports import evil_map

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENSHOT = Path("/tmp/export-html.png")


@pytest.fixture(scope="module")
def samples_map(
    tmp_path_factory: pytest.TempPathFactory, segmenter: SpacySegmenter
) -> tuple[JourneyMap, Path]:
    """The overall map of the samples, and its HTML export written to a file."""
    root = tmp_path_factory.mktemp("html") / "ws"
    settings = Settings(workspace=root, redact=False)
    project = Project(root, embedder=HashingEmbedder(), segmenter=segmenter, settings=settings)
    project.ingest([SAMPLES / "interviews", SAMPLES / "reviews"])
    project.build()
    page = root.parent / "map.html"
    page.write_bytes(project.export(format="html").content)
    return project.load_map(), page


@pytest.fixture
def visit(samples_map: tuple[JourneyMap, Path]) -> Iterator[PageVisit]:
    with visit_file(samples_map[1]) as page_visit:
        yield page_visit


def test_the_page_makes_no_request_and_logs_no_error(visit: PageVisit) -> None:
    visit.page.screenshot(path=str(SCREENSHOT), full_page=True)
    visit.page.click(".pc-quotes summary")  # opening a card's quotes loads nothing either
    assert visit.requests == []
    assert visit.console_errors == []


def test_every_stage_and_item_is_on_the_page(
    visit: PageVisit, samples_map: tuple[JourneyMap, Path]
) -> None:
    journey_map = samples_map[0]
    page = visit.page
    headers = page.locator(".pc-stage-head h2").all_inner_texts()
    assert headers == [stage.name for stage in journey_map.stages]
    assert page.locator("article.pc-card").count() == len(journey_map.items())
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    shown = " ".join(page.locator(".pc-text").all_inner_texts())
    for _, item in journey_map.items():
        assert " ".join(item.text.split()) in shown, item.id
    assert page.locator(".pc-lane-head").count() == 7  # the customer lanes, always


def test_the_grid_keeps_each_lane_on_one_row(visit: PageVisit) -> None:
    """Every cell of a lane starts at the height of its lane's header."""
    tops = visit.page.evaluate(
        """() => {
          const grid = [...document.querySelector('.pc-grid').children];
          const rows = {};
          let lane = null;
          for (const el of grid) {
            if (el.classList.contains('pc-lane-head')) lane = el.getBoundingClientRect().top;
            else if (lane !== null && el.classList.contains('pc-cell'))
              (rows[lane] = rows[lane] || []).push(el.getBoundingClientRect().top);
          }
          return Object.entries(rows).map(([top, cells]) => cells.every(c => c == Number(top)));
        }"""
    )
    assert tops and all(tops)


def test_long_cells_are_capped_and_the_page_stays_short(
    visit: PageVisit, samples_map: tuple[JourneyMap, Path]
) -> None:
    page = visit.page
    cells = page.locator(".pc-cell").all()
    for cell in cells:
        assert cell.locator(":scope > article.pc-card").count() <= 4
    assert page.locator(".pc-more").count() > 0
    height = page.evaluate("document.body.scrollHeight")
    assert height < 12 * len(samples_map[0].items()) + 1500  # ~3,000 px for 248 items


def test_printing_shows_every_quote(visit: PageVisit) -> None:
    page = visit.page
    page.emulate_media(media="print")
    hidden = page.evaluate(
        "[...document.querySelectorAll('blockquote')].filter(b => !b.checkVisibility()).length"
    )
    assert hidden == 0
    sticky = page.evaluate(
        "[...document.querySelectorAll('*')].filter("
        "e => getComputedStyle(e).position === 'sticky').length"
    )
    assert sticky == 0


def test_hostile_source_text_stays_text(tmp_path: Path) -> None:
    journey_map, source = evil_map()
    path = tmp_path / "evil.html"
    path.write_text(export_html(journey_map, [source]), encoding="utf-8")
    with visit_file(path) as page_visit:
        page = page_visit.page
        assert page.locator("script").count() == 1  # the page's own print helper only
        assert page.locator(".pc-card b, .pc-card img, .pc-card a").count() == 0
        assert "<script>alert(1)</script>" in page.locator(".pc-text").first.inner_text()
        assert page_visit.requests == [] and page_visit.console_errors == []
