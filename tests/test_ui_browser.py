"""The review UI for real: `parcours ui` on 127.0.0.1 driven by Debian's headless Chromium.

A first-time user's session, one screenshot per step under test-artifacts/ui/: upload a sample
transcript, build, open a card's evidence and see its quote highlighted, accept the card, send a
chat edit and apply it, download the JSON and validate it against the shipped schema.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from assistant.model import ItemStatus
from assistant.workspace import Workspace
from evals.ui_harness import (
    CARD,
    chromium,
    running_ui,
    scroll_top,
    wait_for_map,
)
from tests.browser import require_chromium
from tests.conftest import SAMPLES

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).parent.parent
SCHEMA = json.loads((ROOT / "assistant/schema/journey-map.schema.json").read_text())
ARTIFACTS = Path(os.environ.get("PARCOURS_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "ui"
ENVIRONMENT = {"PARCOURS_EMBEDDER": "hashing", "HF_HUB_OFFLINE": "1"}


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    require_chromium()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def key(name: str) -> str:
    """The CSS class Streamlit gives a widget's container (st-key-…, ":" → "-")."""
    return ".st-key-" + "".join(c if c.isalnum() or c in "_-" else "-" for c in name)


def test_upload_build_evidence_accept_chat_and_download(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    with running_ui(root, ENVIRONMENT) as url, chromium() as page:
        page.goto(url)
        page.get_by_role("heading", name="Sources").wait_for(timeout=60_000)
        page.locator("input[type=file]").first.set_input_files(
            str(SAMPLES / "interviews" / "fr-01-lea.md")
        )
        page.locator(key("sources:ingest")).get_by_role("button").click()
        page.get_by_text("1 importé(s)").wait_for(timeout=120_000)
        page.get_by_text("Sources de l’espace (1)").wait_for(timeout=30_000)
        shot(page, "01-upload")

        page.get_by_text("Construire", exact=True).first.click()
        page.locator(key("build:run")).get_by_role("button").click()
        page.get_by_text("Construit overall").wait_for(timeout=180_000)
        shot(page, "02-build")

        page.get_by_text("Carte du parcours", exact=True).first.click()
        wait_for_map(page)
        scroll_top(page)
        shot(page, "03-map")

        journey_map = Workspace(root).load_map("overall")
        card = page.locator(CARD).first
        item_id = (card.locator("xpath=ancestor::*[contains(@class,'st-key-card-')]")
                   .first.get_attribute("class") or "").split("st-key-card-")[1].split()[0]  # fmt: skip
        quote = next(i for _, i in journey_map.items() if i.id == item_id).evidence[0].quote
        card.click()
        highlighted = page.locator("mark.parcours-quote").first
        highlighted.wait_for(timeout=30_000)
        assert highlighted.inner_text().strip() == quote.strip()
        assert (
            highlighted.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
        )
        context = page.locator(".parcours-context").first.inner_text()
        assert len(context) > len(quote) + 40  # the turns around it are there too
        shot(page, "04-evidence")

        page.locator(key("panel:accept")).get_by_role("button").click()
        page.get_by_text("Révision 2 :").first.wait_for(timeout=30_000)
        accepted = Workspace(root).load_map("overall")
        assert next(i for _, i in accepted.items() if i.id == item_id).status is ItemStatus.ACCEPTED
        shot(page, "05-accept")
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)

        other = next(i.id for _, i in accepted.items() if i.id != item_id)
        chat = page.get_by_placeholder("ex. déplace I3 vers achat", exact=False)
        chat.fill(f"déplace {other} vers achat")
        chat.press("Enter")
        apply = page.get_by_role("button", name="Appliquer la sélection")
        apply.wait_for(timeout=30_000)
        shot(page, "06-chat-proposal")
        apply.click()
        page.get_by_text("Révision 3 :").first.wait_for(timeout=30_000)
        moved = Workspace(root).load_map("overall")
        assert next(s.id for s, i in moved.items() if i.id == other) == "purchase"
        shot(page, "07-chat-applied")

        with page.expect_download() as download:
            page.locator(key("export-json")).get_by_role("button").click()
        exported = json.loads(Path(download.value.path()).read_text())
        jsonschema.validate(exported, SCHEMA)
        assert exported["revision"] == 3 and exported["id"] == "overall"
        shot(page, "08-download")
