"""The Mermaid export: a `journey` diagram of the map's top findings, for slides and wikis.

    journey
        title Parcours client
        section Sensibilisation
          Découvre la marque sur Instagram: 3: clients

A task's score is its valence mapped from −2…+2 to 1…5 (the item's, else the stage's, else 3).
Mermaid's task syntax has no escaping: `:`, `;`, `#`, `%` and line breaks are removed from text.
"""

from __future__ import annotations

import re

from assistant.exports.labels import support_key, words
from assistant.model import Item, JourneyMap, Lane, Stage

MAX_TASK_CHARS = 60
PREFERRED_LANES = (Lane.EMOTION, Lane.OBSTACLE, Lane.ACTION)
_UNSAFE = re.compile(r"[:;#%\r\n\t]+")


def clean(text: str, limit: int = MAX_TASK_CHARS) -> str:
    """`text` on one line, without Mermaid's separators, at most `limit` characters."""
    text = " ".join(_UNSAFE.sub(" ", text).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def score(valence: float | None) -> int:
    """−2…+2 → 1…5; 3 (neutral) when unknown."""
    if valence is None:
        return 3
    return min(5, max(1, round(valence) + 3))


def top_items(stage: Stage, top: int) -> list[Item]:
    """The stage's best supported emotions, obstacles and actions (on equal support in that
    order), then its other customer items by support; rejected items last."""

    def key(item: Item) -> tuple[int, tuple[int, int, int, int], int]:
        preferred = item.lane in PREFERRED_LANES
        rank = PREFERRED_LANES.index(item.lane) if preferred else 0
        return (0 if preferred else 1), support_key(item), rank

    candidates = [item for item in stage.items if item.lane.customer_side]
    return sorted(candidates, key=key)[: max(top, 0)]


def export_mermaid(journey_map: JourneyMap, top: int = 3) -> str:
    """The map as a Mermaid `journey` diagram: every stage a section, `top` tasks each."""
    table = words(journey_map.language)
    actor = clean(journey_map.persona or table["customers"], 40).replace(",", " ")
    lines = ["journey", f"    title {clean(journey_map.title, 120) or 'journey'}"]
    for stage in journey_map.stages:
        lines.append(f"    section {clean(stage.name, 80) or stage.id}")
        items = top_items(stage, top)
        if not items:
            lines.append(f"      ({table['no_items']}): {score(stage.valence)}: {actor}")
        for item in items:
            valence = item.valence if item.valence is not None else stage.valence
            lines.append(f"      {clean(item.text) or item.id}: {score(valence)}: {actor}")
    return "\n".join(lines) + "\n"
