"""Candidate models: one at a time, in a background thread, state in REVIEW_DB.

Steps: stage the pending corrections outside ``nlu_data/`` (:mod:`.staging`) → train a
candidate with ``bot/train.py`` (the one trainer) on nlu_data + approved + staged corrections
into the job's folder → evaluate the current model (unless an earlier job evaluated the same
file) and the candidate on the held-out set → parse the corrected messages with the candidate
→ the gate (:func:`eval.review.retrain.compare.decide`): (a) no worse per language and per
intent beyond the tolerances, (b) the corrected messages understood. A candidate that passes
waits for an admin (:mod:`.release`: approve, and later roll back).

Job states: ``queued`` → ``running`` → ``ready`` (awaiting approval) | ``rejected`` |
``failed``; ``ready`` → ``promoted`` (approved) | ``superseded`` (a newer candidate started);
``promoted`` → ``rolled_back``. A rejected, failed or superseded candidate's corrections go back
to pending.

Several review-app instances may share one database (the production profile on PostgreSQL):
one job runs at a time across all of them. An instance takes the shared slot
(:class:`eval.review.models.JobSlot`, one INSERT that exactly one instance wins) and renews its
lease every few seconds while the job runs. A job whose instance stopped (its lease expired,
or the slot is gone) is marked ``failed`` by any instance at start-up or when a new job is
started; a job another live instance runs is left alone.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from eval.review.audit import record
from eval.review.core.config import REPO_ROOT, Settings
from eval.review.models import JOB_ACTIVE, Job, JobSlot, User, utcnow
from eval.review.retrain.compare import comparison_table, decide, load_report
from eval.review.retrain.staging import DANGER_COMPONENT, stage_corrections, unstage
from eval.review.retrain.steps import (
    current_model,
    eval_command,
    evaluation_key,
    subprocess_env,
    train_command,
    understand_command,
    write_training_config,
)
from eval.review.tracker.store import TrackerStore

FINISHED = ("ready", "rejected", "promoted", "rolled_back", "superseded")


def has_danger_detector(config: Path) -> bool:
    """Whether the pipeline trains the danger detector (emergency corrections feed it)."""
    return config.exists() and DANGER_COMPONENT in config.read_text(encoding="utf-8")

__all__ = ["JobAlreadyRunning", "JobFailed", "JobRunner"]

_LOG_LIMIT = 200_000  # characters of log kept per job (the tail)
LEASE_SECONDS = 60.0  # a running job's slot is renewed every LEASE_SECONDS / 4
SLOT_ID = 1


class JobAlreadyRunning(Exception):
    """Another retrain job is queued or running."""


class JobFailed(Exception):
    """A step of the job failed; the message says which."""


class _JobLog:
    """Appends lines to a job's log in the database, at most about once a second."""

    def __init__(self, sessions: sessionmaker[Session], job_id: int) -> None:
        self._sessions = sessions
        self._job_id = job_id
        self._lock = threading.Lock()
        self._pending: list[str] = []
        self._flushed = time.monotonic()

    def __call__(self, line: str) -> None:
        with self._lock:
            self._pending.append(line.rstrip("\n"))
            due = time.monotonic() - self._flushed > 1.0 or len(self._pending) > 200
        if due:
            self.flush()

    def step(self, step: str) -> None:
        """Shows what the job is doing now (with the time it started, in the log)."""
        self(f"== {utcnow().astimezone().strftime('%H:%M:%S')} {step}")
        self.flush()
        with self._sessions() as db:
            db.execute(update(Job).where(Job.id == self._job_id).values(step=step))
            db.commit()

    def flush(self) -> None:
        """Writes the pending lines."""
        with self._lock:
            lines, self._pending = self._pending, []
            self._flushed = time.monotonic()
        if not lines:
            return
        with self._sessions() as db:
            job = db.get(Job, self._job_id)
            if job is not None:
                job.log = (job.log + "\n".join(lines) + "\n")[-_LOG_LIMIT:]
                db.commit()


class JobRunner:
    """Starts retrain jobs and runs them, one at a time.

    Args:
        settings: The app settings (paths, Rasa environment, tolerance, epochs).
        sessions: Session factory of the review database.
    """

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        tracker: TrackerStore,
        public_phones: frozenset[str] = frozenset(),
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.tracker = tracker
        self.public_phones = public_phones
        self.lease_seconds = lease_seconds
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._lock = threading.Lock()
        self._threads: dict[int, threading.Thread] = {}
        self._processes: set[subprocess.Popen[str]] = set()
        self._stopping = threading.Event()

    # --- lifecycle -------------------------------------------------------------------------

    def recover(self) -> None:
        """Marks jobs whose instance stopped as failed (a live instance's job is left alone)."""
        with self.sessions() as db:
            self._fail_orphans(db)
            db.commit()

    def _fail_orphans(self, db: Session) -> None:
        """Fails active jobs without a live lease and frees an expired slot."""
        slot = db.get(JobSlot, SLOT_ID)
        live = slot is not None and slot.lease_until > time.time()
        if slot is not None and not live:
            db.delete(slot)
            db.flush()
        for job in db.scalars(select(Job).where(Job.status.in_(JOB_ACTIVE))):
            if live and slot is not None and slot.job_id == job.id:
                continue
            job.status = job.step = "failed"
            job.message = "Interrupted: the review app instance running it stopped."
            job.finished_at = utcnow()
            unstage(db, job.id)

    def _renew(self, job_id: int, stop: threading.Event) -> None:
        """Keeps the slot's lease while this instance runs the job."""
        while not stop.wait(self.lease_seconds / 4):
            try:
                with self.sessions() as db:
                    db.execute(update(JobSlot).where(
                        JobSlot.id == SLOT_ID, JobSlot.job_id == job_id,
                        JobSlot.owner == self.owner,
                    ).values(lease_until=time.time() + self.lease_seconds))
                    db.commit()
            except Exception:  # the database is briefly away: try again at the next beat
                continue

    def shutdown(self) -> None:
        """Stops running subprocesses (the job then fails)."""
        self._stopping.set()
        for process in list(self._processes):
            if process.poll() is None:
                process.terminate()

    def start(self, user: User, ip: str = "") -> Job:
        """Queues a job and starts its thread; raises :class:`JobAlreadyRunning`."""
        with self._lock, self.sessions() as db:
            self._fail_orphans(db)
            active = db.scalar(select(Job).where(Job.status.in_(JOB_ACTIVE)))
            if active is not None:
                raise JobAlreadyRunning(f"Job {active.id} is still {active.status}.")
            for waiting in db.scalars(select(Job).where(Job.status == "ready")):
                waiting.status = waiting.step = "superseded"
                waiting.message = "A newer candidate was started."
                unstage(db, waiting.id)
            job = Job(user_id=user.id, status="queued", step="queued")
            db.add(job)
            db.flush()
            db.add(JobSlot(id=SLOT_ID, job_id=job.id, owner=self.owner,
                           lease_until=time.time() + self.lease_seconds))
            record(db, user, "retrain.start", target=f"job:{job.id}", ip=ip,
                   tolerance=self.settings.promote_tolerance,
                   epochs=self.settings.train_epochs)
            try:
                db.commit()
            except IntegrityError:  # another instance took the slot at the same moment
                db.rollback()
                raise JobAlreadyRunning("Another review-app instance just started a job.") from None
            thread = threading.Thread(
                target=self._run, args=(job.id,), name=f"retrain-{job.id}", daemon=True
            )
            self._threads[job.id] = thread
            thread.start()
            return job

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Waits for a job's thread (tests and the CLI)."""
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)

    # --- steps (overridable) ---------------------------------------------------------------

    def run_command(self, command: list[str], log: _JobLog, prefix: str = "") -> int:
        """Runs a subprocess in the repository, streaming its output into the log."""
        if self._stopping.is_set():
            raise JobFailed("The review app is stopping.")
        log(f"$ {' '.join(command)}")
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        self._processes.add(process)
        try:
            assert process.stdout is not None
            for line in process.stdout:
                if line.strip():
                    log(prefix + line)
            return process.wait()
        finally:
            self._processes.discard(process)

    def train(self, workdir: Path, staged: Path | None, log: _JobLog) -> Path:
        """Trains the candidate with ``bot/train.py``; returns its file."""
        settings = self.settings
        config = write_training_config(
            settings.path(settings.train_config), workdir / "config.yml", settings.train_epochs
        )
        out = workdir / "candidate"
        code = self.run_command(train_command(settings, config, out, staged), log)
        models = sorted(out.glob("*.tar.gz"))
        if code != 0 or not models:
            raise JobFailed(f"Training failed (exit code {code}); see the log.")
        return models[-1]

    def evaluate(self, model: Path, output: Path, log: _JobLog, label: str) -> dict[str, Any]:
        """Evaluates one model on the held-out set; exit code 1 (targets missed) is fine."""
        code = self.run_command(eval_command(self.settings, model, output), log, f"[{label}] ")
        if not output.exists():
            raise JobFailed(f"The evaluation of the {label} model failed (exit code {code}).")
        return load_report(output)

    def understands(self, model: Path, cases: Path, output: Path,
                    log: _JobLog) -> list[dict[str, Any]]:
        """Parses the corrected messages with the candidate (gate b)."""
        if not json.loads(cases.read_text(encoding="utf-8")):
            return []
        code = self.run_command(understand_command(self.settings, model, cases, output), log,
                                "[corrected] ")
        if code != 0 or not output.exists():
            raise JobFailed(f"Parsing the corrected messages failed (exit code {code}).")
        result: list[dict[str, Any]] = json.loads(output.read_text(encoding="utf-8"))
        return result

    # --- the job ---------------------------------------------------------------------------

    def _earlier_evaluation(
        self, job_id: int, key: str
    ) -> tuple[int, dict[str, Any]] | None:
        """Scores of the same model on the same test set from an earlier job, if any."""
        with self.sessions() as db:
            jobs = db.scalars(
                select(Job).where(Job.id < job_id, Job.status.in_(FINISHED))
                .order_by(Job.id.desc()).limit(20)
            )
            for job in jobs:
                result = job.result or {}
                if result.get("current_key") == key and result.get("current"):
                    return job.id, result["current"]
                if result.get("candidate_key") == key and result.get("candidate"):
                    return job.id, result["candidate"]
        return None

    def _set(self, job_id: int, **values: Any) -> None:
        with self.sessions() as db:
            db.execute(update(Job).where(Job.id == job_id).values(**values))
            db.commit()

    def _run(self, job_id: int) -> None:
        stop = threading.Event()
        heartbeat = threading.Thread(target=self._renew, args=(job_id, stop),
                                     name=f"retrain-{job_id}-lease", daemon=True)
        heartbeat.start()
        try:
            self._run_job(job_id)
        finally:
            stop.set()
            with self.sessions() as db:
                db.execute(delete(JobSlot).where(JobSlot.id == SLOT_ID,
                                                 JobSlot.job_id == job_id))
                db.commit()

    def _run_job(self, job_id: int) -> None:
        log = _JobLog(self.sessions, job_id)
        settings = self.settings
        workdir = settings.path(settings.jobs_dir) / f"job-{job_id}"
        workdir.mkdir(parents=True, exist_ok=True)
        self._set(job_id, status="running", started_at=utcnow())
        result: dict[str, Any] = {}
        try:
            log.step("Staging the corrections (outside nlu_data/)")
            with self.sessions() as db:
                staged = stage_corrections(
                    db, self.tracker, job_id, settings.path(settings.staging_dir),
                    settings.path(settings.approved_dir).name,
                    [settings.path(settings.nlu_dir), settings.path(settings.approved_dir)],
                    self.public_phones, has_danger_detector(settings.path(settings.train_config)),
                )
            result["staged"] = {
                "examples": staged.examples, "retrieval": staged.retrieval,
                "form_steps": staged.form_steps, "skipped": staged.skipped,
                "corrections": len(staged.correction_ids),
            }
            log(f"Staged {staged.examples} training examples, {staged.retrieval} knowledge "
                f"questions and {staged.form_steps} form steps.")
            models_dir = settings.path(settings.models_dir)
            current = current_model(models_dir)
            result["current_model"] = current.name if current else None
            cached = None
            if current:
                result["current_key"] = evaluation_key(current)
                cached = self._earlier_evaluation(job_id, result["current_key"])
                if cached:
                    log(f"The current model's evaluation is reused from job {cached[0]}.")
            log.step("Training the candidate model")
            candidate = self.train(workdir, staged.data_dir, log)
            result["candidate_model"] = candidate.name
            result["candidate_key"] = evaluation_key(candidate)
            log.step("Evaluating the models on the held-out set")
            with ThreadPoolExecutor(max_workers=2) as pool:
                new = pool.submit(
                    self.evaluate, candidate, workdir / "candidate.json", log, "candidate"
                )
                old = (
                    pool.submit(self.evaluate, current, workdir / "current.json", log, "current")
                    if current and not cached
                    else None
                )
                candidate_scores = new.result()
                current_scores = old.result() if old else (cached[1] if cached else None)
            log.step("Checking the corrected messages")
            understood = self.understands(candidate, staged.folder / "understand.json",
                                          workdir / "understood.json", log)
            decision = decide(current_scores, candidate_scores, settings.promote_tolerance,
                              settings.intent_tolerance, understood)
            result.update(
                current=current_scores,
                candidate=candidate_scores,
                table=comparison_table(current_scores, candidate_scores),
                decision=decision.as_dict(),
                understood=understood,
                tolerance=settings.promote_tolerance,
                intent_tolerance=settings.intent_tolerance,
            )
            for reason in decision.reasons:
                log(reason)
            if decision.promote:
                status = "ready"
                message = "Passed the checks: waiting for an admin's approval."
            else:
                status = "rejected"
                message = "Did not pass the checks: " + " ".join(
                    r for r in decision.reasons
                    if "tolerance" in r or "not evaluated" in r or "Not understood" in r
                )
        except Exception as error:  # any failure ends the job with its reason in the log
            status, message = "failed", f"{type(error).__name__}: {error}"
            log(message)
        log.flush()
        with self.sessions() as db:
            if status != "ready":
                unstage(db, job_id)
            job = db.get(Job, job_id)
            if job is not None:
                job.status = status
                job.step = status
                job.message = message
                job.result = result
                job.finished_at = utcnow()
                record(db, job.user, f"retrain.{status}", target=f"job:{job_id}")
                db.commit()
