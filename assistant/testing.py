"""Fakes for tests — ours and yours. No network: everything listens on 127.0.0.1.

`ScriptedOpenAIServer` is an OpenAI-compatible `/v1/chat/completions` endpoint in a thread. By
default it "reads" the sources in each request and answers a well-formed extraction quoting their
participants' sentences verbatim, so builds through the real openai client produce grounded
maps. It counts the input tokens it receives, and can inject faults, one per request, in order:

    with ScriptedOpenAIServer(faults=["429", "500", "truncated"]) as server:
        provider = OpenAIProvider("fake-model", base_url=server.base_url)

Fault names: 429 (with Retry-After), 500, timeout (answers after `slow_seconds`), truncated
(cut JSON), schema_invalid, invented (a quote found in no source), refusal (plain text),
reject_json_schema (HTTP 500 to any json_schema request, as llama.cpp's server does — sticky).

With `script`, it plays a tool-calling chat model instead: each request (after its fault, if any)
gets the next scripted assistant message, e.g. `{"tool_calls": [{"name": "read_map",
"arguments": {}}]}` then `{"content": "…"}` (or a function of the request returning one); past
the end of the script it answers HTTP 400.

`ScriptedToolChatModel` is a LangChain chat model that needs no server: `bind_tools` returns
itself, it replays scripted AIMessages (with `tool_calls`, see `tool_calls_message`) and records
the messages it was sent, so a test can assert what the model saw.
"""

from __future__ import annotations

import importlib.util
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from assistant.extract.chunks import estimate_tokens
from assistant.model import STAGE_IDS

_BLOCK = re.compile(
    r'<source-(?P<nonce>[0-9a-f]+) id="(?P<id>[^"]+)"[^>]*>\n(?P<body>.*?)\n</source-(?P=nonce)>',
    re.S,
)
_TURN = re.compile(r"^(?:\[[\d:]+\]\s*)?(?P<label>[^:\n]{1,40}?)\s*:\s*(?P<speech>.+)$", re.M)
_INTERVIEWERS = ("enquêt", "interview", "q", "modérat", "moderat")


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def _stage_ids(request: dict[str, Any]) -> list[str]:
    text = json.dumps(request.get("response_format") or request.get("tools") or {})
    found = re.search(r'"stage"[^}]*?"enum": \[([^\]]*)\]', text)
    if found:
        return [s.strip().strip('"') for s in found.group(1).split(",")]
    return list(STAGE_IDS)


def read_sources(request: dict[str, Any], per_source: int = 6) -> list[dict[str, Any]]:
    """A plausible extraction: participant sentences, quoted verbatim, spread over the stages."""
    stages = _stage_ids(request)
    lanes = ("action", "obstacle", "emotion", "motivation", "touchpoint", "question", "expectation")
    data = "\n".join(m.get("content") or "" for m in request["messages"] if m["role"] == "user")
    items: list[dict[str, Any]] = []
    for block in _BLOCK.finditer(data):
        body = block.group("body")
        turns = [
            t
            for t in _TURN.finditer(body)
            if not t.group("label").strip().lower().startswith(_INTERVIEWERS)
        ]
        speeches = [t.group("speech").strip() for t in turns] or [body.strip()]
        sentences = [
            s
            for speech in speeches
            for s in re.split(r"(?<=[.!?…])\s+", speech)
            if len(s.split()) >= 5
        ]
        step = max(1, len(sentences) // per_source)
        for n, sentence in enumerate(sentences[::step][:per_source]):
            position = (n * step) / max(1, len(sentences))
            items.append(
                {
                    "source": block.group("id"),
                    "stage": stages[min(len(stages) - 1, int(position * len(stages)))],
                    "lane": lanes[n % len(lanes)],
                    "text": sentence[:80],
                    "quote": sentence,
                    "speaker": None,
                    "valence": (1 if n % 2 else -1) if lanes[n % len(lanes)] == "emotion" else None,
                }
            )
    return items


_FINDINGS = re.compile(r"<findings>\s*(?P<body>\{.*\})\s*</findings>", re.DOTALL)


def name_findings(request: dict[str, Any]) -> list[dict[str, Any]] | None:
    """A naming call's answer (None for any other request): each finding named after the
    common words of its claims, else its first claim, in at most 60 characters."""
    data = "\n".join(m.get("content") or "" for m in request["messages"] if m["role"] == "user")
    match = _FINDINGS.search(data)
    if match is None:
        return None
    findings = json.loads(match.group("body")).get("findings", [])
    labels = []
    for finding in findings:
        claims = [str(c) for c in finding.get("claims", [])] or ["?"]
        common = [w for w in claims[0].split() if all(w in c.split() for c in claims[1:])]
        text = " ".join(common) if len(common) >= 3 else claims[0]
        labels.append({"finding": finding["finding"], "label": text[:60].strip() or "?"})
    return labels


def count_input_tokens(request: dict[str, Any]) -> int:
    """What a request costs: its messages plus the schema or tools it carries."""
    texts = [m.get("content") or "" for m in request.get("messages", [])]
    texts = [t if isinstance(t, str) else json.dumps(t) for t in texts]
    extra = request.get("response_format") or request.get("tools")
    if isinstance(extra, dict) and extra.get("type") == "json_object":
        extra = None
    schema = estimate_tokens(json.dumps(extra)) if extra else 0
    return sum(estimate_tokens(t) for t in texts) + schema


ScriptedAnswer = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]
"""An assistant message for `ScriptedOpenAIServer(script=...)`: {"content": str | None,
"tool_calls": [{"name": str, "arguments": dict | str, "id": str (optional)}]}, or a function
of the request (the JSON body) returning one."""


class ScriptedOpenAIServer:
    def __init__(
        self,
        faults: list[str] | None = None,
        *,
        extract: Callable[[dict[str, Any]], list[dict[str, Any]]] = read_sources,
        slow_seconds: float = 3.0,
        script: Sequence[ScriptedAnswer] | None = None,
    ) -> None:
        self.faults = list(faults or [])
        self.script = list(script) if script is not None else None
        self.extract = extract
        self.slow_seconds = slow_seconds
        self.requests: list[dict[str, Any]] = []
        self.input_tokens = 0
        self.reject_json_schema = "reject_json_schema" in self.faults
        if self.reject_json_schema:
            self.faults.remove("reject_json_schema")
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def __enter__(self) -> ScriptedOpenAIServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                reply = owner.respond(self.path, body)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                data = payload.encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "use the server as a context manager"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    # -- answers ----------------------------------------------------------------------------
    def respond(self, path: str, request: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(request)
            self.input_tokens += count_input_tokens(request)
            fault = self.faults.pop(0) if self.faults else None
        format_type = (request.get("response_format") or {}).get("type")
        if self.reject_json_schema and format_type == "json_schema":
            return Reply(
                500, {"error": {"message": "json_schema is not supported", "type": "server_error"}}
            )
        if fault == "429":
            return Reply(
                429,
                {"error": {"message": "rate limited", "type": "rate_limit"}},
                {"Retry-After": "1"},
            )
        if fault == "500":
            return Reply(500, {"error": {"message": "boom", "type": "server_error"}})
        if self.script is not None:
            return self._scripted(request, fault)
        items = name_findings(request)
        if items is None:
            items = self.extract(request)
        content = json.dumps({"items": items}, ensure_ascii=False)
        delay = self.slow_seconds if fault == "timeout" else 0.0
        if fault == "truncated":
            content = content[: len(content) // 2]
        elif fault == "schema_invalid":
            content = json.dumps({"items": [{"source": 3, "lane": "feelings"}]})
        elif fault == "invented":
            template = (
                items[0]
                if items
                else {
                    "source": "x",
                    "stage": "awareness",
                    "lane": "action",
                    "speaker": None,
                    "valence": None,
                }
            )
            invented = {
                **template,
                "text": "invented",
                "quote": "Le vendeur m'a offert le canapé gratuitement.",
            }
            content = json.dumps({"items": [*items, invented]}, ensure_ascii=False)
        elif fault == "refusal":
            content = "I'm sorry, but I can't help with that request."
        return Reply(200, self._completion(request, content), delay=delay)

    def _completion(self, request: dict[str, Any], content: str) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
        finish = "stop"
        tools = request.get("tools")
        if tools:
            name = tools[0]["function"]["name"]
            message = {
                "role": "assistant",
                "content": None,
                "refusal": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": name, "arguments": content},
                    }
                ],
            }
            finish = "tool_calls"
        return self._envelope(request, message, finish, content)

    def _scripted(self, request: dict[str, Any], fault: str | None) -> Reply:
        with self._lock:
            answer = self.script.pop(0) if self.script else None
        if answer is None:
            return Reply(400, {"error": {"message": "the scripted server's script is exhausted"}})
        if callable(answer):
            answer = answer(request)
        calls = [
            {
                "id": call.get("id") or f"call_{len(self.requests)}_{number}",
                "type": "function",
                "function": {
                    "name": call["name"],
                    "arguments": call["arguments"]
                    if isinstance(call.get("arguments"), str)
                    else json.dumps(call.get("arguments", {}), ensure_ascii=False),
                },
            }
            for number, call in enumerate(answer.get("tool_calls") or [])
        ]
        message: dict[str, Any] = {
            "role": "assistant",
            "content": answer.get("content"),
            "refusal": None,
        }
        if calls:
            message["tool_calls"] = calls
        text = (answer.get("content") or "") + json.dumps(calls)
        delay = self.slow_seconds if fault == "timeout" else 0.0
        body = self._envelope(request, message, "tool_calls" if calls else "stop", text)
        return Reply(200, body, delay=delay)

    def _envelope(
        self, request: dict[str, Any], message: dict[str, Any], finish: str, content: str
    ) -> dict[str, Any]:
        prompt = count_input_tokens(request)
        completion = estimate_tokens(content)
        return {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": 0,
            "model": request.get("model", "scripted"),
            "choices": [
                {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }


# -- a tool-calling chat model without a server ----------------------------------------------------
_HAS_LANGCHAIN = importlib.util.find_spec("langchain_core") is not None

if TYPE_CHECKING or _HAS_LANGCHAIN:  # the llm extra; the server above does not need it
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
