"""Errors of the web chat, each answered to the browser as ``{"error", "message": {<code>: …}}``.

The explanations come from the language packs (``errors`` in ``bot/languages/<code>/ui.yml``),
one per language, so the widget shows the one of the language it is in.

Tree::

    WebchatError                  anything the browser is told about (status, code, message)
    ├── InvalidInput              the browser sent something unusable (400, 413)
    ├── RateLimited               too many requests from this client or conversation (429)
    ├── AssistantRejected         Rasa answered 4xx; its explanations are passed through
    └── AssistantUnavailable      Rasa is unreachable or failing (503)
        └── AssistantTimeout      Rasa took too long to answer (504)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.languages import default_language, ui_texts

__all__ = [
    "AssistantRejected",
    "AssistantTimeout",
    "AssistantUnavailable",
    "InvalidInput",
    "RateLimited",
    "WebchatError",
]


class WebchatError(Exception):
    """Base class: an HTTP status, a stable code and an explanation in every language.

    Args:
        message: Explanations keyed by language code.
        status: Overrides the class's HTTP status.
        code: Overrides the class's error code.

    Attributes:
        status: The HTTP status the browser gets.
        code: A stable machine-readable error code.
        message: Explanations keyed by language code.
    """

    status = 500
    code = "error"

    def __init__(
        self, message: Mapping[str, str], *, status: int | None = None, code: str | None = None
    ) -> None:
        self.message = dict(message)
        super().__init__(self.message.get(default_language(), ""))
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code

    @classmethod
    def of(
        cls, text: str, *, status: int | None = None, code: str | None = None, **values: Any
    ) -> WebchatError:
        """The error explained by the packs' ``errors.<text>`` (``values`` filled in)."""
        return cls(ui_texts("errors", text, **values), status=status, code=code)

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

    def __init__(self, retry_after: int, message: Mapping[str, str]) -> None:
        super().__init__(message)
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
        super().__init__(ui_texts("errors", "assistant_unavailable"))


class AssistantTimeout(AssistantUnavailable):
    """The assistant did not answer in time; the message may or may not have been processed."""

    status = 504
    code = "timeout"
