"""S11 and the rate limits, on the running assistant and a real web chat in front of it.

S11: databases and .env readable by everyone, the Rasa token in ``ps`` and in the web chat's
log, a 100 MB body read before the 64 kB check, 500s on deep JSON and lone surrogates.
Rate limits: none on the public chat API, the REST webhook or per phone number.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.setup_env import complete
from eval.stack import Stack, new_sender
from tests.security.http import exchange, request_head, status
from tests.sms.test_channel_e2e import Phone
from tests.webchat.conftest import base_url, webchat_service

pytestmark = pytest.mark.integration

SENDER = "s11websender01"
_LOGS: dict[str, Path] = {}


@pytest.fixture(scope="module")
def webchat(rasa_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A web chat trusting 127.0.0.1 as its proxy, with a small per-client budget."""
    log = tmp_path_factory.mktemp("webchat") / "webchat.log"
    service = webchat_service(
        rasa_stack.rasa_url, rasa_stack.token, log, rest_token=rasa_stack.rest_tokens["web"],
        TRUSTED_PROXIES="127.0.0.1", WEBCHAT_RATE_LIMIT_CLIENT="6/minute",
    )
    service.start()
    _LOGS[base_url(service)] = log
    try:
        yield base_url(service)
    finally:
        service.stop()


def webchat_log(service_url: str) -> str:
    """The log of the module's web chat."""
    return _LOGS[service_url].read_text()


def test_databases_and_logs_are_readable_by_their_owner_only(rasa_stack: Stack) -> None:
    rasa_stack.chat(new_sender("s11"), "hello")
    Phone(rasa_stack).text("hello")
    files = sorted(rasa_stack.workdir.glob("*.db*"))
    assert {f.name for f in files} >= {"tracker.db", "open311.db", "outbox.db", "sms.db"}
    for path in files + sorted(rasa_stack.workdir.glob("*.log")):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_env_file_is_created_private_and_set_back_to_private(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    old_umask = os.umask(0o022)
    try:
        complete(env)
        assert stat.S_IMODE(env.stat().st_mode) == 0o600
        env.chmod(0o644)  # an older checkout left it world-readable
        complete(env)
        assert stat.S_IMODE(env.stat().st_mode) == 0o600
    finally:
        os.umask(old_umask)
    keys = {line.split("=", 1)[0] for line in env.read_text().splitlines() if "=" in line}
    assert {"ACTION_SERVER_TOKEN", "WEBCHAT_REST_TOKEN", "REST_API_TOKEN"} <= keys


def test_no_secret_on_any_command_line(rasa_stack: Stack) -> None:
    secrets_ = [rasa_stack.token, rasa_stack.env["ACTION_SERVER_TOKEN"], rasa_stack.sms_token,
                *rasa_stack.rest_tokens.values()]
    for service in rasa_stack.services.values():
        assert service.process is not None
        cmdline = Path(f"/proc/{service.process.pid}/cmdline").read_bytes().decode()
        assert not any(secret in cmdline for secret in secrets_), service.name
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert not any(secret in ps for secret in secrets_)


def test_the_web_chat_never_logs_the_token(rasa_stack: Stack, webchat: str) -> None:
    reply = httpx.post(f"{webchat}/api/chat", json={"sender": SENDER, "message": "hello"},
                       headers={"X-Forwarded-For": "198.51.100.60"}, timeout=60)
    assert reply.status_code == 200
    assert httpx.get(f"{webchat}/api/history", params={"sender": SENDER}).status_code == 200
    log = webchat_log(webchat)
    assert "/api/history" in log  # the log is the right one, and it has the turn
    assert rasa_stack.token not in log and rasa_stack.rest_tokens["web"] not in log


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"sender": "' + SENDER.encode() + b'", "message": "hi", "x": '
         + b"[" * 2000 + b"]" * 2000 + b"}", 400),
        (b'{"sender": "' + SENDER.encode() + b'", "message": "\\ud800"}', 400),
        (b'{"sender": "' + SENDER.encode() + b'", "message": "\\udfff hi"}', 400),
    ],
)
def test_the_web_chat_refuses_deep_json_and_lone_surrogates(
    webchat: str, body: bytes, expected: int
) -> None:
    reply = httpx.post(f"{webchat}/api/chat", content=body, timeout=30,
                       headers={"Content-Type": "application/json",
                                "X-Forwarded-For": "198.51.100.61"})
    assert reply.status_code == expected, reply.text
    assert reply.json()["message"]["es"]


def test_a_100_mb_body_is_refused_before_it_is_read(webchat: str) -> None:
    port = int(webchat.rsplit(":", 1)[1])
    head = request_head("/api/chat", {"Content-Type": "application/json",
                                      "Content-Length": str(100 * 1024 * 1024)})
    assert status(exchange(port, head, b"{" + b" " * 65536, timeout=10)) == 413


def test_web_chat_limits_each_client_with_a_bilingual_429(webchat: str) -> None:
    def post(ip: str, sender: str) -> httpx.Response:
        return httpx.post(f"{webchat}/api/chat", timeout=60,
                          json={"sender": sender, "message": "hello", "locale": "es"},
                          headers={"X-Forwarded-For": ip})

    codes = [post("203.0.113.90", f"s11flood{n:08d}").status_code for n in range(8)]
    assert codes[:6] == [200] * 6 and codes[6:] == [429, 429]
    refused = post("203.0.113.90", "s11flood99999999")
    assert refused.headers["retry-after"].isdigit()
    assert refused.json()["message"]["es"].startswith("Demasiados mensajes")
    assert post("203.0.113.91", "s11other00000001").status_code == 200  # another client


def test_rest_limits_each_conversation(rasa_stack: Stack) -> None:
    sender = new_sender("s11rest")
    url = f"{rasa_stack.public_url}/webhooks/rest/webhook"
    codes = []
    for _ in range(22):
        reply = httpx.post(url, json={"sender": sender, "message": "ok"}, timeout=60,
                           headers=rasa_stack.rest_auth())
        codes.append(reply.status_code)
    assert codes[:20] == [200] * 20 and codes[20:] == [429, 429]
    assert json.loads(reply.text)["message"]["es"].startswith("Demasiados mensajes")
    assert reply.headers["retry-after"].isdigit()
    assert rasa_stack.chat(new_sender("s11rest"), "hello")  # other conversations go on


def test_sms_limits_each_phone_number(rasa_stack: Stack) -> None:
    phone = Phone(rasa_stack)
    replies = [phone.text("hello") for _ in range(12)]
    assert all(replies[n] for n in range(10))
    assert replies[10][0].startswith("LA 311 Assistant: Too many messages")
    assert replies[11] == []
    assert len(phone.user_texts()) == 10
    assert Phone(rasa_stack).text("hello")  # another number is unaffected
