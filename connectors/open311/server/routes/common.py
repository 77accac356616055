"""Helpers shared by the routers: jurisdiction check, dates, request rendering."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import Query

from ...catalog import Catalog
from ..responses import ApiError
from ..store import StoredRequest
from ..validation import ServerPolicy

__all__ = ["check_jurisdiction", "iso", "jurisdiction_query", "parse_date", "render_request"]

jurisdiction_query = Annotated[str | None, Query()]


def check_jurisdiction(jurisdiction_id: str | None, policy: ServerPolicy) -> None:
    """Raise 404 when a ``jurisdiction_id`` is given and is not this server's."""
    if jurisdiction_id is not None and jurisdiction_id != policy.jurisdiction_id:
        raise ApiError(404, f"jurisdiction_id not found: {jurisdiction_id}")


def iso(timestamp: float | None) -> str | None:
    """UNIX seconds → ISO 8601 with offset (``2025-01-15T18:04:05+00:00``)."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds")


def parse_date(name: str, value: str | None) -> float | None:
    """Parse an ISO 8601 query parameter into UNIX seconds (naive values are UTC).

    Raises:
        ApiError: 400 when the value is not ISO 8601.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, f"{name} must be an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def render_request(stored: StoredRequest, catalog: Catalog, locale: str) -> dict[str, Any]:
    """Render one item of GET ``requests.json`` (plain text, JSON-escaped by the encoder)."""
    service = catalog.service(stored.service_code)
    return {
        "service_request_id": stored.service_request_id,
        "status": stored.status,
        "status_notes": stored.status_notes,
        "service_name": service.service_name.get(locale) if service else stored.service_code,
        "service_code": stored.service_code,
        "description": stored.description,
        "agency_responsible": stored.agency_responsible,
        "service_notice": stored.service_notice,
        "requested_datetime": iso(stored.requested_at),
        "updated_datetime": iso(stored.updated_at),
        "expected_datetime": iso(stored.expected_at),
        "address": stored.address_string,
        "address_id": stored.address_id,
        "zipcode": stored.zipcode,
        "lat": stored.lat,
        "long": stored.long,
        "media_url": stored.media_url,
        "attributes": stored.attributes,
        "token": stored.token,
    }
