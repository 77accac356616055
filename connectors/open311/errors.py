"""Exceptions raised by the Open311 connector.

Every library error (httpx, JSON decoding, pydantic) is converted into one of these at the
client boundary, so callers catch :class:`Open311Error` and nothing else::

    Open311Error                      base class; catch this in actions and utter a fallback
    ├── Open311TransportError         retryable: timeout, connection refused or reset,
    │                                 HTTP 5xx (also 408/429), a reply that is not usable JSON
    └── Open311ServiceError           not retryable: the server answered with the GeoReport v2
        │                             error array (HTTP 4xx), e.g. 400 bad attribute, 403 api_key
        └── Open311NotFound           HTTP 404: unknown service request, service code,
                                      jurisdiction or token

``retryable`` tells the outbox whether sending the same request again can succeed.
"""

from __future__ import annotations

__all__ = [
    "Open311Error",
    "Open311NotFound",
    "Open311ServiceError",
    "Open311TransportError",
]


class Open311Error(Exception):
    """Base class of every error raised by the Open311 connector."""

    retryable: bool = False


class Open311TransportError(Open311Error):
    """The backend could not be reached or did not give a usable answer.

    The request may or may not have been processed; sending it again with the same
    idempotency key is safe.

    Attributes:
        status_code: HTTP status of the reply when there was one (5xx, 408, 429, or a 2xx whose
            body could not be read), otherwise ``None``.
    """

    retryable = True

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class Open311ServiceError(Open311Error):
    """The backend refused the request with the GeoReport v2 error array.

    Attributes:
        status_code: HTTP status of the reply (4xx).
        errors: ``(code, description)`` pairs from the error array, in the server's order;
            never empty.
    """

    retryable = False

    def __init__(self, status_code: int, errors: list[tuple[int, str]]) -> None:
        if not errors:
            errors = [(status_code, f"HTTP {status_code}")]
        self.status_code = status_code
        self.errors = errors
        super().__init__("; ".join(f"{code}: {description}" for code, description in errors))

    @property
    def code(self) -> int:
        """Code of the first error in the array."""
        return self.errors[0][0]

    @property
    def description(self) -> str:
        """Description of the first error in the array."""
        return self.errors[0][1]


class Open311NotFound(Open311ServiceError):
    """HTTP 404: the service request, service code, jurisdiction or token does not exist."""
