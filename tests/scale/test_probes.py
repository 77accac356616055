"""Liveness (``/health``) and readiness (``/ready``) of the processes we own, as a balancer or
Kubernetes sees them: real processes on 127.0.0.1, real databases."""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from connectors.open311.server import create_app as create_open311_app
from connectors.open311.settings import Open311ServerSettings
from eval.stack import APP_PYTHON, ROOT, database_url, free_port, fresh_database, wait_http
from tests.review.conftest import build_review_app


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(APP_PYTHON), *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        process.terminate()
        process.wait(timeout=15)


def wait_status(url: str, status: int, timeout: float) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            reply = httpx.get(url, timeout=2)
            if reply.status_code == status or time.monotonic() > deadline:
                return reply
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


@pytest.mark.postgres
def test_outbox_worker_probes_and_metrics_on_postgresql(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    port = free_port()
    with fresh_database("probe_test") as name:
        env = {
            "APP_PROFILE": "production", "STATE_DB_URL": database_url(name),
            "OPEN311_API_KEY": "k", "OPEN311_BASE_URL": f"http://127.0.0.1:{free_port()}/v2",
            "OUTBOX_POLL_SECONDS": "0.5", "OUTBOX_PROBE_PORT": str(port),
        }
        processes.append(start(["-m", "connectors.open311.outbox"], env, tmp_path / "o.log"))
        wait_http(f"http://127.0.0.1:{port}/health", 30, processes[0])
        assert wait_status(f"http://127.0.0.1:{port}/ready", 200, 15).status_code == 200
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert "outbox_pending 0" in metrics
        processes[0].terminate()
        processes[0].wait(timeout=15)


def test_action_server_is_ready_once_the_knowledge_index_is_loaded(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    port = free_port()
    env = {
        "ACTION_SERVER_TOKEN": secrets.token_urlsafe(16), "OPEN311_API_KEY": "k",
        "OUTBOX_DB": str(tmp_path / "outbox.db"),
    }
    processes.append(start(
        ["-m", "connectors.action_server", "--actions", "actions", "--port", str(port)],
        env, tmp_path / "a.log",
    ))
    wait_http(f"http://127.0.0.1:{port}/health", 90, processes[0])
    ready = wait_status(f"http://127.0.0.1:{port}/ready", 200, 90)
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready"}
    # the probes need no token; everything else still does
    assert httpx.get(f"http://127.0.0.1:{port}/actions", timeout=5).status_code == 401


def test_action_server_without_shared_database_in_production_does_not_start(
    tmp_path: Path,
) -> None:
    env = {key: value for key, value in os.environ.items() if key != "STATE_DB_URL"}
    env.update(
        PYTHONPATH=str(ROOT), APP_PROFILE="production", ACTION_SERVER_TOKEN="t",
        OPEN311_API_KEY="k",
    )
    result = subprocess.run(
        [str(APP_PYTHON), "-m", "connectors.action_server", "--port", str(free_port())],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert "STATE_DB_URL" in result.stderr


def test_open311_server_probes(tmp_path: Path) -> None:
    settings = Open311ServerSettings(db=tmp_path / "open311.db", api_keys_csv="k")
    with TestClient(create_open311_app(settings)) as client:
        assert client.get("/health").json() == {"status": "ok"}
        assert client.get("/ready").json() == {"status": "ready"}


def test_review_app_probes(tmp_path: Path) -> None:
    tracker = tmp_path / "tracker.db"
    review = build_review_app(tmp_path, f"sqlite:///{tracker}")
    client = review.client()
    assert client.get("/health").json() == {"status": "ok"}
    # no tracker store yet (Rasa has not written one): alive, but not ready
    assert client.get("/ready").status_code == 503
    sqlite3.connect(tracker).close()
    assert client.get("/ready").json() == {"status": "ready"}
