"""Streamable HTTP for the server: loopback by default; any other address needs a bearer token.

The token (PARCOURS_MCP_TOKEN) is compared in constant time. A request without it, or with a
wrong one, gets 401 and an empty body: nothing about the server or the workspace.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.errors import ConfigError

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_binding(host: str, token: str | None) -> None:
    """Refuse to serve a non-loopback address without a token."""
    if not is_loopback(host) and not token:
        raise ConfigError(
            f"serving MCP on {host} would let anyone on the network read and edit the workspace",
            "set PARCOURS_MCP_TOKEN to a long random secret (hosts send it as a bearer token), "
            "or bind 127.0.0.1",
        )


class BearerTokenGate:
    """ASGI middleware: every HTTP request must carry `Authorization: Bearer <token>`."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"authorization", b"")
        if not hmac.compare_digest(given, self.expected):
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [(b"www-authenticate", b"Bearer"), (b"content-length", b"0")],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


def http_app(server: Any, host: str, token: str | None) -> ASGIApp:
    """The server's streamable HTTP app at /mcp, behind the token gate when a token is set."""
    check_binding(host, token)
    app: ASGIApp = server.streamable_http_app(host=host)
    return BearerTokenGate(app, token) if token else app


def serve_http(server: Any, host: str, port: int, token: str | None) -> None:
    import uvicorn

    app = http_app(server, host, token)
    uvicorn.run(app, host=host, port=port, log_level="warning")
