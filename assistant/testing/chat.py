"""`ScriptedToolChatModel`: a tool-calling LangChain chat model without a server (see
`assistant.testing`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import Field

ScriptStep = AIMessage | str | Callable[[list[BaseMessage]], AIMessage | str]
"""What the scripted model answers next: a message, a text, or a function of the messages
it was sent."""


def tool_calls_message(
    *calls: tuple[str, dict[str, Any]], content: str = "", prefix: str = "call"
) -> AIMessage:
    """An AIMessage asking for tools: `tool_calls_message(("read_map", {}))`."""
    return AIMessage(
        content=content,
        tool_calls=[
            {"name": name, "args": args, "id": f"{prefix}_{number}", "type": "tool_call"}
            for number, (name, args) in enumerate(calls, 1)
        ],
    )


class ScriptedToolChatModel(BaseChatModel):
    """A chat model that replays a script and records what it was sent.

    `bind_tools` records the tools and returns the model itself, so code written for a real
    tool-calling model (`model.bind_tools(tools).invoke(messages)`) runs unchanged:

        model = ScriptedToolChatModel(script=[tool_calls_message(("read_map", {})), "Done."])
        ...
        model.received[1][-1]  # the ToolMessage the code sent back after read_map

    Calling it once more than the script allows raises AssertionError.
    """

    script: list[Any] = Field(default_factory=list)
    """ScriptStep items, answered in order."""
    received: list[list[BaseMessage]] = Field(default_factory=list)
    """The messages of every call, in order."""
    tools: list[Any] = Field(default_factory=list)
    tool_choice: Any = None
    position: int = 0

    def __init__(self, script: Iterable[ScriptStep] = (), **values: Any) -> None:
        super().__init__(script=list(script), **values)

    @property
    def _llm_type(self) -> str:
        return "scripted-tool-chat"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.received.append(list(messages))
        if self.position >= len(self.script):
            raise AssertionError(
                f"ScriptedToolChatModel: called {self.position + 1} times, but the script "
                f"has {len(self.script)} answers"
            )
        step = self.script[self.position]
        self.position += 1
        answer = step(list(messages)) if callable(step) else step
        message = AIMessage(content=answer) if isinstance(answer, str) else answer
        return ChatResult(generations=[ChatGeneration(message=message)])

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | Any],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        self.tools = list(tools)
        self.tool_choice = tool_choice
        return self

    @property
    def tool_names(self) -> list[str]:
        """Names of the bound tools (OpenAI-format dicts, or anything with a name)."""
        names = []
        for tool in self.tools:
            if isinstance(tool, dict):
                names.append(str(tool.get("function", tool).get("name")))
            else:
                names.append(str(getattr(tool, "name", getattr(tool, "__name__", tool))))
        return names
