"""S0: one malformed request must not stop the Rasa server.

Every request of the review (negative, non-numeric and oversized Content-Length, slow headers
and bodies, 2,000 levels of JSON...) is sent to the guard in front of the running assistant's
channels; each is refused with a 4xx, and the assistant still answers afterwards. The first
test shows why the guard exists: the same request sent straight to Sanic 21.12 (Rasa's HTTP
server) stops it.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from eval.stack import APP_PYTHON, RASA_PYTHON, ROOT, Stack, free_port, new_sender, wait_http
from tests.security.http import exchange, request_head, status

pytestmark = pytest.mark.integration

REST = "/webhooks/rest/webhook"
SMS = "/webhooks/sms/webhook"
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DEEP = b'{"sender": "x", "message": "hi", "metadata": ' + b"[" * 2000 + b"]" * 2000 + b"}"


def assistant_answers(stack: Stack) -> None:
    """A resident's greeting still gets a reply, promptly."""
    started = time.monotonic()
    reply = stack.chat(new_sender("s0"), "hello")
    assert reply and reply[0].get("text"), reply
    assert time.monotonic() - started < 20


CASES = [
    ("negative length", request_head(REST, {**JSON, "Content-Length": "-1"}), b"{}", 400),
    ("negative length, SMS", request_head(SMS, {**FORM, "Content-Length": "-1"}), b"a", 400),
    ("non-numeric length", request_head(REST, {**JSON, "Content-Length": "abc"}), b"", 400),
    ("huge length", request_head(REST, {**JSON, "Content-Length": "9" * 12}), b"{", 413),
    ("body over the limit", request_head(REST, {**JSON, "Content-Length": "300000"}),
     b"{" + b" " * 299_998 + b"}", 413),
    ("chunked body over the limit",
     request_head(REST, {**JSON, "Transfer-Encoding": "chunked"}),
     b"".join([b"10000\r\n" + b" " * 0x10000 + b"\r\n"] * 5) + b"0\r\n\r\n", 413),
    ("length and chunked",
     request_head(REST, {**JSON, "Content-Length": "4", "Transfer-Encoding": "chunked"}),
     b"0\r\n\r\n", 400),
    ("two lengths", request_head(REST, {**JSON, "Content-Length": "2"})
     .replace(b"\r\n\r\n", b"\r\nContent-Length: 3\r\n\r\n"), b"{}", 400),
    ("2,000 levels of JSON",
     request_head(REST, {**JSON, "Content-Length": str(len(DEEP))}), DEEP, 400),
    ("headers too large", request_head(REST, {**JSON, "X-Junk": "a" * 40_000}), b"", 431),
    ("form sent to REST", request_head(REST, {**FORM, "Content-Length": "3"}), b"a=b", 415),
    ("the Rasa HTTP API", request_head("/conversations/sms:+12135550123/tracker", {},
                                       "GET"), b"", 404),
    ("no request line", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", b"", 400),
]
"""Each malformed request of the review and the status the guard answers it with."""


@pytest.mark.parametrize(("name", "head", "body", "expected"), CASES)
def test_malformed_request_is_refused_and_the_assistant_still_answers(
    rasa_stack: Stack, name: str, head: bytes, body: bytes, expected: int
) -> None:
    port = int(rasa_stack.public_url.rsplit(":", 1)[1])
    answer = exchange(port, head, body)
    assert status(answer) == expected, (name, answer[:300])
    assistant_answers(rasa_stack)


def test_slow_headers_and_slow_bodies_are_cut_off(rasa_stack: Stack) -> None:
    port = int(rasa_stack.public_url.rsplit(":", 1)[1])
    started = time.monotonic()
    slow_body = exchange(port, request_head(REST, {**JSON, "Content-Length": "100"}), b'{"se',
                         pause=7, tail=b"nder")
    slow_head = exchange(port, b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\n", pause=7,
                         tail=b"X-More: 1\r\n")
    assert status(slow_body) == 408 and status(slow_head) == 408
    assert time.monotonic() - started < 20
    assistant_answers(rasa_stack)


def test_guard_passes_well_formed_requests_with_their_status(rasa_stack: Stack) -> None:
    url = f"{rasa_stack.public_url}{REST}"
    assert httpx.get(f"{rasa_stack.public_url}/webhooks/rest/").status_code == 200
    no_token = httpx.post(url, json={"sender": "x", "message": "hi"})
    assert no_token.status_code == 401 and no_token.headers["www-authenticate"] == "Bearer"
    empty = httpx.post(url, json={"sender": "x", "message": " "}, headers=rasa_stack.rest_auth())
    assert empty.status_code == 400 and empty.json()["error"] == "empty_message"


@pytest.mark.slow
def test_sanic_21_stops_on_a_negative_length_but_not_behind_the_guard(tmp_path: Path) -> None:
    """The upstream bug, reproduced on Rasa's own Sanic with the SMS channel mounted."""
    sanic_port, guard_port = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    health = f"http://127.0.0.1:{sanic_port}/webhooks/sms/"
    sanic = subprocess.Popen(
        [str(RASA_PYTHON), "tests/sms/sanic_echo_app.py", str(sanic_port),
         str(tmp_path / "sms.db"), str(tmp_path / "turns.jsonl")],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    guard = subprocess.Popen(
        [str(APP_PYTHON), "-m", "connectors.guard", "--port", str(guard_port),
         "--upstream", f"http://127.0.0.1:{sanic_port}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(health, 60, sanic)
        wait_http(f"http://127.0.0.1:{guard_port}/webhooks/sms/", 30, guard)
        negative = request_head(SMS, {**FORM, "Content-Length": "-1"})
        assert status(exchange(guard_port, negative, b"ab")) == 400
        assert httpx.get(health, timeout=5).status_code == 200

        exchange(sanic_port, negative, b"ab", timeout=3)  # straight to Sanic: no guard
        with pytest.raises(httpx.TimeoutException):
            httpx.get(health, timeout=5)
    finally:
        for process in (guard, sanic):
            process.kill()
            process.wait()
