"""Signing in and out.

The sign-in form is protected against login CSRF with a signed double-submit cookie; the
session cookie is HttpOnly, SameSite=Lax, and Secure unless ``REVIEW_COOKIE_SECURE`` is off.
Sign-ins are throttled per address and globally (:mod:`eval.review.throttle`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from eval.review.api.deps import (
    COOKIE_NAME,
    AuthDep,
    ClientIP,
    CsrfChecked,
    CurrentUser,
    SessionDep,
    SettingsDep,
    TemplatesDep,
)
from eval.review.audit import record
from eval.review.auth import (
    InvalidCredentials,
    RateLimited,
    authenticate,
    end_session,
    session_for_token,
    start_session,
)
from eval.review.core.security import login_csrf_token, login_csrf_valid
from eval.review.throttle import SignInThrottle

pages = APIRouter(tags=["auth"])
api = APIRouter(tags=["auth"])

_LOGIN_COOKIE = "review_login"


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never "//host" or a full URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(
    request: Request,
    templates: Any,
    settings: Any,
    next_url: str,
    error: str | None = None,
    status: int = 200,
) -> Response:
    cookie, form_token = login_csrf_token(settings.secret_key.get_secret_value())
    response: Response = templates.TemplateResponse(
        request,
        "login.html",
        {"csrf_token": form_token, "next": _safe_next(next_url), "error": error,
         "user": None, "auth": None},
        status_code=status,
    )
    response.set_cookie(
        _LOGIN_COOKIE, cookie, httponly=True, samesite="lax", secure=settings.cookie_secure,
        path="/login", max_age=3600,
    )
    return response


@pages.get("/login")
def login_form(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    next: str = "/",  # noqa: A002 - the query parameter's name
) -> Response:
    """The sign-in page (or the inbox, when already signed in)."""
    if session_for_token(db, settings, request.cookies.get(COOKIE_NAME)):
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, templates, settings, next)


@pages.post("/login")
def login(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    ip: ClientIP,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",  # noqa: A002 - the form field's name
) -> Response:
    """Checks the password (rate limited) and starts a session."""
    secret = settings.secret_key.get_secret_value()
    if not login_csrf_valid(secret, request.cookies.get(_LOGIN_COOKIE), csrf_token):
        return _login_page(request, templates, settings, next,
                           "The form expired. Please sign in again.", 403)
    throttle: SignInThrottle = request.app.state.throttle
    try:
        with throttle.attempt(ip):
            user = authenticate(db, settings, username, password, ip)
    except RateLimited as error:
        return _login_page(request, templates, settings, next, str(error), 429)
    except InvalidCredentials as error:
        throttle.failed()
        return _login_page(request, templates, settings, next, str(error), 401)
    token = start_session(db, settings, user, ip)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE_NAME, token, httponly=True, samesite="lax", secure=settings.cookie_secure,
        path="/", max_age=int(settings.session_hours * 3600),
    )
    response.delete_cookie(_LOGIN_COOKIE, path="/login")
    return response


def _logout(request: Request, db: Any, settings: Any, auth: Any, ip: str) -> None:
    record(db, auth.user, "logout", target=auth.user.username, ip=ip)
    db.commit()
    end_session(db, settings, request.cookies.get(COOKIE_NAME))


@pages.post("/logout")
def logout(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    auth: AuthDep,
    ip: ClientIP,
    _csrf: CsrfChecked,
) -> Response:
    """Ends the session."""
    _logout(request, db, settings, auth, ip)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@api.get("/me")
def me(user: CurrentUser, auth: AuthDep) -> dict[str, Any]:
    """The signed-in user, and the CSRF token to send with changes."""
    return {"username": user.username, "role": user.role, "csrf_token": auth.csrf_token}


@api.post("/logout", status_code=204)
def api_logout(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    auth: AuthDep,
    ip: ClientIP,
    _csrf: CsrfChecked,
) -> Response:
    """Ends the session."""
    _logout(request, db, settings, auth, ip)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response
