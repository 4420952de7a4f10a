"""The JSON export: the public contract, validated by the shipped JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import ValidationError

from assistant.errors import MapError
from assistant.model import JourneyMap, Source


def export_json(
    journey_map: JourneyMap, sources: Sequence[Source] = (), *, with_sources: bool = False
) -> str:
    """The map as JSON. `with_sources` embeds each cited source's text and segments, so anyone
    can run `parcours verify` on the file alone."""
    if with_sources:
        by_id = {source.id: source for source in sources}
        refs = [
            by_id[ref.id].ref(with_text=True) if ref.id in by_id else ref
            for ref in journey_map.sources
        ]
        journey_map = journey_map.model_copy(update={"sources": refs})
    document = journey_map.model_dump(mode="json")
    for source in document["sources"]:  # `text` and `segments` appear only when embedded
        for key in ("text", "segments"):
            if source.get(key) is None:
                source.pop(key, None)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def load_export(name: str, data: str | bytes) -> JourneyMap:
    try:
        return JourneyMap.model_validate_json(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        raise MapError(
            f"{name} is not a Parcours map ({error.error_count()} problems; first at "
            f"{location or 'top level'}: {first['msg']})",
            "export it again with `parcours export`",
        ) from error
