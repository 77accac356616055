"""Checks on what a client posts to a chat channel, before Rasa sees it.

Pure Python (no Rasa import) so the rules are unit-tested in the tools environment and shared by
the REST and web channels.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE_CHARS = 2000
MAX_BODY_BYTES = 64 * 1024
_SENDER_RE = re.compile(r"^[A-Za-z0-9_.:@+\-]{1,128}$")
# "channel" is not among them: the channel a message came through is the REST channel's to say.
_ALLOWED_METADATA = {"media_url", "locale"}
MAX_ACCURACY_M = 100_000.0
MAX_JSON_DEPTH = 32
"""Deeper JSON is refused before it is parsed (a chat request is two levels deep)."""

# Payloads the web chat's widget sends on the resident's behalf without a button of the
# assistant's: the language switch, and "Use my location" (its point travels in metadata).
CLIENT_PAYLOADS = re.compile(r'^/(set_language\{"language": ?"(en|es)"\}|share_location)$')


class InvalidChatRequest(ValueError):
    """A chat request that is answered with a 4xx and never reaches the assistant.

    Attributes:
        status: The HTTP status to answer with.
        code: A stable machine-readable error code.
        message: Human-readable explanations keyed by language ("en", "es").
    """

    def __init__(self, status: int, code: str, en: str, es: str) -> None:
        super().__init__(en)
        self.status = status
        self.code = code
        self.message = {"en": en, "es": es}

    def as_json(self) -> dict[str, Any]:
        """The JSON body of the error reply."""
        return {"error": self.code, "message": self.message}


@dataclass(frozen=True)
class ChatRequest:
    """A validated chat message."""

    sender: str
    message: str
    metadata: dict[str, Any]


def clean_text(text: str) -> str:
    """Removes control characters (keeping new lines and tabs) and trims white space."""
    kept = (
        ch for ch in text if ch in "\n\t" or not unicodedata.category(ch).startswith("C")
    )
    return "".join(kept).strip()


def empty_message() -> InvalidChatRequest:
    """The 400 for a message with nothing left to read."""
    return InvalidChatRequest(
        400, "empty_message",
        "The message is empty. Please type something.",
        "El mensaje está vacío. Escriba algo, por favor.",
    )


def unauthorized() -> InvalidChatRequest:
    """The 401 for a REST request without a valid token."""
    return InvalidChatRequest(
        401, "unauthorized",
        "This endpoint needs the REST channel's token (Authorization: Bearer ...).",
        "Este punto de acceso necesita el token del canal REST (Authorization: Bearer ...).",
    )


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
    chat, one of the widget's own :data:`CLIENT_PAYLOADS`; otherwise its slashes are dropped
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
    if client_payloads and CLIENT_PAYLOADS.match(message):
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
        InvalidChatRequest: With the status and a bilingual explanation.
    """
    if len(body) > MAX_BODY_BYTES:
        raise InvalidChatRequest(
            413, "body_too_large",
            "The request is too large.", "La solicitud es demasiado grande.",
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidChatRequest(
            400, "invalid_utf8",
            "The message must be UTF-8 text.", "El mensaje debe ser texto UTF-8.",
        ) from None
    if json_depth(body) > MAX_JSON_DEPTH:
        raise InvalidChatRequest(
            400, "too_deeply_nested",
            "The request is nested too deeply.", "La solicitud está anidada demasiado.",
        )
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise InvalidChatRequest(
            400, "malformed_json",
            "The request is not valid JSON.", "La solicitud no es JSON válido.",
        ) from None
    if not isinstance(data, dict):
        raise InvalidChatRequest(
            400, "not_an_object",
            'Send a JSON object like {"sender": "...", "message": "..."}.',
            'Envíe un objeto JSON como {"sender": "...", "message": "..."}.',
        )
    sender = data.get("sender")
    if not isinstance(sender, str) or not _SENDER_RE.match(sender):
        raise InvalidChatRequest(
            400, "invalid_sender",
            "A sender id of 1 to 128 letters, digits or _.:@+- is required.",
            "Se necesita un identificador de 1 a 128 letras, dígitos o _.:@+-.",
        )
    message = data.get("message")
    if not isinstance(message, str):
        raise InvalidChatRequest(
            400, "missing_message",
            "The message text is missing.", "Falta el texto del mensaje.",
        )
    message = clean_text(message)
    if not message:
        raise empty_message()
    if len(message) > MAX_MESSAGE_CHARS:
        raise InvalidChatRequest(
            413, "message_too_long",
            f"The message is too long. Please keep it under {MAX_MESSAGE_CHARS} characters.",
            f"El mensaje es demasiado largo. Use menos de {MAX_MESSAGE_CHARS} caracteres.",
        )
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
    error = InvalidChatRequest(
        400, "invalid_location",
        "The shared location is not valid: it needs lat (−90 to 90) and lon (−180 to 180).",
        "La ubicación compartida no es válida: necesita lat (−90 a 90) y lon (−180 a 180).",
    )
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
