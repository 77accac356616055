"""A stuck action server holds a turn for ACTION_TIMEOUT_SECONDS, not Rasa's five minutes.

Runs Rasa's own ``RemoteAction`` in the Rasa environment (``.venv-rasa``) against a real HTTP
server on 127.0.0.1 that answers after 30 s.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.action_timeout import DEFAULT_SECONDS, configured_seconds
from eval.stack import RASA_PYTHON, ROOT

SCRIPT = """
import asyncio, json, sys, time
from rasa.core.actions.action import RemoteAction
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from bot.action_timeout import install

url, seconds = sys.argv[1], float(sys.argv[2])
installed = install(seconds) if seconds else None

async def call():
    action = RemoteAction("action_slow", EndpointConfig(url))
    started = time.monotonic()
    try:
        await action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}),
                         DialogueStateTracker("resident", []), Domain.empty())
        outcome = "answered"
    except asyncio.TimeoutError:
        outcome = "timeout"
    except Exception as error:
        outcome = type(error).__name__
    return outcome, time.monotonic() - started

outcome, took = asyncio.run(call())
print(json.dumps({"installed": installed, "outcome": outcome, "took": took}))
"""


class _Stuck(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(30)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def stuck_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stuck)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhook"
    server.shutdown()


def _call(url: str, seconds: float) -> dict:
    if not RASA_PYTHON.exists():
        pytest.skip("needs .venv-rasa (make setup)")
    run = subprocess.run([str(RASA_PYTHON), "-c", SCRIPT, url, str(seconds)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
                              "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_a_stuck_action_server_call_gives_up_after_the_configured_seconds(
    stuck_server: str,
) -> None:
    result = _call(stuck_server, 2.0)
    # False: a Rasa upgrade removed the constant, and Rasa would wait five minutes again.
    assert result["installed"] is True
    assert result["outcome"] == "timeout"
    assert 1.5 < result["took"] < 10


def test_the_default_is_well_under_the_sms_turn_budget() -> None:
    assert configured_seconds({}) == DEFAULT_SECONDS < 12
    assert configured_seconds({"ACTION_TIMEOUT_SECONDS": "5"}) == 5.0
    for bad in ("soon", "0", "900"):
        with pytest.raises(SystemExit, match="ACTION_TIMEOUT_SECONDS"):
            configured_seconds({"ACTION_TIMEOUT_SECONDS": bad})
