"""The README's screenshots of the review UI, taken from the demo map in headless Chromium.

    python -m evals.ui_screenshots [WORKSPACE]     # default: the demo workspace (make demo)

Writes ui/screenshots/map.png (the curve and the top of the grid) and evidence.png (a finding
the obstacle most participants share, its quotes highlighted in their turns).
"""

from __future__ import annotations

import sys
from pathlib import Path

from assistant.model import Lane
from assistant.workspace import Workspace
from evals.ui_harness import chromium, running_ui, scroll_top, wait_for_map

OUT = Path(__file__).resolve().parent.parent / "ui" / "screenshots"


def strongest_item(root: Path) -> str:
    """The obstacle most participants share: what a researcher opens first."""
    journey_map = Workspace(root).load_map("overall")
    obstacles = [item for _, item in journey_map.items() if item.lane is Lane.OBSTACLE]
    best = max(obstacles, key=lambda item: (item.support.participants, item.support.quotes))
    return best.id


def main(root: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    item_id = strongest_item(root)
    with running_ui(root) as url, chromium("fr-FR", viewport=(1600, 1000)) as page:
        page.goto(url)
        wait_for_map(page)
        page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")
        page.wait_for_timeout(1500)
        scroll_top(page)
        page.screenshot(path=str(OUT / "map.png"))
        page.locator(f".st-key-card-{item_id} button").first.click()
        page.locator("mark.parcours-quote").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(OUT / "evidence.png"))
    print(f"wrote {OUT / 'map.png'} and {OUT / 'evidence.png'} (evidence of {item_id})")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "parcours-workspace"))
