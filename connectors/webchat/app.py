"""FastAPI application factory of the web chat."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from connectors.http_limits import BodySizeLimitMiddleware
from connectors.ratelimit import RateLimiter

from . import api, page
from .assistant import AssistantClient
from .errors import RateLimited, WebchatError
from .security import SecurityHeadersMiddleware
from .settings import WebchatSettings

__all__ = ["STATIC_DIR", "create_app"]

STATIC_DIR = Path(__file__).parent / "static"
logger = logging.getLogger("connectors.webchat")


def create_app(
    settings: WebchatSettings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """Build the web chat app.

    Args:
        settings: Settings; read from the environment when omitted (``RASA_AUTH_TOKEN`` is
            required).
        transport: httpx transport to reach Rasa with; tests pass ``httpx.MockTransport``.

    Returns:
        The app. Its assistant client lives as long as the app's lifespan.
    """
    settings = settings or WebchatSettings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        assistant = AssistantClient(
            settings.rasa_url,
            settings.rasa_auth_token.get_secret_value(),
            settings.rest_token.get_secret_value(),
            timeout=settings.chat_timeout_seconds,
            transport=transport,
        )
        app.state.assistant = assistant
        try:
            yield
        finally:
            await assistant.aclose()

    app = FastAPI(
        title="MyLA311 web chat",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.limiter = RateLimiter(settings.rate_limit_storage, "webchat")
    app.include_router(page.router)
    app.include_router(api.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(WebchatError, _webchat_error)
    # Outermost last: the body limit answers before anything reads; the headers cover it too.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=api.MAX_BODY_BYTES)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


async def _webchat_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WebchatError)
    headers = {"Cache-Control": "no-store"}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    return JSONResponse(exc.as_json(), status_code=exc.status, headers=headers)
