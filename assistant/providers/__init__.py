"""Chat model providers behind one small interface, chosen by settings.

- `offline` — no chat model: the deterministic offline extractor;
- `openai` — OpenAI, or any OpenAI-compatible server (Ollama, vLLM, llama.cpp server, LM Studio)
  by base URL. Needs the `llm` extra.
"""

from __future__ import annotations

from assistant.providers.base import ChatProvider

PROVIDERS = ("offline", "openai")

__all__ = ["PROVIDERS", "ChatProvider"]
