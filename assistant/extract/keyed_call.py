"""One small structured call that answers a short text per id: finding labels
(`assistant.extract.naming`), the ideal journey's target experiences (`assistant.extract.targets`).

The model sees `data` (texts the extraction already wrote, never the sources) and answers a list
of `{key: id, value: text}`; a text must name an id of the request and fit `max_chars`, anything
else is refused and reported. Answers are cached under the prompt and the data (a rebuild with
the same findings asks nothing); a failed call is reported, never fatal (the offline text stays).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, create_model

from assistant.extract.llm import LLMExtractor, add_usage
from assistant.model import TokenUsage


@dataclass
class KeyedTexts:
    """What the calls answered: a text per id, the tokens spent, what was refused."""

    texts: dict[str, str] = field(default_factory=dict)
    usage: TokenUsage = field(default_factory=TokenUsage)
    problems: list[str] = field(default_factory=list)
    prompt_version: str | None = None


@dataclass(frozen=True)
class KeyedCall:
    """How one kind of call is asked: names of the answer's models and fields, its cache tag."""

    tag: str
    """Part of the cache key, e.g. "naming-1": bump it when the answer's meaning changes."""
    model_name: str
    item_name: str
    key: str
    value: str
    max_chars: int
    what: str
    """The call, in a problem message: "the naming call"."""

    def schema(self, ids: Sequence[str]) -> type[BaseModel]:
        """The answer's model: a list of (id among `ids`, text)."""
        key_type: Any = Literal[tuple(ids)]
        fields: dict[str, Any] = {self.key: (key_type, ...), self.value: (str, ...)}
        item = create_model(self.item_name, __config__=ConfigDict(extra="forbid"), **fields)
        return create_model(
            self.model_name, __config__=ConfigDict(extra="forbid"), items=(list[item], ...)
        )

    def cache_key(self, llm: LLMExtractor, system: str, data: str) -> str:
        payload = [self.tag, llm.provider.model, llm.provider.endpoint, system, data]
        return hashlib.sha256(json.dumps(payload).encode()).hexdigest()

    def ask(
        self,
        llm: LLMExtractor,
        system: str,
        data: str,
        ids: Sequence[str],
        into: KeyedTexts,
        where: str = "",
    ) -> None:
        """One call (or the cache), its accepted texts added to `into`; `where` prefixes the
        problems (a stage's name)."""
        from langchain_core.messages import HumanMessage, SystemMessage

        prefix = f"{where}: " if where else ""
        key = self.cache_key(llm, system, data)
        items = llm.cache.get(key) if llm.cache else None
        if items is None:
            messages = [SystemMessage(system), HumanMessage(data)]
            try:
                raw, items, problem = llm.structured(self.schema(ids), messages)
            except Exception as error:  # after the provider's retries
                into.problems.append(f"{prefix}{self.what} failed ({type(error).__name__})")
                return
            add_usage(into.usage, raw)
            if items is None:
                into.problems.append(f"{prefix}{problem}")
                return
            if llm.cache:
                llm.cache.put(key, items)
        for item in items:
            name, text = str(item.get(self.key)), " ".join(str(item.get(self.value, "")).split())
            if name in ids and 0 < len(text) <= self.max_chars:
                into.texts[name] = text
            else:
                into.problems.append(f"{prefix}{self.value} for {name!r} refused")
