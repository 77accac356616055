"""Checks on what a client posts to a chat channel, before Rasa sees it.

Pure Python (no Rasa import) so the rules are unit-tested in the tools environment and shared by
the REST and web channels.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE_CHARS = 2000
MAX_BODY_BYTES = 64 * 1024
_SENDER_RE = re.compile(r"^[A-Za-z0-9_.:@+\-]{1,128}$")
_ALLOWED_METADATA = {"channel", "media_url", "locale"}
MAX_ACCURACY_M = 100_000.0


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
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
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
        raise InvalidChatRequest(
            400, "empty_message",
            "The message is empty. Please type something.",
            "El mensaje está vacío. Escriba algo, por favor.",
        )
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
