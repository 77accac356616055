"""The action-response check compiled once accepts and rejects exactly what Rasa's own does.

Runs in the Rasa environment (``.venv-rasa``), where ``bot.rasa_run`` installs it.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from eval.stack import RASA_PYTHON, ROOT

RESPONSES = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "address", "value": "200 N Spring St"}],
     "responses": [{"text": "Where is it?", "buttons": [{"title": "Yes", "payload": "/affirm"}]}]},
    {"events": [{"event": "active_loop", "name": "service_request_form"},
                {"event": "followup", "name": "action_listen"}], "responses": []},
    {},
    # invalid: events not a list, an unknown event, a response that is not an object
    {"events": {"event": "slot"}, "responses": []},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [], "responses": ["just a string"]},
    {"events": [{"event": "slot"}], "responses": []},
]

SCRIPT = """
import json, sys
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from bot.action_validation import install

responses = json.loads(sys.argv[1])
action = RemoteAction("action_x", None)

def outcome(result):
    try:
        return ["ok", action._validate_action_result(result)]
    except ValidationError as error:
        return ["invalid", error.message]

before = [outcome(r) for r in responses]
installed = install()
again = install()
after = [outcome(r) for r in responses]
print(json.dumps({"installed": installed, "again": again, "before": before, "after": after}))
"""


@pytest.fixture(scope="module")
def outcomes() -> dict:
    if not RASA_PYTHON.exists():
        pytest.skip("needs .venv-rasa (make setup)")
    run = subprocess.run([str(RASA_PYTHON), "-c", SCRIPT, json.dumps(RESPONSES)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
                              "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_installs_on_the_pinned_rasa(outcomes: dict) -> None:
    # False here means a Rasa upgrade removed the hook: responses would be checked the slow way.
    assert outcomes["installed"] is True
    assert outcomes["again"] is True


def test_same_verdict_and_message_as_rasa(outcomes: dict) -> None:
    assert outcomes["after"] == outcomes["before"]
    verdicts = [verdict for verdict, _ in outcomes["after"]]
    assert verdicts == ["ok"] * 4 + ["invalid"] * 4
    for verdict, message in outcomes["after"]:
        if verdict == "invalid":
            assert "Failed to validate Action server response" in message
