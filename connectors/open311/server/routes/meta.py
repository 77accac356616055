"""Discovery and health endpoints."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..deps import CatalogDep, StoreDep

__all__ = ["health_router", "router"]

router = APIRouter()
health_router = APIRouter()


@router.get("/discovery.json")
def discovery(request: Request, catalog: CatalogDep) -> dict[str, Any]:
    """Minimal Open311 service discovery document."""
    url = str(request.url_for("list_services")).removesuffix("/services.json")
    return {
        "changeset": catalog.changeset,
        "contact": "LA 311 assistant maintainers",
        "key_service": "API keys are issued by the maintainers of this deployment.",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": url,
                "changeset": catalog.changeset,
                "type": "production",
                "formats": ["application/json"],
            }
        ],
    }


@health_router.get("/health")
def health() -> dict[str, str]:
    """Liveness probe."""
    return {"status": "ok"}


@health_router.get("/ready")
def ready(store: StoreDep) -> JSONResponse:
    """Readiness probe: 200 when the request database answers, 503 otherwise."""
    try:
        store.count()
    except Exception as error:  # any database failure means "not ready", never a 500
        return JSONResponse({"status": "unavailable", "error": str(error)[:200]}, 503)
    return JSONResponse({"status": "ready"})
