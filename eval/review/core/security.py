"""Passwords (argon2id), session tokens and CSRF tokens.

* Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile).
* The session cookie holds a random token; the database keeps only its HMAC keyed with
  ``REVIEW_SECRET_KEY``, so a copy of the database does not sign anyone in.
* Every session has its own CSRF token: forms send it as ``csrf_token``, JavaScript as the
  ``X-CSRF-Token`` header. The sign-in form, which has no session yet, uses a signed
  double-submit cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = [
    "hash_password",
    "keyed_hash",
    "login_csrf_token",
    "login_csrf_valid",
    "needs_rehash",
    "new_token",
    "tokens_match",
    "verify_password",
]

_hasher = PasswordHasher()
# Verified when the user name is unknown, so timing does not tell which names exist.
_DUMMY_HASH = _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; ``None`` (unknown user) costs the same time and fails."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def new_token() -> str:
    """A random URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


def keyed_hash(secret: str, token: str) -> str:
    """HMAC-SHA256 of ``token`` keyed with the app secret, hex."""
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def tokens_match(expected: str, given: str | None) -> bool:
    """Constant-time comparison; a missing token never matches."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def login_csrf_token(secret: str) -> tuple[str, str]:
    """A (cookie value, form value) pair for the sign-in form."""
    nonce = new_token()
    return nonce, keyed_hash(secret, f"login:{nonce}")


def login_csrf_valid(secret: str, cookie: str | None, form_value: str | None) -> bool:
    """Whether the sign-in form's token belongs to the browser's cookie."""
    if not cookie:
        return False
    return tokens_match(keyed_hash(secret, f"login:{cookie}"), form_value)
