"""Checks on what a client posts to a chat channel, before Rasa sees it.

Pure Python (no Rasa import) so the rules are unit-tested in the tools environment and shared by
the REST and web channels.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.languages import codes, default_language, ui_texts
from bot.text import clean_text

MAX_MESSAGE_CHARS = 2000
MAX_BODY_BYTES = 64 * 1024
_SENDER_RE = re.compile(r"^[A-Za-z0-9_.:@+\-]{1,128}$")
# "channel" is not among them: the channel a message came through is the REST channel's to say.
_ALLOWED_METADATA = {"media_url", "locale"}
MAX_ACCURACY_M = 100_000.0
MAX_JSON_DEPTH = 32
"""Deeper JSON is refused before it is parsed (a chat request is two levels deep)."""


@lru_cache(maxsize=4)
def _widget_payloads(languages: tuple[str, ...]) -> re.Pattern[str]:
    choices = "|".join(re.escape(code) for code in languages)
    return re.compile(rf'^/(set_language\{{"language": ?"({choices})"\}}|share_location)$')


def widget_payloads() -> re.Pattern[str]:
    """The payloads the web chat's widget sends on the resident's behalf.

    Neither comes from a button of the assistant's: the language switch (to any pack's
    language), and "Use my location" (its point travels in metadata).
    """
    return _widget_payloads(codes())


class InvalidChatRequest(ValueError):
    """A chat request that is answered with a 4xx and never reaches the assistant.

    Args:
        status: The HTTP status to answer with.
        code: A stable machine-readable error code.
        text: The key of the explanation in the packs' ``errors`` (default: ``code``).
        values: Filled into the explanation's ``{placeholders}``.

    Attributes:
        message: The explanation in every language, keyed by language code.
    """

    def __init__(self, status: int, code: str, text: str | None = None, **values: Any) -> None:
        self.message = ui_texts("errors", text or code, **values)
        super().__init__(self.message[default_language()])
        self.status = status
        self.code = code

    def as_json(self) -> dict[str, Any]:
        """The JSON body of the error reply."""
        return {"error": self.code, "message": self.message}


@dataclass(frozen=True)
class ChatRequest:
    """A validated chat message."""

    sender: str
    message: str
    metadata: dict[str, Any]


def empty_message() -> InvalidChatRequest:
    """The 400 for a message with nothing left to read."""
    return InvalidChatRequest(400, "empty_message")


def unauthorized() -> InvalidChatRequest:
    """The 401 for a REST request without a valid token."""
    return InvalidChatRequest(401, "unauthorized")


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text, without parsing it.

    Brackets inside strings are skipped, so ``{"message": "[[[["}`` is one level deep. Linear in
    the body's length; the result for text that is not JSON is meaningless but finite.
    """
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # closing quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def offered_payloads(events: Iterable[Mapping[str, Any]]) -> set[str]:
    """The button payloads of the assistant's messages since the resident's last message.

    Args:
        events: The conversation's events as dicts (``{"event": "bot", "data": {"buttons"}}``),
            oldest first.

    Returns:
        The payloads a resident may send back now.
    """
    offered: set[str] = set()
    for event in reversed(list(events)):
        kind = event.get("event")
        if kind == "user":
            break
        if kind == "bot":
            data = event.get("data") or {}
            for button in data.get("buttons") or [] if isinstance(data, Mapping) else []:
                if isinstance(button, Mapping) and isinstance(button.get("payload"), str):
                    offered.add(button["payload"])
    return offered


def payload_or_text(message: str, offered: set[str], client_payloads: bool) -> str:
    """The message as Rasa may see it: a payload only if the assistant offered it.

    Rasa reads a text starting with "/" as an intent with entities (``/inform{"x": 1}``),
    skipping the NLU. A resident (or a script) typing one could fake any intent or entity, so
    a "/" message is kept only when it is one of the buttons just offered or, for the web
    chat, one of the widget's own :func:`widget_payloads`; otherwise its slashes are dropped
    and it is read as ordinary text, as the SMS channel does.

    Args:
        message: The cleaned message.
        offered: Payloads of the buttons the assistant just sent (:func:`offered_payloads`).
        client_payloads: Whether the widget's own payloads are allowed (web chat only).

    Returns:
        The message to hand to Rasa; may be empty (then refused as an empty message).
    """
    if not message.startswith("/") or message in offered:
        return message
    if client_payloads and widget_payloads().match(message):
        return message
    return message.lstrip("/").strip()


def parse_chat_request(body: bytes) -> ChatRequest:
    """Validates a raw request body of the REST channel.

    Args:
        body: The raw HTTP body, expected to be a UTF-8 JSON object with ``sender``,
            ``message`` and optional ``metadata``.

    Returns:
        The validated request, with control characters removed from the message.

    Raises:
        InvalidChatRequest: With the status and an explanation in every language.
    """
    if len(body) > MAX_BODY_BYTES:
        raise InvalidChatRequest(413, "body_too_large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidChatRequest(400, "invalid_utf8") from None
    if json_depth(body) > MAX_JSON_DEPTH:
        raise InvalidChatRequest(400, "too_deeply_nested")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise InvalidChatRequest(400, "malformed_json") from None
    if not isinstance(data, dict):
        raise InvalidChatRequest(400, "not_an_object")
    sender = data.get("sender")
    if not isinstance(sender, str) or not _SENDER_RE.match(sender):
        raise InvalidChatRequest(400, "invalid_sender")
    message = data.get("message")
    if not isinstance(message, str):
        raise InvalidChatRequest(400, "missing_message")
    message = clean_text(message)
    if not message:
        raise empty_message()
    if len(message) > MAX_MESSAGE_CHARS:
        raise InvalidChatRequest(413, "message_too_long", n=MAX_MESSAGE_CHARS)
    raw_metadata = data.get("metadata")
    metadata: dict[str, Any] = {}
    if isinstance(raw_metadata, dict):
        metadata = {
            k: v for k, v in raw_metadata.items()
            if k in _ALLOWED_METADATA and isinstance(v, str) and len(v) <= 2048
        }
        if raw_metadata.get("location") is not None:
            metadata["location"] = parse_location_metadata(raw_metadata["location"])
    return ChatRequest(sender=sender, message=message, metadata=metadata)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def parse_location_metadata(value: Any) -> dict[str, float]:
    """Validates the point a browser shared: ``{"lat", "lon"[, "accuracy"]}`` (WGS84, metres).

    Returns:
        ``{"lat": …, "lon": …}`` plus ``"accuracy"`` when given.

    Raises:
        InvalidChatRequest: 400 ``invalid_location`` when a field is missing, not a number,
            or out of range (latitude ±90, longitude ±180, accuracy 0–100 km).
    """
    error = InvalidChatRequest(400, "invalid_location")
    if not isinstance(value, dict) or set(value) - {"lat", "lon", "accuracy"}:
        raise error
    lat, lon = _number(value.get("lat")), _number(value.get("lon"))
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        raise error
    location = {"lat": lat, "lon": lon}
    if value.get("accuracy") is not None:
        accuracy = _number(value["accuracy"])
        if accuracy is None or not 0 <= accuracy <= MAX_ACCURACY_M:
            raise error
        location["accuracy"] = accuracy
    return location
