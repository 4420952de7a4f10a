"""The review UI served for real and driven by headless Chromium: what the browser test and the UI
benchmark share.

`running_ui(workspace)` starts `parcours ui` on 127.0.0.1 (a free port) as a child process and
waits for Streamlit's health endpoint; `chromium(locale)` opens Debian's /usr/bin/chromium through
the `playwright` package (never Playwright's own browser download, which cannot reach its host).
`wait_for_map(page)` returns once the grid's cards are drawn.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CARD = "[class*='st-key-card-'] button"


def chromium_available() -> bool:
    return CHROMIUM.exists() and shutil.which("chromium") is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@contextmanager
def running_ui(
    workspace: Path, environment: Mapping[str, str] | None = None, timeout: float = 90.0
) -> Iterator[str]:
    """`parcours ui -w WORKSPACE` on a free port; yields its URL; stops it afterwards."""
    port = free_port()
    parcours = Path(sys.executable).with_name("parcours")
    command = [str(parcours), "ui", "-w", str(workspace), "--port", str(port)]
    env = {**os.environ, **(environment or {})}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if process.poll() is not None:
                error = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"parcours ui exited with {process.returncode}: {error}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"parcours ui did not answer on {url} in {timeout:.0f} s")
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def chromium(locale: str = "fr-FR", viewport: tuple[int, int] = (1600, 1000)) -> Iterator[Any]:
    """A Playwright page in Debian's headless Chromium (downloads accepted)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                locale=locale,
                viewport={"width": viewport[0], "height": viewport[1]},
                accept_downloads=True,
            )
            yield context.new_page()
        finally:
            browser.close()


def wait_for_map(page: Any, timeout_ms: float = 60_000) -> None:
    page.locator(CARD).first.wait_for(timeout=timeout_ms)


def scroll_top(page: Any) -> None:
    """Streamlit scrolls its main block, not the window."""
    page.evaluate("document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")
