"""Tables of reviews or survey answers: CSV/TSV (csv), Excel .xlsx (openpyxl), JSON (a list of
objects, or an object with one list of objects). One row = one source.

Columns are found by their usual French/English names (accents, case, `_`/`-`/camelCase
ignored), or named explicitly; see `pick_columns`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook

from ingest.formats.base import FormatError, Table, check_office_zip, clean_text

TEXT_COLUMNS = (
    "avis",
    "commentaire",
    "commentaires",
    "comment",
    "comments",
    "review",
    "reviews",
    "review text",
    "text",
    "texte",
    "verbatim",
    "message",
    "content",
    "contenu",
    "feedback",
    "reponse",
    "answer",
    "response",
    "body",
)
RATING_COLUMNS = ("note", "rating", "score", "stars", "etoiles", "notation", "nps")
DATE_COLUMNS = ("date", "created at", "publie", "published", "date de publication")
AUTHOR_COLUMNS = ("auteur", "author", "nom", "name", "pseudo", "user", "utilisateur", "client")
CHANNEL_COLUMNS = ("canal", "channel", "source", "plateforme", "platform", "site", "store")
SURVEY_COLUMNS = ("reponse", "answer", "response", "verbatim")
# Where a JSON object keeps its list of records, when it has several lists.
JSON_LIST_KEYS = ("reviews", "avis", "items", "data", "results", "responses", "answers", "records")

CANDIDATES: dict[str, Sequence[str]] = {
    "text": TEXT_COLUMNS,
    "rating": RATING_COLUMNS,
    "date": DATE_COLUMNS,
    "author": AUTHOR_COLUMNS,
    "channel": CHANNEL_COLUMNS,
}
CSV_HINT = "re-export the table as CSV (UTF-8, a header row), .xlsx or JSON"
XLSX_HINT = "open it in Excel or LibreOffice and save it again as .xlsx, or export it as CSV"
JSON_HINT = (
    'write a list of objects, one per review or answer, e.g. [{"avis": "…", "note": 4}], or '
    "an object holding one such list"
)


@dataclass(frozen=True)
class Columns:
    text: str
    rating: str | None = None
    date: str | None = None
    author: str | None = None
    channel: str | None = None

    def optional(self) -> dict[str, str]:
        named = {"rating": self.rating, "date": self.date, "author": self.author}
        named["channel"] = self.channel
        return {key: column for key, column in named.items() if column}


def fold(name: str) -> str:
    """'Date_de_publication' / 'reviewText' → 'date de publication' / 'review text'."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)
    ascii_name = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[_\-./]+", " ", ascii_name).lower().split())


def pick_columns(header: Sequence[str], explicit: Mapping[str, str | None]) -> Columns:
    """The columns to read: each given one must exist (exact name, else same folded name);
    the others are found among the usual names. Raises FormatError without a text column."""
    folded = {fold(name): name for name in reversed(header)}
    chosen: dict[str, str | None] = {}
    for role, candidates in CANDIDATES.items():
        wanted = explicit.get(role)
        if wanted:
            column = wanted if wanted in header else folded.get(fold(wanted))
            if column is None:
                raise FormatError(
                    f"no column {wanted!r} among {list(header)}",
                    f"pass the {role} column's exact name, as in the header row",
                )
            chosen[role] = column
        else:
            chosen[role] = next((folded[c] for c in candidates if c in folded), None)
    text = chosen.pop("text")
    if text is None:
        raise FormatError(
            f"no text column among {list(header)} (looked for {', '.join(TEXT_COLUMNS[:8])}…)",
            "rename the column holding the reviews to 'avis' or 'review', or name it with "
            "--text-column",
        )
    taken = {text}
    for role in list(chosen):
        if chosen[role] in taken:
            chosen[role] = None
        taken.add(chosen[role] or "")
    return Columns(text=text, **chosen)


def is_survey(column: str) -> bool:
    return fold(column) in SURVEY_COLUMNS


# --- CSV / TSV -----------------------------------------------------------------------------


def read_csv(text: str) -> Table:
    header_line = text.split("\n", 1)[0]
    # The header names the columns: the separator it uses most is the file's (French Excel
    # writes ';'). The sniffer only breaks ties, as quoted commas in reviews mislead it.
    counts = {delimiter: header_line.count(delimiter) for delimiter in ",;\t|"}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        records = list(reader)
    except csv.Error as error:
        raise FormatError(f"malformed CSV ({error})", CSV_HINT) from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise FormatError("no header row", "add a header row naming the columns")
    header = [cell.strip() for cell in records[0]]
    rows = []
    for record in records[1:]:
        if len(record) > len(header):
            # An unquoted separator inside the last field (often the review itself): join the
            # extra cells back rather than lose the end of the text.
            record = [*record[: len(header) - 1], delimiter.join(record[len(header) - 1 :])]
        rows.append({name: value for name, value in zip(header, record, strict=False) if name})
    return Table(header=[name for name in header if name], rows=rows)


# --- Excel ---------------------------------------------------------------------------------


def read_xlsx(data: bytes) -> list[Table]:
    check_office_zip(data, "an Excel .xlsx workbook", "xl/workbook.xml", XLSX_HINT)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and data validation
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                tables = [
                    _sheet_table(sheet.title, sheet.iter_rows(values_only=True))
                    for sheet in workbook.worksheets
                ]
            finally:
                workbook.close()
    except FormatError:
        raise
    except Exception as error:  # openpyxl, zipfile and XML errors on a damaged workbook
        raise FormatError(f"damaged .xlsx ({type(error).__name__}: {error})", XLSX_HINT) from None
    tables = [table for table in tables if table.header]
    if not tables:
        raise FormatError("every sheet of the workbook is empty", XLSX_HINT)
    return tables


def _sheet_table(name: str, rows: Any) -> Table:
    header: list[str] = []
    out: list[dict[str, str]] = []
    for values in rows:
        cells = [cell_text(value) for value in values]
        if not header:
            if any(cells):
                header = cells
            continue
        if any(cells):
            out.append({h: v for h, v in zip(header, cells, strict=False) if h})
    return Table(header=[h for h in header if h], rows=out, name=name)


def cell_text(value: object) -> str:
    """A cell or JSON value as text: 4.0 → '4', a midnight datetime → '2026-01-02'."""
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return clean_text(str(value)).strip()


# --- JSON ----------------------------------------------------------------------------------


def read_json(text: str) -> Table:
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(
            f"invalid JSON ({error.msg} at line {error.lineno}, column {error.colno})", JSON_HINT
        ) from None
    except RecursionError:
        raise FormatError("invalid JSON (nested too deeply)", JSON_HINT) from None
    records = _records(loaded)
    rows: list[dict[str, str]] = []
    for record in records:
        if isinstance(record, str):
            record = {"text": record}
        if not isinstance(record, dict):
            raise FormatError(
                f"the JSON list holds {_kind(record)} where an object was expected", JSON_HINT
            )
        rows.append({str(key): cell_text(value) for key, value in record.items()})
    header = list(dict.fromkeys(key for row in rows for key in row))
    if not header:
        raise FormatError("the JSON list is empty", JSON_HINT)
    return Table(header=header, rows=rows)


def _records(loaded: object) -> list[Any]:
    if isinstance(loaded, list):
        return loaded
    if isinstance(loaded, dict):
        lists = {key: value for key, value in loaded.items() if isinstance(value, list)}
        if len(lists) == 1:
            return next(iter(lists.values()))
        for key in JSON_LIST_KEYS:
            if key in lists:
                return list(lists[key])
        if lists:
            raise FormatError(
                f"the JSON object has several lists ({', '.join(map(str, lists))}) and none "
                f"is called {' or '.join(JSON_LIST_KEYS[:4])}…",
                JSON_HINT,
            )
        if any(fold(str(key)) in TEXT_COLUMNS for key in loaded):
            return [loaded]  # a single review
    raise FormatError(f"the JSON holds {_kind(loaded)}, not a list of records", JSON_HINT)


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)
