"""Strict reading of POST bodies (form-urlencoded or multipart) as ``(name, value)`` pairs.

Anything malformed becomes an :class:`~connectors.open311.server.responses.ApiError` (4xx):
oversized bodies (413), other content types (415), invalid UTF-8, bad percent-encoding,
malformed pairs or multipart framing, file uploads (400).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from .responses import ApiError

__all__ = ["MAX_BODY_BYTES", "MAX_FIELDS", "read_form"]

MAX_BODY_BYTES = 1_000_000
MAX_FIELDS = 100
# Bodies up to this size are read to the end before answering 413, so that the client is
# still listening when the error arrives; bigger ones get the answer and a closed connection.
_DRAIN_LIMIT = 32_000_000
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


async def read_form(request: Request) -> list[tuple[str, str]]:
    """Read and decode the body of a GeoReport v2 POST.

    Args:
        request: The incoming request.

    Returns:
        The fields in body order; names and values are decoded, unstripped text.

    Raises:
        ApiError: The body is too big, not a form, or not valid UTF-8 form data.
    """
    media_type, options = parse_options_header(request.headers.get("content-type"))
    if media_type not in (b"application/x-www-form-urlencoded", b"multipart/form-data"):
        raise ApiError(
            415,
            "Content-Type must be application/x-www-form-urlencoded or multipart/form-data",
        )
    charset = options.get(b"charset", b"utf-8").decode("latin-1").lower()
    if charset not in ("utf-8", "utf8"):
        raise ApiError(415, "only the UTF-8 charset is accepted")
    body = await _read_body(request)
    if media_type == b"multipart/form-data":
        boundary = options.get(b"boundary")
        if not boundary:
            raise ApiError(400, "multipart body without boundary")
        return _parse_multipart(body, boundary)
    return _parse_urlencoded(body)


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > _DRAIN_LIMIT):
        raise ApiError(413, f"request body larger than {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > _DRAIN_LIMIT:
            break
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
    if size > MAX_BODY_BYTES:
        raise ApiError(413, f"request body larger than {MAX_BODY_BYTES} bytes")
    return b"".join(chunks)


def _decode(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, f"{what} is not valid UTF-8") from None


def _parse_urlencoded(body: bytes) -> list[tuple[str, str]]:
    text = _decode(body, "request body")
    if not text:
        return []
    if _BAD_PERCENT.search(text):
        raise ApiError(400, "malformed percent-encoding in request body")
    try:
        return parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise ApiError(400, "form field is not valid UTF-8 after percent-decoding") from None
    except ValueError:
        raise ApiError(400, "malformed application/x-www-form-urlencoded body") from None


class _MultipartCollector:
    """Callbacks of :class:`MultipartParser` collecting raw parts."""

    def __init__(self) -> None:
        self.parts: list[tuple[dict[bytes, bytes], bytes]] = []
        self.ended = False
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._data = bytearray()

    def on_part_begin(self) -> None:
        self._headers, self._data = {}, bytearray()
        if len(self.parts) >= MAX_FIELDS:
            raise ApiError(400, f"more than {MAX_FIELDS} form fields")

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._field.strip().lower()] = self._value.strip()
        self._field, self._value = b"", b""

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._data += data[start:end]

    def on_part_end(self) -> None:
        self.parts.append((self._headers, bytes(self._data)))

    def on_end(self) -> None:
        self.ended = True


def _parse_multipart(body: bytes, boundary: bytes) -> list[tuple[str, str]]:
    collector = _MultipartCollector()
    try:
        parser = MultipartParser(
            boundary,
            {
                "on_part_begin": collector.on_part_begin,
                "on_part_data": collector.on_part_data,
                "on_part_end": collector.on_part_end,
                "on_header_field": collector.on_header_field,
                "on_header_value": collector.on_header_value,
                "on_header_end": collector.on_header_end,
                "on_end": collector.on_end,
            },
        )
        parser.write(body)
        parser.finalize()
    except (FormParserError, ValueError):
        raise ApiError(400, "malformed multipart/form-data body") from None
    if not collector.ended:
        raise ApiError(400, "truncated multipart/form-data body")
    fields: list[tuple[str, str]] = []
    for headers, data in collector.parts:
        disposition, params = parse_options_header(headers.get(b"content-disposition"))
        if disposition != b"form-data" or b"name" not in params:
            raise ApiError(400, "multipart part without Content-Disposition: form-data; name")
        if b"filename" in params:
            raise ApiError(400, "file uploads are not supported; send a media_url instead")
        fields.append((_decode(params[b"name"], "field name"), _decode(data, "form field")))
    return fields
