"""Fixtures for the SMS channel tests: a store in tmp_path, signed Twilio requests, a fake bot."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import pytest

from connectors.sms.gateway import TwilioGateway
from connectors.sms.handler import SMSWebhookHandler, UserTurn, WebhookRequest
from connectors.sms.signature import compute_twilio_signature
from connectors.sms.store import SMSStore

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_URL = "https://sms.la311.example.org/webhooks/sms/webhook"
RESIDENT = "+12135550123"
ASSISTANT = "+13235550199"
FORM = "application/x-www-form-urlencoded"

_sids = itertools.count(1)


def new_sid() -> str:
    return f"SM{next(_sids):032x}"


def twilio_form(
    body: str = "There is a pothole on Main St",
    sender: str = RESIDENT,
    sid: str | None = None,
    media: Sequence[str] = (),
) -> dict[str, str]:
    """The parameters Twilio posts for an inbound SMS/MMS (a realistic subset)."""
    form = {
        "ToCountry": "US",
        "SmsMessageSid": sid or "",
        "NumMedia": str(len(media)),
        "SmsSid": sid or "",
        "SmsStatus": "received",
        "Body": body,
        "To": ASSISTANT,
        "NumSegments": "1",
        "MessageSid": sid or new_sid(),
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }
    form["SmsMessageSid"] = form["SmsSid"] = form["MessageSid"]
    for index, url in enumerate(media):
        form[f"MediaUrl{index}"] = url
        form[f"MediaContentType{index}"] = "image/jpeg"
    return form


def signed(
    form: Mapping[str, str],
    *,
    signed_url: str = PUBLIC_URL,
    reached_url: str | None = None,
    token: str = AUTH_TOKEN,
    signature: str | None = None,
    content_type: str = FORM,
    body: bytes | None = None,
) -> WebhookRequest:
    """A webhook request as Twilio would send it (signature computed over signed_url)."""
    headers = {"content-type": content_type}
    sig = compute_twilio_signature(signed_url, form, token) if signature is None else signature
    if sig:
        headers["x-twilio-signature"] = sig
    return WebhookRequest(
        url=reached_url or signed_url,
        body=urlencode(form).encode("utf-8") if body is None else body,
        headers=headers,
    )


class FakeBot:
    """Stands in for Rasa: records each turn and answers with Rasa-style message dicts."""

    def __init__(
        self, answer: Callable[[UserTurn], Sequence[Mapping[str, Any]]] | None = None
    ) -> None:
        self.turns: list[UserTurn] = []
        self.answer = answer or (lambda turn: [{"text": f"You said: {turn.text}"}])

    async def __call__(self, turn: UserTurn) -> Sequence[Mapping[str, Any]]:
        self.turns.append(turn)
        return self.answer(turn)


@pytest.fixture
def store(tmp_path: Any) -> SMSStore:
    return SMSStore(tmp_path / "state" / "sms.db")


@pytest.fixture
def gateway() -> TwilioGateway:
    return TwilioGateway(AUTH_TOKEN)


@pytest.fixture
def handler(gateway: TwilioGateway, store: SMSStore) -> SMSWebhookHandler:
    return SMSWebhookHandler(gateway, store, duplicate_wait=2.0)


@pytest.fixture
def bot() -> FakeBot:
    return FakeBot()
