"""Rasa input channel for SMS: POST /webhooks/sms/webhook, GET /webhooks/sms/ (health).

Enable it in ``bot/credentials.yml``::

    connectors.sms.channel.SMSInput:
      auth_token: ${SMS_AUTH_TOKEN}     # Twilio auth token (generic provider: shared secret)
      public_url: https://311.example.org/webhooks/sms/webhook   # optional, see below
      provider: twilio                  # or "generic"
      reply_mode: twiml                 # or "rest" (needs account_sid and from_number)
      account_sid: ${SMS_ACCOUNT_SID}
      from_number: "+12135550100"

``public_url`` is the webhook URL exactly as configured at the provider. Twilio signs that
URL; behind a proxy or load balancer the URL the request reaches differs (http instead of
https, an internal host), so set it there. Without it the request's own URL is used.

The conversation's Rasa sender id is ``sms:<phone number>`` (:mod:`connectors.senders`).
State (opt-outs, processed MessageSids, numbered options) is kept in SQLite at ``SMS_DB``
(default ``var/sms.db``). All the logic is in :mod:`connectors.sms.handler`; this module only
adapts Sanic's request and Rasa's collector to it.
"""

from __future__ import annotations

import inspect
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.metrics import METRICS
from connectors.ratelimit import limiter_from_env
from connectors.rest.channel import reply_when_silent
from connectors.senders import conversation_id
from connectors.sms.errors import SMSError
from connectors.sms.gateway import GenericHTTPGateway, SMSGateway, TwilioGateway
from connectors.sms.handler import (
    DEFAULT_RATE_LIMIT,
    RESTART,
    SMSWebhookHandler,
    UserTurn,
    WebhookRequest,
)
from connectors.sms.store import SMSStore

logger = logging.getLogger(__name__)

_SETTINGS = (
    "auth_token",
    "turn_timeout",
    "public_url",
    "provider",
    "reply_mode",
    "account_sid",
    "from_number",
    "send_url",
    "db_path",
)


class SMSOutputChannel(CollectingOutputChannel):
    """Collects replies; named ``sms`` so responses can have shorter ``channel: sms`` variations."""

    @classmethod
    def name(cls) -> str:
        """Channel name used to pick response variations."""
        return "sms"


class SMSInput(InputChannel):
    """SMS and MMS from residents, through Twilio (or the generic JSON provider).

    Args:
        auth_token: Twilio auth token, or the generic provider's shared secret.
        public_url: the webhook URL the provider signs; None uses the request's URL.
        provider: "twilio" or "generic".
        reply_mode: "twiml" (answer in the webhook response) or "rest" (send by REST API).
        account_sid: Twilio account SID, needed for reply_mode "rest".
        from_number: the assistant's number, needed for reply_mode "rest".
        send_url: the generic provider's send endpoint, needed for reply_mode "rest".
        db_path: SQLite file; None reads ``SMS_DB`` (default ``var/sms.db``).
        turn_timeout: seconds the assistant may take for one message (Twilio waits 15 s).

    Messages per phone number are limited by ``RATE_LIMIT_SMS`` (default 10/minute;60/hour),
    counted in ``RATE_LIMIT_STORAGE`` (memory, or Redis when several Rasa processes run).
    """

    @classmethod
    def name(cls) -> str:
        """URL prefix and channel name: /webhooks/sms/..."""
        return "sms"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Builds the channel from its ``credentials.yml`` section."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        unknown = sorted(set(credentials) - set(_SETTINGS))
        if unknown:
            raise ValueError(f"unknown {cls.name()} credentials: {', '.join(unknown)}")
        settings = {key: credentials[key] for key in _SETTINGS if credentials.get(key)}
        settings["auth_token"] = str(credentials.get("auth_token") or "")
        return cls(**settings)

    def __init__(
        self,
        auth_token: str,
        public_url: str | None = None,
        provider: str = "twilio",
        reply_mode: str = "twiml",
        account_sid: str | None = None,
        from_number: str | None = None,
        send_url: str | None = None,
        db_path: str | None = None,
        turn_timeout: float | str = 12.0,
    ) -> None:
        if not auth_token or not str(auth_token).strip():
            raise ValueError("the sms channel needs auth_token (set SMS_AUTH_TOKEN)")
        gateway: SMSGateway
        if provider == "twilio":
            gateway = TwilioGateway(str(auth_token), account_sid, from_number)
        elif provider == "generic":
            gateway = GenericHTTPGateway(str(auth_token), send_url, from_number)
        else:
            raise ValueError(f"provider must be 'twilio' or 'generic', not {provider!r}")
        if reply_mode == "rest":
            needed = (
                {"account_sid": account_sid, "from_number": from_number}
                if provider == "twilio"
                else {"send_url": send_url}
            )
            missing = [key for key, value in needed.items() if not value]
            if missing:
                raise ValueError(f"reply_mode 'rest' needs {', '.join(missing)}")
        self.handler = SMSWebhookHandler(
            gateway,
            SMSStore(db_path),
            public_url=public_url,
            reply_mode=reply_mode,  # validated by the handler
            turn_timeout=float(turn_timeout),
            limiter=limiter_from_env("sms"),
            rate_limit=os.environ.get("RATE_LIMIT_SMS") or DEFAULT_RATE_LIMIT,
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes: GET / (health) and POST /webhook (the provider's inbound-message webhook)."""
        module = inspect.getmodule(self)
        webhook = Blueprint("sms_webhook", module.__name__ if module else __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            async def bot(turn: UserTurn) -> Sequence[Mapping[str, Any]]:
                collector = SMSOutputChannel()
                sender_id = conversation_id("sms", turn.sender_id)
                started = time.monotonic()
                await on_new_message(
                    UserMessage(
                        turn.text,
                        collector,
                        sender_id,
                        input_channel=self.name(),
                        message_id=turn.message_id,
                        metadata=turn.metadata,
                    )
                )
                if turn.text != RESTART:  # an opt-out's restart is not a resident message
                    METRICS.turn("sms", time.monotonic() - started, bool(collector.messages))
                await reply_when_silent(request, sender_id, collector)
                return collector.messages

            web_request = WebhookRequest(
                url=request.url,
                body=request.body or b"",
                headers={name.lower(): value for name, value in request.headers.items()},
            )
            try:
                reply = await self.handler.handle(web_request, bot)
            except SMSError:
                logger.exception("sms.webhook.failed")
                return response.text("internal error", status=500)
            return response.text(reply.body, status=reply.status, content_type=reply.content_type)

        return webhook
