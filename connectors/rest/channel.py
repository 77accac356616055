"""REST channel that validates input and never leaves a resident without a reply.

Same protocol as Rasa's built-in ``rest`` channel (POST /webhooks/rest/webhook with
``{"sender": ..., "message": ...}``, answered with a list of bot messages), plus:

* bad input (malformed JSON, invalid UTF-8, empty or oversized messages) gets a 4xx with an
  explanation in every pack's language instead of reaching the assistant or raising a 500;
* when the assistant produced no reply at all (for example the action server is down), the
  resident gets ``utter_service_unavailable`` in the conversation's language;
* every request needs a token (``Authorization: Bearer <token>``, compared in constant time)
  and the token decides the namespace of the conversation (:mod:`connectors.senders`): the
  web chat's proxy holds ``web_token`` (conversations ``web:<id>``), other REST clients
  ``rest_token`` (``rest:<id>``). An empty token turns that namespace off; without any, the
  channel answers 401 to everything. No REST client can address an SMS conversation;
* a message starting with "/" reaches Rasa as a payload only when the assistant just offered
  it as a button (or it is one of the widget's own payloads, web only);
* each conversation has a rate limit (``RATE_LIMIT_CONVERSATION``, default 20/minute and
  200/hour): beyond it, 429 with an explanation in every language and ``Retry-After``.

Enable it in ``bot/credentials.yml``::

    connectors.rest.channel.ResidentRestInput:
      web_token: ${WEBCHAT_REST_TOKEN}
      rest_token: ${REST_API_TOKEN}     # empty: off
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.metrics import METRICS
from connectors.ratelimit import limiter_from_env
from connectors.rest.validation import (
    InvalidChatRequest,
    empty_message,
    offered_payloads,
    parse_chat_request,
    payload_or_text,
    unauthorized,
)
from connectors.senders import Channel, conversation_id

logger = logging.getLogger(__name__)


async def reply_when_silent(
    request: Request, sender_id: str, output_channel: CollectingOutputChannel
) -> None:
    """Adds the "having trouble" reply when a turn produced no bot message."""
    if output_channel.messages:
        return
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or agent.tracker_store is None:
        return
    try:
        tracker = await agent.tracker_store.retrieve(sender_id)
        if tracker is None:
            return
        message = await agent.nlg.generate(
            "utter_service_unavailable", tracker, output_channel.name()
        )
    except Exception:  # the apology must never turn into an error of its own
        logger.exception("Could not build the service-unavailable reply")
        return
    if message:
        await output_channel.send_response(sender_id, message)


DEFAULT_CONVERSATION_LIMIT = "20/minute;200/hour"


async def _offered(request: Request, sender_id: str) -> set[str]:
    """Payloads of the buttons the assistant just sent in this conversation."""
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or agent.tracker_store is None:
        return set()
    tracker = await agent.tracker_store.retrieve(sender_id)
    if tracker is None:
        return set()
    return offered_payloads(
        {"event": event.type_name, "data": getattr(event, "data", None)}
        for event in tracker.events
    )


def _error(error: InvalidChatRequest, headers: dict[str, str] | None = None) -> HTTPResponse:
    return response.json(error.as_json(), status=error.status, headers=headers)


class ResidentRestInput(RestInput):
    """The REST channel residents' web chat talks to (through its server-side proxy).

    Args:
        web_token: The web chat proxy's token; its conversations are ``web:<sender>``.
        rest_token: Other REST clients' token; their conversations are ``rest:<sender>``.
    """

    @classmethod
    def name(cls) -> str:
        """Keeps Rasa's URL: /webhooks/rest/webhook."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ResidentRestInput:
        """Builds the channel from its ``credentials.yml`` section."""
        credentials = credentials or {}
        unknown = sorted(set(credentials) - {"web_token", "rest_token"})
        if unknown:
            raise ValueError(f"unknown rest credentials: {', '.join(unknown)}")
        return cls(
            web_token=str(credentials.get("web_token") or ""),
            rest_token=str(credentials.get("rest_token") or ""),
        )

    def __init__(self, web_token: str = "", rest_token: str = "") -> None:
        self.tokens: list[tuple[Channel, bytes]] = [
            (channel, token.encode("utf-8"))
            for channel, token in (("web", web_token), ("rest", rest_token))
            if token.strip()
        ]
        self.limiter = limiter_from_env("rest")
        self.conversation_limit = os.environ.get(
            "RATE_LIMIT_CONVERSATION", DEFAULT_CONVERSATION_LIMIT
        )

    def namespace(self, request: Request) -> Channel | None:
        """The namespace the request's bearer token opens, or None."""
        scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not given:
            return None
        presented = given.strip().encode("utf-8")
        found: Channel | None = None
        for channel, token in self.tokens:  # every token is compared: constant time overall
            if hmac.compare_digest(presented, token):
                found = channel
        return found

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Routes: GET /, GET /ready, GET /metrics and POST /webhook.

        Liveness, readiness (a model is loaded), Prometheus text of this process
        (:mod:`connectors.metrics`) and the chat itself.
        """
        webhook = Blueprint("resident_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            """Readiness of this Rasa replica for a balancer: 200 once a model is loaded."""
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"status": "loading"}, status=503)
            return response.json({"status": "ready"})

        @webhook.route("/metrics", methods=["GET"])
        async def metrics(_: Request) -> HTTPResponse:
            """Prometheus text of this process (not routed by the public guard)."""
            return response.text(METRICS.render(),
                                 content_type="text/plain; version=0.0.4; charset=utf-8")

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            channel = self.namespace(request)
            if channel is None:
                return _error(unauthorized(), {"WWW-Authenticate": "Bearer"})
            try:
                chat = parse_chat_request(request.body or b"")
            except InvalidChatRequest as error:
                return _error(error)
            sender_id = conversation_id(channel, chat.sender)
            decision = await self.limiter.ahit(self.conversation_limit, sender_id)
            if not decision.allowed:
                error = InvalidChatRequest(
                    429, "rate_limited", seconds=max(1, decision.retry_after)
                )
                return _error(error, {"Retry-After": str(decision.retry_after)})
            text = chat.message
            if text.startswith("/"):
                text = payload_or_text(
                    text, await _offered(request, sender_id), client_payloads=channel == "web"
                )
                if not text:
                    return _error(empty_message())
            collector = CollectingOutputChannel()
            metadata: dict[str, Any] = {**chat.metadata, "channel": channel}
            started = time.monotonic()
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender_id,
                        input_channel=self.name(),
                        metadata=metadata,
                    )
                )
            except Exception:
                logger.exception("Processing a REST message failed")
            METRICS.turn(channel, time.monotonic() - started, bool(collector.messages))
            await reply_when_silent(request, sender_id, collector)
            messages: list[dict[str, Any]] = collector.messages
            return response.json(messages)

        return webhook
