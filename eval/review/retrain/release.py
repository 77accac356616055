"""Approving a candidate and rolling a release back (admins only; owns SQL and commits).

Approve (a ``ready`` job): the candidate's model is copied into the models directory under its
own name and pinned (``models/KEEP``), its staged NLU files move into the approved folder
(``nlu_data/reviewed/`` by default, read by ``bot/train.py``), knowledge questions and form
steps into ``eval/data/reviewed/``, and ``models/CURRENT`` names the model. The review app's
model server (``/model-server/current.tar.gz``) then hands it to every Rasa process. Because
``bot/train.py`` names a model by its inputs, a restart (``make run``) finds it up to date.

Roll back (a ``promoted`` job, the latest one): its files leave the approved folders, and
``CURRENT`` names the model that was current before it — again what ``bot/train.py`` would
build from the remaining inputs, so the rollback survives a restart too.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from eval.review.audit import record
from eval.review.core.config import Settings
from eval.review.models import Job, MessageCorrection, User, utcnow
from eval.review.retrain.steps import current_model, install_model, keep_model, set_current

__all__ = ["ReleaseError", "approve", "rollback"]


class ReleaseError(Exception):
    """The job cannot be approved or rolled back now (the message says why)."""


def _merge_yaml(target: Path, key: str, items: list[dict[str, object]]) -> None:
    existing: list[dict[str, object]] = []
    if target.exists():
        existing = (yaml.safe_load(target.read_text(encoding="utf-8")) or {}).get(key) or []
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_text(yaml.safe_dump({key: existing + items}, allow_unicode=True,
                                      sort_keys=False), encoding="utf-8")
    os.replace(partial, target)


def _remove_items(target: Path, key: str, job_id: int) -> None:
    if not target.exists():
        return
    items = (yaml.safe_load(target.read_text(encoding="utf-8")) or {}).get(key) or []
    kept = [i for i in items if i.get("job") != job_id]
    target.write_text(yaml.safe_dump({key: kept}, allow_unicode=True, sort_keys=False),
                      encoding="utf-8")


def approve(db: Session, settings: Settings, job: Job, admin: User, ip: str = "") -> Path:
    """Promotes a ``ready`` candidate (see module doc); returns the installed model."""
    if not admin.is_admin:
        raise ReleaseError("Only an admin can approve a candidate.")
    if job.status != "ready":
        raise ReleaseError(f"Job {job.id} is {job.status}, not waiting for approval.")
    result = dict(job.result or {})
    workdir = settings.path(settings.jobs_dir) / f"job-{job.id}"
    candidate = workdir / "candidate" / str(result.get("candidate_model"))
    if not candidate.is_file():
        raise ReleaseError("The candidate model file is gone; start a new candidate.")
    models_dir = settings.path(settings.models_dir)
    previous = current_model(models_dir)
    model = install_model(candidate, models_dir)
    keep_model(models_dir, model)
    if previous is not None:
        keep_model(models_dir, previous)
    staged = settings.path(settings.staging_dir) / f"job-{job.id}"
    approved = settings.path(settings.approved_dir)
    approved.mkdir(parents=True, exist_ok=True)
    moved: list[str] = []
    for file in sorted((staged / approved.name).glob("*.yml")):
        target = approved / file.name
        shutil.move(str(file), target)
        moved.append(str(target))
    extras = settings.path(settings.reviewed_eval_dir)
    for name, key in (("retrieval.yml", "questions"), ("form_steps.yml", "cases")):
        source = staged / name
        if source.exists():
            items = (yaml.safe_load(source.read_text(encoding="utf-8")) or {}).get(key) or []
            _merge_yaml(extras / name, key, [{**i, "job": job.id} for i in items])
    set_current(models_dir, model)
    for correction in db.scalars(
        select(MessageCorrection).where(MessageCorrection.staged_job_id == job.id)
    ):
        correction.status = "approved"
    result.update(approved_files=moved, model=model.name,
                  previous_model=previous.name if previous else None,
                  approved_by=admin.username, approved_at=utcnow().isoformat())
    job.result = result
    job.status = job.step = "promoted"
    job.message = f"Approved by {admin.username}: the assistant now uses this model."
    record(db, admin, "release.approve", target=f"job:{job.id}", ip=ip, model=model.name)
    db.commit()
    return model


def rollback(db: Session, settings: Settings, job: Job, admin: User, ip: str = "") -> Path | None:
    """Rolls back the latest promoted candidate; returns the model that is current again."""
    if not admin.is_admin:
        raise ReleaseError("Only an admin can roll back.")
    if job.status != "promoted":
        raise ReleaseError(f"Job {job.id} is {job.status}: only a promoted model rolls back.")
    newer = db.scalar(select(Job).where(Job.status == "promoted", Job.id > job.id))
    if newer is not None:
        raise ReleaseError(f"Roll back job {newer.id} first (it was promoted later).")
    result = dict(job.result or {})
    parked = settings.path(settings.staging_dir) / f"job-{job.id}" / "rolled-back"
    parked.mkdir(parents=True, exist_ok=True)
    for name in result.get("approved_files") or []:
        path = Path(name)
        if path.exists():
            shutil.move(str(path), parked / path.name)
    extras = settings.path(settings.reviewed_eval_dir)
    _remove_items(extras / "retrieval.yml", "questions", job.id)
    _remove_items(extras / "form_steps.yml", "cases", job.id)
    models_dir = settings.path(settings.models_dir)
    previous_name = result.get("previous_model")
    previous = models_dir / str(previous_name) if previous_name else None
    if previous is not None and previous.is_file():
        set_current(models_dir, previous)
    elif (models_dir / "CURRENT").exists():
        (models_dir / "CURRENT").unlink()
        previous = None
    for correction in db.scalars(
        select(MessageCorrection).where(MessageCorrection.staged_job_id == job.id)
    ):
        correction.status = "rolled_back"
    result.update(rolled_back_by=admin.username, rolled_back_at=utcnow().isoformat())
    job.result = result
    job.status = job.step = "rolled_back"
    job.message = f"Rolled back by {admin.username}."
    record(db, admin, "release.rollback", target=f"job:{job.id}", ip=ip,
           model=previous.name if previous else None)
    db.commit()
    return previous
