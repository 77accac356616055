"""The embedded GeoReport v2 server, driven over HTTP by the real client."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.open311.client import Open311Client
from connectors.open311.errors import Open311NotFound, Open311ServiceError
from connectors.open311.models import ServiceRequestDraft

from .support import API_KEY, JURISDICTION, RunningServer, free_port, start_embedded_server

REPO = Path(__file__).resolve().parents[2]
DOWNTOWN = {"address_string": "200 N Spring St, Los Angeles, CA 90012"}


def draft(service_code: str = "pothole", **fields: Any) -> ServiceRequestDraft:
    values: dict[str, Any] = {**DOWNTOWN, **fields}
    return ServiceRequestDraft(service_code=service_code, **values)


# -- services ----------------------------------------------------------------------------------


async def test_services_in_english_and_spanish(client: Open311Client) -> None:
    english = await client.list_services()
    spanish = await client.list_services("es")
    assert len(english) == len(spanish) == 16
    assert english[0].service_code == spanish[0].service_code == "bulky-items"
    assert english[0].service_name == "Bulky Items"
    assert spanish[0].service_name == "Artículos voluminosos"
    assert "colchón" in spanish[0].keywords
    assert spanish[0].metadata is True and spanish[0].type == "realtime"


async def test_accept_language_selects_spanish(raw: httpx.AsyncClient) -> None:
    reply = await raw.get(
        "/open311/v2/services.json", headers={"Accept-Language": "fr;q=0.9, es-MX;q=0.8, en;q=0.1"}
    )
    assert reply.json()[10]["service_name"] == "Bache - reparación menor de asfalto"


async def test_service_definition_in_spanish(client: Open311Client) -> None:
    definition = await client.get_service_definition("graffiti-removal", "es")
    [surface] = definition.attributes
    assert surface.code == "graffiti_surface" and surface.required
    assert surface.description == "¿Dónde está el grafiti?"
    assert [(v.key, v.name) for v in surface.values][:2] == [("wall", "Pared"), ("fence", "Cerca")]


async def test_unknown_service_definition_is_404(client: Open311Client) -> None:
    with pytest.raises(Open311NotFound) as caught:
        await client.get_service_definition("unicorns")
    assert caught.value.errors == [(404, "service_code not found: unicorns")]


# -- POST requests: success, idempotency -------------------------------------------------------


async def test_submit_returns_sequential_ids(client: Open311Client, raw: httpx.AsyncClient) -> None:
    first = await client.submit(draft(description="Deep hole"))
    items = {"item_description": "sofa", "item_count": "2"}
    second = await client.submit(draft("bulky-items", attributes=items))
    assert (first.service_request_id, second.service_request_id) == ("1-1000001", "1-1000002")
    assert first.token is None and first.account_id is None
    assert first.service_notice and "Los Angeles" in first.service_notice
    reply = await raw.post(
        "/open311/v2/requests.json",
        data={"api_key": API_KEY, "service_code": "pothole", "lat": "34.05", "long": "-118.24"},
    )
    assert reply.status_code == 201
    assert reply.json() == [
        {
            "service_request_id": "1-1000003",
            "service_notice": first.service_notice,
            "account_id": None,
        }
    ]


async def test_optional_attribute_may_be_left_out(client: Open311Client) -> None:
    reply = await client.submit(draft("single-streetlight"))
    request = await client.get_request(reply.service_request_id or "")
    assert request.attributes == {} and request.service_name == "Single Streetlight Issue"


async def test_same_idempotency_key_returns_the_same_request(
    client: Open311Client, raw: httpx.AsyncClient
) -> None:
    form = {"api_key": API_KEY, "service_code": "pothole", **DOWNTOWN}
    key = {"Idempotency-Key": "k-1"}
    first = await raw.post("/open311/v2/requests.json", data=form, headers=key)
    again = await raw.post("/open311/v2/requests.json", data=form, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    via_client = await client.submit(draft(), idempotency_key="k-2")
    via_client_again = await client.submit(draft(), idempotency_key="k-2")
    assert via_client == via_client_again
    assert len(await client.list_requests()) == 2
    with pytest.raises(Open311ServiceError) as caught:
        await client.submit(draft(description="something else"), idempotency_key="k-2")
    assert caught.value.status_code == 422


# -- POST requests: every validation error, through the client's typed exceptions -------------

ERROR_CASES: list[tuple[str, dict[str, Any], dict[str, Any], type[Exception], int, str]] = [
    # (id, client kwargs, draft kwargs, exception, status, text in description)
    ("wrong api_key", {"api_key": "nope"}, {}, Open311ServiceError, 403, "api_key"),
    ("missing api_key", {"api_key": ""}, {}, Open311ServiceError, 403, "api_key"),
    ("unknown jurisdiction", {"jurisdiction_id": "nyc.gov"}, {}, Open311NotFound, 404, "nyc.gov"),
    ("unknown service_code", {}, {"service_code": "unicorns"}, Open311NotFound, 404, "unicorns"),
    ("no location", {}, {"address_string": None}, Open311ServiceError, 400, "location"),
    (
        "required attribute missing",
        {},
        {"service_code": "bulky-items", "attributes": {"item_description": "sofa"}},
        Open311ServiceError,
        400,
        "attribute[item_count] is required",
    ),
    (
        "value not in list",
        {},
        {"service_code": "dead-animal-removal", "attributes": {"animal_type": "dragon"}},
        Open311ServiceError,
        400,
        "must be one of",
    ),
    (
        "number is not a number",
        {},
        {"service_code": "multiple-streetlight", "attributes": {"lights_out_count": "three"}},
        Open311ServiceError,
        400,
        "must be a number",
    ),
    (
        "unknown attribute",
        {},
        {"service_code": "pothole", "attributes": {"depth": "10"}},
        Open311ServiceError,
        400,
        "unknown attribute",
    ),
    ("description 4001", {}, {"description": "x" * 4001}, Open311ServiceError, 400, "description"),
    ("description 5000", {}, {"description": "y" * 5000}, Open311ServiceError, 400, "description"),
    ("bad email", {}, {"email": "maria@@example"}, Open311ServiceError, 400, "email"),
    ("bad phone", {}, {"phone": "call me maybe"}, Open311ServiceError, 400, "phone"),
    ("short phone", {}, {"phone": "12-34"}, Open311ServiceError, 400, "phone"),
    ("script media_url", {}, {"media_url": "javascript:alert(1)"}, Open311ServiceError, 400, "url"),
    (
        "lat without long",
        {},
        {"lat": 34.05, "address_string": None},
        Open311ServiceError,
        400,
        "loc",
    ),
    ("lat out of range", {}, {"lat": 134.0, "long": -118.0}, Open311ServiceError, 400, "lat"),
]


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One server for the refused submissions (they must leave nothing behind)."""
    running = start_embedded_server(tmp_path_factory.mktemp("refused") / "open311.db", free_port())
    yield running
    running.stop()


@pytest.mark.parametrize(
    ("client_kwargs", "draft_kwargs", "exception", "status", "text"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
async def test_submit_errors(
    shared_server: RunningServer,
    client_kwargs: dict[str, Any],
    draft_kwargs: dict[str, Any],
    exception: type[Exception],
    status: int,
    text: str,
) -> None:
    options: dict[str, Any] = {"api_key": API_KEY, "jurisdiction_id": JURISDICTION, **client_kwargs}
    fields: dict[str, Any] = {"service_code": "pothole", **DOWNTOWN, **draft_kwargs}
    async with Open311Client(shared_server.base_url, **options) as client:
        with pytest.raises(exception) as caught:
            await client.submit(ServiceRequestDraft(**fields))
        assert isinstance(caught.value, Open311ServiceError)
        assert caught.value.status_code == caught.value.code == status
        assert text in caught.value.description
        assert not caught.value.retryable
    assert shared_server.app.state.store.count() == 0  # nothing half-written


@pytest.mark.parametrize(
    ("fields", "description"),
    [
        ({"email": "maría.lópez@correo.mx", "phone": "+1 (213) 555-0100 ext. 12"}, "x" * 4000),
        ({"email": "resident@example.org", "phone": "213.555.0100"}, "¿Hay un bache? Sí."),
    ],
)
async def test_valid_contact_details_and_4000_characters(
    client: Open311Client, fields: dict[str, str], description: str
) -> None:
    reply = await client.submit(draft(description=description, **fields))
    stored = await client.get_request(reply.service_request_id or "")
    assert stored.description == description


async def test_second_configured_key_is_accepted(server: RunningServer) -> None:
    async with Open311Client(server.base_url, "second-key") as client:
        assert (await client.submit(draft())).service_request_id


# -- GET requests ------------------------------------------------------------------------------


async def test_get_request_returns_every_field(client: Open311Client) -> None:
    reply = await client.submit(
        draft(
            "fallen-tree",
            lat=34.0537,
            long=-118.2427,
            description="Big branch on the road",
            attributes={"blocking_traffic": "yes"},
            media_url="https://example.org/tree.jpg",
        )
    )
    request = await client.get_request(reply.service_request_id or "")
    assert request.service_request_id == reply.service_request_id
    assert request.status == "open" and request.is_open and request.status_notes is None
    assert request.service_code == "fallen-tree"
    assert request.service_name == "Fallen Tree / Tree Emergency"
    assert request.agency_responsible == "StreetsLA Urban Forestry Division"
    assert request.address == DOWNTOWN["address_string"] and request.zipcode == "90012"
    assert (request.lat, request.long) == (34.0537, -118.2427)
    assert request.attributes == {"blocking_traffic": "yes"}
    assert request.media_url == "https://example.org/tree.jpg"
    assert request.requested_datetime is not None and request.requested_datetime.tzinfo
    assert abs(datetime.now(timezone.utc) - request.requested_datetime) < timedelta(minutes=1)


async def test_get_unknown_request_is_404(client: Open311Client) -> None:
    with pytest.raises(Open311NotFound) as caught:
        await client.get_request("1-9999999")
    assert caught.value.code == 404


async def test_list_requests_newest_first_and_filters(client: Open311Client) -> None:
    ids = []
    for code in ("pothole", "graffiti-removal", "pothole"):
        attributes = {"graffiti_surface": "wall"} if code == "graffiti-removal" else {}
        ids.append((await client.submit(draft(code, attributes=attributes))).service_request_id)
    assert [r.service_request_id for r in await client.list_requests()] == ids[::-1]
    potholes = await client.list_requests(service_code="pothole")
    assert [r.service_request_id for r in potholes] == [ids[2], ids[0]]
    several = await client.list_requests(service_request_id=[ids[0], ids[1]])
    assert {r.service_request_id for r in several} == {ids[0], ids[1]}
    assert await client.list_requests(status="closed") == []
    assert len(await client.list_requests(status=["open", "closed"])) == 3
    now = datetime.now(timezone.utc)
    assert len(await client.list_requests(start_date=now - timedelta(hours=1))) == 3
    assert await client.list_requests(end_date=now - timedelta(hours=1)) == []
    assert await client.list_requests(start_date=(now + timedelta(hours=1)).isoformat()) == []


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ({"status": "pending"}, "status"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "2024-02-02T00:00:00Z", "end_date": "2024-02-01T00:00:00Z"}, "after"),
        ({"jurisdiction_id": "nyc.gov"}, "jurisdiction"),
    ],
)
async def test_list_requests_bad_filters(
    raw: httpx.AsyncClient, query: dict[str, str], text: str
) -> None:
    reply = await raw.get("/open311/v2/requests.json", params=query)
    assert reply.status_code in (400, 404)
    [error] = reply.json()
    assert error["code"] == reply.status_code and text in error["description"]


async def test_tokens(client: Open311Client, raw: httpx.AsyncClient) -> None:
    reply = await client.submit(draft())
    request = await client.get_request(reply.service_request_id or "")
    assert request.token
    assert await client.resolve_token(request.token) == reply.service_request_id
    raw_reply = await raw.get(f"/open311/v2/tokens/{request.token}.json")
    assert raw_reply.json() == [
        {"service_request_id": reply.service_request_id, "token": request.token}
    ]
    assert await client.resolve_token("no-such-token") is None
    missing = await raw.get("/open311/v2/tokens/no-such-token.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


async def test_discovery_and_health(server: RunningServer, raw: httpx.AsyncClient) -> None:
    discovery = (await raw.get("/open311/v2/discovery.json")).json()
    [endpoint] = discovery["endpoints"]
    assert endpoint["url"] == server.base_url
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert "application/json" in endpoint["formats"] and discovery["changeset"]
    assert (await raw.get("/health")).json() == {"status": "ok"}


# -- text handling -----------------------------------------------------------------------------


async def test_html_is_stored_and_returned_as_plain_text(
    client: Open311Client, raw: httpx.AsyncClient
) -> None:
    evil = '<script>alert("x")</script>\u2028<b>hi</b> & "quotes" <!-- -->'
    reply = await client.submit(draft(description=evil))
    request = await client.get_request(reply.service_request_id or "")
    assert request.description == evil
    raw_reply = await raw.get(f"/open311/v2/requests/{reply.service_request_id}.json")
    assert raw_reply.headers["content-type"].startswith("application/json")
    assert raw_reply.headers["x-content-type-options"] == "nosniff"
    assert "&lt;" not in raw_reply.text and '\\"x\\"' in raw_reply.text


async def test_emoji_only_address_is_accepted(client: Open311Client) -> None:
    reply = await client.submit(draft(address_string="🌮🌮🌮"))
    request = await client.get_request(reply.service_request_id or "")
    assert request.address == "🌮🌮🌮" and request.zipcode is None


# -- persistence and the admin CLI -------------------------------------------------------------


async def test_data_survives_a_restart(start_server: Callable[..., RunningServer]) -> None:
    first = start_server()
    async with Open311Client(first.base_url, API_KEY) as client:
        created = await client.submit(draft(description="before restart"))
    first.stop()
    second = start_server(db=first.db)
    async with Open311Client(second.base_url, API_KEY) as client:
        request = await client.get_request(created.service_request_id or "")
        assert request.description == "before restart"
        assert (await client.submit(draft())).service_request_id == "1-1000002"
        assert len(await client.list_requests()) == 2


def _cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPEN311_SERVER_DB": str(db), "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "connectors.open311.server", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_admin_cli_closes_a_request(server: RunningServer, client: Open311Client) -> None:
    created = await client.submit(draft())
    request_id = created.service_request_id or ""
    done = _cli("set-status", request_id, "closed", "Bache reparado / pothole filled", db=server.db)
    assert done.returncode == 0, done.stderr
    request = await client.get_request(request_id)
    assert (request.status, request.status_notes) == ("closed", "Bache reparado / pothole filled")
    assert not request.is_open
    closed = await client.list_requests(status="closed")
    assert [r.service_request_id for r in closed] == [request_id]
    assert await client.list_requests(status="open") == []
    missing = _cli("set-status", "1-7777777", "closed", db=server.db)
    assert missing.returncode == 1 and "not found" in missing.stderr


def test_server_starts_from_the_command_line(tmp_path: Path) -> None:

    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "OPEN311_API_KEY": API_KEY,
        "OPEN311_SERVER_PORT": str(port),
        "OPEN311_SERVER_DB": str(tmp_path / "deep" / "folder" / "open311.db"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "connectors.open311.server"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = datetime.now() + timedelta(seconds=20)
        while True:
            try:
                reply = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert datetime.now() < deadline, "server did not start"
                time.sleep(0.05)
        assert reply.json() == {"status": "ok"}
        assert (tmp_path / "deep" / "folder" / "open311.db").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)
    log = process.stderr.read() if process.stderr else ""
    assert "Application shutdown complete" in log  # graceful stop on SIGTERM
