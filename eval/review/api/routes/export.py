"""Exporting corrected messages to NLU training data under ``REVIEW_EXPORT_DIR``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select

from eval.review.api.deps import (
    AuthDep,
    ClientIP,
    CsrfChecked,
    CurrentUser,
    DomainDep,
    SessionDep,
    SettingsDep,
    TemplatesDep,
    TrackerDep,
)
from eval.review.export import export_corrections
from eval.review.models import Correction, ExportRecord
from eval.review.presenters import Redactor
from eval.review.tracker.store import TrackerUnavailable

pages = APIRouter(tags=["export"])
api = APIRouter(tags=["export"])


def _status(db: Any, tracker: Any, domain: Any) -> dict[str, Any]:
    pending = list(
        db.scalars(
            select(Correction).where(Correction.exported_at.is_(None)).order_by(Correction.id)
        )
    )
    try:
        messages = tracker.user_messages([c.event_id for c in pending])
    except TrackerUnavailable:
        messages = {}
    redactor = Redactor(domain.public_phones)
    exports = db.scalars(select(ExportRecord).order_by(ExportRecord.id.desc()).limit(20))
    return {
        "pending": [
            {
                "conversation_id": c.conversation_id,
                "event_id": c.event_id,
                "intent": c.intent,
                "predicted_intent": c.predicted_intent,
                "entities": [e.get("entity") for e in c.entities or []],
                "text": redactor(messages[c.event_id].text) if c.event_id in messages else None,
                "by": c.user.username,
            }
            for c in pending
        ],
        "exports": [
            {"path": e.path, "examples": e.examples, "created_at": e.created_at.isoformat(
                timespec="seconds")}
            for e in exports
        ],
    }


def _run(db: Any, tracker: Any, settings: Any, domain: Any, user: Any, ip: str) -> dict[str, Any]:
    try:
        plan, files = export_corrections(
            db, tracker, user,
            nlu_dir=settings.path(settings.nlu_dir),
            export_dir=settings.path(settings.export_dir),
            public_phones=domain.public_phones,
            ip=ip,
        )
    except TrackerUnavailable as error:
        raise HTTPException(
            status_code=503, detail=f"Tracker store unavailable: {error}"
        ) from error
    return {
        "files": [str(f) for f in files],
        "contents": {str(f): f.read_text(encoding="utf-8") for f in files},
        "examples": len(plan.examples),
        "by_intent": dict(plan.by_intent),
        "duplicates": len(plan.duplicates),
        "missing": len(plan.missing),
        "unsafe": len(plan.unsafe),
    }


@pages.get("/export")
def export_page(
    request: Request,
    user: CurrentUser,
    auth: AuthDep,
    db: SessionDep,
    settings: SettingsDep,
    tracker: TrackerDep,
    domain: DomainDep,
    templates: TemplatesDep,
) -> Response:
    """Corrections waiting to be exported, and earlier exports."""
    return templates.TemplateResponse(
        request,
        "export.html",
        {"user": user, "auth": auth, "status": _status(db, tracker, domain), "result": None,
         "export_dir": str(settings.path(settings.export_dir))},
    )


@pages.post("/export")
def export_run_page(
    request: Request,
    user: CurrentUser,
    auth: AuthDep,
    _csrf: CsrfChecked,
    db: SessionDep,
    settings: SettingsDep,
    tracker: TrackerDep,
    domain: DomainDep,
    templates: TemplatesDep,
    ip: ClientIP,
) -> Response:
    """Exports the pending corrections and shows what was written."""
    result = _run(db, tracker, settings, domain, user, ip)
    return templates.TemplateResponse(
        request,
        "export.html",
        {"user": user, "auth": auth, "status": _status(db, tracker, domain), "result": result,
         "export_dir": str(settings.path(settings.export_dir))},
    )


@api.get("/export")
def export_status_api(
    user: CurrentUser, db: SessionDep, tracker: TrackerDep, domain: DomainDep
) -> dict[str, Any]:
    """Corrections waiting to be exported, and earlier exports."""
    return _status(db, tracker, domain)


@api.post("/export")
def export_api(
    user: CurrentUser,
    _csrf: CsrfChecked,
    db: SessionDep,
    settings: SettingsDep,
    tracker: TrackerDep,
    domain: DomainDep,
    ip: ClientIP,
) -> dict[str, Any]:
    """Exports the pending corrections."""
    return _run(db, tracker, settings, domain, user, ip)
