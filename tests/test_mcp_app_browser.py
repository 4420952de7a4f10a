"""The MCP App page in headless Chromium, inside a stand-in host: the page is an iframe, the host
answers `ui/initialize`, sends the get_map result, and answers the page's tools/call requests with
the server's real results. No network request is allowed."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from playwright.sync_api import expect

from assistant.mcp import server_for
from assistant.mcp.server import app_page
from assistant.project import Project
from tests.browser import visit_file
from tests.conftest import SAMPLES
from tests.mcp_harness import call

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENSHOT = Path("/tmp/parcours-mcp-app.png")  # to look at, as a researcher would

HOST = """<!doctype html><html><body style="margin:0">
<iframe id="app" sandbox="allow-scripts" style="width:1500px;height:1400px;border:0"
  srcdoc="{srcdoc}"></iframe>
<script>
const RESULT = {result};
const EXPLAINED = {explained};
const PAGES = {pages};
window.calls = [];
window.addEventListener("message", (event) => {{
  const m = event.data, frame = document.getElementById("app").contentWindow;
  if (!m || m.jsonrpc !== "2.0") return;
  window.calls.push(m.method || "response");
  if (m.method === "ui/initialize") frame.postMessage({{ jsonrpc: "2.0", id: m.id, result: {{
      protocolVersion: "2026-01-26", hostInfo: {{ name: "test-host", version: "1" }},
      hostCapabilities: {{}}, hostContext: {{ theme: "light" }} }} }}, "*");
  if (m.method === "ui/notifications/initialized") frame.postMessage({{ jsonrpc: "2.0",
      method: "ui/notifications/tool-result", params: {{ content: [], structuredContent: RESULT }} }}, "*");
  if (m.method === "tools/call") {{
    const args = m.params.arguments;
    const found = m.params.name === "get_map" ? PAGES[args.page] : EXPLAINED[args.item_id];
    frame.postMessage({{ jsonrpc: "2.0", id: m.id, result: {{ content: [], structuredContent: found }} }}, "*");
  }}
}});
</script></body></html>"""


def _demo_results(project: Project) -> tuple[dict[str, Any], dict[int, Any], dict[str, Any]]:
    project.ingest([SAMPLES / "interviews", SAMPLES / "reviews"])

    async def main() -> tuple[dict[str, Any], dict[int, Any], dict[str, Any]]:
        async with Client(server_for(project)) as client:
            await call(client, "build_map")
            view, _ = await call(client, "get_map")
            pages = {
                n: (await call(client, "get_map", page=n))[0] for n in range(2, view["pages"] + 1)
            }
            first = view["items"][0]["id"]
            explained, _ = await call(client, "explain_item", item_id=first)
            return view, pages, {first: explained}

    return anyio.run(main)


def test_the_in_chat_map_draws_the_demo_map_offline(project: Project, tmp_path: Path) -> None:
    view, pages, explained = _demo_results(project)
    assert view["pages"] > 1  # the page asks the host for the others
    host = tmp_path / "host.html"
    host.write_text(
        HOST.format(
            srcdoc=html.escape(app_page(), quote=True),
            result=json.dumps(view),
            explained=json.dumps(explained),
            pages=json.dumps(pages),
        )
    )
    with visit_file(host) as visit:
        frame = visit.page.frame_locator("#app")
        frame.locator(".card").first.wait_for()
        expect(frame.locator(".card")).to_have_count(view["total_items"])  # all pages in
        stage_heads = frame.locator(".head").all_inner_texts()
        for stage in view["stages"]:
            assert any(text.startswith(stage["name"]) for text in stage_heads), stage["name"]
        assert frame.locator(".card").count() == view["total_items"]
        assert frame.locator("svg#curve circle").count() == sum(
            s["valence"] is not None for s in view["stages"]
        )
        frame.locator(".card").first.click()
        frame.locator("#detail mark").first.wait_for()
        first_quote = next(iter(explained.values()))["quotes"][0]["evidence"]["quote"]
        assert frame.locator("#detail mark").first.inner_text() == first_quote
        visit.page.screenshot(path=str(SCREENSHOT), full_page=True)
        calls = visit.page.evaluate("window.calls")
    assert calls[0] == "ui/initialize"
    assert "ui/notifications/initialized" in calls
    assert "tools/call" in calls
    assert visit.requests == []
    assert visit.console_errors == []
