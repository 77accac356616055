"""Typed GeoReport v2 objects exchanged with an Open311 backend.

The reply models are tolerant, because real GeoReport v2 servers differ: optional fields may be
missing, empty strings stand for "no value", ids may be numbers, ``keywords`` may be a string
or a list, booleans may be strings. Unknown fields are ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "AttributeValue",
    "Service",
    "ServiceAttribute",
    "ServiceDefinition",
    "ServiceRequest",
    "ServiceRequestDraft",
    "SubmitResponse",
]


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _to_str(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(value)
    return value


class _Reply(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Service(_Reply):
    """One item of ``services.json``."""

    service_code: str
    service_name: str = ""
    description: str = ""
    metadata: bool = False
    type: str = "realtime"
    keywords: list[str] = Field(default_factory=list)
    group: str | None = None

    _ids = field_validator("service_code", mode="before")(_to_str)

    @field_validator("keywords", mode="before")
    @classmethod
    def _split_keywords(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            return [word.strip() for word in value.split(",") if word.strip()]
        return value

    @field_validator("service_name", "description", mode="before")
    @classmethod
    def _none_to_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("metadata", mode="before")
    @classmethod
    def _metadata(cls, value: Any) -> Any:
        return False if value is None or value == "" else value


class AttributeValue(_Reply):
    """A choice of a list attribute."""

    key: str
    name: str = ""

    _keys = field_validator("key", mode="before")(_to_str)


class ServiceAttribute(_Reply):
    """One attribute of a service definition."""

    code: str
    datatype: str = "string"
    required: bool = False
    variable: bool = True
    datatype_description: str | None = None
    order: int | None = None
    description: str = ""
    values: list[AttributeValue] = Field(default_factory=list)

    _codes = field_validator("code", mode="before")(_to_str)
    _blanks = field_validator("datatype_description", "order", mode="before")(_blank_to_none)

    @field_validator("values", mode="before")
    @classmethod
    def _values(cls, value: Any) -> Any:
        return [] if value is None else value


class ServiceDefinition(_Reply):
    """A service definition (``services/{service_code}.json``)."""

    service_code: str
    attributes: list[ServiceAttribute] = Field(default_factory=list)

    _codes = field_validator("service_code", mode="before")(_to_str)

    @field_validator("attributes", mode="before")
    @classmethod
    def _attributes(cls, value: Any) -> Any:
        return [] if value is None else value


class SubmitResponse(_Reply):
    """Reply to POST ``requests.json``.

    Realtime servers return ``service_request_id``; servers that queue requests return only a
    ``token`` to resolve later (``service_request_id`` is then ``None``).
    """

    service_request_id: str | None = None
    token: str | None = None
    service_notice: str | None = None
    account_id: str | None = None

    _ids = field_validator("service_request_id", "token", "account_id", mode="before")(_to_str)
    _blanks = field_validator(
        "service_request_id", "token", "service_notice", "account_id", mode="after"
    )(_blank_to_none)

    @model_validator(mode="after")
    def _id_or_token(self) -> SubmitResponse:
        if self.service_request_id is None and self.token is None:
            raise ValueError("reply has neither service_request_id nor token")
        return self


class ServiceRequest(_Reply):
    """A service request as returned by GET ``requests.json`` / ``requests/{id}.json``."""

    service_request_id: str
    status: str = "open"
    status_notes: str | None = None
    service_name: str | None = None
    service_code: str | None = None
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    requested_datetime: datetime | None = None
    updated_datetime: datetime | None = None
    expected_datetime: datetime | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None
    attributes: dict[str, str | list[str]] = Field(default_factory=dict)
    token: str | None = None

    _ids = field_validator(
        "service_request_id", "service_code", "address_id", "zipcode", "token", mode="before"
    )(_to_str)
    _blanks = field_validator(
        "status_notes",
        "service_name",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
        "token",
        mode="before",
    )(_blank_to_none)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> Any:
        return "open" if value is None else str(value).strip().lower()

    @field_validator("attributes", mode="before")
    @classmethod
    def _attributes(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return {}
        return {
            str(key): [str(v) for v in item] if isinstance(item, list) else str(item)
            for key, item in value.items()
            if item is not None
        }

    @property
    def is_open(self) -> bool:
        """Whether the request is still open."""
        return self.status != "closed"


class ServiceRequestDraft(BaseModel):
    """A service request the chat has collected and wants to file.

    Only ``service_code`` is required by this model; the backend decides whether the rest is
    enough (a location is required by GeoReport v2). ``attributes`` maps attribute codes to
    the chosen value (a list key for list attributes).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    service_code: str = Field(min_length=1)
    address_string: str | None = None
    lat: float | None = None
    long: float | None = None
    attributes: dict[str, str] = Field(default_factory=dict)
    description: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    media_url: str | None = None

    def form_fields(self) -> list[tuple[str, str]]:
        """Return the GeoReport v2 form fields of this draft (without api_key/jurisdiction_id).

        Returns:
            ``(name, value)`` pairs; empty values are left out, attributes are sent as
            ``attribute[code]``.
        """
        fields: list[tuple[str, str]] = [("service_code", self.service_code)]
        if self.lat is not None and self.long is not None:
            fields += [("lat", repr(self.lat)), ("long", repr(self.long))]
        optional = {
            "address_string": self.address_string,
            "description": self.description,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone": self.phone,
            "media_url": self.media_url,
        }
        fields += [(name, value) for name, value in optional.items() if value]
        fields += [(f"attribute[{code}]", value) for code, value in self.attributes.items()]
        return fields
