"""The guard's server: asyncio streams, h11 for parsing, httpx to reach Rasa.

One request per connection (every answer says ``Connection: close``): the guard's clients are
SMS providers and REST integrations, which open a connection per webhook anyway, and a
connection that carries one request cannot smuggle a second one.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import h11
import httpx

from bot.languages import default_language, join_or, ui_texts
from connectors.rest.validation import json_depth

__all__ = ["ROUTES", "Guard", "GuardSettings", "Refused", "serve"]

logger = logging.getLogger("connectors.guard")

ROUTES: dict[str, frozenset[str]] = {
    "/webhooks/rest/": frozenset({"GET"}),
    "/webhooks/rest/webhook": frozenset({"POST"}),
    "/webhooks/sms/": frozenset({"GET"}),
    "/webhooks/sms/webhook": frozenset({"POST"}),
}
_BODY_TYPES: dict[str, frozenset[str]] = {
    "/webhooks/rest/webhook": frozenset({"application/json"}),
    "/webhooks/sms/webhook": frozenset({"application/x-www-form-urlencoded", "application/json"}),
}
# Request headers passed to Rasa; everything else (framing, hop-by-hop, cookies) is dropped.
_FORWARDED = ("content-type", "authorization", "x-twilio-signature", "x-signature",
              "user-agent", "accept", "accept-language", "i-twilio-idempotency-token")
# Response headers passed back to the client.
_RETURNED = ("content-type", "retry-after", "www-authenticate")


@dataclass(frozen=True)
class GuardSettings:
    """What the guard accepts (environment variables ``GUARD_*``).

    Attributes:
        upstream: The Rasa server's URL (``GUARD_UPSTREAM``).
        request_timeout: Seconds for a request's headers and body to arrive
            (``GUARD_REQUEST_TIMEOUT``); slower clients get 408.
        upstream_timeout: Seconds Rasa may take to answer (``GUARD_UPSTREAM_TIMEOUT``).
        max_body_bytes: Largest body (``GUARD_MAX_BODY_BYTES``); the SMS channel's own limit.
        max_header_bytes: Largest request line plus headers (``GUARD_MAX_HEADER_BYTES``).
        max_json_depth: Deepest JSON nesting (``GUARD_MAX_JSON_DEPTH``).
        max_connections: Connections served at once; more get 503 (``GUARD_MAX_CONNECTIONS``).
    """

    upstream: str = "http://127.0.0.1:5005"
    request_timeout: float = 10.0
    upstream_timeout: float = 30.0
    max_body_bytes: int = 256 * 1024
    max_header_bytes: int = 16 * 1024
    max_json_depth: int = 32
    max_connections: int = 256

    @classmethod
    def from_env(cls, **overrides: Any) -> GuardSettings:
        """Settings from ``GUARD_*`` environment variables, then ``overrides``."""
        values: dict[str, Any] = {}
        for name, kind in (("upstream", str), ("request_timeout", float),
                           ("upstream_timeout", float), ("max_body_bytes", int),
                           ("max_header_bytes", int), ("max_json_depth", int),
                           ("max_connections", int)):
            raw = os.environ.get(f"GUARD_{name.upper()}")
            if raw:
                values[name] = kind(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


class Refused(Exception):
    """A request the guard answers itself, never passing it on.

    Args:
        status: The HTTP status.
        code: A stable machine-readable error code.
        text: The key of the explanation in the language packs' ``errors`` (default: code).
        values: Filled into the explanation's ``{placeholders}``.
    """

    def __init__(self, status: int, code: str, text: str | None = None, **values: Any) -> None:
        self.message = ui_texts("errors", text or code, **values)
        super().__init__(self.message[default_language()])
        self.status = status
        self.code = code


def _json_body(code: str, message: dict[str, str]) -> bytes:
    import json

    return json.dumps({"error": code, "message": message}, ensure_ascii=False).encode("utf-8")


def _response_bytes(status: int, headers: list[tuple[str, str]], body: bytes) -> bytes:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Status"
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers
              if "\r" not in value and "\n" not in value]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


class Guard:
    """Serves connections: read one request strictly, refuse or forward it, close.

    Args:
        settings: Limits and the upstream URL.
        transport: An httpx transport for the upstream client (tests may pass one).
    """

    def __init__(
        self, settings: GuardSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self._client = httpx.AsyncClient(
            base_url=settings.upstream.rstrip("/"),
            timeout=httpx.Timeout(settings.upstream_timeout, connect=3.0),
            transport=transport,
        )
        self._active = 0

    async def aclose(self) -> None:
        """Closes the upstream connection pool."""
        await self._client.aclose()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serves one connection (the ``asyncio.start_server`` callback)."""
        peer = writer.get_extra_info("peername")
        client = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        self._active += 1
        try:
            if self._active > self.settings.max_connections:
                answer = self._refusal(Refused(503, "busy"))
            else:
                answer = await self._answer(reader, client)
            writer.write(answer)
            await asyncio.wait_for(writer.drain(), self.settings.request_timeout)
        except (ConnectionError, TimeoutError):
            pass
        finally:
            self._active -= 1
            writer.close()
            try:
                await asyncio.wait_for(writer.wait_closed(), 1.0)
            except (ConnectionError, TimeoutError):
                pass

    async def _answer(self, reader: asyncio.StreamReader, client: str) -> bytes:
        connection = h11.Connection(
            h11.SERVER, max_incomplete_event_size=self.settings.max_header_bytes
        )
        try:
            request, body = await asyncio.wait_for(
                self._read(reader, connection), self.settings.request_timeout
            )
        except TimeoutError:
            return self._refusal(Refused(408, "request_timeout"), client)
        except h11.RemoteProtocolError as error:
            status = error.error_status_hint if error.error_status_hint >= 400 else 400
            return self._refusal(
                Refused(status, "bad_request", "malformed_http", error=error), client
            )
        except Refused as refused:
            return self._refusal(refused, client)
        except ConnectionError:
            return b""
        return await self._forward(request, body, client)

    async def _read(
        self, reader: asyncio.StreamReader, connection: h11.Connection
    ) -> tuple[h11.Request, bytes]:
        request: h11.Request | None = None
        body = bytearray()
        while True:
            event = connection.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                if not data and request is None:
                    raise ConnectionError("closed before a request")
                connection.receive_data(data)
            elif isinstance(event, h11.Request):
                request = event
                self._check_head(event)
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > self.settings.max_body_bytes:
                    raise self._too_large()
            elif isinstance(event, h11.EndOfMessage):
                if request is None:  # pragma: no cover - h11 never ends a message unstarted
                    raise ConnectionError("no request")
                self._check_body(request, bytes(body))
                return request, bytes(body)
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionError("closed mid-request")

    def _too_large(self) -> Refused:
        return Refused(413, "body_too_large")

    def _check_head(self, request: h11.Request) -> None:
        size = len(request.target) + sum(len(n) + len(v) + 4 for n, v in request.headers)
        if size > self.settings.max_header_bytes:  # h11 only bounds what is still incomplete
            raise Refused(431, "headers_too_large")
        headers = {name.decode("latin-1"): value for name, value in request.headers}
        path = request.target.split(b"?", 1)[0].decode("latin-1")
        method = request.method.decode("latin-1")
        allowed = ROUTES.get(path)
        if allowed is None:
            raise Refused(404, "not_found")
        if method not in allowed:
            raise Refused(405, "method_not_allowed")
        names = [name for name, _ in request.headers]
        if b"transfer-encoding" in names and b"content-length" in names:
            raise Refused(400, "bad_request", "conflicting_length")
        length = headers.get("content-length")
        if length is not None and int(length) > self.settings.max_body_bytes:
            raise self._too_large()  # refused before a byte of the body is read
        types = _BODY_TYPES.get(path)
        if types is not None:
            media = _media_type(headers.get("content-type", b"").decode("latin-1"))
            if media not in types:
                listed = sorted(types)
                raise Refused(415, "unsupported_media_type", "send_media_type",
                              types=lambda code: join_or(code, listed))

    def _check_body(self, request: h11.Request, body: bytes) -> None:
        content_type = next(
            (value for name, value in request.headers if name == b"content-type"), b""
        )
        if _media_type(content_type.decode("latin-1")) == "application/json" and (
            json_depth(body) > self.settings.max_json_depth
        ):
            raise Refused(400, "too_deeply_nested")

    async def _forward(self, request: h11.Request, body: bytes, client: str) -> bytes:
        headers = {name.decode("latin-1"): value.decode("latin-1")
                   for name, value in request.headers
                   if name.decode("latin-1") in _FORWARDED}
        host = next((v for n, v in request.headers if n == b"host"), b"").decode("latin-1")
        if host:
            headers["host"] = host  # webhook signatures cover the URL the client used
        headers["x-forwarded-for"] = client
        try:
            upstream = await self._client.request(
                request.method.decode("latin-1"),
                request.target.decode("latin-1"),
                content=body if body else None,
                headers=headers,
            )
        except httpx.TimeoutException:
            return self._refusal(Refused(504, "timeout", "upstream_timeout"), client)
        except httpx.HTTPError:
            return self._refusal(Refused(502, "unavailable", "upstream_unavailable"), client)
        returned = [(name, upstream.headers[name]) for name in _RETURNED
                    if name in upstream.headers]
        return _response_bytes(upstream.status_code, returned, upstream.content)

    def _refusal(self, refused: Refused, client: str = "") -> bytes:
        if refused.status >= 400 and refused.status not in (404, 405):
            logger.warning("guard.refused %s %s from %s", refused.status, refused.code, client)
        return _response_bytes(
            refused.status,
            [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
            _json_body(refused.code, refused.message),
        )


async def serve(host: str, port: int, settings: GuardSettings) -> None:
    """Runs the guard until cancelled."""
    guard = Guard(settings)
    server = await asyncio.start_server(guard.handle, host, port, limit=65536)
    logger.info("guard listening on http://%s:%d -> %s", host, port, settings.upstream)
    try:
        async with server:
            await server.serve_forever()
    finally:
        await guard.aclose()
