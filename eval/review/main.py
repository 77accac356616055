"""The staff review app: ``create_app(settings)`` builds it; nothing happens at import.

Layout (after full-stack-fastapi-template): ``core/config.py`` (settings), ``models.py`` (the
app's tables), ``api/deps.py`` (dependencies), ``api/routes/<resource>.py`` (pages and the
JSON API under ``/api``). The tracker store is read through ``tracker/store.py``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import jinja2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from connectors.http_limits import BodySizeLimitMiddleware
from connectors.ratelimit import RateLimiter
from eval.review.api.deps import COOKIE_NAME, NotAuthenticated
from eval.review.api.main import api_router, pages_router
from eval.review.auth import session_for_token
from eval.review.core.config import Settings, get_settings
from eval.review.core.db import create_review_engine, create_tracker_engine, session_factory
from eval.review.domain import load_domain
from eval.review.knowledge import load_articles
from eval.review.presenters import local_time
from eval.review.retrain.jobs import JobRunner
from eval.review.throttle import SignInThrottle
from eval.review.tracker.store import TrackerStore

__all__ = ["create_app"]

_HERE = Path(__file__).resolve().parent
logger = logging.getLogger("eval.review")
_SECURITY_HEADERS = {
    # No external resources at all; inline SVG only; scripts and styles from /static.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def _templates(settings: Settings) -> Jinja2Templates:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,  # every template, whatever its name; never |safe on user data
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["localtime"] = lambda ts: local_time(ts, settings.timezone)
    environment.filters["when"] = lambda iso: _local_iso(iso, settings.timezone)
    environment.filters["pct"] = lambda v: "–" if v is None else f"{v:.0%}"
    environment.filters["f3"] = lambda v: "–" if v is None else f"{v:.3f}"
    environment.filters["signed"] = lambda v: "–" if v is None else f"{v:+.3f}"
    return Jinja2Templates(env=environment)


def _local_iso(value: str | None, zone: str) -> str:
    """An ISO time (UTC) from the database as a local time, for pages."""
    if not value:
        return ""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the app: reads settings, opens the databases, creates the review tables."""
    settings = settings or get_settings()
    review_engine = create_review_engine(settings)
    sessions = session_factory(review_engine)
    tracker = TrackerStore(create_tracker_engine(settings), settings.low_confidence)
    domain = load_domain(settings.path(settings.domain_dir))
    runner = JobRunner(settings, sessions, tracker, domain.public_phones)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runner.recover()
        yield
        runner.shutdown()

    app = FastAPI(
        title="LA 311 assistant: staff review",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.review_engine = review_engine
    app.state.sessions = sessions
    app.state.tracker = tracker
    app.state.domain = domain
    app.state.articles = load_articles(settings.path(settings.articles_dir))
    app.state.templates = _templates(settings)
    app.state.runner = runner
    app.state.throttle = SignInThrottle(
        settings, RateLimiter(settings.rate_limit_storage, "review-login")
    )

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        """Liveness probe: the process answers."""
        return {"status": "ok"}

    @app.get("/ready", include_in_schema=False)
    def ready() -> JSONResponse:
        """Readiness probe: 200 when the review and tracker databases answer, 503 otherwise."""
        try:
            for engine in (review_engine, tracker.engine):
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            return JSONResponse({"status": "unavailable", "error": str(error)[:200]}, 503)
        return JSONResponse({"status": "ready"})

    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    app.include_router(pages_router)
    app.include_router(api_router, prefix="/api")

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response: Response = await call_next(request)
        for header, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        return response

    # Outermost: a body over the limit is refused before anything reads it.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)

    @app.exception_handler(OverflowError)
    async def id_out_of_range(request: Request, _exc: OverflowError) -> Response:
        # An id beyond 64 bits (/conversations/99999999999999999999) names nothing.
        return await http_error(request, StarletteHTTPException(404, "Not found."))

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # Runs outside the middleware above: the headers are added here.
        logger.error("Unhandled error", exc_info=exc)
        return JSONResponse({"detail": "Internal error."}, status_code=500,
                            headers=_SECURITY_HEADERS)

    def signed_in(request: Request) -> bool:
        if getattr(request.state, "viewer", None) is not None:
            return True
        with sessions() as db:
            return session_for_token(db, settings, request.cookies.get(COOKIE_NAME)) is not None

    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, _exc: NotAuthenticated) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Not signed in."}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = "/"
        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_json(request) or exc.status_code == 405:
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        templates: Jinja2Templates = request.app.state.templates
        viewer = getattr(request.state, "viewer", None)  # plain values: the ORM session ended
        return templates.TemplateResponse(
            request,
            "error.html",
            {"status": exc.status_code, "detail": exc.detail, "auth": viewer, "user": viewer},
            status_code=exc.status_code,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI reads a JSON body before it runs dependencies: without a session, a broken
        # body still gets 401 (or the sign-in page), not a description of what was wrong.
        if not signed_in(request):
            return await not_authenticated(request, NotAuthenticated())
        if _wants_json(request):
            # Only location, message and type: an error's "input" may be bytes (a JSON body
            # sent as text/plain) that JSON cannot encode.
            errors = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")),
                       "type": str(e.get("type", ""))} for e in exc.errors()]
            return JSONResponse({"detail": errors}, status_code=422)
        return HTMLResponse("Invalid request.", status_code=422)

    return app
