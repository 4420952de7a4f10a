"""Exports of a map. JSON is the contract; other formats come from it."""

from assistant.exports.json import export_json, load_export

__all__ = ["export_json", "load_export"]
