"""A map's export file read back: for `Project.import_map` (the map, renamed if asked, and the
file's digest; whether a workspace source differs from the one the map was built from) and for
`parcours verify` (every quote re-checked against the sources the file embeds, or else the
workspace's)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from assistant.errors import ConfigError, MapError
from assistant.evidence.verify import VerifyReport, verify_map
from assistant.exports.json import load_export
from assistant.model import JourneyMap, Source, SourceRef
from assistant.workspace import Workspace


def read_export(path: Path, map_id: str | None) -> tuple[JourneyMap, str]:
    """The map of an export file (renamed `map_id`), and the SHA-256 of the file."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MapError(
            f"cannot read {path} ({error.strerror or error})", "check the path of the export"
        ) from error
    journey_map = load_export(str(path), data)
    digest = hashlib.sha256(data).hexdigest()
    if map_id is None or map_id == journey_map.id:
        return journey_map, digest
    try:
        renamed = JourneyMap.model_validate(journey_map.model_dump() | {"id": map_id})
    except ValueError as error:
        raise ConfigError(
            f"{map_id!r} is not a valid map id", "use letters, digits, '-' and '_' only"
        ) from error
    return renamed, digest


def differs(source: Source, journey_map: JourneyMap, embedded: Mapping[str, Source]) -> bool:
    """Whether the workspace's `source` is not the one the map was built from."""
    ref = next((r for r in journey_map.sources if r.id == source.id), None)
    copy = embedded.get(source.id)
    return (ref is not None and ref.sha256 != source.sha256) or (
        copy is not None and copy.text != source.text
    )


def verify_export(path: Path, workspace: Workspace | None = None) -> VerifyReport:
    """Check an exported map against the sources it embeds, or else the workspace's sources."""
    journey_map = load_export(str(path), path.read_bytes())
    sources: dict[str, Source | SourceRef] = {
        ref.id: ref for ref in journey_map.sources if ref.text is not None
    }
    missing = [ref.id for ref in journey_map.sources if ref.id not in sources]
    if missing:
        if workspace is None or not workspace.exists():
            raise MapError(
                f"{path} does not embed the text of {len(missing)} source(s) ({missing[0]}…)",
                "export with --with-sources, or pass -w with the workspace that holds them",
            )
        for source_id in missing:
            sources[source_id] = workspace.load_source(source_id)
    return verify_map(journey_map, sources)
