"""The REST channel's checks on a shared location (metadata.location)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.rest.validation import InvalidChatRequest, parse_chat_request


def body(metadata: dict[str, Any]) -> bytes:
    return json.dumps({"sender": "web-abc12345", "message": "/share_location",
                       "metadata": metadata}).encode()


@pytest.mark.parametrize(
    ("location", "kept"),
    [({"lat": 34.0537, "lon": -118.2428}, {"lat": 34.0537, "lon": -118.2428}),
     ({"lat": 34, "lon": -118, "accuracy": 12.5}, {"lat": 34.0, "lon": -118.0, "accuracy": 12.5})],
)
def test_a_valid_location_is_passed_on(location: dict[str, Any], kept: dict[str, float]) -> None:
    request = parse_chat_request(body({"locale": "en", "location": location}))
    assert request.metadata == {"locale": "en", "location": kept}


@pytest.mark.parametrize(
    "location",
    [{"lat": 91, "lon": 0}, {"lat": 0, "lon": -180.5}, {"lat": "34", "lon": -118},
     {"lat": True, "lon": -118}, {"lon": -118}, {"lat": 34, "lon": -118, "accuracy": -1},
     {"lat": 34, "lon": -118, "accuracy": 1e9}, {"lat": 34, "lon": -118, "extra": 1},
     [34, -118], "34,-118"],
)
def test_a_bad_location_is_refused_in_both_languages(location: Any) -> None:
    with pytest.raises(InvalidChatRequest) as error:
        parse_chat_request(body({"location": location}))
    assert error.value.status == 400 and error.value.code == "invalid_location"
    assert error.value.message["es"].startswith("La ubicación")


def test_nan_is_refused() -> None:
    raw = (b'{"sender": "web-abc12345", "message": "x", '
           b'"metadata": {"location": {"lat": NaN, "lon": 1}}}')
    with pytest.raises(InvalidChatRequest):
        parse_chat_request(raw)
