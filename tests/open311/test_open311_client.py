"""The client against recorded replies of other GeoReport v2 servers and broken backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from urllib.parse import parse_qsl

import httpx
import pytest

from connectors.open311.client import Open311Client
from connectors.open311.errors import (
    Open311Error,
    Open311NotFound,
    Open311ServiceError,
    Open311TransportError,
)
from connectors.open311.models import ServiceRequestDraft

from .support import RecordedServer, free_port

StartRecorded = Callable[..., RecordedServer]
DRAFT = ServiceRequestDraft(
    service_code="pothole",
    address_string="1200 W 7th St",
    lat=34.0493,
    long=-118.2629,
    attributes={"depth": "10 cm"},
    description="Hole & bump; 50% of the lane",
    email="maria@example.org",
)


async def test_token_only_reply_then_resolve(recorded_server: StartRecorded) -> None:
    backend = recorded_server("token_only_post")
    async with Open311Client(backend.base_url, "key-1", "lacity.org") as client:
        reply = await client.submit(DRAFT, idempotency_key="idem-1")
        assert reply.service_request_id is None
        assert reply.token == "6f1b3c2e-94d7-4b36-9a43-0d2f4f5a7e11"
        assert reply.service_notice == "Requests are reviewed within one business day."
        assert await client.resolve_token(reply.token) == "638344"
        assert await client.resolve_token("0a9e8d7c-not-yet-assigned") is None
        assert await client.resolve_token("unknown-token") is None  # 404 → not known yet
    post = backend.received[0]
    assert post["headers"]["Idempotency-Key"] == "idem-1"
    assert post["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(post["body"].decode("ascii")) == [
        ("api_key", "key-1"),
        ("jurisdiction_id", "lacity.org"),
        ("service_code", "pothole"),
        ("lat", "34.0493"),
        ("long", "-118.2629"),
        ("address_string", "1200 W 7th St"),
        ("description", "Hole & bump; 50% of the lane"),
        ("email", "maria@example.org"),
        ("attribute[depth]", "10 cm"),
    ]


async def test_200_with_bare_object_and_numeric_id(recorded_server: StartRecorded) -> None:
    backend = recorded_server("post_200_bare_object", "request_bare_object_minimal")
    async with Open311Client(backend.base_url, "key-1") as client:
        reply = await client.submit(DRAFT)
        assert (reply.service_request_id, reply.token, reply.service_notice) == (
            "293944",
            None,
            None,
        )
        request = await client.get_request("293944")
    assert request.status == "open" and request.service_code == "7"
    assert request.requested_datetime == datetime(2012, 3, 14, 16, 26, 53, tzinfo=timezone.utc)
    assert (request.lat, request.long) == (34.052235, -118.243683)
    assert request.address is None and request.media_url is None
    assert request.updated_datetime is None and request.description is None


async def test_list_with_missing_optional_fields(recorded_server: StartRecorded) -> None:
    backend = recorded_server("requests_missing_optional_fields")
    async with Open311Client(backend.base_url, "key-1") as client:
        full, sparse = await client.list_requests(status=["open", "closed"], service_code="pothole")
    assert full.status == "closed" and full.status_notes == "Pothole filled by crew 14."
    assert full.zipcode == "90017" and full.expected_datetime is not None
    assert sparse.service_request_id == "SR-2024-000813"
    assert sparse.service_name is None and sparse.lat is None and sparse.attributes == {}
    assert "status=open%2Cclosed" in backend.received[0]["path"]


async def test_json_served_as_xml(recorded_server: StartRecorded) -> None:
    backend = recorded_server("services_xml_content_type")
    async with Open311Client(backend.base_url, "key-1") as client:
        first, second = await client.list_services("es")
        definition = await client.get_service_definition("1")
    assert (first.service_code, first.metadata, first.keywords) == ("1", True, ["lorem", "ipsum"])
    assert first.group is None
    assert (second.service_code, second.description, second.keywords) == ("002", "", [])
    choice, notes = definition.attributes
    assert choice.required is True and choice.order == 1
    assert [(v.key, v.name) for v in choice.values] == [("123", "Ford"), ("124", "Chrysler")]
    assert notes.values == [] and notes.datatype_description is None
    assert backend.received[0]["headers"]["Accept-Language"] == "es"


async def test_error_array_with_several_entries(recorded_server: StartRecorded) -> None:
    backend = recorded_server("error_array_several")
    async with Open311Client(backend.base_url, "key-1") as client:
        with pytest.raises(Open311ServiceError) as caught:
            await client.submit(DRAFT)
    assert caught.value.status_code == 400
    assert caught.value.errors == [
        (400, "service_code was not provided"),
        (400, "lat/long, address_string, or address_id required"),
        (400, "email is not a valid address"),
    ]
    assert caught.value.description == "service_code was not provided"


async def test_xml_error_body_still_gives_a_service_error(recorded_server: StartRecorded) -> None:
    backend = recorded_server("error_xml_body")
    async with Open311Client(backend.base_url, "key-1") as client:
        with pytest.raises(Open311ServiceError) as caught:
            await client.submit(DRAFT)
    assert caught.value.status_code == 403 and not caught.value.retryable
    assert "Invalid api_key received" in caught.value.description


async def test_unrecorded_path_is_not_found(recorded_server: StartRecorded) -> None:
    backend = recorded_server("error_xml_body")
    async with Open311Client(backend.base_url, "key-1") as client:
        with pytest.raises(Open311NotFound):
            await client.get_request("42")


async def test_html_503_is_a_retryable_transport_error(recorded_server: StartRecorded) -> None:
    backend = recorded_server("unavailable")
    async with Open311Client(backend.base_url, "key-1") as client:
        with pytest.raises(Open311TransportError) as caught:
            await client.submit(DRAFT)
    assert caught.value.status_code == 503 and caught.value.retryable


async def test_html_instead_of_json_is_a_transport_error(recorded_server: StartRecorded) -> None:
    backend = recorded_server("unavailable")
    async with Open311Client(backend.base_url, "key-1") as client:
        with pytest.raises(Open311TransportError, match="not JSON"):
            await client.list_services()


async def test_timeout_is_a_transport_error(recorded_server: StartRecorded) -> None:
    backend = recorded_server("unavailable")
    async with Open311Client(backend.base_url, "key-1", timeout=0.2) as client:
        with pytest.raises(Open311TransportError, match="timed out"):
            await client.list_requests()


async def test_connection_refused_is_a_transport_error() -> None:
    async with Open311Client(f"http://127.0.0.1:{free_port()}/open311/v2", "key-1") as client:
        with pytest.raises(Open311TransportError) as caught:
            await client.list_services()
    assert isinstance(caught.value, Open311Error) and caught.value.status_code is None


async def test_shared_http_client_is_not_closed(recorded_server: StartRecorded) -> None:
    backend = recorded_server("post_200_bare_object")
    async with httpx.AsyncClient() as http:
        async with Open311Client(backend.base_url, "key-1", http=http) as client:
            await client.submit(DRAFT)
        assert not http.is_closed
