"""Request dependencies: settings, databases, the signed-in user, roles and CSRF checks.

Routes declare what they need with the ``Annotated`` aliases (``SessionDep``, ``CurrentUser``,
``AdminUser``, ``CsrfChecked``…); ``app.dependency_overrides`` replaces any of them in tests.
Without a valid session, :class:`NotAuthenticated` is raised: pages redirect to ``/login``
and the JSON API answers 401 (see ``eval.review.main``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from eval.review.auth import session_for_token
from eval.review.core.config import Settings
from eval.review.core.security import tokens_match
from eval.review.domain import DomainInfo
from eval.review.knowledge import Article
from eval.review.labels import ui_language
from eval.review.models import AuthSession, User
from eval.review.retrain.jobs import JobRunner
from eval.review.tracker.store import TrackerStore

__all__ = [
    "COOKIE_NAME",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "AdminUser",
    "ArticlesDep",
    "UiLanguage",
    "AuthDep",
    "ClientIP",
    "CsrfChecked",
    "CurrentUser",
    "DomainDep",
    "NotAuthenticated",
    "RunnerDep",
    "SessionDep",
    "SettingsDep",
    "TemplatesDep",
    "TrackerDep",
    "Viewer",
]

COOKIE_NAME = "review_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotAuthenticated(Exception):
    """No valid session: a page redirects to /login, the API answers 401."""


@dataclass(frozen=True)
class Viewer:
    """Who is signed in, as plain values (for error pages, after the request's session)."""

    username: str
    role: str
    is_admin: bool
    csrf_token: str


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    """A session on the review database for one request."""
    with request.app.state.sessions() as session:
        yield session


def get_tracker(request: Request) -> TrackerStore:
    """The read-only tracker store."""
    store: TrackerStore = request.app.state.tracker
    return store


def get_domain(request: Request) -> DomainInfo:
    """Intents, entities and public phone numbers of the domain."""
    domain: DomainInfo = request.app.state.domain
    return domain


def get_articles(request: Request) -> dict[str, Article]:
    """The knowledge base's articles by id (for knowledge corrections)."""
    articles: dict[str, Article] = request.app.state.articles
    return articles


def reviewer_language(request: Request) -> str:
    """The reviewer's language (from the browser's ``Accept-Language``): en or es."""
    return ui_language(request.headers.get("accept-language"))


def get_templates(request: Request) -> Jinja2Templates:
    """The Jinja2 templates (autoescaped)."""
    templates: Jinja2Templates = request.app.state.templates
    return templates


def get_runner(request: Request) -> JobRunner:
    """The retrain job runner."""
    runner: JobRunner = request.app.state.runner
    return runner


def client_ip(request: Request) -> str:
    """The client's address (the app listens on 127.0.0.1 behind any proxy)."""
    return request.client.host if request.client else ""


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_db)]
TrackerDep = Annotated[TrackerStore, Depends(get_tracker)]
DomainDep = Annotated[DomainInfo, Depends(get_domain)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
RunnerDep = Annotated[JobRunner, Depends(get_runner)]
ClientIP = Annotated[str, Depends(client_ip)]
ArticlesDep = Annotated[dict[str, Article], Depends(get_articles)]
UiLanguage = Annotated[str, Depends(reviewer_language)]


def current_session(request: Request, db: SessionDep, settings: SettingsDep) -> AuthSession:
    """The caller's session; raises :class:`NotAuthenticated` without one."""
    session = session_for_token(db, settings, request.cookies.get(COOKIE_NAME))
    if session is None:
        raise NotAuthenticated()
    user = session.user
    request.state.viewer = Viewer(user.username, user.role, user.is_admin, session.csrf_token)
    return session


AuthDep = Annotated[AuthSession, Depends(current_session)]


def current_user(auth: AuthDep) -> User:
    """The signed-in staff member."""
    return auth.user


CurrentUser = Annotated[User, Depends(current_user)]


def admin_user(user: CurrentUser) -> User:
    """The signed-in staff member, who must be an admin (403 otherwise)."""
    if not user.is_admin:
        raise HTTPException(status_code=403, detail="Only an admin can do this.")
    return user


AdminUser = Annotated[User, Depends(admin_user)]


async def check_csrf(request: Request, auth: AuthDep) -> None:
    """Refuses (403) a state-changing request without the session's CSRF token.

    The token comes in the ``X-CSRF-Token`` header (JavaScript, JSON API) or the
    ``csrf_token`` form field (HTML forms).
    """
    if request.method in _SAFE_METHODS:
        return
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not tokens_match(auth.csrf_token, given):
        raise HTTPException(status_code=403, detail="Missing or wrong CSRF token.")


CsrfChecked = Annotated[None, Depends(check_csrf)]
