"""Personas from a mapping file: which sources belong to which persona, said by the user.

A mapping file (CSV or JSON) names sources by id or file name, glob patterns allowed (`fr-0*`,
`avis-fr.csv`). `apply_persona_mapping` sets `Source.persona` and records, in the source's
metadata, the rule that set it and the front matter value it overrode. Pure, apart from
`load_persona_mapping` reading the file. The model can propose a mapping too:
`assistant.mapping.persona_proposals`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError
from assistant.model import Source

PERSONA_FROM = "persona_from"
"""Metadata key: which mapping rule set the persona ("mapping:<pattern>")."""
PERSONA_OVERRIDDEN = "persona_overridden"
"""Metadata key: the persona the front matter gave, when a mapping rule replaced it."""

_KEY_COLUMNS = ("source", "source_id", "id", "file", "name", "pattern", "fichier")
_PERSONA_COLUMNS = ("persona", "segment")


def load_persona_mapping(path: Path | str) -> dict[str, str]:
    """Pattern → persona name, in the file's order, from a CSV or JSON file.

    CSV (`,` `;` or tab): two columns, source pattern then persona; a header row naming them
    (source/id/file/pattern, persona/segment) is optional. JSON: `{"fr-0*": "impulsive", …}`,
    or `{"impulsive": ["fr-0*", "avis-fr-001"], …}` (persona → patterns), or a list of
    `{"source": …, "persona": …}` records. Patterns match a source's id or its file name.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise ConfigError(
            f"{path}: cannot read the persona mapping ({error.strerror or error})",
            "pass a CSV or JSON file mapping source ids or file names to personas",
        ) from error
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path}: the persona mapping is not UTF-8", "save it as UTF-8"
        ) from error
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        mapping = parse_json_mapping(text, str(path))
    else:
        mapping = parse_csv_mapping(text, str(path))
    if not mapping:
        raise ConfigError(
            f"{path}: the persona mapping is empty", "add lines such as: fr-0*,impulsive"
        )
    return mapping


def parse_csv_mapping(text: str, where: str = "mapping") -> dict[str, str]:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        return {}
    try:
        dialect: Any = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [row for row in csv.reader(lines, dialect) if any(cell.strip() for cell in row)]
    header = [cell.strip().casefold() for cell in rows[0]] if rows else []
    key_col, persona_col = 0, 1
    if any(name in header for name in _PERSONA_COLUMNS):
        persona_col = next(i for i, name in enumerate(header) if name in _PERSONA_COLUMNS)
        key_col = next(
            (i for i, name in enumerate(header) if name in _KEY_COLUMNS),
            0 if persona_col != 0 else 1,
        )
        rows = rows[1:]
    mapping: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if max(key_col, persona_col) >= len(cells) or not cells[key_col]:
            raise ConfigError(
                f"{where}: row {number} ({','.join(row)!r}) does not give a source and a persona",
                "write one 'source pattern,persona' pair per line",
            )
        _add_rule(mapping, cells[key_col], cells[persona_col], where)
    return mapping


def parse_json_mapping(text: str, where: str = "mapping") -> dict[str, str]:
    hint = 'write {"fr-0*": "impulsive"} or {"impulsive": ["fr-0*"]}'
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ConfigError(f"{where}: not valid JSON ({error})", hint) from error
    mapping: dict[str, str] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str):
                _add_rule(mapping, key, value, where)
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                for pattern in value:
                    _add_rule(mapping, pattern, key, where)
            else:
                raise ConfigError(f"{where}: the value of {key!r} is not a name or a list", hint)
    elif isinstance(data, list):
        for record in data:
            if not isinstance(record, dict):
                raise ConfigError(f"{where}: {record!r} is not an object", hint)
            key = next((record[k] for k in _KEY_COLUMNS if isinstance(record.get(k), str)), None)
            persona = next(
                (record[k] for k in _PERSONA_COLUMNS if isinstance(record.get(k), str)), None
            )
            if key is None or persona is None:
                raise ConfigError(f"{where}: {record!r} lacks a source or a persona", hint)
            _add_rule(mapping, key, persona, where)
    else:
        raise ConfigError(f"{where}: expected an object or a list", hint)
    return mapping


def _add_rule(mapping: dict[str, str], pattern: str, persona: str, where: str) -> None:
    pattern, persona = pattern.strip(), persona.strip()
    if not pattern or not persona:
        raise ConfigError(
            f"{where}: empty source pattern or persona ({pattern!r} → {persona!r})",
            "every rule needs both",
        )
    previous = mapping.get(pattern)
    if previous is not None and previous != persona:
        raise ConfigError(
            f"{where}: {pattern!r} is mapped to both {previous!r} and {persona!r}",
            "keep one persona per pattern",
        )
    mapping[pattern] = persona


@dataclass(frozen=True)
class PersonaAssignment:
    """What a mapping does to one source."""

    source_id: str
    persona: str
    pattern: str
    previous: str | None
    """The persona the source had before (front matter), if any."""

    @property
    def overrides(self) -> bool:
        return self.previous is not None and self.previous != self.persona

    @property
    def note(self) -> str:
        if self.overrides:
            return (
                f"{self.source_id}: persona {self.persona!r} from the mapping ({self.pattern!r}) "
                f"overrides {self.previous!r} from the front matter"
            )
        return f"{self.source_id}: persona {self.persona!r} from the mapping ({self.pattern!r})"


def _candidates(source: Source) -> list[str]:
    """The names a pattern may match: the id, the file name, the file name without '#row N'."""
    names = [source.id, source.name]
    if "#" in source.name:
        names.append(source.name.split("#", 1)[0])
    return [name.casefold() for name in names]


def match_persona(source: Source, mapping: Mapping[str, str]) -> tuple[str, str] | None:
    """(pattern, persona) of the rule that applies to `source`: a literal id or file name beats
    any glob; among globs the first in the file wins. Case-insensitive."""
    names = _candidates(source)
    for pattern, persona in mapping.items():
        if pattern.casefold() in names:
            return pattern, persona
    for pattern, persona in mapping.items():
        if any(fnmatchcase(name, pattern.casefold()) for name in names):
            return pattern, persona
    return None


def plan_persona_mapping(
    sources: Sequence[Source], mapping: Mapping[str, str]
) -> tuple[list[PersonaAssignment], list[str]]:
    """Assignments for the sources a rule matches, and the patterns that matched no source
    (most likely typos: show them)."""
    assignments: list[PersonaAssignment] = []
    used: set[str] = set()
    for source in sources:
        found = match_persona(source, mapping)
        if found is None:
            continue
        pattern, persona = found
        used.add(pattern)
        assignments.append(PersonaAssignment(source.id, persona, pattern, source.persona))
    return assignments, [pattern for pattern in mapping if pattern not in used]


def apply_persona_mapping(sources: Sequence[Source], mapping: Mapping[str, str]) -> list[Source]:
    """The sources, in order, with `persona` set where a rule matches (others unchanged).

    The mapping wins over the front matter and says so: `metadata["persona_from"]` names the
    rule, and `metadata["persona_overridden"]` keeps the front matter's value it replaced.
    """
    assignments = {a.source_id: a for a in plan_persona_mapping(sources, mapping)[0]}
    result: list[Source] = []
    for source in sources:
        assignment = assignments.get(source.id)
        if assignment is None:
            result.append(source)
            continue
        metadata = dict(source.metadata)
        metadata[PERSONA_FROM] = f"mapping:{assignment.pattern}"
        if assignment.overrides and assignment.previous is not None:
            metadata.setdefault(PERSONA_OVERRIDDEN, assignment.previous)
        result.append(
            source.model_copy(update={"persona": assignment.persona, "metadata": metadata})
        )
    return result


def mapping_csv(mapping: Mapping[str, str]) -> str:
    """A mapping as the CSV `load_persona_mapping` reads (to save a proposal for editing)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["source", "persona"])
    writer.writerows(mapping.items())
    return buffer.getvalue()
