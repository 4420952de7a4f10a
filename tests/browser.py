"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright.

`.ci/run` installs Chromium when the machine lacks it; elsewhere the tests that need it skip with
the command that installs it. Playwright's own browser download cannot reach its host here.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class PageVisit:
    """A page loaded in Chromium, with every request it made beyond its own document."""

    page: Any
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def require_chromium() -> None:
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        pytest.skip("needs Debian's chromium: apt-get install chromium (.ci/run does)")


@contextmanager
def chromium_page(viewport: tuple[int, int] = (1600, 1000)) -> Iterator[Any]:
    """A fresh Playwright page in headless Chromium."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            yield page
        finally:
            browser.close()


@contextmanager
def visit_file(path: Path, viewport: tuple[int, int] = (1600, 1000)) -> Iterator[PageVisit]:
    """Open a local HTML file; `requests` lists every URL it asked for besides itself."""
    with chromium_page(viewport) as page:
        visit = PageVisit(page)
        own = path.resolve().as_uri()
        page.on("request", lambda r: visit.requests.append(r.url) if r.url != own else None)
        page.on(
            "console", lambda m: visit.console_errors.append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda e: visit.console_errors.append(str(e)))
        page.goto(own)
        page.wait_for_load_state("load")
        yield visit
