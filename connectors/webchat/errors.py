"""Errors of the web chat, each answered to the browser as ``{"error", "message": {en, es}}``.

Tree::

    WebchatError                  anything the browser is told about (status, code, en, es)
    ├── InvalidInput              the browser sent something unusable (400, 413)
    ├── RateLimited               too many requests from this client or conversation (429)
    ├── AssistantRejected         Rasa answered 4xx; its bilingual message is passed through
    └── AssistantUnavailable      Rasa is unreachable or failing (503)
        └── AssistantTimeout      Rasa took too long to answer (504)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AssistantRejected",
    "AssistantTimeout",
    "AssistantUnavailable",
    "InvalidInput",
    "RateLimited",
    "WebchatError",
]


class WebchatError(Exception):
    """Base class: an HTTP status, a stable code and an English and a Spanish explanation.

    Attributes:
        status: The HTTP status the browser gets.
        code: A stable machine-readable error code.
        message: Explanations keyed by language ("en", "es").
    """

    status = 500
    code = "error"

    def __init__(self, en: str, es: str, *, status: int | None = None, code: str | None = None):
        super().__init__(en)
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.message = {"en": en, "es": es}

    def as_json(self) -> dict[str, Any]:
        """The JSON body of the error reply."""
        return {"error": self.code, "message": self.message}


class InvalidInput(WebchatError):
    """The browser's request is malformed; nothing was sent to the assistant."""

    status = 400
    code = "invalid_request"


class RateLimited(WebchatError):
    """Too many messages in a short time; ``retry_after`` seconds until the next one."""

    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int, message: dict[str, str]) -> None:
        super().__init__(message["en"], message["es"])
        self.retry_after = retry_after


class AssistantRejected(WebchatError):
    """The assistant refused the message (for example empty or too long)."""

    status = 400
    code = "rejected"


class AssistantUnavailable(WebchatError):
    """The assistant cannot be reached or answered with a server error."""

    status = 503
    code = "unavailable"

    def __init__(self) -> None:
        super().__init__(
            "The assistant is not reachable right now. Please try again in a moment.",
            "El asistente no está disponible en este momento. Intente de nuevo en un momento.",
        )


class AssistantTimeout(AssistantUnavailable):
    """The assistant did not answer in time; the message may or may not have been processed."""

    status = 504
    code = "timeout"
