"""S0 in production: the shipped HAProxy configuration in front of the real assistant.

``connectors/guard/haproxy.cfg`` runs unchanged (only its two environment variables set) between the
malformed requests of the review and the running Rasa server; each is refused and the
assistant still answers through it.
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from eval.stack import ROOT, Stack, free_port, new_sender, wait_http
from tests.security.http import exchange, request_head, status
from tests.security.test_guard import CASES, FORM, JSON, REST

pytestmark = pytest.mark.integration

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"


@pytest.fixture(scope="module")
def haproxy(rasa_stack: Stack) -> Iterator[int]:
    if not os.path.exists(HAPROXY):
        pytest.fail("HAProxy is not installed: make test installs it (apt-get install haproxy)")
    port = free_port()
    env = {**os.environ, "HAPROXY_BIND": f"127.0.0.1:{port}",
           "RASA_UPSTREAM": rasa_stack.rasa_url.removeprefix("http://")}
    config = ROOT / "connectors" / "guard" / "haproxy.cfg"
    process = subprocess.Popen([HAPROXY, "-db", "-f", str(config)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/webhooks/rest/", 20, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def chat_through(port: int, stack: Stack) -> None:
    reply = httpx.post(f"http://127.0.0.1:{port}{REST}", headers=stack.rest_auth(), timeout=60,
                       json={"sender": new_sender("haproxy"), "message": "hello"})
    assert reply.status_code == 200 and reply.json()[0]["text"], reply.text


@pytest.mark.parametrize(("name", "head", "body", "expected"), CASES)
def test_haproxy_refuses_what_the_guard_refuses(
    haproxy: int, rasa_stack: Stack, name: str, head: bytes, body: bytes, expected: int
) -> None:
    answer = status(exchange(haproxy, head, body))
    if name == "length and chunked":
        # HAProxy drops the Content-Length and re-frames the body (RFC 9112 6.3): nothing to
        # smuggle, and the empty request reaches Rasa, which refuses it.
        assert answer >= 400
    else:
        assert answer == expected, (name, answer)
    chat_through(haproxy, rasa_stack)


def test_haproxy_cuts_slow_requests_off(haproxy: int, rasa_stack: Stack) -> None:
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        body = pool.submit(exchange, haproxy,
                           request_head(REST, {**JSON, "Content-Length": "100"}), b'{"se',
                           pause=11, tail=b"nder")
        head = pool.submit(exchange, haproxy, b"POST /webhooks/sms/webhook HTTP/1.1\r\n",
                           pause=11, tail=b"Host: x\r\n")
        assert status(body.result()) == 408 and status(head.result()) == 408
    chat_through(haproxy, rasa_stack)
    assert FORM  # the SMS route's content type is covered by CASES
