"""GeoReport v2 error array and the exception that produces it."""

from __future__ import annotations

from starlette.responses import JSONResponse

__all__ = ["ApiError", "error_response"]


class ApiError(Exception):
    """Abort a request with the GeoReport v2 error array.

    Args:
        status_code: HTTP status, also used as the error ``code``.
        description: Plain-text explanation for the client developer.
    """

    def __init__(self, status_code: int, description: str) -> None:
        super().__init__(description)
        self.status_code = status_code
        self.description = description


def error_response(
    status_code: int, description: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """Return ``[{"code": status_code, "description": description}]`` with that status."""
    return JSONResponse(
        [{"code": status_code, "description": description}],
        status_code=status_code,
        headers=headers,
    )
