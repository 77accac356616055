"""What the integration tests share: a resident's message and the City backend's record."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.conftest import Stack

REQUEST_ID = re.compile(r"\b1-\d{7}\b")


def say(stack: Stack, sender: str, text: str, *expected: str) -> str:
    """Sends one message and checks the reply contains every expected fragment."""
    reply = stack.texts(sender, text)
    for fragment in expected:
        assert fragment.lower() in reply.lower(), f"{text!r} → {reply!r} lacks {fragment!r}"
    return reply


def backend_request(stack: Stack, request_id: str) -> dict[str, Any]:
    """The request as the City backend holds it."""
    reply = httpx.get(f"{stack.open311_url}/requests/{request_id}.json", timeout=10)
    reply.raise_for_status()
    item: dict[str, Any] = reply.json()[0]
    return item
