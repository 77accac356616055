"""Webhook request signatures: Twilio's X-Twilio-Signature and a generic HMAC-SHA256.

Twilio ("Secure webhooks", twilio.com/docs/usage/webhooks/webhooks-security) signs every
webhook with ``X-Twilio-Signature``: the base64 HMAC-SHA1, keyed with the account's auth
token, of the full URL Twilio requested (scheme, host, path and query string) followed, for a
form POST, by every POST parameter's name and value, sorted by name. twilio-python's
``RequestValidator`` also accepts the URL with the port removed or the default port added,
"since sig generation on back end is inconsistent"; :func:`validate_twilio_signature` does the
same so a deployment behind a proxy that adds ``:443`` still validates.

All comparisons are constant-time (:func:`hmac.compare_digest`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

Params = Mapping[str, str] | Iterable[tuple[str, str]]


def _pairs(params: Params) -> list[tuple[str, str]]:
    items = params.items() if isinstance(params, Mapping) else params
    # twilio-python sorts the names, then each name's distinct values.
    return sorted(set(items))


def compute_twilio_signature(url: str, params: Params, auth_token: str) -> str:
    """Compute the ``X-Twilio-Signature`` Twilio would send for a request.

    Args:
        url: the full URL Twilio requested, including any query string.
        params: the form POST parameters, as a mapping or as (name, value) pairs
            (repeated names allowed).
        auth_token: the Twilio account's auth token.

    Returns:
        The base64-encoded HMAC-SHA1 signature.
    """
    payload = url + "".join(name + value for name, value in _pairs(params))
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _url_variants(url: str) -> list[str]:
    """The URL as given, without its port, and with the scheme's default port."""
    parts = urlsplit(url)
    variants = [url]
    host = parts.hostname or ""
    if parts.port is not None:
        netloc = parts.netloc.rsplit(":", 1)[0]
        variants.append(urlunsplit(parts._replace(netloc=netloc)))
    elif host:
        port = 443 if parts.scheme == "https" else 80
        variants.append(urlunsplit(parts._replace(netloc=f"{parts.netloc}:{port}")))
    return variants


def constant_time_equal(a: str, b: str) -> bool:
    """Compare two strings in constant time; any non-ASCII input simply compares unequal.

    Args:
        a: first string (e.g. the signature we computed).
        b: second string (e.g. the header the caller sent).

    Returns:
        True when both strings are identical.
    """
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def validate_twilio_signature(
    url: str, params: Params, signature: str | None, auth_token: str
) -> bool:
    """Check an ``X-Twilio-Signature`` header.

    Args:
        url: the URL Twilio signed: the public webhook URL, not necessarily the URL the
            request reached behind a proxy.
        params: every form POST parameter of the request.
        signature: the header's value; None or empty when the header is missing.
        auth_token: the Twilio account's auth token.

    Returns:
        True when the signature matches the URL (as given, without port, or with the
        default port) and the parameters.
    """
    if not signature or not auth_token:
        return False
    pairs = _pairs(params)
    matches = [
        constant_time_equal(compute_twilio_signature(variant, pairs, auth_token), signature)
        for variant in _url_variants(url)
    ]
    return any(matches)


def compute_hmac_sha256_hex(body: bytes, secret: str) -> str:
    """Hex HMAC-SHA256 of a raw request body (the generic gateway's ``X-Signature``).

    Args:
        body: the raw request body, exactly as received.
        secret: the shared secret.

    Returns:
        The lowercase hex digest.
    """
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def validate_hmac_sha256_hex(body: bytes, signature: str | None, secret: str) -> bool:
    """Check a hex HMAC-SHA256 signature of a raw body (case-insensitive hex).

    Args:
        body: the raw request body.
        signature: the header's value; None or empty when the header is missing.
        secret: the shared secret.

    Returns:
        True when the signature matches.
    """
    if not signature or not secret:
        return False
    return constant_time_equal(compute_hmac_sha256_hex(body, secret), signature.strip().lower())
