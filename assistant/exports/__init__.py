"""Exports of a map, one module per format; JSON is the contract, the others are views of it.

`export_map(journey_map, sources, "html")` gives an `ExportedFile` for any format named in
`EXPORT_FORMATS`. The functions are pure (no file, no workspace): the CLI, the UI and the MCP
server call them through `Project.export` or directly.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, cast

from assistant.errors import ConfigError
from assistant.exports.csv import export_csv
from assistant.exports.html import export_html
from assistant.exports.json import export_json, load_export
from assistant.exports.markdown import export_markdown
from assistant.exports.mermaid import export_mermaid
from assistant.model import JourneyMap, Source

__all__ = [
    "EXPORT_FORMATS",
    "ExportFormat",
    "ExportedFile",
    "export_csv",
    "export_format",
    "export_html",
    "export_json",
    "export_map",
    "export_markdown",
    "export_mermaid",
    "load_export",
]


class Renderer(Protocol):
    def __call__(
        self, journey_map: JourneyMap, sources: Sequence[Source], /, **options: Any
    ) -> str | bytes: ...


class ExportFormat(NamedTuple):
    """How to make one format: (function, media type, file extension, is_text)."""

    render: Renderer
    media_type: str
    extension: str
    is_text: bool


@dataclass(frozen=True)
class ExportedFile:
    """An export, ready to write or send: `content` bytes, and `.text` for text formats."""

    content: bytes
    media_type: str
    extension: str
    is_text: bool
    format: str = ""

    @property
    def text(self) -> str:
        if not self.is_text:
            raise ConfigError(
                f"the {self.format or self.extension} export is binary, not text",
                "write its `content` bytes to a file (on the command line: -o FILE)",
            )
        return self.content.decode("utf-8")

    def file_name(self, stem: str) -> str:
        return f"{stem}.{self.extension}"


def _json(journey_map: JourneyMap, sources: Sequence[Source], /, **options: Any) -> str:
    return export_json(journey_map, sources, **options)


def _markdown(journey_map: JourneyMap, sources: Sequence[Source], /, **options: Any) -> str:
    return export_markdown(journey_map, sources, **options)


def _csv(journey_map: JourneyMap, sources: Sequence[Source], /, **options: Any) -> bytes:
    return export_csv(journey_map, sources, **options)


def _html(journey_map: JourneyMap, sources: Sequence[Source], /, **options: Any) -> str:
    return export_html(journey_map, sources, **options)


def _mermaid(journey_map: JourneyMap, sources: Sequence[Source], /, **options: Any) -> str:
    return export_mermaid(journey_map, **options)


def _qdpx(journey_map: JourneyMap, sources: Sequence[Source], /, **options: Any) -> bytes:
    """REFI-QDA project (`assistant.exports.qdpx`), imported only when asked for."""
    try:
        module = importlib.import_module("assistant.exports.qdpx")
    except ModuleNotFoundError as error:
        if error.name != "assistant.exports.qdpx":
            raise ConfigError(
                f"the qdpx export needs the package {error.name}, which is not installed",
                "install Parcours with its dependencies again (make install)",
            ) from error
        raise ConfigError(
            "the qdpx export is not available in this version of Parcours",
            f"use another format: {', '.join(n for n in EXPORT_FORMATS if n != 'qdpx')}",
        ) from error
    render = cast(Callable[..., bytes], module.export_qdpx)
    return render(journey_map, sources, **options)


EXPORT_FORMATS: Mapping[str, ExportFormat] = {
    "json": ExportFormat(_json, "application/json", "json", True),
    "markdown": ExportFormat(_markdown, "text/markdown; charset=utf-8", "md", True),
    "csv": ExportFormat(_csv, "text/csv; charset=utf-8", "csv", True),
    "html": ExportFormat(_html, "text/html; charset=utf-8", "html", True),
    "qdpx": ExportFormat(_qdpx, "application/zip", "qdpx", False),
    "mermaid": ExportFormat(_mermaid, "text/plain; charset=utf-8", "mmd", True),
}
OPTIONS: Mapping[str, frozenset[str]] = {
    "json": frozenset({"with_sources", "ideal", "gap"}),
    "markdown": frozenset({"gap"}),
    "csv": frozenset({"delimiter"}),
    "html": frozenset({"cards_per_cell", "gap"}),
    "qdpx": frozenset(),
    "mermaid": frozenset({"top"}),
}
"""The keyword options each format takes (`ideal` and `gap`: see `Project.export`)."""


def export_format(name: str) -> ExportFormat:
    """The format called `name`; ConfigError listing the formats if there is none."""
    try:
        return EXPORT_FORMATS[name]
    except KeyError:
        raise ConfigError(
            f"unknown export format {name!r}", f"use one of: {', '.join(EXPORT_FORMATS)}"
        ) from None


def export_map(
    journey_map: JourneyMap, sources: Sequence[Source], format: str, **options: Any
) -> ExportedFile:
    """`journey_map` in `format` (a name of `EXPORT_FORMATS`), with that format's options."""
    chosen = export_format(format)
    unknown = sorted(set(options) - OPTIONS[format])
    if unknown:
        takes = ", ".join(sorted(OPTIONS[format])) or "none"
        raise ConfigError(
            f"the {format} export has no option {', '.join(unknown)}",
            f"leave it out (options of {format}: {takes})",
        )
    content = chosen.render(journey_map, sources, **options)
    data = content.encode("utf-8") if isinstance(content, str) else content
    return ExportedFile(data, chosen.media_type, chosen.extension, chosen.is_text, format)
