"""HTTP limits shared by the FastAPI apps (web chat, review app): body size before reading.

:class:`BodySizeLimitMiddleware` refuses a body larger than the app will ever accept before the
app reads it: from ``Content-Length`` without reading a byte, and, for a body sent without one
(chunked), as soon as the running count passes the limit. A 200 MB upload costs the server
nothing but the first chunk.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.languages import ui_texts

__all__ = ["BodySizeLimitMiddleware", "BodyTooLarge"]


class BodyTooLarge(Exception):
    """Raised from ``receive`` once a body passes the limit (caught by the middleware)."""


class BodySizeLimitMiddleware:
    """Answers 413 to any HTTP request whose body exceeds ``max_bytes``.

    Args:
        app: The ASGI app.
        max_bytes: The largest body accepted.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Checks ``Content-Length``, then counts the body as the app reads it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                if not value.isdigit():
                    await _refuse(send, 400, "bad_request", "invalid_content_length")
                    return
                if int(value) > self.max_bytes:
                    await _refuse(send, 413, "body_too_large")
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(send, 413, "body_too_large")


async def _refuse(send: Send, status: int, code: str, text: str | None = None) -> None:
    """Answers ``status`` with ``{"error": code, "message": {<language>: explanation}}``."""
    message = ui_texts("errors", text or code)
    body = json.dumps({"error": code, "message": message}, ensure_ascii=False).encode("utf-8")
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            (b"connection", b"close"),
        ],
    })
    await send({"type": "http.response.body", "body": body})
