"""Fixtures of the staff review app's tests.

Conversations are REAL: they are typed into the running assistant (``rasa_stack``, SQLite
tracker store) or into a Rasa server this module starts with the production profile
(PostgreSQL tracker store, Redis lock store), and the review app reads what Rasa wrote.
"""

from __future__ import annotations

import functools
import os
import re
import secrets
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select

from bot.domain_build import build_domain
from connectors.senders import conversation_id
from eval.review.core.config import Settings
from eval.review.core.security import hash_password
from eval.review.main import create_app
from eval.review.models import User
from eval.review.tracker.schema import events
from eval.stack import (
    APP_PYTHON,
    RASA_BIN,
    RASA_PYTHON,
    ROOT,
    Service,
    Stack,
    free_port,
    fresh_database,
    latest_model,
    new_sender,
    pinned_endpoints,
)

ADMIN = ("ana-admin", "correct horse battery staple")
REVIEWER = ("rey-reviewer", "another long passphrase")

# What residents type. Each script gives the review app one kind of conversation to find.
FILED_EN = [
    "someone tagged my garage at 200 N Spring St",  # address entity; request filed
    "wall",  # nlu_fallback (confidence at the threshold, 0.45): low confidence
    "skip",
    "skip",
    "yes",
]
HANDOFF_ES = [
    "quiero hablar con una persona",
    "me llamo Juan Perez, mi teléfono es 213-555-0199 y mi correo juan.perez@example.org",
]
FALLBACK_EN = ["hello", "blorp zzkx qwerty", "<script>alert(1)</script>"]
PLAIN_EN = ["hello", "what can you do?", "thanks!"]
QUEUED_EN = ["graffiti on the wall at 1420 W 38th St", "wall", "skip", "skip", "yes"]


@dataclass
class Conversations:
    """Conversation ids (``web:<sender>``) of the scripted conversations, by scenario, and what
    Rasa's HTTP API says of them (``trackers``): the independent truth the review app's SQL is
    checked against."""

    tracker_url: str
    senders: dict[str, str] = field(default_factory=dict)
    trackers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def expected(self, name: str) -> dict[str, Any]:
        """Signals, language and last activity of a scenario, from Rasa's own tracker."""
        return signals_of(self.trackers[name])

    def conversation_id(self, name: str) -> int:
        """The review app's id of a scenario's conversation (its first event id)."""
        engine = create_engine(self.tracker_url)
        try:
            with engine.connect() as conn:
                value = conn.execute(
                    select(func.min(events.c.id)).where(
                        events.c.sender_id == self.senders[name]
                    )
                ).scalar_one()
        finally:
            engine.dispose()
        assert value is not None, f"no events for {name}"
        return int(value)


def signals_of(tracker: dict[str, Any]) -> dict[str, Any]:
    """The review signals of a tracker as Rasa's HTTP API returns it."""
    events_ = tracker["events"]
    users = [e for e in events_ if e["event"] == "user"]
    slots = [e for e in events_ if e["event"] == "slot"]
    requests = [e["value"] for e in slots if e["name"] == "last_request_id" and e["value"]]
    languages = [e["value"] for e in slots if e["name"] == "language" and e["value"]]
    utters = [(e.get("metadata") or {}).get("utter_action") for e in events_
              if e["event"] == "bot"]
    signals = {
        "fallback": any(u["parse_data"]["intent"]["name"] == "nlu_fallback" for u in users),
        "low_confidence": any(u["parse_data"]["intent"]["confidence"] < 0.6 for u in users),
        "handoff": any(e["name"] == "handoff_requested" and e["value"] is True for e in slots),
        "request_filed": bool(requests),
        "request_failed": any(r.startswith("Q-") for r in requests)
        or any(u in ("utter_request_rejected", "utter_request_queued") for u in utters),
    }
    return {
        "signals": {k for k, v in signals.items() if v},
        "language": languages[-1] if languages else None,
        "last": max(e["timestamp"] for e in events_),
        "users": [(u["text"], u["parse_data"]["intent"]["name"],
                   u["parse_data"]["intent"]["confidence"]) for u in users],
        "requests": requests,
    }


def run_scripts(
    chat: Callable[[str, str], Any], scripts: dict[str, list[str]], prefix: str
) -> dict[str, str]:
    """Types each script into a fresh conversation; returns the senders."""
    senders = {}
    for name, lines in scripts.items():
        sender = new_sender(f"{prefix}-{name}")
        for line in lines:
            chat(sender, line)
        senders[name] = sender
    return senders


def rasa_server(
    stack: Stack, workdir: Path, endpoints: str, *, pinned: bool, **env: str
) -> Service:
    """A Rasa server of a test's own, using the stack's action server and channels' tokens.

    ``pinned``: serve the latest trained model (the endpoints' model server left out);
    otherwise Rasa pulls its model from the ``models:`` endpoint (``MODEL_SERVER_URL`` and
    ``MODEL_SERVER_TOKEN`` in ``env``), as in production. ``env`` also picks the tracker store.
    """
    port = free_port()
    token = secrets.token_urlsafe(16)
    if pinned:
        source = ["--model", str(latest_model()), "--endpoints",
                  str(pinned_endpoints(workdir, endpoints))]
    else:
        source = ["--endpoints", str(ROOT / endpoints)]
    return Service(
        f"rasa-{workdir.name}",
        [str(RASA_PYTHON), "-m", "bot.rasa_run", "--enable-api", *source,
         "--credentials", "bot/credentials.yml", "--interface", "127.0.0.1",
         "--port", str(port)],
        f"http://127.0.0.1:{port}/status?token={token}",
        {**stack.env, "RASA_AUTH_TOKEN": token, **env}, workdir / "rasa.log",
        startup_timeout=180,
    )


def rasa_api(rasa: Service) -> tuple[str, str]:
    """The URL and the HTTP API token of a :func:`rasa_server`."""
    return rasa.health_url.split("/status")[0], rasa.env["RASA_AUTH_TOKEN"]


def rest_chat(url: str, auth: dict[str, str]) -> Callable[[str, str], list[dict[str, Any]]]:
    """Talks to a Rasa server's REST channel as the web chat's proxy does."""

    def chat(sender: str, text: str) -> list[dict[str, Any]]:
        reply = httpx.post(f"{url}/webhooks/rest/webhook", headers=auth,
                           json={"sender": sender, "message": text}, timeout=60)
        assert reply.status_code == 200, reply.text
        messages: list[dict[str, Any]] = reply.json()
        return messages

    return chat


@pytest.fixture(scope="session")
def sqlite_conversations(rasa_stack: Stack) -> Conversations:
    """The scripted conversations in the stack's SQLite tracker store.

    The queued one is typed while the Open311 backend is stopped, so the outbox queues the
    request ("Q-…"); the backend is started again right after.
    """
    scripts = {"filed": FILED_EN, "handoff": HANDOFF_ES, "fallback": FALLBACK_EN,
               "plain": PLAIN_EN}
    senders = run_scripts(rasa_stack.chat, scripts, "rv")
    open311 = rasa_stack.services["open311"]
    open311.stop()
    try:
        senders.update(run_scripts(rasa_stack.chat, {"queued": QUEUED_EN}, "rv"))
    finally:
        open311.start()
    trackers = {name: rasa_stack.tracker(sender) for name, sender in senders.items()}
    ids = {name: conversation_id("web", sender) for name, sender in senders.items()}
    return Conversations(f"sqlite:///{rasa_stack.workdir / 'tracker.db'}", ids, trackers)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    with fresh_database("review_test") as name:
        yield name


@pytest.fixture(scope="session")
def postgres_conversations(
    rasa_stack: Stack, postgres_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Conversations]:
    """A Rasa server of our own with the production profile (PostgreSQL tracker store and
    Redis lock store), using the stack's action server; the scripted conversations typed in.
    """
    workdir = tmp_path_factory.mktemp("rasa-pg")
    rasa = rasa_server(
        rasa_stack, workdir, "bot/endpoints.production.yml", pinned=True,
        TRACKER_DB_HOST="127.0.0.1", TRACKER_DB_PORT="5432", TRACKER_DB_USER="postgres",
        TRACKER_DB_PASSWORD="", TRACKER_DB_NAME=postgres_database,
        REDIS_HOST="127.0.0.1", REDIS_PORT="6379", REDIS_DB="0",
    )
    url, token = rasa_api(rasa)
    chat = rest_chat(url, rasa_stack.rest_auth("web"))

    try:
        rasa.start()
        scripts = {"filed": FILED_EN, "handoff": HANDOFF_ES, "fallback": FALLBACK_EN}
        senders = run_scripts(chat, scripts, "rvpg")
        ids = {name: conversation_id("web", sender) for name, sender in senders.items()}
        trackers = {
            name: httpx.get(f"{url}/conversations/{ids[name]}/tracker", params={"token": token},
                            timeout=30).json()
            for name in senders
        }
        yield Conversations(
            f"postgresql+psycopg://postgres@127.0.0.1:5432/{postgres_database}", ids, trackers,
        )
    finally:
        rasa.stop()


@dataclass
class ReviewApp:
    """A review app on a temporary database, with an admin and a reviewer account."""

    app: FastAPI
    settings: Settings
    export_dir: Path

    def client(self) -> TestClient:
        """A fresh browser: its own cookies."""
        return TestClient(self.app, base_url="http://127.0.0.1")

    def signed_in(self, who: tuple[str, str]) -> tuple[TestClient, str]:
        """A client signed in as ``who``, and its CSRF token."""
        client = self.client()
        login(client, *who)
        token = client.get("/api/me").json()["csrf_token"]
        return client, token


def login(client: TestClient, username: str, password: str) -> httpx.Response:
    """Signs in through the form, as a browser does."""
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": match.group(1),
              "next": "/"},
        follow_redirects=False,
    )


def make_settings(tmp: Path, tracker_url: str, **overrides: Any) -> Settings:
    """Settings isolated from the environment and ``.env``, in a temporary directory."""
    values: dict[str, Any] = {
        "secret_key": secrets.token_urlsafe(32),
        "db_url": f"sqlite:///{tmp / 'review.db'}",
        "tracker_db_url": tracker_url,
        "approved_dir": tmp / "reviewed",
        "staging_dir": tmp / "staged",
        "reviewed_eval_dir": tmp / "eval-reviewed",
        "jobs_dir": tmp / "jobs",
        "models_dir": tmp / "models",
        "rasa_url": None,
        "cookie_secure": False,  # the test client speaks http://127.0.0.1
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@functools.cache
def _hash(password: str) -> str:
    return hash_password(password)  # argon2 takes ~0.3 s: once per password per session


def build_review_app(tmp: Path, tracker_url: str, **overrides: Any) -> ReviewApp:
    """A review app with one admin and one reviewer."""
    settings = make_settings(tmp, tracker_url, **overrides)
    app = create_app(settings)
    with app.state.sessions() as db:
        db.add(User(username=ADMIN[0], password_hash=_hash(ADMIN[1]), role="admin"))
        db.add(User(username=REVIEWER[0], password_hash=_hash(REVIEWER[1]), role="reviewer"))
        db.commit()
    return ReviewApp(app, settings, settings.path(settings.approved_dir))


def settings_env(settings: Settings) -> dict[str, str]:
    """``settings`` as the environment variables the app reads them from (unset ones left
    out), so a review app process runs with exactly these settings."""
    env: dict[str, str] = {}
    for name, info in Settings.model_fields.items():
        value = getattr(settings, name)
        if value is None:
            continue
        alias = info.validation_alias
        key = alias if isinstance(alias, str) else f"REVIEW_{name.upper()}"
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


def review_server(review: ReviewApp, log: Path) -> Service:
    """The review app as ``make run`` starts it (``python -m eval.review serve``), on its own
    port, with ``review``'s settings and database: a real HTTP server, restartable."""
    settings = review.settings.model_copy(update={"port": free_port()})
    review.settings = settings
    env = {**os.environ, "PYTHONPATH": str(ROOT), **settings_env(settings)}
    return Service(
        "review", [str(APP_PYTHON), "-m", "eval.review", "serve"],
        f"http://127.0.0.1:{settings.port}/login", env, log, startup_timeout=60,
    )


@pytest.fixture
def review_app(tmp_path: Path, sqlite_conversations: Conversations) -> ReviewApp:
    """The review app on the stack's SQLite tracker store."""
    return build_review_app(tmp_path, sqlite_conversations.tracker_url)


@pytest.fixture
def offline_app(tmp_path: Path) -> ReviewApp:
    """The review app on an empty tracker store (no Rasa needed): auth and page tests."""
    return build_review_app(tmp_path, f"sqlite:///{tmp_path / 'empty-tracker.db'}")


def rasa_validate(*data: Path) -> subprocess.CompletedProcess[str]:
    """The project's ``rasa data validate`` with extra data directories."""
    return subprocess.run(
        [str(RASA_BIN), "data", "validate",
         "--domain", str(build_domain(ROOT / "var" / "build" / "validate-domain")),
         "--data", "nlu_data",
         *map(str, data), "bot/rules", "--config", "config.yml"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2",
             "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
