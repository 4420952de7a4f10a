"""The JSON export: the public contract, validated by the shipped JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import ValidationError

from assistant.errors import MapError
from assistant.mapping.gap import Gap
from assistant.model import COMPANIONS, JourneyMap, Source, SourceRef


def export_json(
    journey_map: JourneyMap,
    sources: Sequence[Source] = (),
    *,
    with_sources: bool = False,
    ideal: JourneyMap | None = None,
    gap: Gap | None = None,
) -> str:
    """The map as JSON. `with_sources` embeds each cited source's text and segments, so anyone
    can run `parcours verify` on the file alone. `ideal` (an actual map's ideal map) and `gap`
    are added as the top-level `ideal` and `gap` (derived: an import leaves them out)."""
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
    if ideal is not None:
        document["ideal"] = json.loads(export_json(ideal))
    if gap is not None:
        document["gap"] = gap.model_dump(mode="json")
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def load_export(name: str, data: str | bytes) -> JourneyMap:
    """A map from the bytes of a JSON export; MapError naming `name` if it is not one."""
    try:
        raw = data.encode() if isinstance(data, str) else data
        if any(f'"{key}":'.encode() in raw for key in COMPANIONS):
            return JourneyMap.model_validate(_without_companions(data))
        return JourneyMap.model_validate_json(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        raise MapError(
            f"{name} is not a Parcours map ({error.error_count()} problems; first at "
            f"{location or 'top level'}: {first['msg']})",
            "export it again with `parcours export`",
        ) from error


def _without_companions(data: str | bytes) -> object:
    """The document without its derived `ideal` and `gap` (the JSON as it is when it is not an
    object: validation says what is wrong)."""
    try:
        document = json.loads(data)
    except ValueError:
        return data
    if isinstance(document, dict):
        for key in COMPANIONS:
            document.pop(key, None)
    return document


def embedded_sources(name: str, journey_map: JourneyMap) -> list[Source]:
    """The sources whose text an export embeds (`--with-sources`), as workspace sources."""
    sources = []
    for ref in journey_map.sources:
        if ref.text is not None:
            sources.append(_as_source(name, ref, ref.text))
    return sources


def _as_source(name: str, ref: SourceRef, text: str) -> Source:
    try:
        return Source(
            id=ref.id,
            name=ref.name,
            kind=ref.kind,
            language=ref.language,
            sha256=ref.sha256,
            text=text,
            persona=ref.persona,
            segments=list(ref.segments or []),
        )
    except ValidationError as error:
        raise MapError(
            f"{name}: the embedded source {ref.id} is inconsistent ({error.errors()[0]['msg']})",
            "export the map again with `parcours export --with-sources`",
        ) from error


def without_embedded_sources(journey_map: JourneyMap) -> JourneyMap:
    """The map as a workspace keeps it: source references without their text."""
    refs = [ref.model_copy(update={"text": None, "segments": None}) for ref in journey_map.sources]
    return journey_map.model_copy(update={"sources": refs})
