"""The CSV export: one row per item and quote, for spreadsheets and analysis scripts.

UTF-8 with a byte order mark (so Excel reads the accents right), written with the `csv` module;
`delimiter=";"` suits spreadsheets in French locales. An analyst item (opportunity, KPI) has one
row with empty evidence columns and the ids it answers in `cites` (space-separated).

Formula injection: a spreadsheet runs a cell that starts with ``= + - @`` (or a tab or carriage
return) as a formula. Such a text cell gets a leading apostrophe, and so does a text cell that
starts with an apostrophe itself, so the rule can be reversed without ambiguity: **a text cell
starting with ``'`` had one apostrophe added; drop it** (`unguard`) to get the exact quote.
Number columns (support counts, valence, start, end) are never changed: ``start`` and ``end``
are exact offsets, `source.text[start:end] == unguard(quote)`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from assistant.errors import ConfigError
from assistant.exports.labels import source_names
from assistant.model import Evidence, Item, JourneyMap, Source, SourceKind, Stage

COLUMNS = (
    "stage_id",
    "stage",
    "lane",
    "item_id",
    "item",
    "status",
    "support_quotes",
    "support_participants",
    "support_sources",
    "valence",
    "quote",
    "source_id",
    "source_name",
    "source_kind",
    "speaker",
    "timestamp",
    "start",
    "end",
    "cites",
)
TEXT_COLUMNS = frozenset(
    {"stage_id", "stage", "item_id", "item", "quote", "source_id", "source_name", "speaker"}
    | {"timestamp", "cites"}
)
DELIMITERS = (",", ";", "\t")
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")


def guard(cell: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + cell if cell.startswith(_TRIGGERS) else cell


def unguard(cell: str) -> str:
    """The text `guard` was given (drops the apostrophe it added)."""
    return cell[1:] if cell.startswith("'") else cell


def export_csv(
    journey_map: JourneyMap, sources: Sequence[Source] = (), *, delimiter: str = ","
) -> bytes:
    """The map's items × evidence as CSV bytes (UTF-8 with BOM)."""
    if delimiter not in DELIMITERS:
        raise ConfigError(
            f"CSV delimiter {delimiter!r} is not supported",
            "use ',' (the default), ';' (French spreadsheets) or a tab",
        )
    names = source_names(journey_map, sources)
    kinds = {source.id: source.kind for source in sources}
    kinds.update({ref.id: ref.kind for ref in journey_map.sources})
    stream = io.StringIO(newline="")
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for stage, item in journey_map.items():
        for row in item_rows(stage, item, names, kinds):
            writer.writerow(row)
    return stream.getvalue().encode("utf-8-sig")


def item_rows(
    stage: Stage, item: Item, names: dict[str, str], kinds: dict[str, SourceKind]
) -> list[list[str]]:
    """One row per quote of `item` (one row without evidence for an analyst item)."""
    common = {
        "stage_id": stage.id,
        "stage": stage.name,
        "lane": item.lane.value,
        "item_id": item.id,
        "item": item.text,
        "status": item.status.value,
        "support_quotes": str(item.support.quotes),
        "support_participants": str(item.support.participants),
        "support_sources": str(item.support.sources),
        "valence": "" if item.valence is None else str(item.valence),
        "cites": " ".join(item.cites),
    }
    if not item.evidence:
        return [_row(common)]
    return [_row(common | _evidence_cells(e, names, kinds)) for e in item.evidence]


def _evidence_cells(
    evidence: Evidence, names: dict[str, str], kinds: dict[str, SourceKind]
) -> dict[str, str]:
    kind = evidence.source_kind or kinds.get(evidence.source_id)
    return {
        "quote": evidence.quote,
        "source_id": evidence.source_id,
        "source_name": names.get(evidence.source_id, ""),
        "source_kind": kind.value if kind else "",
        "speaker": evidence.speaker or "",
        "timestamp": evidence.timestamp or "",
        "start": str(evidence.start),
        "end": str(evidence.end),
    }


def _row(cells: dict[str, str]) -> list[str]:
    return [
        guard(cells.get(column, "")) if column in TEXT_COLUMNS else cells.get(column, "")
        for column in COLUMNS
    ]


def read_rows(data: bytes, *, delimiter: str = ",") -> list[dict[str, str]]:
    """Rows of an export as dictionaries, text cells unguarded (tests, scripts)."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter)
    return [
        {key: unguard(value) if key in TEXT_COLUMNS else value for key, value in row.items()}
        for row in reader
    ]
