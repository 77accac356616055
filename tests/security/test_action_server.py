"""S1: the action server takes orders only from the Rasa server.

A hand-written tracker posted to the action server's /webhook used to file a real City
request that no conversation (and so no staff member) ever saw.
"""

from __future__ import annotations

import secrets
import zlib
from typing import Any

import httpx
import pytest

from connectors.action_server import authorized, inflate
from eval.stack import Stack

pytestmark = pytest.mark.integration


def forged_call(address: str) -> dict[str, Any]:
    """What an attacker posts: a confirmed pothole report in a tracker of their own."""
    slots = {"service_code": "pothole", "address": address, "confirm_request": "yes",
             "description": "forged", "contact_info": None, "media_url": None}
    return {
        "next_action": "action_submit_service_request",
        "sender_id": "attacker",
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": "attacker", "slots": slots, "latest_message": {}, "events": [],
            "paused": False, "followup_action": None, "active_loop": {},
            "latest_action_name": None,
        },
    }


def filed_at(stack: Stack, address: str) -> list[dict[str, Any]]:
    return [r for r in stack.requests_on_backend()
            if str(r.get("address", "")).startswith(address)]


def test_a_forged_action_call_is_refused_and_files_nothing(rasa_stack: Stack) -> None:
    url = rasa_stack.env["ACTION_ENDPOINT_URL"]
    address = f"{1000 + secrets.randbelow(8000)} W Forged Ave"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"},
                    {"Authorization": f"Bearer {rasa_stack.token}"}):  # Rasa's API token
        refused = httpx.post(url, json=forged_call(address), headers=headers, timeout=30)
        assert refused.status_code == 401, (headers, refused.text)
    assert httpx.get(url.replace("/webhook", "/actions"), timeout=10).status_code == 401
    assert filed_at(rasa_stack, address) == []

    # The same call with the Rasa server's credential does file: the payload is real.
    token = rasa_stack.env["ACTION_SERVER_TOKEN"]
    accepted = httpx.post(url, json=forged_call(address), timeout=30,
                          headers={"Authorization": f"Bearer {token}"})
    assert accepted.status_code == 200, accepted.text
    assert len(filed_at(rasa_stack, address)) == 1


def test_health_stays_open_and_a_deflate_bomb_is_not_inflated(rasa_stack: Stack) -> None:
    url = rasa_stack.env["ACTION_ENDPOINT_URL"]
    assert httpx.get(url.replace("/webhook", "/health"), timeout=10).status_code == 200
    bomb = zlib.compress(b"{" + b" " * 200_000_000 + b"}", 9)
    assert len(bomb) < 300_000
    token = rasa_stack.env["ACTION_SERVER_TOKEN"]
    reply = httpx.post(url, content=bomb, timeout=60, headers={
        "Authorization": f"Bearer {token}", "Content-Encoding": "deflate",
        "Content-Type": "application/json"})
    assert reply.status_code == 413
    # Without the token nothing is even inflated.
    unauthenticated = httpx.post(url, content=bomb, timeout=60,
                                 headers={"Content-Encoding": "deflate"})
    assert unauthenticated.status_code == 401


@pytest.mark.parametrize(
    ("header", "expected"),
    [("Bearer s3cret", True), ("bearer s3cret", True), ("Bearer s3cret ", True),
     ("Bearer s3cre", False), ("Bearer", False), ("s3cret", False), (None, False),
     ("Bearer ñ", False)],
)
def test_authorized_compares_the_bearer_token(header: str | None, expected: bool) -> None:
    assert authorized(header, b"s3cret") is expected


def test_inflate_is_bounded() -> None:
    assert inflate(zlib.compress(b"x" * 1000), limit=2000) == b"x" * 1000
    assert inflate(zlib.compress(b"x" * 3000), limit=2000) is None
    assert inflate(b"not zlib") is None
