"""Retries for model calls: 429 (honouring Retry-After), 5xx, timeouts, dropped connections.

Bounded attempts, exponential backoff with jitter, and the server's Retry-After when it gives one
(capped, so a hostile or broken header cannot stall a build). `sleep` is injectable for tests.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

T = TypeVar("T")


def is_transient(error: BaseException) -> bool:
    try:
        import openai
    except ImportError:  # pragma: no cover - the llm extra is not installed
        return False
    return isinstance(
        error,
        openai.RateLimitError
        | openai.InternalServerError
        | openai.APITimeoutError
        | openai.APIConnectionError,
    )


def retry_after(error: BaseException | None) -> float | None:
    """Seconds the server asked us to wait (Retry-After / retry-after-ms headers), if any."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    milliseconds = headers.get("retry-after-ms")
    seconds = headers.get("retry-after")
    try:
        if milliseconds is not None:
            return float(milliseconds) / 1000
        if seconds is not None:
            return float(seconds)
    except ValueError:  # an HTTP date: not worth parsing, back off instead
        return None
    return None


@dataclass
class RetryPolicy:
    attempts: int = 4
    base: float = 1.0
    cap: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    waits: list[float] = field(default_factory=list, repr=False)
    """Every wait taken (for tests and for the build's report)."""

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        backoff = min(self.cap, self.base * 2 ** (state.attempt_number - 1))
        backoff = backoff / 2 + random.uniform(0, backoff / 2)  # jitter: no thundering herd
        asked = retry_after(error)
        wait: float = min(self.cap, max(asked, backoff)) if asked is not None else backoff
        self.waits.append(wait)
        return wait

    def call(
        self, action: Callable[[], T], give_up: Callable[[BaseException], bool] | None = None
    ) -> T:
        """Run `action`, retrying transient errors — except those `give_up` recognises (a
        server saying it lacks a feature answers 500 too, and asking again will not help)."""

        def retryable(error: BaseException) -> bool:
            return is_transient(error) and not (give_up is not None and give_up(error))

        retrying: Retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=retry_if_exception(retryable),
            sleep=self.sleep,
            reraise=True,
        )
        result: Any = retrying(action)
        return result  # type: ignore[no-any-return]
