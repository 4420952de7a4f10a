"""What the extraction chain needs from a chat provider."""

from __future__ import annotations

from typing import Any, Protocol


class ChatProvider(Protocol):
    model: str
    """Recorded in provenance and in the response cache key."""
    endpoint: str
    """Where the model runs (a base URL), for messages and the cache key."""

    def chat_model(self) -> Any:
        """A LangChain chat model (BaseChatModel) that does NOT retry by itself: the chain
        retries, so retries never multiply."""
        ...
