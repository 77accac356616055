"""The same-origin API the widget calls: chat, history and health.

Every error is ``{"error": code, "message": {<language code>: explanation, …}}``, with one
explanation per language pack.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.languages import codes, default_language, join_or
from connectors.ratelimit import RateLimiter
from connectors.rest.validation import MAX_JSON_DEPTH, MAX_MESSAGE_CHARS, json_depth

from .assistant import conversation_id
from .deps import AssistantDep
from .errors import InvalidInput, RateLimited, WebchatError
from .transcript import conversation_language, transcript

__all__ = ["MAX_BODY_BYTES", "MAX_FORWARDED_CHARS", "SENDER_PATTERN", "router"]

SENDER_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
MAX_FORWARDED_CHARS = 8000
"""Longer messages are refused here; the REST channel decides on anything shorter (its limit,
2000 characters, applies after it has removed control characters)."""
MAX_BODY_BYTES = 64 * 1024

_SENDER_RE = re.compile(SENDER_PATTERN)
_NO_STORE = {"Cache-Control": "no-store"}

router = APIRouter()


class LocationIn(BaseModel):
    """A point the browser shared ("Use my location"): WGS84 degrees, accuracy in metres."""

    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    accuracy: float | None = Field(default=None, ge=0, le=100_000, allow_inf_nan=False)


class ChatIn(BaseModel):
    """What the widget posts to ``/api/chat``."""

    model_config = ConfigDict(extra="ignore", strict=True)

    sender: str = Field(pattern=SENDER_PATTERN)
    message: str
    locale: str = Field(default_factory=default_language)
    location: LocationIn | None = None


def _invalid(text: str, code: str | None = None, status: int | None = None) -> WebchatError:
    return InvalidInput.of(text, code=code or text, status=status)


def _invalid_sender() -> WebchatError:
    return _invalid("invalid_conversation", "invalid_sender")


def _too_long(code: str) -> WebchatError:
    return InvalidInput.of("message_too_long", status=413, code=code, n=MAX_MESSAGE_CHARS)


def _invalid_locale() -> WebchatError:
    quoted = [f'"{code}"' for code in codes()]
    return InvalidInput.of(
        "invalid_locale", code="invalid_locale", codes=lambda code: join_or(code, quoted)
    )


async def _chat_request(request: Request) -> ChatIn:
    """Parses and validates the body of a chat request."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise _invalid("not_json", "unsupported_media_type", status=415)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise _too_long("body_too_large")
    if json_depth(body) > MAX_JSON_DEPTH:
        raise _invalid("too_deeply_nested")
    try:
        data: Any = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _invalid("malformed_json") from None
    if not isinstance(data, dict):
        raise _invalid("not_an_object")
    try:
        chat = ChatIn.model_validate(data)
    except ValidationError as error:
        field = str(error.errors()[0]["loc"][0]) if error.errors()[0]["loc"] else ""
        if field == "sender":
            raise _invalid_sender() from None
        if field == "location":
            raise _invalid("invalid_shared_location", "invalid_location") from None
        if field == "locale":
            raise _invalid_locale() from None
        raise _invalid("missing_message") from None
    if chat.locale not in codes():
        raise _invalid_locale()
    if len(chat.message) > MAX_FORWARDED_CHARS:
        raise _too_long("message_too_long")
    try:
        chat.message.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800" is not text
        raise _invalid("invalid_text") from None
    return chat


async def _limit(request: Request, rules: str, *key: str) -> None:
    """Raises :class:`RateLimited` (429) when ``key`` has used up ``rules``."""
    limiter: RateLimiter = request.app.state.limiter
    decision = await limiter.ahit(rules, *key)
    if not decision.allowed:
        raise RateLimited(decision.retry_after, decision.message())


def _client(request: Request) -> str:
    """The client's address (behind a trusted proxy, the one it forwarded)."""
    return request.client.host if request.client else ""


@router.post("/api/chat")
async def chat(request: Request, assistant: AssistantDep) -> JSONResponse:
    """Sends the resident's message to the assistant and returns its replies.

    Body: ``{"sender": id, "message": text, "locale": <a pack's code>}``, plus
    ``"location": {"lat", "lon", "accuracy"}`` when the resident shared their location. Answer:
    ``{"messages": [{"text", "buttons": [{"title", "payload"}]}], "language": <code> | null}``
    where ``language`` is the conversation's language after this turn.
    """
    settings = request.app.state.settings
    await _limit(request, settings.chat_limit_per_client, "client", _client(request))
    chat_in = await _chat_request(request)
    conversation = conversation_id(chat_in.sender)
    await _limit(request, settings.chat_limit_per_conversation, "conversation", conversation)
    location = chat_in.location.model_dump(exclude_none=True) if chat_in.location else None
    messages = await assistant.send(chat_in.sender, chat_in.message, chat_in.locale, location)
    language = None
    try:
        tracker = await assistant.tracker(conversation, with_events=False)
    except WebchatError:
        pass  # the replies matter more than the language hint; the widget keeps its language
    else:
        language = conversation_language(tracker)
    return JSONResponse({"messages": messages, "language": language}, headers=_NO_STORE)


@router.get("/api/history")
async def history(request: Request, assistant: AssistantDep, sender: str = "") -> JSONResponse:
    """The conversation so far: ``{"messages": [{"role", "text", "buttons"}], "language"}``."""
    settings = request.app.state.settings
    await _limit(request, settings.history_limit_per_client, "history", _client(request))
    if not _SENDER_RE.match(sender):
        raise _invalid_sender()
    tracker = await assistant.tracker(conversation_id(sender))
    body = {"messages": transcript(tracker), "language": conversation_language(tracker)}
    return JSONResponse(body, headers=_NO_STORE)


@router.get("/health")
async def health(assistant: AssistantDep) -> JSONResponse:
    """200 when the assistant answers, 503 when it does not (the widget polls this)."""
    up = await assistant.is_up()
    body: dict[str, Literal["ok", "unavailable", "up", "down"]] = {
        "status": "ok" if up else "unavailable",
        "assistant": "up" if up else "down",
    }
    return JSONResponse(body, status_code=200 if up else 503, headers=_NO_STORE)
