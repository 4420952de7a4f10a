"""OpenAI and OpenAI-compatible servers through langchain-openai's ChatOpenAI."""

from __future__ import annotations

from typing import Any

from assistant.errors import ConfigError

OPENAI_URL = "https://api.openai.com/v1"


OPENAI_TIMEOUT = 120.0
LOCAL_TIMEOUT = 600.0


class OpenAIProvider:
    def __init__(
        self,
        model: str | None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
        temperature: float = 0.0,
        max_output_tokens: int | None = 8192,
    ) -> None:
        if not model:
            raise ConfigError(
                "no model named for the openai provider",
                "pass --model (e.g. gpt-4.1-mini, or llama3.1 on Ollama) or set PARCOURS_MODEL",
            )
        if not api_key and not base_url:
            raise ConfigError(
                "no API key for OpenAI",
                "set OPENAI_API_KEY (or PARCOURS_API_KEY), or pass --base-url for a local "
                "OpenAI-compatible server",
            )
        self.model = model
        self.endpoint = base_url or OPENAI_URL
        self._api_key = api_key or "not-needed"  # local servers ignore it; the client wants one
        # OpenAI answers in seconds; a local server (llama.cpp, Ollama on a laptop) serves one
        # request at a time and keeps generating after a client gives up: wait longer there.
        self.timeout = timeout or (OPENAI_TIMEOUT if base_url is None else LOCAL_TIMEOUT)
        self._temperature = temperature
        # Bounded answers: a model that never stops (a base model, a loop) costs a timeout per
        # call otherwise; a cut answer is invalid JSON, repaired or reported like any other.
        self._max_output_tokens = max_output_tokens

    def chat_model(self) -> Any:
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as error:
            raise ConfigError(
                "the openai provider needs langchain-openai",
                "install the extra: pip install 'parcours[llm]'",
            ) from error
        # langchain-openai sends the bound as `max_completion_tokens`, which OpenAI-compatible
        # servers such as llama.cpp's ignore: name it `max_tokens` too for any other server.
        extra_body = (
            {"max_tokens": self._max_output_tokens}
            if self._max_output_tokens and self.endpoint != OPENAI_URL
            else None
        )
        return ChatOpenAI(
            model=self.model,
            extra_body=extra_body,
            base_url=self.endpoint,
            api_key=self._api_key,
            timeout=self.timeout,
            temperature=self._temperature,
            max_retries=0,  # the chain retries (with Retry-After); two layers would multiply
            max_tokens=self._max_output_tokens,
        )
