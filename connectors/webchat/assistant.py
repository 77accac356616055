"""Client of the assistant's Rasa server: the REST channel and the token-protected tracker API.

Library errors are converted here, at the boundary, into the tree of :mod:`.errors`.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

from bot.languages import codes, default_language
from connectors import senders

from .errors import AssistantRejected, AssistantTimeout, AssistantUnavailable
from .transcript import BotMessage, bot_messages

__all__ = ["AssistantClient", "conversation_id"]

logger = logging.getLogger(__name__)


def conversation_id(sender: str) -> str:
    """The Rasa conversation id of a browser's sender id: ``web:<sender>``.

    The REST channel puts every message this app sends (with its token) in the ``web``
    namespace (:mod:`connectors.senders`), so a browser can only ever read back a web
    conversation, and only one whose random id it knows.

    Args:
        sender: The validated sender id the browser generated.

    Returns:
        The id the conversation has in Rasa.
    """
    return senders.conversation_id("web", sender)


class AssistantClient:
    """Talks to one Rasa server over HTTP with a shared connection pool.

    Args:
        base_url: The Rasa server's URL, without the trailing slash.
        token: Token of Rasa's HTTP API (never sent to the browser).
        rest_token: The REST channel's token for web conversations (never sent to the browser).
        timeout: Seconds one turn of the assistant may take.
        transport: An httpx transport; tests pass ``httpx.MockTransport``.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        rest_token: str,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._token = token
        self._rest_auth = {"Authorization": f"Bearer {rest_token}"}
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=3.0),
            transport=transport,
            headers={"Accept": "application/json"},
        )

    async def aclose(self) -> None:
        """Closes the connection pool."""
        await self._http.aclose()

    async def send(
        self,
        conversation: str,
        message: str,
        locale: str,
        location: dict[str, float] | None = None,
    ) -> list[BotMessage]:
        """Sends one resident message and returns the assistant's replies.

        Args:
            conversation: The browser's sender id (the REST channel makes it ``web:<id>``).
            message: The resident's text or a button payload such as ``/affirm``.
            locale: The language the widget is showing (a pack's code).
            location: The point the resident shared (``lat``, ``lon``, ``accuracy``), if any.

        Returns:
            The bot's messages, reduced to text and buttons.

        Raises:
            AssistantRejected: Rasa refused the message with a 4xx and its explanations.
            AssistantUnavailable: Rasa is unreachable or answered badly.
            AssistantTimeout: Rasa did not answer in time.
        """
        metadata: dict[str, object] = {"locale": locale}
        if location:
            metadata["location"] = location
        body = {"sender": conversation, "message": message, "metadata": metadata}
        response = await self._request(
            "POST", "/webhooks/rest/webhook", json=body, headers=self._rest_auth
        )
        if 400 <= response.status_code < 500:
            raise _rejection(response)
        if response.status_code != 200:
            logger.error("Rasa REST channel answered %s", response.status_code)
            raise AssistantUnavailable()
        try:
            payload = response.json()
        except ValueError:
            logger.error("Rasa REST channel answered with invalid JSON")
            raise AssistantUnavailable() from None
        return bot_messages(payload)

    async def tracker(self, conversation: str, *, with_events: bool = True) -> dict[str, Any]:
        """Reads a conversation's tracker (slots and, optionally, its events).

        Args:
            conversation: The Rasa conversation id (see :func:`conversation_id`).
            with_events: Whether to include every event (the history) or none (just slots).

        Returns:
            The tracker JSON.

        Raises:
            AssistantUnavailable: Rasa is unreachable, refused the token or answered badly.
            AssistantTimeout: Rasa did not answer in time.
        """
        response = await self._request(
            "GET",
            f"/conversations/{quote(conversation, safe=':')}/tracker",  # Rasa keeps %3A as is
            params={
                "token": self._token,
                "include_events": "ALL" if with_events else "NONE",
            },
        )
        if response.status_code != 200:
            # 401/403 here means RASA_AUTH_TOKEN is wrong: a deployment error, not the resident's.
            logger.error("Rasa tracker API answered %s", response.status_code)
            raise AssistantUnavailable()
        try:
            tracker = response.json()
        except ValueError:
            raise AssistantUnavailable() from None
        if not isinstance(tracker, dict):
            raise AssistantUnavailable()
        return tracker

    async def is_up(self) -> bool:
        """Whether the REST channel answers its health check within a couple of seconds."""
        try:
            response = await self._http.get("/webhooks/rest/", timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http.request(method, url, **kwargs)
        except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout):
            logger.warning("Rasa did not answer %s %s in time", method, url)
            raise AssistantTimeout() from None
        except httpx.HTTPError as error:
            logger.warning("Rasa is unreachable: %s", error.__class__.__name__)
            raise AssistantUnavailable() from None


def _rejection(response: httpx.Response) -> AssistantRejected | AssistantUnavailable:
    """Passes an explained 4xx through; anything else is a deployment problem."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = body.get("error")
        message = body.get("message")
        if (
            isinstance(code, str)
            and isinstance(message, dict)
            and isinstance(message.get(default_language()), str)
        ):
            explained = {
                language: text for language, text in message.items()
                if language in codes() and isinstance(text, str)
            }
            return AssistantRejected(explained, status=response.status_code, code=code)
    logger.error("Rasa REST channel answered %s without an explanation", response.status_code)
    return AssistantUnavailable()
