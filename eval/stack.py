"""Start the whole assistant on free 127.0.0.1 ports, for tests and benchmarks.

:func:`start_stack` runs the embedded Open311 server, the action server, the outbox worker,
the Rasa server (latest trained model, REST and SMS channels, SQLite tracker store) and the
guard in front of its channels as real processes, each database in a work directory (files
created 0600), and stops them afterwards.

Residents' traffic goes through the guard (``Stack.public_url``), as in production; the Rasa
HTTP API (``Stack.rasa_url``, token-protected) is read directly. Conversation ids are
namespaced per channel: ``Stack.chat(sender, text)`` talks as the web chat's proxy, so the
conversation is ``web:<sender>`` and ``Stack.tracker(sender)`` reads it back; SMS tests read
``Stack.tracker(phone, channel="sms")``.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from connectors.files import private_file
from connectors.senders import Channel, conversation_id

ROOT = Path(__file__).resolve().parent.parent
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
APP_PYTHON = ROOT / ".venv" / "bin" / "python"


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    """Waits until ``url`` answers 200, failing early if ``process`` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not come up within {timeout} s")


def latest_model() -> Path:
    """The newest trained model (`make model` trains it), or ``RASA_TEST_MODEL`` when set."""
    if os.environ.get("RASA_TEST_MODEL"):
        return Path(os.environ["RASA_TEST_MODEL"]).resolve()
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise FileNotFoundError("No trained Rasa model in models/: run `make model`.")
    return models[-1]


@dataclass
class Service:
    """One process of the stack, restartable."""

    name: str
    command: list[str]
    health_url: str
    env: dict[str, str]
    log: Path
    startup_timeout: float = 30.0
    cwd: Path = ROOT
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Starts the process and waits for its health URL."""
        private_file(self.log)  # logs hold residents' messages
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                umask=0o077,  # databases and logs readable by their owner only
            )
        if self.health_url:
            wait_http(self.health_url, self.startup_timeout, self.process)

    def stop(self) -> None:
        """Stops the process (SIGTERM, then SIGKILL)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Stack:
    """The running assistant: URLs, secrets and its restartable services."""

    rasa_url: str
    token: str
    sms_token: str
    public_url: str
    rest_tokens: dict[str, str]
    open311_url: str
    open311_api_key: str
    workdir: Path
    env: dict[str, str]
    services: dict[str, Service] = field(default_factory=dict)

    def chat(self, sender: str, text: str, channel: Channel = "web") -> list[dict[str, Any]]:
        """Sends one message through the guard and the REST channel; returns the bot's messages.

        ``channel`` picks the REST token: "web" (the web chat proxy's, conversation
        ``web:<sender>``) or "rest" (``rest:<sender>``).
        """
        reply = httpx.post(
            f"{self.public_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            headers=self.rest_auth(channel),
            timeout=60,
        )
        assert reply.status_code == 200, reply.text
        messages: list[dict[str, Any]] = reply.json()
        return messages

    def texts(self, sender: str, text: str) -> str:
        """The bot's reply texts to one message, joined by new lines."""
        return "\n".join(m.get("text", "") for m in self.chat(sender, text))

    def rest_auth(self, channel: Channel = "web") -> dict[str, str]:
        """The Authorization header of a REST client of ``channel``'s namespace."""
        return {"Authorization": f"Bearer {self.rest_tokens[channel]}"}

    def tracker(self, sender: str, channel: Channel = "web") -> dict[str, Any]:
        """The tracker of ``channel``'s sender from Rasa's HTTP API (token-protected)."""
        reply = httpx.get(
            f"{self.rasa_url}/conversations/{conversation_id(channel, sender)}/tracker",
            params={"token": self.token},
            timeout=30,
        )
        reply.raise_for_status()
        tracker: dict[str, Any] = reply.json()
        return tracker

    def requests_on_backend(self) -> list[dict[str, Any]]:
        """Every request the embedded Open311 server holds."""
        reply = httpx.get(f"{self.open311_url}/requests.json", timeout=10)
        reply.raise_for_status()
        items: list[dict[str, Any]] = reply.json()
        return items


def new_sender(prefix: str = "test") -> str:
    """A fresh conversation id."""
    return f"{prefix}-{secrets.token_hex(6)}"



PG_ADMIN_DSN = os.environ.get("SCALE_PG_DSN", "host=127.0.0.1 port=5432 user=postgres")


@contextmanager
def fresh_database(prefix: str = "scale") -> Iterator[str]:
    """A new, empty PostgreSQL database on the local server (its name); dropped afterwards."""
    import psycopg

    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def database_url(name: str) -> str:
    """The URL of a database of the local PostgreSQL server (trust authentication)."""
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def pinned_endpoints(workdir: Path, source: str) -> Path:
    """A copy of an endpoints file without its model server: tests pin the model they test."""
    config = yaml.safe_load((ROOT / source).read_text(encoding="utf-8")) or {}
    config.pop("models", None)
    target = workdir / f"pinned-{Path(source).name}"
    target.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return target


@contextmanager
def start_stack(workdir: Path, model: Path | None = None) -> Iterator[Stack]:
    """Starts Open311 server, action server, outbox worker and Rasa server on free ports.

    Every database lives in ``workdir``; everything is stopped when the block ends.
    """
    model = model or latest_model()
    ports = {name: free_port() for name in ("rasa", "actions", "open311", "guard")}
    token = secrets.token_urlsafe(16)
    rest_tokens = {"web": secrets.token_urlsafe(16), "rest": secrets.token_urlsafe(16)}
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "SANIC_HOST": "127.0.0.1",
        "RASA_AUTH_TOKEN": token,
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports['actions']}/webhook",
        "TRACKER_SQLITE_PATH": str(workdir / "tracker.db"),
        "OPEN311_API_KEY": secrets.token_urlsafe(16),
        "OPEN311_SERVER_API_KEYS": "",
        "OPEN311_BASE_URL": f"http://127.0.0.1:{ports['open311']}/open311/v2",
        "OPEN311_SERVER_HOST": "127.0.0.1",
        "OPEN311_SERVER_PORT": str(ports["open311"]),
        "OPEN311_SERVER_DB": str(workdir / "open311.db"),
        "OUTBOX_DB": str(workdir / "outbox.db"),
        "OUTBOX_POLL_SECONDS": "1",
        "SMS_AUTH_TOKEN": secrets.token_urlsafe(16),
        "SMS_DB": str(workdir / "sms.db"),
        "WEBCHAT_REST_TOKEN": rest_tokens["web"],
        "REST_API_TOKEN": rest_tokens["rest"],
        "ACTION_SERVER_TOKEN": secrets.token_urlsafe(16),
        "RATE_LIMIT_STORAGE": "memory://",
        "GUARD_UPSTREAM": f"http://127.0.0.1:{ports['rasa']}",
        "GUARD_REQUEST_TIMEOUT": "5",
    }
    env["OPEN311_SERVER_API_KEYS"] = env["OPEN311_API_KEY"]
    stack = Stack(
        rasa_url=f"http://127.0.0.1:{ports['rasa']}",
        token=token,
        sms_token=env["SMS_AUTH_TOKEN"],
        public_url=f"http://127.0.0.1:{ports['guard']}",
        rest_tokens=rest_tokens,
        open311_url=env["OPEN311_BASE_URL"],
        open311_api_key=env["OPEN311_API_KEY"],
        workdir=workdir,
        env=env,
    )
    specs = [
        Service(
            "open311",
            [str(APP_PYTHON), "-m", "connectors.open311.server"],
            f"http://127.0.0.1:{ports['open311']}/health",
            env, workdir / "open311.log",
        ),
        Service(
            "actions",
            [str(APP_PYTHON), "-m", "connectors.action_server", "--actions", "actions",
             "--port", str(ports["actions"])],
            f"http://127.0.0.1:{ports['actions']}/health",
            env, workdir / "actions.log", startup_timeout=90,
        ),
        Service(
            "outbox",
            [str(APP_PYTHON), "-m", "connectors.open311.outbox"],
            "",
            env, workdir / "outbox.log",
        ),
        Service(
            "rasa",
            [str(RASA_PYTHON), "-m", "bot.rasa_run", "--enable-api", "--model", str(model),
             "--endpoints", str(pinned_endpoints(workdir, "bot/endpoints.yml")),
             "--credentials", "bot/credentials.yml",
             "--interface", "127.0.0.1", "--port", str(ports["rasa"])],
            f"http://127.0.0.1:{ports['rasa']}/status?token={token}",
            env, workdir / "rasa.log",
            startup_timeout=float(os.environ.get("RASA_STARTUP_TIMEOUT", 180)),
        ),
        Service(
            "guard",
            [str(APP_PYTHON), "-m", "connectors.guard", "--port", str(ports["guard"])],
            f"http://127.0.0.1:{ports['guard']}/webhooks/rest/",
            env, workdir / "guard.log",
        ),
    ]
    try:
        for service in specs:
            stack.services[service.name] = service
            service.start()
        yield stack
    finally:
        for service in reversed(list(stack.services.values())):
            service.stop()
