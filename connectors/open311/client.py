"""Async client of an Open311 GeoReport v2 backend.

Every httpx, JSON and validation error is converted here into the exception tree of
:mod:`connectors.open311.errors`; nothing else escapes.

Example:
    >>> async with Open311Client.from_settings() as client:  # doctest: +SKIP
    ...     reply = await client.submit(draft, idempotency_key="…")
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import httpx
from pydantic import BaseModel, ValidationError

from bot.languages import default_language

from .errors import (
    Open311NotFound,
    Open311ServiceError,
    Open311TransportError,
)
from .models import (
    Service,
    ServiceDefinition,
    ServiceRequest,
    ServiceRequestDraft,
    SubmitResponse,
)
from .settings import Open311Settings, get_settings

__all__ = ["Open311Client"]

logger = logging.getLogger(__name__)

_ModelT = TypeVar("_ModelT", bound=BaseModel)
_RETRYABLE_4XX = frozenset({408, 429})
_LIST_KEYS = ("services", "service_requests", "requests", "request")


class Open311Client:
    """Client of one GeoReport v2 endpoint.

    Args:
        base_url: Endpoint base, e.g. ``"http://127.0.0.1:8311/open311/v2"``.
        api_key: Sent as ``api_key`` with every POST.
        jurisdiction_id: Sent with every request when given.
        timeout: Default timeout in seconds of each HTTP call.
        http: A shared ``httpx.AsyncClient``; when omitted the client creates its own and
            closes it in :meth:`aclose`.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        jurisdiction_id: str | None = None,
        timeout: float = 10.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.jurisdiction_id = jurisdiction_id
        self.timeout = timeout
        self._owns_http = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=timeout)

    @classmethod
    def from_settings(
        cls, settings: Open311Settings | None = None, *, http: httpx.AsyncClient | None = None
    ) -> Open311Client:
        """Build a client from :class:`~connectors.open311.settings.Open311Settings`."""
        settings = settings or get_settings()
        return cls(
            settings.base_url,
            settings.api_key.get_secret_value(),
            settings.jurisdiction_id,
            http=http,
        )

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Open311Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- API methods -------------------------------------------------------------------------

    async def list_services(self, locale: str | None = None) -> list[Service]:
        """GET ``services.json``: the service types offered.

        Args:
            locale: A language code (``"es"``; default: the default language), sent as
                ``locale`` and ``Accept-Language``.

        Raises:
            Open311Error: See :mod:`connectors.open311.errors`.
        """
        payload = await self._get_json("services.json", locale=locale or default_language())
        return [self._parse(Service, item) for item in _as_list(payload)]

    async def get_service_definition(
        self, code: str, locale: str | None = None
    ) -> ServiceDefinition:
        """GET ``services/{code}.json``: the attributes a request of this type needs.

        Raises:
            Open311NotFound: Unknown service code.
            Open311Error: See :mod:`connectors.open311.errors`.
        """
        payload = await self._get_json(
            f"services/{_segment(code)}.json", locale=locale or default_language()
        )
        return self._parse(ServiceDefinition, _as_one(payload))

    async def submit(
        self,
        draft: ServiceRequestDraft,
        idempotency_key: str | None = None,
        *,
        timeout: float | None = None,
    ) -> SubmitResponse:
        """POST ``requests.json``: file a service request.

        Args:
            draft: What to file.
            idempotency_key: Sent as the ``Idempotency-Key`` header; resending the same key
                returns the request created the first time instead of a duplicate.
            timeout: Overrides the client's timeout for this call.

        Returns:
            The reply: ``service_request_id``, or only ``token`` for servers that queue.

        Raises:
            Open311ServiceError: The request was refused (4xx); do not resend it unchanged.
            Open311TransportError: Unknown outcome; resend with the same idempotency key.
        """
        form = [("api_key", self._api_key)]
        if self.jurisdiction_id:
            form.append(("jurisdiction_id", self.jurisdiction_id))
        form += draft.form_fields()
        headers = {"Accept": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        response = await self._send(
            "POST",
            "requests.json",
            content=urlencode(form).encode("ascii"),
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
            timeout=timeout,
        )
        return self._parse(SubmitResponse, _as_one(_json_body(response)))

    async def get_request(self, service_request_id: str) -> ServiceRequest:
        """GET ``requests/{id}.json``: one service request and its status.

        Raises:
            Open311NotFound: No request with this id.
            Open311Error: See :mod:`connectors.open311.errors`.
        """
        payload = await self._get_json(f"requests/{_segment(service_request_id)}.json")
        return self._parse(ServiceRequest, _as_one(payload))

    async def list_requests(
        self,
        *,
        service_request_id: str | Sequence[str] | None = None,
        service_code: str | Sequence[str] | None = None,
        status: str | Sequence[str] | None = None,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
    ) -> list[ServiceRequest]:
        """GET ``requests.json`` with the GeoReport v2 filters, newest first.

        Args:
            service_request_id: One id or several (other filters are then ignored by servers).
            service_code: One code or several.
            status: ``"open"``, ``"closed"`` or both.
            start_date: Earliest ``requested_datetime`` (timezone-aware datetime or ISO 8601).
            end_date: Latest ``requested_datetime``.

        Raises:
            Open311Error: See :mod:`connectors.open311.errors`.
        """
        params: dict[str, str] = {}
        for name, value in (
            ("service_request_id", service_request_id),
            ("service_code", service_code),
            ("status", status),
        ):
            if value:
                params[name] = value if isinstance(value, str) else ",".join(value)
        for name, date in (("start_date", start_date), ("end_date", end_date)):
            if date:
                params[name] = date.isoformat() if isinstance(date, datetime) else date
        payload = await self._get_json("requests.json", params=params)
        return [self._parse(ServiceRequest, item) for item in _as_list(payload)]

    async def resolve_token(self, token: str) -> str | None:
        """GET ``tokens/{token}.json``: the service request id a queued request received.

        Returns:
            The id, or ``None`` while the server has not assigned one (or does not know the
            token yet).

        Raises:
            Open311Error: See :mod:`connectors.open311.errors` (not for an unknown token).
        """
        try:
            payload = await self._get_json(f"tokens/{_segment(token)}.json")
        except Open311NotFound:
            return None
        items = _as_list(payload)
        for item in items:
            if isinstance(item, dict) and item.get("service_request_id") not in (None, ""):
                return str(item["service_request_id"])
        return None

    # -- plumbing ------------------------------------------------------------------------------

    async def _get_json(
        self, path: str, *, locale: str | None = None, params: dict[str, str] | None = None
    ) -> Any:
        query = dict(params or {})
        headers = {"Accept": "application/json"}
        if self.jurisdiction_id:
            query["jurisdiction_id"] = self.jurisdiction_id
        if locale:
            query["locale"] = locale
            headers["Accept-Language"] = locale
        response = await self._send("GET", path, params=query, headers=headers)
        return _json_body(response)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        url = f"{self.base_url}/{path}"
        try:
            response = await self._http.request(
                method,
                url,
                params=params,
                content=content,
                headers=headers,
                timeout=self.timeout if timeout is None else timeout,
            )
        except httpx.TimeoutException as exc:
            raise Open311TransportError(f"{method} {url}: timed out ({exc!r})") from exc
        except httpx.HTTPError as exc:
            raise Open311TransportError(f"{method} {url}: {exc!r}") from exc
        status = response.status_code
        if status >= 500 or status in _RETRYABLE_4XX:
            raise Open311TransportError(
                f"{method} {url}: HTTP {status}: {_snippet(response.text)}", status_code=status
            )
        if status >= 400:
            errors = _error_array(response)
            if status == 404:
                raise Open311NotFound(status, errors)
            raise Open311ServiceError(status, errors)
        if not 200 <= status < 300:
            raise Open311TransportError(
                f"{method} {url}: unexpected HTTP {status}", status_code=status
            )
        return response

    @staticmethod
    def _parse(model: type[_ModelT], item: Any) -> _ModelT:
        try:
            return model.model_validate(item)
        except ValidationError as exc:
            raise Open311TransportError(
                f"unusable {model.__name__} in reply: {exc.error_count()} error(s): "
                f"{exc.errors()[0]['msg']}"
            ) from exc


def _segment(value: str) -> str:
    """Percent-encode one path segment."""
    return quote(value, safe="")


def _snippet(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _json_body(response: httpx.Response) -> Any:
    """Decode a 2xx body as JSON whatever its content type (servers mislabel JSON as XML)."""
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Open311TransportError(
            f"HTTP {response.status_code} reply is not JSON "
            f"({response.headers.get('content-type', 'no content type')}): "
            f"{_snippet(response.text)}",
            status_code=response.status_code,
        ) from exc


def _error_array(response: httpx.Response) -> list[tuple[int, str]]:
    """Read the GeoReport v2 error array of a 4xx reply; fall back to the raw text."""
    try:
        payload = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        text = _snippet(response.text)
        return [(response.status_code, text or f"HTTP {response.status_code}")]
    items = payload if isinstance(payload, list) else [payload]
    errors: list[tuple[int, str]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        try:
            code = int(item.get("code", response.status_code))
        except (TypeError, ValueError):
            code = response.status_code
        description = item.get("description") or item.get("message") or item.get("detail")
        errors.append((code, str(description) if description else f"HTTP {code}"))
    return errors or [(response.status_code, _snippet(response.text))]


def _as_list(payload: Any) -> list[Any]:
    """Accept a list, a bare object, or an object wrapping the list (``{"services": [...]}``)."""
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict):
        for key in _LIST_KEYS:
            inner = payload.get(key)
            if isinstance(inner, list):
                return inner
            if isinstance(inner, dict):
                return [inner]
        return [payload]
    raise Open311TransportError(f"expected a JSON array or object, got {type(payload).__name__}")


def _as_one(payload: Any) -> Any:
    """Accept a one-item array (the spec) or a bare object."""
    items = _as_list(payload)
    if not items:
        raise Open311TransportError("empty array in reply")
    return items[0]
