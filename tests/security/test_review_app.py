"""S8, S9, S11: the staff review app's sign-in throttling, proxy awareness, limits and errors.

The app runs for real (``python -m eval.review serve`` on 127.0.0.1) behind a pretend trusted
proxy: requests carry ``X-Forwarded-For`` to stand for different client addresses.
"""

from __future__ import annotations

import concurrent.futures
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from eval.review.core.config import Settings
from eval.review.core.db import create_review_engine, session_factory
from eval.review.core.security import hash_password
from eval.review.main import create_app
from eval.review.models import User
from eval.review.tracker.schema import events
from eval.stack import APP_PYTHON, ROOT, Service, free_port
from tests.security.http import exchange, request_head, status

pytestmark = pytest.mark.integration

ADMIN = ("ana-admin", "correct horse battery staple")


@dataclass
class ReviewServer:
    url: str
    db: Path
    service: Service

    def client(self, ip: str | None = None) -> httpx.Client:
        headers = {"X-Forwarded-For": ip} if ip else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def sign_in(client: httpx.Client, username: str, password: str) -> int:
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text
    reply = client.post("/login", data={"username": username, "password": password,
                                        "csrf_token": match.group(1), "next": "/"})
    return reply.status_code


def start_review(tmp: Path, **env: str) -> ReviewServer:
    db = tmp / "var" / "review.db"
    secret = secrets.token_urlsafe(32)
    settings = Settings(_env_file=None, secret_key=secret, db_url=f"sqlite:///{db}")  # type: ignore[call-arg]
    engine = create_review_engine(settings)
    with session_factory(engine)() as session:
        session.add(User(username=ADMIN[0], password_hash=hash_password(ADMIN[1]), role="admin"))
        session.commit()
    engine.dispose()
    tracker = create_engine(f"sqlite:///{tmp / 'tracker.db'}")
    events.metadata.create_all(tracker)  # an empty tracker store, as Rasa creates it
    tracker.dispose()
    port = free_port()
    environment = {
        **os.environ, "PYTHONPATH": str(ROOT), "REVIEW_SECRET_KEY": secret,
        "REVIEW_DB_URL": f"sqlite:///{db}", "REVIEW_HOST": "127.0.0.1",
        "REVIEW_PORT": str(port), "TRACKER_SQLITE_PATH": str(tmp / "tracker.db"),
        "REVIEW_COOKIE_SECURE": "false", "RATE_LIMIT_STORAGE": "memory://",
        "TRUSTED_PROXIES": "127.0.0.1", **env,
    }
    service = Service("review", [str(APP_PYTHON), "-m", "eval.review", "serve"],
                      f"http://127.0.0.1:{port}/login", environment, tmp / "review.log")
    service.start()
    return ReviewServer(f"http://127.0.0.1:{port}", db, service)


@pytest.fixture
def review(tmp_path: Path) -> Iterator[ReviewServer]:
    server = start_review(tmp_path)
    try:
        yield server
    finally:
        server.service.stop()


def test_password_spraying_across_names_is_limited_per_address(review: ReviewServer) -> None:
    with review.client("203.0.113.7") as attacker:
        codes = [sign_in(attacker, f"user{n}", "Summer2026!") for n in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    with review.client("198.51.100.20") as staff:  # another address is unaffected
        assert sign_in(staff, *ADMIN) == 303


def test_an_account_cannot_be_locked_out_from_another_address(review: ReviewServer) -> None:
    with review.client("203.0.113.8") as attacker:
        codes = [sign_in(attacker, ADMIN[0], f"guess {n}") for n in range(7)]
        assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    with review.client("198.51.100.21") as staff:
        assert sign_in(staff, *ADMIN) == 303


def test_forwarded_for_is_ignored_from_an_untrusted_peer(tmp_path: Path) -> None:
    server = start_review(tmp_path, TRUSTED_PROXIES="")
    try:
        codes = []
        for n in range(12):  # a new made-up address every time: still one peer
            with server.client(f"192.0.2.{n}") as client:
                codes.append(sign_in(client, f"user{n}", "Summer2026!"))
        assert codes[10:] == [429, 429]
    finally:
        server.service.stop()


def test_parallel_sign_ins_from_one_address_do_not_delay_a_real_one(
    review: ReviewServer,
) -> None:
    def attack(n: int) -> int:
        with review.client("203.0.113.50") as client:
            return sign_in(client, f"user{n}", "Summer2026!")

    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        burst = [pool.submit(attack, n) for n in range(10)]
        time.sleep(0.3)
        started = time.monotonic()
        with review.client("198.51.100.22") as staff:
            assert sign_in(staff, *ADMIN) == 303
        waited = time.monotonic() - started
        codes = [future.result() for future in burst]
    assert set(codes) <= {401, 429} and codes.count(429) >= 5, codes
    # At most one of the burst's password checks runs before the real one (was 12-16 s).
    assert waited < 8, waited


def test_sixty_parallel_sign_ins_never_lock_the_database(review: ReviewServer) -> None:
    def attempt(n: int) -> int:
        with review.client(f"203.0.113.{n}") as client:
            return sign_in(client, f"user{n}", "Summer2026!")

    with concurrent.futures.ThreadPoolExecutor(max_workers=60) as pool:
        codes = list(pool.map(attempt, range(60)))
    assert set(codes) <= {401, 429}, codes  # never 500 ("database is locked")


def test_global_budget_of_failures_bounds_a_spray_from_many_addresses(tmp_path: Path) -> None:
    server = start_review(tmp_path, REVIEW_LOGIN_LIMIT_GLOBAL="8/minute")
    try:
        codes = []
        for n in range(10):
            with server.client(f"203.0.113.{100 + n}") as client:
                codes.append(sign_in(client, f"user{n}", "Summer2026!"))
        assert codes[:8] == [401] * 8 and codes[8:] == [429, 429]
    finally:
        server.service.stop()


def test_errors_are_4xx_with_security_headers_and_bodies_are_refused_unread(
    review: ReviewServer,
) -> None:
    with review.client("198.51.100.23") as staff:
        assert sign_in(staff, *ADMIN) == 303
        csrf = staff.get("/api/me").json()["csrf_token"]
        huge = staff.get("/conversations/99999999999999999999999")
        assert huge.status_code in (404, 422), huge.text
        assert "content-security-policy" in huge.headers
        huge_api = staff.get("/api/conversations/9223372036854775808")
        assert huge_api.status_code in (404, 422)
        plain = staff.post("/api/conversations/1/tags", content=b'{"tag": "x"}',
                           headers={"Content-Type": "text/plain", "X-CSRF-Token": csrf})
        assert 400 <= plain.status_code < 500, plain.text  # was a 500 (422 handler crashed)
        assert plain.json()["detail"]
        deep = staff.put("/api/conversations/1/assignment", headers={
            "Content-Type": "application/json", "X-CSRF-Token": csrf},
            content=b'{"a": ' + b"[" * 2000 + b"]" * 2000 + b"}")
        assert 400 <= deep.status_code < 500, deep.text  # was a 500 (RecursionError)
    port = int(review.url.rsplit(":", 1)[1])
    started = time.monotonic()
    answer = exchange(port, request_head("/login", {"Content-Length": str(200 * 1024 * 1024),
                                                    "Content-Type": "multipart/form-data"}),
                      b"x" * 65536, timeout=10)
    assert status(answer) == 413 and time.monotonic() - started < 5


def test_sessions_end_when_idle(tmp_path: Path) -> None:
    server = start_review(tmp_path, REVIEW_SESSION_IDLE_MINUTES="0.05")  # 3 seconds
    try:
        with server.client("198.51.100.24") as staff:
            assert sign_in(staff, *ADMIN) == 303
            assert staff.get("/api/me").status_code == 200
            time.sleep(2)
            assert staff.get("/api/me").status_code == 200  # in use: still signed in
            time.sleep(4)
            assert staff.get("/api/me").status_code == 401
    finally:
        server.service.stop()


def test_the_database_is_private_and_the_cookie_secure_by_default(review: ReviewServer,
                                                                    tmp_path: Path) -> None:
    assert stat.S_IMODE(review.db.stat().st_mode) == 0o600
    assert stat.S_IMODE(review.db.parent.stat().st_mode) == 0o700
    settings = Settings(_env_file=None, secret_key=secrets.token_urlsafe(32),  # type: ignore[call-arg]
                        db_url=f"sqlite:///{tmp_path / 'secure.db'}")
    assert settings.cookie_secure is True
    app = create_app(settings)
    with session_factory(app.state.review_engine)() as session:
        session.add(User(username=ADMIN[0], password_hash=hash_password(ADMIN[1]), role="admin"))
        session.commit()
    client = TestClient(app, base_url="https://review.example")
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    reply = client.post("/login", data={"username": ADMIN[0], "password": ADMIN[1],
                                        "csrf_token": token.group(1), "next": "/"},
                        follow_redirects=False)
    assert reply.status_code == 303
    assert "secure" in reply.headers["set-cookie"].lower()
