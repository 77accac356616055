"""GET ``services.json`` and ``services/{service_code}.json``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..deps import CatalogDep, LocaleDep, PolicyDep
from ..responses import ApiError
from .common import check_jurisdiction, jurisdiction_query

__all__ = ["router"]

router = APIRouter()


@router.get("/services.json")
def list_services(
    catalog: CatalogDep,
    locale: LocaleDep,
    policy: PolicyDep,
    jurisdiction_id: jurisdiction_query = None,
) -> list[dict[str, Any]]:
    """List the service types (``locale=es`` or ``Accept-Language: es`` for Spanish)."""
    check_jurisdiction(jurisdiction_id, policy)
    return catalog.render_services(locale)


@router.get("/services/{service_code}.json")
def service_definition(
    service_code: str,
    catalog: CatalogDep,
    locale: LocaleDep,
    policy: PolicyDep,
    jurisdiction_id: jurisdiction_query = None,
) -> dict[str, Any]:
    """Return the attributes of one service type."""
    check_jurisdiction(jurisdiction_id, policy)
    definition = catalog.render_definition(service_code, locale)
    if definition is None:
        raise ApiError(404, f"service_code not found: {service_code}")
    return definition
