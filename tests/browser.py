"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright.

`make test` installs Chromium with apt-get when the machine lacks it; where it cannot (no apt-get,
no root or sudo), the tests that need it skip and say how to get it. Playwright's own browser
download cannot reach its host here. The launching itself is `evals.ui_harness.chromium`, which
the UI benchmark uses too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from evals.ui_harness import chromium, chromium_available

MISSING_CHROMIUM = (
    "needs Debian's chromium at /usr/bin/chromium: `make test` installs it with apt-get (as root "
    "or with sudo); on a machine without apt-get, install Chromium there to run the browser tests"
)


@dataclass
class PageVisit:
    """A page loaded in Chromium, with every request it made beyond its own document."""

    page: Any
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def require_chromium() -> None:
    if not chromium_available():
        pytest.skip(MISSING_CHROMIUM)


@contextmanager
def chromium_page(viewport: tuple[int, int] = (1600, 1000)) -> Iterator[Any]:
    """A fresh Playwright page in headless Chromium (English locale), or a skip that says how
    to get Chromium."""
    require_chromium()
    with chromium("en-US", viewport) as page:
        yield page


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
