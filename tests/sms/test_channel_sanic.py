"""SMSInput inside a real Sanic server (the Rasa venv), with an echo agent instead of a model.

Checks what unit tests cannot: the blueprint's routes under /webhooks/sms/, the URL Sanic
reports for signature checks, raw form bodies and headers, and Rasa's UserMessage and
CollectingOutputChannel. The full assistant is exercised by test_channel_e2e.py.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from connectors.senders import conversation_id
from connectors.sms.messages import bilingual, message
from connectors.sms.signature import compute_twilio_signature

from .conftest import AUTH_TOKEN, FORM, RESIDENT, twilio_form

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


def _rasa_available() -> bool:
    if not RASA_PYTHON.exists():
        return False
    probe = subprocess.run(
        [str(RASA_PYTHON), "-c", "import rasa.core.channels.channel, sanic"],
        capture_output=True,
        timeout=120,
    )
    return probe.returncode == 0


@dataclass
class EchoServer:
    base: str
    turns_path: Path

    def last_turn(self) -> dict[str, Any]:
        lines = self.turns_path.read_text(encoding="utf-8").splitlines()
        return dict(json.loads(lines[-1]))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EchoServer]:
    if not _rasa_available():
        pytest.skip("needs .venv-rasa with rasa and sanic")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    db_path = tmp_path_factory.mktemp("sms") / "sms.db"
    turns_path = db_path.parent / "turns.jsonl"
    log = open(tmp_path_factory.mktemp("log") / "server.log", "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [str(RASA_PYTHON), "tests/sms/sanic_echo_app.py", str(port), str(db_path), str(turns_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"echo server exited:\n{log.read()[-3000:]}")
            try:
                if httpx.get(f"{base}/webhooks/sms/", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("echo server did not start in 120 s")
            time.sleep(0.3)
        yield EchoServer(base, turns_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def post(
    server: EchoServer, form: dict[str, str], *, signed: bool = True, query: str = ""
) -> httpx.Response:
    url = f"{server.base}/webhooks/sms/webhook{query}"
    headers = {"Content-Type": FORM}
    if signed:
        headers["X-Twilio-Signature"] = compute_twilio_signature(url, form, AUTH_TOKEN)
    return httpx.post(url, content=urlencode(form).encode(), headers=headers, timeout=30)


def sms(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return [m.text or "" for m in ET.fromstring(response.content).findall("Message")]


def echoed(server: EchoServer, response: httpx.Response) -> dict[str, Any]:
    """The UserMessage Rasa received, after checking the reply the resident got."""
    [text] = sms(response)
    turn = server.last_turn()
    assert text == f"Got it: {turn['text']}\n1) Yes\n2) No"
    return turn


def test_health(server: EchoServer) -> None:
    response = httpx.get(f"{server.base}/webhooks/sms/")
    assert response.json() == {"status": "ok"}


def test_unsigned_and_forged_posts_are_403(server: EchoServer) -> None:
    assert post(server, twilio_form("hello"), signed=False).status_code == 403
    form = twilio_form("hello")
    url = f"{server.base}/webhooks/sms/webhook"
    forged = {"Content-Type": FORM, "X-Twilio-Signature": compute_twilio_signature(url, form, "x")}
    response = httpx.post(url, content=urlencode(form).encode(), headers=forged)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/plain")


def test_message_reaches_rasa_as_a_user_message(server: EchoServer) -> None:
    form = twilio_form("¿Dónde está mi solicitud? Señora Muñoz & <hijos>")
    summary = echoed(server, post(server, form))
    assert summary == {
        "text": "¿Dónde está mi solicitud? Señora Muñoz & <hijos>",
        "sender_id": conversation_id("sms", RESIDENT),
        "input_channel": "sms",
        "message_id": form["MessageSid"],
        "metadata": {"channel": "sms"},
    }


def test_signature_covers_the_query_string(server: EchoServer) -> None:
    assert (
        echoed(server, post(server, twilio_form("hi"), query="?tenant=la311&x=1"))["text"] == "hi"
    )


def test_numbered_reply_becomes_payload(server: EchoServer) -> None:
    sender = "+12135550001"
    echoed(server, post(server, twilio_form("start a report", sender=sender)))
    assert echoed(server, post(server, twilio_form("2", sender=sender)))["text"] == "/deny"


def test_mms_passes_media_url(server: EchoServer) -> None:
    photo = "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM9/Media/ME9"
    summary = echoed(server, post(server, twilio_form("", sender="+12135550002", media=[photo])))
    assert summary["text"] == "/share_photo"
    assert summary["metadata"] == {"media_url": photo, "channel": "sms"}


def test_stop_help_start(server: EchoServer) -> None:
    sender = "+12135550003"
    assert sms(post(server, twilio_form("AYUDA", sender=sender))) == [message("help", "es")]
    assert sms(post(server, twilio_form("stop", sender=sender))) == []  # Twilio confirms it
    assert sms(post(server, twilio_form("hello", sender=sender))) == []
    assert sms(post(server, twilio_form("ALTO", sender=sender))) == [message("opt_out", "es")]
    assert sms(post(server, twilio_form("START", sender=sender))) == []
    assert echoed(server, post(server, twilio_form("hello", sender=sender)))["text"] == "hello"


def test_repeated_message_sid_is_answered_from_the_store(server: EchoServer) -> None:
    form = twilio_form("once", sender="+12135550004")
    first, second = post(server, form), post(server, form)
    assert first.content == second.content


def test_bad_input_is_400_not_500(server: EchoServer) -> None:
    url = f"{server.base}/webhooks/sms/webhook"
    form = twilio_form("x")
    body = urlencode(form).encode().replace(b"Body=x", b"Body=%FF")
    headers = {
        "Content-Type": FORM,
        "X-Twilio-Signature": compute_twilio_signature(url, form, AUTH_TOKEN),
    }
    assert httpx.post(url, content=body, headers=headers).status_code == 400
    headers["Content-Type"] = "application/json"
    assert httpx.post(url, content=json.dumps(form), headers=headers).status_code == 400


def test_failure_inside_rasa_gets_an_apology(server: EchoServer) -> None:
    assert sms(post(server, twilio_form("boom", sender="+12135550005"))) == [
        bilingual("unavailable")
    ]
    # a turn that produced no message (an action server died mid-turn) is never silent
    assert sms(post(server, twilio_form("silent", sender="+12135550005"))) == [
        bilingual("unavailable")
    ]


def test_empty_message_gets_a_prompt(server: EchoServer) -> None:
    assert sms(post(server, twilio_form("  ", sender="+12135550006"))) == [bilingual("empty")]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-v"]))
