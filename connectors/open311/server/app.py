"""FastAPI application factory of the embedded Open311 GeoReport v2 server."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..catalog import Catalog, get_catalog
from ..settings import Open311ServerSettings, get_server_settings
from .responses import ApiError, error_response
from .routes import meta, requests, services
from .store import RequestStore
from .validation import ServerPolicy

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/open311/v2"
logger = logging.getLogger("connectors.open311.server")


def create_app(
    settings: Open311ServerSettings | None = None,
    *,
    store: RequestStore | None = None,
    catalog: Catalog | None = None,
) -> FastAPI:
    """Build the server app.

    Args:
        settings: Server settings; read from the environment when omitted.
        store: Request store; defaults to the SQLite file of ``settings.db``.
        catalog: Service catalog; defaults to the packaged one.

    Returns:
        The app. ``app.state.unhandled_errors`` counts requests that ended in a 500.

    Raises:
        ValueError: No API key is configured.
    """
    settings = settings or get_server_settings()
    if not settings.api_keys:
        raise ValueError("set OPEN311_SERVER_API_KEYS (comma list) or OPEN311_API_KEY")
    app = FastAPI(title="LA 311 Open311 GeoReport v2", version="2")
    app.state.store = store or RequestStore(settings.db)
    app.state.catalog = catalog or get_catalog()
    app.state.policy = ServerPolicy(settings.api_keys, settings.jurisdiction_id)
    app.state.unhandled_errors = 0

    app.include_router(services.router, prefix=API_PREFIX)
    app.include_router(requests.router, prefix=API_PREFIX)
    app.include_router(meta.router, prefix=API_PREFIX)
    app.include_router(meta.health_router)

    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_middleware(ErrorArrayMiddleware)
    return app


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.description)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, str(exc.detail), headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
    )
    return error_response(400, problems or "invalid request")


class ErrorArrayMiddleware:
    """Answer any unexpected exception with a 500 error array (and log it); add ``nosniff``.

    The count of such errors is kept in ``app.state.unhandled_errors``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message).setdefault("X-Content-Type-Options", "nosniff")
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            scope["app"].state.unhandled_errors += 1
            if started:
                raise
            response = error_response(500, "internal server error")
            await response(scope, receive, send_with_headers)
