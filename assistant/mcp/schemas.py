"""Output schemas as cheap to check as they are strict: `$ref`s inlined, `anyOf [T, null]` as
`type: [T, "null"]`.

Clients validate every structured result against its tool's outputSchema (the Python SDK with
`jsonschema`, per call); pydantic's schemas resolve a `$ref` per item and field, which made that
check 60 % of a get_map call. The schema accepts exactly the same documents.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 32


def flatten(schema: dict[str, Any]) -> dict[str, Any]:
    definitions = schema.get("$defs", {})
    flat = _inline(schema, definitions, 0)
    assert isinstance(flat, dict)
    flat.pop("$defs", None)
    return flat


def _inline(node: Any, definitions: dict[str, Any], depth: int) -> Any:
    if depth > MAX_DEPTH:  # a recursive model: keep the references it needs
        raise RecursionError("recursive schema")
    if isinstance(node, list):
        return [_inline(entry, definitions, depth + 1) for entry in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node and node["$ref"].startswith("#/$defs/"):
        target = definitions[node["$ref"].removeprefix("#/$defs/")]
        extra = {k: v for k, v in node.items() if k != "$ref"}
        return _inline({**target, **extra}, definitions, depth + 1)
    flat = {k: _inline(v, definitions, depth + 1) for k, v in node.items() if k != "$defs"}
    return _nullable(flat)


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    options = node.get("anyOf")
    if not isinstance(options, list) or len(options) != 2 or {"type": "null"} not in options:
        return node
    other = next(option for option in options if option != {"type": "null"})
    if not isinstance(other.get("type"), str) or "anyOf" in other or "enum" in other:
        return node
    merged = {k: v for k, v in node.items() if k != "anyOf"}
    merged.update(other)
    merged["type"] = [other["type"], "null"]
    return merged
