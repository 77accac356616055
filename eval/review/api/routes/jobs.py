"""Retrain-and-compare jobs: an admin starts one; everyone can follow it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from eval.review.api.deps import (
    AdminUser,
    AuthDep,
    ClientIP,
    CsrfChecked,
    CurrentUser,
    RunnerDep,
    SessionDep,
    SettingsDep,
    TemplatesDep,
)
from eval.review.models import JOB_ACTIVE, Job
from eval.review.retrain.jobs import JobAlreadyRunning

pages = APIRouter(tags=["jobs"])
api = APIRouter(tags=["jobs"])

_LOG_TAIL = 400  # lines shown on the job page


def _job(job: Job, log: bool = True) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": job.id,
        "status": job.status,
        "active": job.status in JOB_ACTIVE,
        "step": job.step,
        "by": job.user.username,
        "created_at": job.created_at.isoformat(timespec="seconds"),
        "started_at": job.started_at.isoformat(timespec="seconds") if job.started_at else None,
        "finished_at": job.finished_at.isoformat(timespec="seconds") if job.finished_at else None,
        "message": job.message,
        "result": job.result or {},
    }
    if log:
        view["log"] = "\n".join(job.log.splitlines()[-_LOG_TAIL:])
    return view


def _settings(settings: Any) -> dict[str, Any]:
    return {
        "config": str(settings.path(settings.train_config)),
        "epochs": settings.train_epochs,
        "tolerance": settings.promote_tolerance,
        "models_dir": str(settings.path(settings.models_dir)),
        "export_dir": str(settings.path(settings.export_dir)),
    }


def _get(db: Any, job_id: int) -> Job:
    job = db.get(Job, job_id)
    if job is None:
        raise HTTPException(status_code=404, detail="No such job.")
    return job  # type: ignore[no-any-return]


@pages.get("/jobs")
def jobs_page(
    request: Request,
    user: CurrentUser,
    auth: AuthDep,
    db: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    """Jobs, newest first, and the button to start one (admins)."""
    jobs = [_job(j, log=False) for j in db.scalars(select(Job).order_by(Job.id.desc()).limit(50))]
    return templates.TemplateResponse(
        request, "jobs.html",
        {"user": user, "auth": auth, "jobs": jobs, "settings": _settings(settings)},
    )


@pages.post("/jobs")
def start_job_page(
    user: AdminUser, _csrf: CsrfChecked, runner: RunnerDep, ip: ClientIP
) -> Response:
    """Starts a retrain job and shows its page."""
    try:
        job = runner.start(user, ip)
    except JobAlreadyRunning as error:
        raise HTTPException(status_code=409, detail=str(error)) from error
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@pages.get("/jobs/{job_id}")
def job_page(
    request: Request,
    job_id: int,
    user: CurrentUser,
    auth: AuthDep,
    db: SessionDep,
    templates: TemplatesDep,
) -> Response:
    """One job: progress and log (refreshing while it runs), then the comparison."""
    return templates.TemplateResponse(
        request, "job.html", {"user": user, "auth": auth, "job": _job(_get(db, job_id))}
    )


@api.get("/jobs")
def jobs_api(user: CurrentUser, db: SessionDep) -> list[dict[str, Any]]:
    """Jobs, newest first."""
    return [_job(j, log=False) for j in db.scalars(select(Job).order_by(Job.id.desc()).limit(50))]


@api.post("/jobs", status_code=202)
def start_job_api(
    user: AdminUser, _csrf: CsrfChecked, runner: RunnerDep, ip: ClientIP
) -> dict[str, Any]:
    """Starts a retrain job."""
    try:
        job = runner.start(user, ip)
    except JobAlreadyRunning as error:
        raise HTTPException(status_code=409, detail=str(error)) from error
    return {"id": job.id, "status": job.status}


@api.get("/jobs/{job_id}")
def job_api(job_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    """One job with its log and results."""
    return _job(_get(db, job_id))
