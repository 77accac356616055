"""`python -m eval.review create-user` and `serve`, as the Procfile and staff run them."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from eval.review.core.config import Settings
from eval.review.models import AuditEntry, User
from eval.stack import ROOT, free_port

PYTHON = ROOT / ".venv" / "bin" / "python"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("REVIEW_", "TRACKER_"))},
        "REVIEW_SECRET_KEY": "a-test-secret-of-enough-length",
        "REVIEW_DB_URL": f"sqlite:///{tmp_path / 'review.db'}",
        "TRACKER_SQLITE_PATH": str(tmp_path / "tracker.db"),
        **extra,
    }


def _create_user(
    tmp_path: Path, name: str, role: str, password: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PYTHON), "-m", "eval.review", "create-user", name, "--role", role,
         "--password-stdin"],
        input=password + "\n", cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True,
        timeout=60,
    )


def test_create_user_stores_an_argon2_hash_and_refuses_bad_input(tmp_path: Path) -> None:
    created = _create_user(tmp_path, "maria", "admin", "a good long password")
    assert created.returncode == 0, created.stderr
    assert "Created admin 'maria'" in created.stdout
    assert _create_user(tmp_path, "maria", "reviewer", "another long one").returncode == 2
    short = _create_user(tmp_path, "luis", "reviewer", "short")
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    engine = create_engine(f"sqlite:///{tmp_path / 'review.db'}")
    with Session(engine) as db:
        users = db.scalars(select(User)).all()
        audit = db.scalars(select(AuditEntry)).all()
    assert [(u.username, u.role) for u in users] == [("maria", "admin")]
    assert users[0].password_hash.startswith("$argon2id$")
    assert [(a.action, a.target) for a in audit] == [("user.create", "maria")]


def test_the_secret_key_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REVIEW_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="secret_key|REVIEW_SECRET_KEY"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_serve_listens_on_review_port_and_requires_sign_in(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [str(PYTHON), "-m", "eval.review", "serve"], cwd=ROOT,
        env=_env(tmp_path, REVIEW_HOST="127.0.0.1", REVIEW_PORT=str(port)),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                login = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the review app did not start"
                time.sleep(0.2)
        assert login.status_code == 200 and "Sign in" in login.text
        inbox = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert inbox.status_code == 303 and inbox.headers["location"] == "/login?next=/"
        assert httpx.get(f"http://127.0.0.1:{port}/api/conversations").status_code == 401
    finally:
        process.terminate()
        process.wait(10)
    assert (tmp_path / "review.db").exists()


def test_the_tracker_store_follows_the_deployment_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith(("TRACKER_", "REVIEW_"))]:
        monkeypatch.delenv(key)
    embedded = Settings(_env_file=None, secret_key="s" * 20)  # type: ignore[call-arg]
    assert str(embedded.tracker_url()) == f"sqlite:///{ROOT / 'var' / 'tracker.db'}"
    monkeypatch.setenv("TRACKER_DB_HOST", "db.internal")
    monkeypatch.setenv("TRACKER_DB_USER", "rasa")
    monkeypatch.setenv("TRACKER_DB_PASSWORD", "p@ss:word")
    monkeypatch.setenv("TRACKER_DB_NAME", "tracker")
    production = Settings(_env_file=None, secret_key="s" * 20)  # type: ignore[call-arg]
    url = production.tracker_url()
    assert (url.drivername, url.host, url.port, url.username, url.password, url.database) == (
        "postgresql+psycopg", "db.internal", 5432, "rasa", "p@ss:word", "tracker"
    )
    monkeypatch.setenv("TRACKER_DB_URL", "sqlite:///var/other.db")
    explicit = Settings(_env_file=None, secret_key="s" * 20)  # type: ignore[call-arg]
    assert str(explicit.tracker_url()) == f"sqlite:///{ROOT / 'var' / 'other.db'}"


def test_in_production_serve_refuses_to_start_without_its_shared_database(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in _env(tmp_path, APP_PROFILE="production").items()
           if k != "REVIEW_DB_URL"}
    run = subprocess.run([str(PYTHON), "-m", "eval.review", "serve"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "REVIEW_DB_URL" in run.stderr
    assert "Traceback" not in run.stderr
