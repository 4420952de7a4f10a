"""The scripted OpenAI-compatible server (see `assistant.testing`)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from assistant.extract.chunks import estimate_tokens
from assistant.testing.model import (
    FaultKnobs,
    is_first,
    name_findings,
    read_sources,
    word_targets,
)


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


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
        misquote: float = 0.0,
        unknown_ids: float = 0.0,
        interviewer: float = 0.0,
    ) -> None:
        self.faults = list(faults or [])
        self.knobs = FaultKnobs(misquote, unknown_ids, interviewer)
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
            items = word_targets(request)
        if items is None:
            items = self.extract(request)
            if is_first(request):
                with self._lock:
                    items = self.knobs.apply(items, request)
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
        body = self._completion(request, content)
        if fault == "truncated":  # as a server cutting at max_tokens says
            body["choices"][0]["finish_reason"] = "length"
        return Reply(200, body, delay=delay)

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
