"""Candidate models: an admin builds one, the checks run, an admin approves or rolls back.

Each handler serves the page (``/jobs…``) and the JSON API (``/api/jobs…``). Reviewers can
follow candidates but get 403 on every change. The log is shown without terminal colours.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from eval.review.api.deps import (
    AdminUser,
    ClientIP,
    CsrfChecked,
    CurrentUser,
    RunnerDep,
    SessionDep,
    SettingsDep,
    TemplatesDep,
    UiLanguage,
)
from eval.review.api.respond import changed, respond
from eval.review.core.config import Settings
from eval.review.labels import intent_label
from eval.review.models import JOB_ACTIVE, Job
from eval.review.presenters import View
from eval.review.retrain.jobs import JobAlreadyRunning
from eval.review.retrain.release import ReleaseError, approve, rollback
from eval.review.retrain.steps import current_model

__all__ = ["router"]

router = APIRouter(tags=["jobs"])

_LOG_TAIL = 400  # lines shown on the job page
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_STATUS = {
    "queued": "Waiting to start",
    "running": "Running",
    "ready": "Passed the checks: waiting for an admin's approval",
    "rejected": "Did not pass the checks",
    "failed": "Failed",
    "promoted": "In use by the assistant",
    "rolled_back": "Rolled back",
    "superseded": "Replaced by a newer candidate",
}


def _job_view(job: Job, ui: str, log: bool = True) -> View:
    result = dict(job.result or {})
    table = result.get("table") or []
    for language in table:
        for row in language.get("intents", []):
            row["label"] = intent_label(row.get("intent"), ui)
    for case in result.get("understood") or []:
        case["intent_label"] = intent_label(case.get("intent"), ui)
        case["predicted_label"] = intent_label(case.get("predicted"), ui)
    view: View = {
        "id": job.id,
        "status": job.status,
        "status_label": _STATUS.get(job.status, job.status),
        "active": job.status in JOB_ACTIVE,
        "step": job.step,
        "by": job.user.username,
        "created_at": job.created_at.isoformat(timespec="seconds"),
        "finished_at": job.finished_at.isoformat(timespec="seconds") if job.finished_at else None,
        "message": job.message,
        "result": result,
    }
    if log:
        view["log"] = _ANSI.sub("", "\n".join(job.log.splitlines()[-_LOG_TAIL:]))
    return view


def _get(db: Session, job_id: int) -> Job:
    job = db.get(Job, job_id)
    if job is None:
        raise HTTPException(status_code=404, detail="No such candidate.")
    return job


def _settings_view(settings: Settings) -> View:
    current = current_model(settings.path(settings.models_dir))
    return {"tolerance": settings.promote_tolerance,
            "intent_tolerance": settings.intent_tolerance,
            "epochs": settings.train_epochs,
            "current_model": current.name if current else None}


@router.get("/jobs")
@router.get("/api/jobs")
def jobs(
    request: Request, user: CurrentUser, db: SessionDep, settings: SettingsDep,
    templates: TemplatesDep, ui: UiLanguage,
) -> Response:
    """Every candidate, newest first, and the model in use."""
    rows = db.scalars(select(Job).order_by(Job.id.desc()).limit(100))
    data: View = {"jobs": [_job_view(j, ui, log=False) for j in rows],
                  "settings": _settings_view(settings)}
    return respond(request, templates, "jobs.html", data,
                   {"user": user, "auth": request.state.viewer})


@router.post("/jobs")
@router.post("/api/jobs")
def start(
    request: Request, user: AdminUser, _csrf: CsrfChecked, runner: RunnerDep, ip: ClientIP,
    db: SessionDep, ui: UiLanguage,
) -> Response:
    """Stages the pending corrections and builds a candidate (admins)."""
    try:
        started = runner.start(user, ip)
    except JobAlreadyRunning as error:
        raise HTTPException(status_code=409, detail=str(error)) from error
    return changed(request, f"/jobs/{started.id}",
                   _job_view(_get(db, started.id), ui, log=False), 202)


@router.get("/jobs/{job_id}")
@router.get("/api/jobs/{job_id}")
def job(
    request: Request, job_id: int, user: CurrentUser, db: SessionDep, templates: TemplatesDep,
    ui: UiLanguage,
) -> Response:
    """A candidate: the checks, the comparison, the log."""
    data = _job_view(_get(db, job_id), ui)
    return respond(request, templates, "job.html", {"job": data},
                   {"user": user, "auth": request.state.viewer})


@router.post("/jobs/{job_id}/approve")
@router.post("/api/jobs/{job_id}/approve")
def approve_job(
    request: Request, job_id: int, user: AdminUser, _csrf: CsrfChecked, db: SessionDep,
    settings: SettingsDep, ip: ClientIP, ui: UiLanguage,
) -> Response:
    """Puts a candidate that passed the checks in use (admins)."""
    found = _get(db, job_id)
    try:
        approve(db, settings, found, user, ip)
    except ReleaseError as error:
        raise HTTPException(status_code=409, detail=str(error)) from error
    return changed(request, f"/jobs/{job_id}", _job_view(found, ui, log=False))


@router.post("/jobs/{job_id}/rollback")
@router.post("/api/jobs/{job_id}/rollback")
def rollback_job(
    request: Request, job_id: int, user: AdminUser, _csrf: CsrfChecked, db: SessionDep,
    settings: SettingsDep, ip: ClientIP, ui: UiLanguage,
) -> Response:
    """Goes back to the model in use before this candidate (admins)."""
    found = _get(db, job_id)
    try:
        rollback(db, settings, found, user, ip)
    except ReleaseError as error:
        raise HTTPException(status_code=409, detail=str(error)) from error
    return changed(request, f"/jobs/{job_id}", _job_view(found, ui, log=False))
