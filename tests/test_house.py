"""The house keeps its shape: few modules at the top of `assistant/`, none over 500 lines.

The import rules (layers, independent shells, the floor, no circles) are import-linter's, in
`make lint`; these are the two the linter cannot express.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_TOP_LEVEL = 8
MAX_LINES = 500


def test_assistant_keeps_its_top_level_small() -> None:
    top = sorted(path.name for path in (ROOT / "assistant").glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL, f"{len(top)} modules directly in assistant/: {top}"


def test_no_module_over_500_lines() -> None:
    long = [
        f"{path.relative_to(ROOT)} ({count} lines)"
        for folder in ("assistant", "ingest", "ui")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert not long, "split these along their responsibilities: " + ", ".join(long)
