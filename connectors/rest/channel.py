"""REST channel that validates input and never leaves a resident without a reply.

Same protocol as Rasa's built-in ``rest`` channel (POST /webhooks/rest/webhook with
``{"sender": ..., "message": ...}``, answered with a list of bot messages), plus:

* bad input (malformed JSON, invalid UTF-8, empty or oversized messages) gets a 4xx with a
  bilingual explanation instead of reaching the assistant or raising a 500;
* when the assistant produced no reply at all (for example the action server is down), the
  resident gets ``utter_service_unavailable`` in the conversation's language.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.rest.validation import InvalidChatRequest, parse_chat_request

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


class ResidentRestInput(RestInput):
    """The REST channel residents' web chat talks to."""

    @classmethod
    def name(cls) -> str:
        """Keeps Rasa's URL: /webhooks/rest/webhook."""
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Routes: GET / (health) and POST /webhook."""
        webhook = Blueprint("resident_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                chat = parse_chat_request(request.body or b"")
            except InvalidChatRequest as error:
                return response.json(error.as_json(), status=error.status)
            collector = CollectingOutputChannel()
            metadata: dict[str, Any] = {"channel": "web", **chat.metadata}
            try:
                await on_new_message(
                    UserMessage(
                        chat.message,
                        collector,
                        chat.sender,
                        input_channel=self.name(),
                        metadata=metadata,
                    )
                )
            except Exception:
                logger.exception("Processing a REST message failed")
            await reply_when_silent(request, chat.sender, collector)
            messages: list[dict[str, Any]] = collector.messages
            return response.json(messages)

        return webhook
