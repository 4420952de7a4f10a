"""Fakes for tests — ours and yours. No network: everything listens on 127.0.0.1.

`ScriptedOpenAIServer` is an OpenAI-compatible `/v1/chat/completions` endpoint in a thread. By
default it "reads" the sources in each request (`reader.read_sources`) and answers a well-formed
extraction citing their participants' numbered segments and quoting them verbatim, so builds
through the real openai client produce grounded maps; it answers a targeted repair by fixing the
items whose quote is close to a shown segment. It counts the input tokens it receives, and can
inject faults, one per request, in order:

    with ScriptedOpenAIServer(faults=["429", "500", "truncated"]) as server:
        provider = OpenAIProvider("fake-model", base_url=server.base_url)

Fault names: 429 (with Retry-After), 500, timeout (answers after `slow_seconds`), truncated
(cut JSON), schema_invalid, invented (a quote found in no source), refusal (plain text),
reject_json_schema (HTTP 500 to any json_schema request, as llama.cpp's server does — sticky).

Fault knobs make a share of every first answer's claims wrong (`faults.FaultKnobs`; counted in
`server.knobs.counts`):

    ScriptedOpenAIServer(misquote=0.2, unknown_ids=0.05, interviewer=0.05)

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
from typing import TYPE_CHECKING

from assistant.testing.model import FaultKnobs, name_findings, read_sources
from assistant.testing.server import Reply, ScriptedAnswer, ScriptedOpenAIServer, count_input_tokens

if TYPE_CHECKING or importlib.util.find_spec("langchain_core") is not None:  # the llm extra
    from assistant.testing.chat import ScriptedToolChatModel, ScriptStep, tool_calls_message

__all__ = [
    "FaultKnobs",
    "Reply",
    "ScriptStep",
    "ScriptedAnswer",
    "ScriptedOpenAIServer",
    "ScriptedToolChatModel",
    "count_input_tokens",
    "name_findings",
    "read_sources",
    "tool_calls_message",
]
