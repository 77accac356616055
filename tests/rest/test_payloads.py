"""The REST channel's pure checks: JSON depth, offered payloads, senders' namespaces."""

from __future__ import annotations

import json

import pytest

from connectors.rest.validation import (
    InvalidChatRequest,
    json_depth,
    offered_payloads,
    parse_chat_request,
    payload_or_text,
)
from connectors.senders import channel_of, conversation_id, local_id


@pytest.mark.parametrize(
    ("body", "depth"),
    [(b"{}", 1), (b'{"a": [1, {"b": []}]}', 4), (b'{"m": "[[[[{{{{"}', 1),
     (b'{"m": "\\"[[["}', 1), (b"[" * 2000 + b"]" * 2000, 2000), (b"not json", 0)],
)
def test_json_depth_skips_brackets_inside_strings(body: bytes, depth: int) -> None:
    assert json_depth(body) == depth


def test_deep_json_is_a_400_not_a_recursion_error() -> None:
    body = b'{"sender": "a", "message": "hi", "metadata": ' + b"[" * 2000 + b"]" * 2000 + b"}"
    with pytest.raises(InvalidChatRequest) as error:
        parse_chat_request(body)
    assert error.value.status == 400 and error.value.code == "too_deeply_nested"


def test_metadata_cannot_name_the_channel() -> None:
    body = json.dumps({"sender": "a", "message": "hi",
                       "metadata": {"channel": "sms", "locale": "es"}}).encode()
    assert parse_chat_request(body).metadata == {"locale": "es"}


EVENTS = [
    {"event": "bot", "data": {"buttons": [{"title": "Old", "payload": "/old"}]}},
    {"event": "user", "text": "hi"},
    {"event": "bot", "data": {"buttons": [{"title": "Yes", "payload": "/affirm"}]}},
    {"event": "action"},
    {"event": "bot", "data": {"buttons": [{"title": "Wall", "payload": "wall"}]}},
]


def test_only_buttons_since_the_last_message_are_on_offer() -> None:
    assert offered_payloads(EVENTS) == {"/affirm", "wall"}


@pytest.mark.parametrize(
    ("message", "web", "expected"),
    [
        ("/affirm", False, "/affirm"),
        ("/old", False, "old"),
        ('/human_handoff{"x": 1}', True, 'human_handoff{"x": 1}'),
        ('/set_language{"language":"es"}', True, '/set_language{"language":"es"}'),
        ('/set_language{"language":"es"}', False, 'set_language{"language":"es"}'),
        ('/set_language{"language":"fr"}', True, 'set_language{"language":"fr"}'),
        ("/share_location", True, "/share_location"),
        ("///", True, ""),
        ("hello /affirm", False, "hello /affirm"),
    ],
)
def test_a_payload_passes_only_when_offered(message: str, web: bool, expected: str) -> None:
    assert payload_or_text(message, offered_payloads(EVENTS), client_payloads=web) == expected


def test_conversation_ids_are_namespaced_per_channel() -> None:
    assert conversation_id("sms", "+12135550123") == "sms:+12135550123"
    assert conversation_id("rest", "sms:+12135550123") == "rest:sms:+12135550123"
    assert channel_of("rest:sms:+12135550123") == "rest"
    assert local_id("web:abc") == "abc" and local_id("+12135550123") == "+12135550123"
    assert channel_of("+12135550123") is None and channel_of("other:x") is None
    with pytest.raises(ValueError):
        conversation_id("email", "x")  # type: ignore[arg-type]
