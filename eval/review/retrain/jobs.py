"""The retrain-and-compare job: one at a time, in a background thread, state in REVIEW_DB.

Steps: write the training config (epochs optionally overridden) → ``rasa train`` a candidate
on ``nlu_data`` plus the reviewed exports into the job's directory → evaluate the current
model (unless an earlier job evaluated the same file) and the candidate on the held-out test
set, both at once → apply the promotion rule
(:func:`eval.review.retrain.compare.decide`) → if promoted, copy the candidate into the
models directory and ask the running Rasa server to load it.

Job states: ``queued`` → ``running`` → ``promoted`` | ``rejected`` | ``failed``. A job that
was running when the app stopped is marked ``failed`` at the next start.
"""

from __future__ import annotations

import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from eval.review.audit import record
from eval.review.core.config import REPO_ROOT, Settings
from eval.review.models import JOB_ACTIVE, Job, User, utcnow
from eval.review.retrain.compare import comparison_table, decide, load_report
from eval.review.retrain.steps import (
    current_model,
    eval_command,
    evaluation_key,
    promote_model,
    reload_rasa,
    subprocess_env,
    train_command,
    write_training_config,
)

__all__ = ["JobAlreadyRunning", "JobFailed", "JobRunner"]

_LOG_LIMIT = 200_000  # characters of log kept per job (the tail)


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

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings = settings
        self.sessions = sessions
        self._lock = threading.Lock()
        self._threads: dict[int, threading.Thread] = {}
        self._processes: set[subprocess.Popen[str]] = set()
        self._stopping = threading.Event()

    # --- lifecycle -------------------------------------------------------------------------

    def recover(self) -> None:
        """Marks jobs left running by a previous process as failed."""
        with self.sessions() as db:
            for job in db.scalars(select(Job).where(Job.status.in_(JOB_ACTIVE))):
                job.status = "failed"
                job.message = "Interrupted: the review app stopped while the job ran."
                job.finished_at = utcnow()
            db.commit()

    def shutdown(self) -> None:
        """Stops running subprocesses (the job then fails)."""
        self._stopping.set()
        for process in list(self._processes):
            if process.poll() is None:
                process.terminate()

    def start(self, user: User, ip: str = "") -> Job:
        """Queues a job and starts its thread; raises :class:`JobAlreadyRunning`."""
        with self._lock, self.sessions() as db:
            active = db.scalar(select(Job).where(Job.status.in_(JOB_ACTIVE)))
            if active is not None:
                raise JobAlreadyRunning(f"Job {active.id} is still {active.status}.")
            job = Job(user_id=user.id, status="queued", step="queued")
            db.add(job)
            db.flush()
            record(db, user, "retrain.start", target=f"job:{job.id}", ip=ip,
                   tolerance=self.settings.promote_tolerance,
                   epochs=self.settings.train_epochs)
            db.commit()
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

    def train(self, workdir: Path, log: _JobLog) -> Path:
        """Trains the candidate model; returns its file."""
        settings = self.settings
        config = write_training_config(
            settings.path(settings.train_config), workdir / "config.yml", settings.train_epochs
        )
        out = workdir / "candidate"
        code = self.run_command(train_command(settings, config, out, "candidate"), log)
        model = out / "candidate.tar.gz"
        if code != 0 or not model.exists():
            raise JobFailed(f"rasa train failed (exit code {code}); see the log.")
        return model

    def evaluate(self, model: Path, output: Path, log: _JobLog, label: str) -> dict[str, Any]:
        """Evaluates one model on the held-out set; exit code 1 (targets missed) is fine."""
        code = self.run_command(eval_command(self.settings, model, output), log, f"[{label}] ")
        if not output.exists():
            raise JobFailed(f"The evaluation of the {label} model failed (exit code {code}).")
        return load_report(output)

    def promote(self, candidate: Path, log: _JobLog) -> tuple[Path, str]:
        """Copies the candidate into the models directory and reloads Rasa."""
        target = promote_model(candidate, self.settings.path(self.settings.models_dir),
                               utcnow().astimezone())
        log(f"Copied the candidate to {target}")
        token = self.settings.rasa_auth_token
        message = reload_rasa(
            self.settings.rasa_url, token.get_secret_value() if token else None, target
        )
        log(message)
        return target, message

    # --- the job ---------------------------------------------------------------------------

    def _earlier_evaluation(
        self, job_id: int, key: str
    ) -> tuple[int, dict[str, Any]] | None:
        """Scores of the same model on the same test set from an earlier job, if any."""
        with self.sessions() as db:
            jobs = db.scalars(
                select(Job).where(Job.id < job_id, Job.status.in_(("promoted", "rejected")))
                .order_by(Job.id.desc()).limit(20)
            )
            for job in jobs:
                result = job.result or {}
                if result.get("current_key") == key and result.get("current"):
                    return job.id, result["current"]
                if result.get("promoted_key") == key and result.get("candidate"):
                    return job.id, result["candidate"]
        return None

    def _set(self, job_id: int, **values: Any) -> None:
        with self.sessions() as db:
            db.execute(update(Job).where(Job.id == job_id).values(**values))
            db.commit()

    def _run(self, job_id: int) -> None:
        log = _JobLog(self.sessions, job_id)
        workdir = self.settings.path(self.settings.jobs_dir) / f"job-{job_id}"
        workdir.mkdir(parents=True, exist_ok=True)
        self._set(job_id, status="running", started_at=utcnow())
        result: dict[str, Any] = {"workdir": str(workdir)}
        try:
            current = current_model(self.settings.path(self.settings.models_dir))
            result["current_model"] = str(current) if current else None
            cached = None
            if current:
                result["current_key"] = evaluation_key(current)
                cached = self._earlier_evaluation(job_id, result["current_key"])
                if cached:
                    log(f"The current model's evaluation is reused from job {cached[0]}.")
            log.step("Training the candidate model")
            candidate = self.train(workdir, log)
            result["candidate_model"] = str(candidate)
            log.step("Evaluating the models on the held-out set")
            # Training uses every core; the two evaluations share them better.
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
            decision = decide(current_scores, candidate_scores, self.settings.promote_tolerance)
            result.update(
                current=current_scores,
                candidate=candidate_scores,
                table=comparison_table(current_scores, candidate_scores),
                decision=decision.as_dict(),
                tolerance=self.settings.promote_tolerance,
            )
            for reason in decision.reasons:
                log(reason)
            if decision.promote:
                log.step("Promoting the candidate")
                target, reload_message = self.promote(candidate, log)
                result.update(promoted_to=str(target), promoted_key=evaluation_key(target),
                              reload=reload_message)
                status, message = "promoted", f"Promoted to {target.name}. {reload_message}"
            else:
                status = "rejected"
                message = "Not promoted: " + " ".join(
                    r for r in decision.reasons if "tolerance" in r or "not evaluated" in r
                )
        except Exception as error:  # any failure ends the job with its reason in the log
            status, message = "failed", f"{type(error).__name__}: {error}"
            log(message)
        log.flush()
        with self.sessions() as db:
            job = db.get(Job, job_id)
            if job is not None:
                job.status = status
                job.step = status
                job.message = message
                job.result = result
                job.finished_at = utcnow()
                record(db, job.user, f"retrain.{status}", target=f"job:{job_id}",
                       message=message[:500])
                db.commit()
