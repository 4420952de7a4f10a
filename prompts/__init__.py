"""Prompt templates shipped as files: `load("extract", "fr")` → the latest version's text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

_NAME = re.compile(r"^(?P<name>[a-z]+)\.(?P<language>[a-z]{2})\.v(?P<version>\d+)\.md$")


@dataclass(frozen=True)
class Prompt:
    name: str
    language: str
    version: int
    template: str

    @property
    def id(self) -> str:
        return f"{self.name}-v{self.version}"

    def render(self, **values: str) -> str:
        text = self.template
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text


def available() -> list[Prompt]:
    prompts = []
    for entry in resources.files(__name__).iterdir():
        match = _NAME.match(entry.name)
        if match:
            prompts.append(
                Prompt(
                    match["name"],
                    match["language"],
                    int(match["version"]),
                    entry.read_text("utf-8").strip(),
                )
            )
    return prompts


def load(name: str, language: str, version: int | None = None) -> Prompt:
    """The prompt `name` in `language` (English when missing), latest version unless given."""
    candidates = [p for p in available() if p.name == name]
    for lang in (language, "en"):
        matching = [
            p
            for p in candidates
            if p.language == lang and (version is None or p.version == version)
        ]
        if matching:
            return max(matching, key=lambda p: p.version)
    raise LookupError(f"no prompt {name!r} (language {language}, version {version})")
