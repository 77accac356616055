"""One handler per resource serves the page and the JSON: these helpers pick the form.

A route is registered at ``/<resource>`` and at ``/api/<resource>``; under ``/api`` it answers
JSON (and reads a JSON body), elsewhere it renders a template (and reads a form), after a
change redirecting back to the page (post/redirect/get).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from fastapi import HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ValidationError

__all__ = ["body", "changed", "is_api", "respond"]

ModelT = TypeVar("ModelT", bound=BaseModel)


def is_api(request: Request) -> bool:
    """Whether the request came in under ``/api``."""
    return request.url.path.startswith("/api/")


def respond(
    request: Request,
    templates: Jinja2Templates,
    template: str,
    data: Mapping[str, object],
    page: Mapping[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    """``data`` as JSON under ``/api``, otherwise ``template`` with ``data`` and ``page``."""
    if is_api(request):
        return JSONResponse(jsonable_encoder(dict(data)), status_code=status_code)
    response: Response = templates.TemplateResponse(
        request, template, {**(page or {}), **data}, status_code=status_code
    )
    return response


def changed(request: Request, location: str, data: Mapping[str, object] | None = None,
            status_code: int = 200) -> Response:
    """After a change: JSON (``data``, or 204 without) under ``/api``, else a 303 redirect."""
    if is_api(request):
        if data is None:
            return Response(status_code=204)
        return JSONResponse(jsonable_encoder(dict(data)), status_code=status_code)
    return RedirectResponse(location, status_code=303)


async def body(request: Request, model: type[ModelT]) -> ModelT:
    """The request's body as ``model``: JSON under ``/api``, a form otherwise (400 if bad)."""
    try:
        if is_api(request) or request.headers.get("content-type", "").startswith(
            "application/json"
        ):
            raw: object = await request.json()
        else:
            form = await request.form()
            raw = {key: value for key, value in form.items() if isinstance(value, str)}
        return model.model_validate(raw)
    except (ValidationError, ValueError, RecursionError) as error:  # deep JSON: RecursionError
        raise HTTPException(status_code=400, detail=_message(error)) from error


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg"))
    return "The request body is not valid."
