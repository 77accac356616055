"""The audit log, for admins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from eval.review.api.deps import AdminUser, AuthDep, SessionDep, TemplatesDep
from eval.review.models import AuditEntry

pages = APIRouter(tags=["audit"])
api = APIRouter(tags=["audit"])

_PAGE = 100


def _entries(db: Any, page: int, action: str) -> dict[str, Any]:
    query = select(AuditEntry)
    counted = select(func.count()).select_from(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
        counted = counted.where(AuditEntry.action == action)
    total = int(db.scalar(counted) or 0)
    rows = db.scalars(query.order_by(AuditEntry.id.desc()).limit(_PAGE).offset((page - 1) * _PAGE))
    return {
        "total": total,
        "page": page,
        "pages": max(1, -(-total // _PAGE)),
        "entries": [
            {"at": e.at.isoformat(timespec="seconds"), "username": e.username,
             "action": e.action, "target": e.target, "detail": e.detail, "ip": e.ip}
            for e in rows
        ],
        "actions": sorted(db.scalars(select(AuditEntry.action).distinct())),
    }


@pages.get("/audit")
def audit_page(
    request: Request,
    user: AdminUser,
    auth: AuthDep,
    db: SessionDep,
    templates: TemplatesDep,
    page: Annotated[int, Query(ge=1)] = 1,
    action: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The audit log, newest first."""
    return templates.TemplateResponse(
        request, "audit.html",
        {"user": user, "auth": auth, "log": _entries(db, page, action), "action": action},
    )


@api.get("/audit")
def audit_api(
    user: AdminUser,
    db: SessionDep,
    page: Annotated[int, Query(ge=1)] = 1,
    action: Annotated[str, Query(max_length=40)] = "",
) -> dict[str, Any]:
    """The audit log as JSON."""
    return _entries(db, page, action)
