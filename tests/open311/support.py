"""Real servers on 127.0.0.1 for the Open311 tests (no mocks); fixtures in ``conftest.py``.

* ``server`` / ``start_server``: the embedded GeoReport v2 server, run by uvicorn in a thread on a
  free port with a temporary SQLite file.
* ``recorded_server``: a tiny ``http.server`` that replays recorded replies of other Open311
  implementations from ``tests/data/open311/``.
* ``lost_response_proxy``: a TCP proxy that forwards a request to the real server and hangs up
  before relaying the reply ("accepted but response lost").
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from connectors.open311.server import create_app
from connectors.open311.settings import Open311ServerSettings

API_KEY = "test-key-123"
JURISDICTION = "lacity.org"
DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "open311"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    app: FastAPI
    port: int
    db: Path
    _server: uvicorn.Server
    _thread: threading.Thread

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/open311/v2"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        assert not self._thread.is_alive(), "server thread did not stop"


def start_embedded_server(db: Path, port: int) -> RunningServer:
    settings = Open311ServerSettings(
        db=db, api_keys_csv=f"{API_KEY},second-key", port=port, _env_file=None
    )
    app = create_app(settings)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"open311-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"Open311 server did not start on port {port}")
        time.sleep(0.01)
    return RunningServer(app, port, db, server, thread)


# -- recorded replies of other Open311 servers -----------------------------------------------


@dataclass
class RecordedServer:
    port: int
    received: list[dict[str, Any]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/open311/v2"


def load_recording(name: str) -> dict[str, Any]:
    recording: dict[str, Any] = json.loads((DATA_DIR / f"{name}.json").read_text("utf-8"))
    return recording


def handler_for(exchanges: list[dict[str, Any]], received: list[dict[str, Any]]) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            received.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": body,
                }
            )
            exchange = next(
                (e for e in exchanges if e["method"] == self.command and e["path"] == path), None
            )
            if exchange is None:
                status, headers = 404, {"Content-Type": "application/json"}
                payload = b'[{"code":404,"description":"not recorded"}]'
            else:
                time.sleep(exchange.get("delay_seconds", 0))
                status, headers = exchange["status"], exchange.get("headers", {})
                if "body_text" in exchange:
                    payload = exchange["body_text"].encode("utf-8")
                else:
                    payload = json.dumps(exchange["body"]).encode("utf-8")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _reply

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


# -- "accepted but response lost" proxy -------------------------------------------------------


class LostResponseProxy:
    """Forward each HTTP request to ``upstream_port``, wait for the reply, then hang up."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.forwarded = 0
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen()
        self.port = int(self._listener.getsockname()[1])
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/open311/v2"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            while len(body) < length:
                body += conn.recv(65536)
            with socket.create_connection(("127.0.0.1", self.upstream_port)) as upstream:
                upstream.sendall(head + b"\r\n\r\n" + body)
                reply = b""
                while b"\r\n\r\n" not in reply:  # the server has processed and answered
                    chunk = upstream.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
            self.forwarded += 1
            # Hang up without relaying anything: the client never learns the outcome.

    def close(self) -> None:
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes up accept()
        except OSError:
            pass
        self._listener.close()


class Posts:
    """Counts the POSTs that leave the process (an httpx event hook, no mocking)."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, request: httpx.Request) -> None:
        if request.method == "POST":
            self.count += 1
