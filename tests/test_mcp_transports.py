"""The real `mcp` client against `parcours mcp` as a host runs it: a stdio subprocess, and
streamable HTTP on loopback (with and without the bearer token a non-loopback bind requires)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.mcp_harness import fill_inbox, flow

pytestmark = pytest.mark.slow

PARCOURS = Path(sys.executable).parent / "parcours"
SCHEMA = json.loads(
    (Path(__file__).parent.parent / "assistant/schema/journey-map.schema.json").read_text()
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCOURS_")}
    return env | {"PARCOURS_EMBEDDER": "hashing", "PARCOURS_REDACT": "false"} | extra


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_stdio_subprocess_carries_the_whole_session(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    fill_inbox(workspace)
    params = StdioServerParameters(
        command=str(PARCOURS), args=["mcp", "-w", str(workspace)], env=_env()
    )

    async def main() -> dict[str, Any]:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            return await flow(session, SCHEMA)

    figures = anyio.run(main)
    assert {"ingest_sources", "build_map", "get_map", "export_map"} <= figures["tools"]
    assert (figures["ingested"], figures["applied"], figures["undone"]) == (1, 2, 3)
    assert figures["hits"] >= 1


@contextmanager
def _http_server(
    workspace: Path, host: str, port: int, **env: str
) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [str(PARCOURS), "mcp", "-w", str(workspace), "--transport", "http",
         "--host", host, "--port", str(port)],
        env=_env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(process.stderr.read().decode() if process.stderr else "")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


async def _http_flow(url: str, token: str | None = None) -> dict[str, Any]:
    import httpx2

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=120) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        return await flow(session, SCHEMA)


def test_streamable_http_on_loopback(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    fill_inbox(workspace)
    port = _free_port()
    with _http_server(workspace, "127.0.0.1", port):
        figures = anyio.run(_http_flow, f"http://127.0.0.1:{port}/mcp")
    assert (figures["ingested"], figures["applied"], figures["undone"]) == (1, 2, 3)


def test_a_non_loopback_bind_needs_the_token(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    fill_inbox(workspace)
    refused = subprocess.run(
        [str(PARCOURS), "mcp", "-w", str(workspace), "--transport", "http", "--host", "0.0.0.0"],
        env=_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "PARCOURS_MCP_TOKEN" in refused.stderr
    token = "t0ken-" + "x" * 32
    port = _free_port()
    with _http_server(workspace, "0.0.0.0", port, PARCOURS_MCP_TOKEN=token):
        url = f"http://127.0.0.1:{port}/mcp"
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
            answer = httpx.post(url, json=body, headers=headers, timeout=10)
            assert answer.status_code == 401
            assert answer.content == b""
        figures = anyio.run(_http_flow, url, token)
    assert figures["applied"] == 2
