"""Service requests: POST/GET ``requests.json``, GET ``requests/{id}.json``, tokens."""

from __future__ import annotations

import dataclasses
import time
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from ..deps import CatalogDep, LocaleDep, PolicyDep, StoreDep
from ..forms import read_form
from ..responses import ApiError
from ..store import IdempotencyConflict, RequestFilter
from ..validation import fingerprint, validate_submission
from .common import check_jurisdiction, jurisdiction_query, parse_date, render_request

__all__ = ["router"]

router = APIRouter()

DEFAULT_SPAN_SECONDS = 90 * 24 * 3600
MAX_RESULTS = 1000
_STATUSES = frozenset({"open", "closed"})


@router.post("/requests.json", status_code=201)
async def create_request(
    request: Request,
    store: StoreDep,
    catalog: CatalogDep,
    policy: PolicyDep,
    locale: LocaleDep,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """File a service request (form-urlencoded or multipart GeoReport v2 fields).

    A repeated ``Idempotency-Key`` returns the request created the first time, with 200.
    """
    if idempotency_key is not None and not (
        0 < len(idempotency_key) <= 255
        and idempotency_key.isascii()
        and idempotency_key.isprintable()
    ):
        raise ApiError(400, "Idempotency-Key must be 1 to 255 printable ASCII characters")
    fields = await read_form(request)
    new = validate_submission(fields, catalog, policy)
    new = dataclasses.replace(new, service_notice=catalog.service_notice.get(locale))
    try:
        stored, created = await run_in_threadpool(
            store.create, new, idempotency_key=idempotency_key, fingerprint=fingerprint(fields)
        )
    except IdempotencyConflict:
        raise ApiError(422, "Idempotency-Key was already used with a different request") from None
    body = [
        {
            "service_request_id": stored.service_request_id,
            "service_notice": stored.service_notice,
            "account_id": stored.account_id,
        }
    ]
    return JSONResponse(body, status_code=201 if created else 200)


@router.get("/requests.json")
def list_requests(
    store: StoreDep,
    catalog: CatalogDep,
    policy: PolicyDep,
    locale: LocaleDep,
    jurisdiction_id: jurisdiction_query = None,
    service_request_id: Annotated[str | None, Query()] = None,
    service_code: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
    start_date: Annotated[str | None, Query()] = None,
    end_date: Annotated[str | None, Query()] = None,
) -> list[dict[str, Any]]:
    """Search requests, newest first.

    With ``service_request_id`` (comma list) the other filters are ignored, as the spec says.
    Without dates, the last 90 days are searched; at most 1000 requests are returned.
    """
    check_jurisdiction(jurisdiction_id, policy)
    ids = _comma_list(service_request_id)
    if ids:
        query = RequestFilter(service_request_ids=ids, limit=MAX_RESULTS)
    else:
        statuses = _comma_list(status)
        if set(statuses) - _STATUSES:
            raise ApiError(400, "status must be open, closed or both (comma-separated)")
        after = parse_date("start_date", start_date)
        before = parse_date("end_date", end_date)
        if after is not None and before is not None and after > before:
            raise ApiError(400, "start_date is after end_date")
        if after is None:
            after = (before if before is not None else time.time()) - DEFAULT_SPAN_SECONDS
        query = RequestFilter(
            service_codes=_comma_list(service_code),
            statuses=statuses,
            requested_after=after,
            requested_before=before,
            limit=MAX_RESULTS,
        )
    return [render_request(item, catalog, locale) for item in store.search(query)]


@router.get("/requests/{service_request_id}.json")
def get_request(
    service_request_id: str,
    store: StoreDep,
    catalog: CatalogDep,
    policy: PolicyDep,
    locale: LocaleDep,
    jurisdiction_id: jurisdiction_query = None,
) -> list[dict[str, Any]]:
    """Return one request as a one-item array."""
    check_jurisdiction(jurisdiction_id, policy)
    stored = store.get(service_request_id)
    if stored is None:
        raise ApiError(404, f"service_request_id not found: {service_request_id}")
    return [render_request(stored, catalog, locale)]


@router.get("/tokens/{token}.json")
def resolve_token(
    token: str, store: StoreDep, policy: PolicyDep, jurisdiction_id: jurisdiction_query = None
) -> list[dict[str, str]]:
    """Return the service request id created for a token."""
    check_jurisdiction(jurisdiction_id, policy)
    stored = store.by_token(token)
    if stored is None:
        raise ApiError(404, f"token not found: {token}")
    return [{"service_request_id": stored.service_request_id, "token": stored.token}]


def _comma_list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]
