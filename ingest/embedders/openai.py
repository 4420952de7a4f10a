"""Embeddings from OpenAI, or any OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio)
reached by base URL. Needs the `llm` extra (`pip install 'parcours[llm]'`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.errors import ConfigError, ParcoursError
from ingest.embedders.base import Vectors, normalize_rows


class OpenAIEmbedder:
    # Calibrated for text-embedding-3-*: paraphrases score ~0.75–0.9, unrelated customer
    # sentences ~0.3–0.5. Other servers' models differ: check `make bench` before relying on it.
    duplicate_threshold = 0.8
    batch_size = 128

    def __init__(
        self,
        model: str = "text-embedding-3-small",
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        client: Any = None,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.name = f"openai-compatible:{model}" if base_url else f"openai:{model}"
        self._dim: int | None = None
        if client is not None:
            self._client = client
            return
        try:
            import openai
        except ImportError as error:
            raise ConfigError(
                "OpenAI embeddings need the openai package",
                "install the extra: pip install 'parcours[llm]'",
            ) from error
        if not api_key and not base_url:
            raise ConfigError(
                "no API key for OpenAI embeddings",
                "set OPENAI_API_KEY (or PARCOURS_API_KEY), or point PARCOURS_EMBEDDING_BASE_URL "
                "at a local OpenAI-compatible server",
            )
        # A local server ignores the key, but the client insists on one.
        self._client = openai.OpenAI(
            api_key=api_key or "not-needed", base_url=base_url, timeout=timeout, max_retries=3
        )

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.embed_documents(["dimension probe"]).shape[1])
        return self._dim

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            rows.extend(self._embed(batch))
        vectors = normalize_rows(np.asarray(rows, dtype=np.float32))
        self._dim = int(vectors.shape[1])
        return vectors

    def embed_query(self, text: str) -> Vectors:
        vector: Vectors = self.embed_documents([text])[0]
        return vector

    def _embed(self, batch: list[str]) -> list[list[float]]:
        import openai

        where = self.base_url or "api.openai.com"
        try:
            response = self._client.embeddings.create(
                model=self.model, input=batch, encoding_format="float"
            )
        except openai.AuthenticationError as error:
            raise ConfigError(
                f"the embedding server at {where} refused the API key",
                "check OPENAI_API_KEY / PARCOURS_API_KEY",
            ) from error
        except openai.APIConnectionError as error:
            raise ParcoursError(
                f"cannot reach the embedding server at {where} ({error})",
                "start it, or fix PARCOURS_EMBEDDING_BASE_URL; nothing was lost, run the "
                "command again",
            ) from error
        except openai.APIError as error:
            raise ParcoursError(
                f"the embedding server at {where} failed for model {self.model!r} ({error})",
                "check PARCOURS_EMBEDDING_MODEL names a model the server serves, then run the "
                "command again",
            ) from error
        data = sorted(response.data, key=lambda item: item.index)
        if len(data) != len(batch):
            raise ParcoursError(
                f"the embedding server at {where} returned {len(data)} vectors for "
                f"{len(batch)} texts",
                "check the server; run the command again",
            )
        return [list(item.embedding) for item in data]
