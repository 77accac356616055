"""Validation of a GeoReport v2 POST ``requests.json`` form, as a strict real server does it.

The checks run in the order a client needs them (authentication first) and stop at the first
problem, which is raised as :class:`~connectors.open311.server.responses.ApiError`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from ..catalog import AttributeDef, Catalog, ServiceDef
from .responses import ApiError
from .store import NewRequest

__all__ = ["MAX_DESCRIPTION", "ServerPolicy", "fingerprint", "validate_submission"]

MAX_DESCRIPTION = 4000
_LIMITS = {
    "api_key": 200,
    "jurisdiction_id": 200,
    "service_code": 100,
    "lat": 40,
    "long": 40,
    "address_string": 500,
    "address_id": 100,
    "email": 254,
    "device_id": 200,
    "account_id": 200,
    "first_name": 100,
    "last_name": 100,
    "phone": 40,
    "description": MAX_DESCRIPTION,
    "media_url": 2000,
}
_MAX_ATTRIBUTE = {"text": 4000}
_DEFAULT_MAX_ATTRIBUTE = 1000
_ATTRIBUTE_NAME = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(
    r"^[^@\s<>()\[\],;:\"\\]{1,64}@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}$"
)
_PHONE = re.compile(r"^\+?[0-9 ().\-]{7,25}(?:\s*(?:x|ext\.?)\s*[0-9]{1,6})?$", re.IGNORECASE)
_EXTENSION = re.compile(r"(?:x|ext\.?)\s*[0-9]{1,6}$", re.IGNORECASE)


@dataclass(frozen=True)
class ServerPolicy:
    """What the server accepts: API keys and its jurisdiction."""

    api_keys: Collection[str]
    jurisdiction_id: str


def fingerprint(fields: list[tuple[str, str]]) -> str:
    """Hash of a form without its ``api_key``, to recognize a replayed idempotent POST."""
    digest = hashlib.sha256()
    for name, value in sorted(pair for pair in fields if pair[0] != "api_key"):
        digest.update(f"{len(name)}:{name}={len(value)}:{value}\n".encode())
    return digest.hexdigest()


def validate_submission(
    fields: list[tuple[str, str]], catalog: Catalog, policy: ServerPolicy
) -> NewRequest:
    """Check a decoded POST form and turn it into a :class:`NewRequest`.

    Args:
        fields: ``(name, value)`` pairs from the body.
        catalog: Service types and their attributes.
        policy: Accepted API keys and jurisdiction.

    Returns:
        The request to store (texts stripped, plain text, never HTML-escaped).

    Raises:
        ApiError: 403 bad ``api_key``; 404 unknown jurisdiction or service code; 400 for any
            other invalid field.
    """
    scalars, raw_attributes = _split(fields)
    if scalars.get("api_key") not in policy.api_keys:
        raise ApiError(403, "api_key is missing or not valid")
    jurisdiction = scalars.get("jurisdiction_id")
    if jurisdiction is not None and jurisdiction != policy.jurisdiction_id:
        raise ApiError(404, f"jurisdiction_id not found: {jurisdiction}")
    code = scalars.get("service_code")
    if not code:
        raise ApiError(400, "service_code is required")
    service = catalog.service(code)
    if service is None:
        raise ApiError(404, f"service_code not found: {code}")

    lat, long = _coordinates(scalars.get("lat"), scalars.get("long"))
    address_string = scalars.get("address_string") or None
    address_id = scalars.get("address_id") or None
    if lat is None and address_string is None and address_id is None:
        raise ApiError(400, "a location is required: lat and long, address_string or address_id")
    email = scalars.get("email") or None
    if email is not None and not _EMAIL.match(email):
        raise ApiError(400, "email is not a valid email address")
    phone = scalars.get("phone") or None
    if phone is not None and not _valid_phone(phone):
        raise ApiError(400, "phone is not a valid phone number")
    media_url = scalars.get("media_url") or None
    if media_url is not None and not _valid_url(media_url):
        raise ApiError(400, "media_url must be an absolute http or https URL")

    return NewRequest(
        service_code=service.service_code,
        jurisdiction_id=jurisdiction,
        description=scalars.get("description") or None,
        agency_responsible=service.agency,
        address_string=address_string,
        address_id=address_id,
        lat=lat,
        long=long,
        email=email,
        device_id=scalars.get("device_id") or None,
        account_id=scalars.get("account_id") or None,
        first_name=scalars.get("first_name") or None,
        last_name=scalars.get("last_name") or None,
        phone=phone,
        media_url=media_url,
        attributes=_attributes(service, raw_attributes),
    )


def _split(fields: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Separate standard fields from ``attribute[...]`` ones; check lengths and characters."""
    scalars: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    for name, value in fields:
        if _CONTROL.search(name) or _CONTROL.search(value):
            raise ApiError(400, f"{name[:50]!r} contains control characters")
        if name.startswith("attribute"):
            match = _ATTRIBUTE_NAME.match(name)
            if match is None:
                raise ApiError(400, f"malformed attribute field name: {name[:50]}")
            attributes.setdefault(match.group(1), []).append(value.strip())
        elif name in _LIMITS:
            if name in scalars:
                raise ApiError(400, f"{name} is given more than once")
            if len(value) > _LIMITS[name]:
                raise ApiError(400, f"{name} is longer than {_LIMITS[name]} characters")
            scalars[name] = value.strip()
        # Unknown fields (extensions of other clients) are ignored, like most servers do.
    return scalars, attributes


def _coordinates(lat_text: str | None, long_text: str | None) -> tuple[float | None, float | None]:
    if not lat_text and not long_text:
        return None, None
    if not lat_text or not long_text:
        raise ApiError(400, "lat and long must be given together")
    try:
        lat, long = float(lat_text), float(long_text)
    except ValueError:
        raise ApiError(400, "lat and long must be decimal degrees (WGS84)") from None
    if not (math.isfinite(lat) and math.isfinite(long)) or abs(lat) > 90 or abs(long) > 180:
        raise ApiError(400, "lat must be within ±90 and long within ±180")
    return lat, long


def _valid_phone(phone: str) -> bool:
    if not _PHONE.match(phone):
        return False
    digits = sum(ch.isdigit() for ch in _EXTENSION.sub("", phone))
    return 7 <= digits <= 15


def _valid_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not re.search(r"\s", url)


def _attributes(service: ServiceDef, raw: dict[str, list[str]]) -> dict[str, str | list[str]]:
    unknown = sorted(set(raw) - {attribute.code for attribute in service.attributes})
    if unknown:
        raise ApiError(400, f"unknown attribute for {service.service_code}: {', '.join(unknown)}")
    result: dict[str, str | list[str]] = {}
    for attribute in service.attributes:
        values = [value for value in raw.get(attribute.code, []) if value]
        if not values:
            if attribute.required:
                raise ApiError(
                    400, f"attribute[{attribute.code}] is required: {attribute.description.get()}"
                )
            continue
        for value in values:
            _check_value(attribute, value)
        if attribute.datatype == "multivaluelist":
            result[attribute.code] = values
        elif len(values) > 1:
            raise ApiError(400, f"attribute[{attribute.code}] accepts a single value")
        else:
            result[attribute.code] = values[0]
    return result


def _check_value(attribute: AttributeDef, value: str) -> None:
    name = f"attribute[{attribute.code}]"
    if attribute.datatype in ("singlevaluelist", "multivaluelist"):
        if value not in attribute.value_keys:
            keys = ", ".join(v.key for v in attribute.values)
            raise ApiError(400, f"{name} must be one of: {keys}")
    elif attribute.datatype == "number":
        try:
            number = float(value)
        except ValueError:
            raise ApiError(400, f"{name} must be a number") from None
        if not math.isfinite(number):
            raise ApiError(400, f"{name} must be a number")
        if attribute.integer and not number.is_integer():
            raise ApiError(400, f"{name} must be a whole number")
        if attribute.minimum is not None and number < attribute.minimum:
            raise ApiError(400, f"{name} must be at least {attribute.minimum:g}")
    elif attribute.datatype == "datetime":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ApiError(400, f"{name} must be an ISO 8601 date and time") from None
    limit = _MAX_ATTRIBUTE.get(attribute.datatype, _DEFAULT_MAX_ATTRIBUTE)
    if len(value) > limit:
        raise ApiError(400, f"{name} is longer than {limit} characters")
