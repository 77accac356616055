"""Several review-app instances on one database run one retrain job at a time, and a job whose
instance died is failed by the others, never one that a live instance is running.

Two instances are two apps built from the same settings (their own ``JobRunner`` each) on one
review database: a SQLite file, and the local PostgreSQL (the production profile). Training is
replaced by a step that waits for the test, so a job stays "running" as long as needed; the
real trainer runs in ``test_retrain.py``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from eval.review.main import create_app
from eval.review.models import Job, JobSlot, User
from eval.review.retrain.jobs import JobAlreadyRunning, JobFailed, JobRunner
from eval.stack import database_url, fresh_database
from tests.review.conftest import ADMIN, build_review_app


class _Instance:
    """One review-app instance whose training step waits until the test lets it go."""

    def __init__(self, runner: JobRunner) -> None:
        self.runner = runner
        self.started = threading.Event()
        self.release = threading.Event()
        runner.train = self._train  # type: ignore[method-assign]

    def _train(self, workdir: Path, staged: Path | None, log: Any) -> Path:
        self.started.set()
        self.release.wait(60)
        raise JobFailed("stopped by the test")

    def admin(self) -> User:
        with self.runner.sessions() as db:
            user = db.scalar(select(User).where(User.username == ADMIN[0]))
        assert user is not None
        return user

    def run_job(self) -> Job:
        """Starts a job here and waits until it is in its training step (running)."""
        job = self.runner.start(self.admin())
        assert self.started.wait(30)
        return job

    def status(self, job_id: int) -> Job:
        with self.runner.sessions() as db:
            job = db.get(Job, job_id)
        assert job is not None
        return job


@pytest.fixture(params=["sqlite", "postgresql"])
def instances(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[_Instance]]:
    tracker = f"sqlite:///{tmp_path / 'empty-tracker.db'}"
    if request.param == "sqlite":
        first = build_review_app(tmp_path, tracker)
        yield from _two(first)
        return
    with fresh_database("review_jobs") as name:
        first = build_review_app(tmp_path, tracker, db_url=database_url(name))
        yield from _two(first)


def _two(first: Any) -> Iterator[list[_Instance]]:
    second = create_app(first.settings)
    pair = [_Instance(first.app.state.runner), _Instance(second.state.runner)]
    yield pair
    for instance in pair:
        instance.release.set()
    for instance in pair:
        for thread in list(instance.runner._threads.values()):
            thread.join(30)


def test_a_job_runs_on_one_instance_and_the_other_leaves_it_alone(
    instances: list[_Instance],
) -> None:
    one, two = instances
    job = one.run_job()
    with pytest.raises(JobAlreadyRunning):
        two.runner.start(two.admin())
    two.runner.recover()  # what the second instance does when it (re)starts
    assert two.status(job.id).status == "running"
    one.release.set()
    one.runner.wait(job.id, 30)
    assert one.status(job.id).status == "failed"  # the test's training step failed it
    with one.runner.sessions() as db:
        assert db.get(JobSlot, 1) is None  # the slot is free again
    two.run_job()  # and the other instance can run the next job


def test_the_lease_is_renewed_while_the_job_runs(tmp_path: Path) -> None:
    app = build_review_app(tmp_path, f"sqlite:///{tmp_path / 'empty-tracker.db'}")
    runner = JobRunner(app.settings, app.app.state.sessions, app.app.state.tracker,
                       lease_seconds=0.8)
    instance = _Instance(runner)
    try:
        job = instance.run_job()
        time.sleep(2.5)  # three lease lifetimes
        with runner.sessions() as db:
            slot = db.get(JobSlot, 1)
        assert slot is not None and slot.job_id == job.id and slot.lease_until > time.time()
    finally:
        instance.release.set()
        runner.wait(job.id, 30)


def test_a_job_whose_instance_died_is_failed_by_another_instance(
    instances: list[_Instance],
) -> None:
    one, two = instances
    job = one.run_job()
    # Instance one dies (kill -9): it stops renewing, and its lease runs out.
    one.runner.owner = "gone"
    with one.runner.sessions() as db:
        db.execute(update(JobSlot).values(lease_until=time.time() - 1))
        db.commit()
    two.runner.recover()
    dead = two.status(job.id)
    assert dead.status == "failed"
    assert "stopped" in dead.message
    second = two.run_job()
    assert two.status(second.id).status == "running"


def test_two_instances_starting_at_the_same_moment_start_one_job(
    instances: list[_Instance],
) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def start(instance: _Instance) -> None:
        admin = instance.admin()
        barrier.wait()
        try:
            instance.runner.start(admin)
            outcomes.append("started")
        except JobAlreadyRunning:
            outcomes.append("refused")

    threads = [threading.Thread(target=start, args=(i,)) for i in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["refused", "started"]
    with instances[0].runner.sessions() as db:
        assert len(db.scalars(select(Job)).all()) == 1
