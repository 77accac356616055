"""Staff accounts, sign-in with rate limiting, and server-side sessions.

Errors::

    AuthError                 base class
    ├── InvalidCredentials    unknown user, wrong password or disabled account (one message)
    └── RateLimited           too many failures for this user name from this IP address
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from eval.review.audit import record
from eval.review.core.config import Settings
from eval.review.core.security import (
    hash_password,
    keyed_hash,
    needs_rehash,
    new_token,
    verify_password,
)
from eval.review.models import AuditEntry, AuthSession, LoginAttempt, Role, User, utcnow

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "AuthError",
    "InvalidCredentials",
    "RateLimited",
    "authenticate",
    "create_user",
    "end_session",
    "session_for_token",
    "set_password",
    "start_session",
    "validate_password",
]

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,80}$")


class AuthError(Exception):
    """Base class of sign-in errors."""


class InvalidCredentials(AuthError):
    """The user name or password is wrong, or the account is disabled."""


class RateLimited(AuthError):
    """Too many failed sign-ins; try again later."""


def validate_password(password: str) -> None:
    """Raises ``ValueError`` when the password is too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")


def create_user(
    db: Session, username: str, password: str, role: str, actor: User | None = None, ip: str = ""
) -> User:
    """Adds an account (audited); raises ``ValueError`` on bad input or a taken name."""
    username = username.strip()
    if not _USERNAME.match(username):
        raise ValueError("User names are 2-80 letters, digits and . _ @ -")
    if role not in Role.ALL:
        raise ValueError(f"Role must be one of {', '.join(Role.ALL)}.")
    validate_password(password)
    if db.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise ValueError(f"The user name {username!r} is taken.")
    user = User(username=username, password_hash=hash_password(password), role=role)
    db.add(user)
    db.flush()
    record(db, actor, "user.create", target=username, ip=ip, role=role)
    return user


def set_password(db: Session, user: User, password: str, actor: User, ip: str = "") -> None:
    """Changes a password (audited) and signs the user out everywhere."""
    validate_password(password)
    user.password_hash = hash_password(password)
    db.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    record(db, actor, "user.password", target=user.username, ip=ip)


def _recent_failures(db: Session, settings: Settings, username: str, ip: str) -> int:
    since = utcnow() - timedelta(seconds=settings.login_window_seconds)
    last_success = db.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.username == username, LoginAttempt.ip == ip, LoginAttempt.success
        )
    )
    if last_success is not None and last_success > since:
        since = last_success
    return int(
        db.scalar(
            select(func.count()).where(
                LoginAttempt.username == username,
                LoginAttempt.ip == ip,
                LoginAttempt.at > since,
                LoginAttempt.success.is_(False),
            )
        )
        or 0
    )


def _unauthenticated(db: Session, account: User | None, action: str, ip: str) -> None:
    db.add(AuditEntry(user_id=account.id if account else None, username="", action=action,
                      target=f"user:{account.id}" if account else "", detail={}, ip=ip))


def authenticate(db: Session, settings: Settings, username: str, password: str, ip: str) -> User:
    """The signed-in user; raises :class:`RateLimited` or :class:`InvalidCredentials`.

    Every attempt is recorded; after ``login_max_failures`` failures within
    ``login_window_seconds`` for the same user name and IP address, even the right password
    is refused until the window has passed. The password is checked (argon2, about 0.3 s)
    before anything is written, so no sign-in holds the database's write lock meanwhile.
    """
    key = username.strip().lower()[:80]
    # Failed and throttled sign-ins are logged without the typed name (free text a visitor
    # controls): an account's id when the name is an account's, nothing otherwise.
    known = db.scalar(select(User).where(func.lower(User.username) == key))
    if _recent_failures(db, settings, key, ip) >= settings.login_max_failures:
        _unauthenticated(db, known, "login.rate_limited", ip)
        db.commit()
        raise RateLimited("Too many failed sign-ins. Wait a few minutes and try again.")
    user = known
    ok = verify_password(user.password_hash if user else None, password)
    ok = ok and user is not None and user.active
    db.execute(
        delete(LoginAttempt).where(
            LoginAttempt.at < utcnow() - timedelta(seconds=settings.login_window_seconds * 2)
        )
    )
    db.add(LoginAttempt(username=key, ip=ip, success=ok))
    if not ok or user is None:
        _unauthenticated(db, known, "login.failed", ip)
        db.commit()
        raise InvalidCredentials("Wrong user name or password.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    record(db, user, "login", target=user.username, ip=ip)
    db.commit()
    return user


def start_session(db: Session, settings: Settings, user: User, ip: str) -> str:
    """Creates a session; returns the token for the cookie (the database keeps its hash)."""
    token = new_token()
    now = utcnow()
    db.add(
        AuthSession(
            id=keyed_hash(settings.secret_key.get_secret_value(), token),
            user_id=user.id,
            csrf_token=new_token(),
            created_at=now,
            expires_at=_expiry(settings, now, now),
            ip=ip[:64],
        )
    )
    db.commit()
    return token


def _expiry(settings: Settings, created: datetime, now: datetime) -> datetime:
    """When a session used at ``now`` ends: idle timeout, capped by its longest life."""
    return min(
        created + timedelta(hours=settings.session_hours),
        now + timedelta(minutes=settings.session_idle_minutes),
    )


def session_for_token(db: Session, settings: Settings, token: str | None) -> AuthSession | None:
    """The live session of a cookie token, or ``None`` (unknown, expired, idle, disabled user).

    Each use pushes the idle deadline back (written at most once a minute).
    """
    if not token or len(token) > 200:
        return None
    session = db.get(AuthSession, keyed_hash(settings.secret_key.get_secret_value(), token))
    if session is None:
        return None
    now = utcnow()
    if session.expires_at <= now or not session.user.active:
        db.delete(session)
        db.commit()
        return None
    expiry = _expiry(settings, session.created_at, now)
    if expiry - session.expires_at > timedelta(minutes=1):
        session.expires_at = expiry
        db.commit()
    return session


def end_session(db: Session, settings: Settings, token: str | None) -> None:
    """Signs out: deletes the session of a cookie token."""
    if token:
        db.execute(
            delete(AuthSession).where(
                AuthSession.id == keyed_hash(settings.secret_key.get_secret_value(), token)
            )
        )
        db.commit()
