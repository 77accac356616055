"""Malformed HTTP input gets a 4xx GeoReport v2 error array, never a 500."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .support import API_KEY, RunningServer, free_port, start_embedded_server

POST = "/open311/v2/requests.json"
FORM = "application/x-www-form-urlencoded"
GOOD = f"api_key={API_KEY}&service_code=pothole&address_string=100+Main+St".encode()


def multipart(*parts: tuple[bytes, bytes], boundary: bytes = b"XyZ") -> bytes:
    body = b""
    for disposition, value in parts:
        body += b"--" + boundary + b"\r\nContent-Disposition: " + disposition + b"\r\n\r\n"
        body += value + b"\r\n"
    return body + b"--" + boundary + b"--\r\n"


MULTIPART = "multipart/form-data; boundary=XyZ"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One server for the whole module: these tests only send input that must be refused."""
    running = start_embedded_server(tmp_path_factory.mktemp("input") / "open311.db", free_port())
    yield running
    running.stop()


BAD_INPUTS: list[tuple[str, bytes, dict[str, str], int, str]] = [
    # (id, body, headers, status, text in description)
    ("invalid utf-8 bytes", GOOD + b"&description=caf\xe9", {"Content-Type": FORM}, 400, "UTF-8"),
    ("invalid utf-8 percent", GOOD + b"&description=caf%E9", {"Content-Type": FORM}, 400, "UTF-8"),
    ("bad percent escape", GOOD + b"&description=100%zz", {"Content-Type": FORM}, 400, "percent"),
    ("pair without =", GOOD + b"&description", {"Content-Type": FORM}, 400, "malformed"),
    ("empty pair", GOOD + b"&&x=1", {"Content-Type": FORM}, 400, "malformed"),
    ("too many fields", GOOD + b"&x=1" * 200, {"Content-Type": FORM}, 400, "malformed"),
    ("duplicate field", GOOD + b"&service_code=other", {"Content-Type": FORM}, 400, "more than"),
    ("NUL character", GOOD + b"&description=a%00b", {"Content-Type": FORM}, 400, "control"),
    ("bad attribute name", GOOD + b"&attribute%5Bx=1", {"Content-Type": FORM}, 400, "attribute"),
    (
        "json body",
        b'{"service_code": "pothole"}',
        {"Content-Type": "application/json"},
        415,
        "Type",
    ),
    (
        "xml body",
        b"<service_code>pothole</service_code>",
        {"Content-Type": "text/xml"},
        415,
        "Type",
    ),
    ("no content type", GOOD, {"Content-Type": ""}, 415, "Content-Type"),
    ("latin-1 charset", GOOD, {"Content-Type": f"{FORM}; charset=latin-1"}, 415, "UTF-8"),
    (
        "multipart invalid utf-8",
        multipart(
            (b'form-data; name="api_key"', API_KEY.encode()), (b'form-data; name="x"', b"\xff")
        ),
        {"Content-Type": MULTIPART},
        400,
        "UTF-8",
    ),
    (
        "multipart file upload",
        multipart((b'form-data; name="media"; filename="a.jpg"', b"\xff\xd8\xff")),
        {"Content-Type": MULTIPART},
        400,
        "media_url",
    ),
    (
        "multipart truncated",
        multipart((b'form-data; name="api_key"', API_KEY.encode()))[:-8],
        {"Content-Type": MULTIPART},
        400,
        "multipart",
    ),
    ("multipart no boundary", b"--XyZ--", {"Content-Type": "multipart/form-data"}, 400, "boundary"),
    ("multipart garbage", b"garbage" * 10, {"Content-Type": MULTIPART}, 400, "multipart"),
    (
        "long idempotency key",
        GOOD,
        {"Content-Type": FORM, "Idempotency-Key": "k" * 300},
        400,
        "Key",
    ),
    (
        "10 MB body",
        GOOD + b"&description=" + b"a" * 10_000_000,
        {"Content-Type": FORM},
        413,
        "large",
    ),
]


@pytest.mark.parametrize(
    ("body", "headers", "status", "text"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
async def test_malformed_post_bodies(
    server: RunningServer,
    raw: httpx.AsyncClient,
    body: bytes,
    headers: dict[str, str],
    status: int,
    text: str,
) -> None:
    before = server.app.state.store.count()
    reply = await raw.post(POST, content=body, headers=headers)
    assert reply.status_code == status
    [error] = reply.json()
    assert error["code"] == status and text in error["description"]
    assert server.app.state.store.count() == before  # nothing half-written
    assert server.app.state.unhandled_errors == 0


async def test_multipart_form_is_accepted(server: RunningServer, raw: httpx.AsyncClient) -> None:
    reply = await raw.post(
        POST,
        data={
            "api_key": API_KEY,
            "service_code": "dead-animal-removal",
            "lat": "34.1",
            "long": "-118.3",
            "attribute[animal_type]": "cat",
            "description": "Gato muerto 🐈",
        },
        files={"unused": (None, "")},  # forces multipart/form-data
    )
    assert reply.status_code == 201, reply.text
    stored = (
        await raw.get(f"/open311/v2/requests/{reply.json()[0]['service_request_id']}.json")
    ).json()[0]
    assert stored["description"] == "Gato muerto 🐈"
    assert stored["attributes"] == {"animal_type": "cat"}
    assert server.app.state.unhandled_errors == 0


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/open311/v2/nothing.json", 404),
        ("GET", "/open311/v2/services.xml", 404),
        ("DELETE", POST, 405),
        ("GET", "/open311/v2/requests/%FF%FE.json", 404),
        ("GET", "/open311/v2/requests.json?status=%FF", 400),
    ],
)
async def test_unknown_routes_answer_the_error_array(
    server: RunningServer, raw: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    reply = await raw.request(method, path)
    assert reply.status_code == status
    assert reply.json()[0]["code"] == status
    assert server.app.state.unhandled_errors == 0


class _BrokenStore:
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("disk on fire")


async def test_unexpected_error_is_logged_and_answered_with_500(
    server: RunningServer, raw: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    store, server.app.state.store = server.app.state.store, _BrokenStore()
    try:
        with caplog.at_level(logging.ERROR, logger="connectors.open311.server"):
            reply = await raw.get("/open311/v2/requests.json")
    finally:
        server.app.state.store = store
    assert reply.status_code == 500
    assert reply.json() == [{"code": 500, "description": "internal server error"}]
    assert "disk on fire" not in reply.text  # no internals leak to clients
    assert server.app.state.unhandled_errors == 1
    server.app.state.unhandled_errors = 0
    assert any("unhandled error" in r.getMessage() and r.exc_info for r in caplog.records)
