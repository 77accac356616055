"""Fixtures of the Open311 tests: real servers on 127.0.0.1 (see ``support.py``)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.open311.client import Open311Client

from .support import (
    API_KEY,
    JURISDICTION,
    LostResponseProxy,
    Posts,
    RecordedServer,
    RunningServer,
    free_port,
    handler_for,
    load_recording,
    start_embedded_server,
)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., RunningServer]]:
    """Start servers (``db``/``port`` optional); all are stopped at teardown."""
    running: list[RunningServer] = []

    def start(db: Path | None = None, port: int | None = None) -> RunningServer:
        db = db or tmp_path / "server" / "open311.db"
        server = start_embedded_server(db, port or free_port())
        running.append(server)
        return server

    yield start
    for server in running:
        if server._thread.is_alive():
            server.stop()


@pytest.fixture
def server(start_server: Callable[..., RunningServer]) -> RunningServer:
    return start_server()


@pytest.fixture
async def client(server: RunningServer) -> AsyncIterator[Open311Client]:
    async with Open311Client(server.base_url, API_KEY, JURISDICTION, timeout=5) as open311:
        yield open311


@pytest.fixture
async def raw(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    """Plain httpx client on the server root, for malformed requests the client never sends."""
    async with httpx.AsyncClient(base_url=server.root, timeout=10) as http:
        yield http


@pytest.fixture
def recorded_server() -> Iterator[Callable[..., RecordedServer]]:
    """Serve the exchanges of one or more recordings under ``tests/data/open311``."""
    servers: list[ThreadingHTTPServer] = []

    def start(*names: str) -> RecordedServer:
        exchanges = [e for name in names for e in load_recording(name)["exchanges"]]
        received: list[dict[str, Any]] = []
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(exchanges, received))
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True).start()
        servers.append(httpd)
        return RecordedServer(httpd.server_address[1], received)

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def lost_response_proxy() -> Iterator[Callable[[int], LostResponseProxy]]:
    proxies: list[LostResponseProxy] = []

    def start(upstream_port: int) -> LostResponseProxy:
        proxy = LostResponseProxy(upstream_port)
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.close()


@pytest.fixture
def posts() -> Posts:
    return Posts()


@pytest.fixture
async def make_client(posts: Posts) -> AsyncIterator[Callable[[str], Open311Client]]:
    clients: list[Open311Client] = []

    def make(base_url: str) -> Open311Client:
        http = httpx.AsyncClient(event_hooks={"request": [posts]})
        client = Open311Client(base_url, API_KEY, "lacity.org", timeout=5, http=http)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client._http.aclose()
