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
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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


def count_input_tokens(request: dict[str, Any]) -> int:
    """What a request costs: its messages plus the schema or tools it carries."""
    texts = [m.get("content") or "" for m in request.get("messages", [])]
    texts = [t if isinstance(t, str) else json.dumps(t) for t in texts]
    extra = request.get("response_format") or request.get("tools")
    if isinstance(extra, dict) and extra.get("type") == "json_object":
        extra = None
    schema = estimate_tokens(json.dumps(extra)) if extra else 0
    return sum(estimate_tokens(t) for t in texts) + schema


class ScriptedOpenAIServer:
    def __init__(
        self,
        faults: list[str] | None = None,
        *,
        extract: Callable[[dict[str, Any]], list[dict[str, Any]]] = read_sources,
        slow_seconds: float = 3.0,
    ) -> None:
        self.faults = list(faults or [])
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
