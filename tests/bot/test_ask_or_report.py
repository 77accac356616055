"""Close calls between a question and a report, or two reports, settled before "not understood"
(Rasa environment: the component itself on the intent rankings a message would get)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from eval.stack import RASA_PYTHON, ROOT

SCRIPT = """
import json, sys
from rasa.shared.nlu.training_data.message import Message
from bot.components.ask_or_report import AskOrReport
component = AskOrReport({**AskOrReport.get_default_config()})
out = []
for text, ranking, place in json.loads(sys.argv[1]):
    entities = [{"entity": "address", "value": "x"}] if place else []
    message = Message(data={"text": text, "entities": entities,
                            "intent": {"name": ranking[0][0], "confidence": ranking[0][1]},
                            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking]})
    component.process([message])
    out.append([message.get("intent")["name"], message.get("intent_ranking")[0]["name"]])
print(json.dumps(out))
"""

CASES = [
    # a request worded as a question, with the address only a report needs → the report
    (("can i get a bulky item pickup at 3309 Wabash Ave",
      [["report_bulky_items", 0.49], ["ask_question", 0.48]], True), "report_bulky_items"),
    # the same words without a place stay a question (answered, then the request is offered)
    (("can i get a bulky item pickup",
      [["report_bulky_items", 0.49], ["ask_question", 0.48]], False), "ask_question"),
    # a question mark keeps it a question even with an address
    (("how much is a pickup at 3309 Wabash Ave?",
      [["report_bulky_items", 0.49], ["ask_question", 0.48]], True), "ask_question"),
    # two reports neck and neck, with a place: the likelier report
    (("hay un hoyo grande enfrente de 1619 W Pico Blvd",
      [["report_pothole", 0.41], ["report_fallen_tree", 0.40]], True), "report_pothole"),
    # two reports without a place: left to the fallback (not settled here)
    (("hay un hoyo grande", [["report_pothole", 0.41], ["report_fallen_tree", 0.40]], False),
     "report_pothole"),
]


def test_close_calls_are_settled_and_head_the_ranking() -> None:
    if not RASA_PYTHON.exists():
        pytest.skip("needs .venv-rasa (make setup)")
    run = subprocess.run(
        [str(RASA_PYTHON), "-c", SCRIPT, json.dumps([case for case, _ in CASES])], cwd=ROOT,
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    decided = json.loads(run.stdout.strip().splitlines()[-1])
    for (case, wanted), (intent, first_ranked) in zip(CASES, decided, strict=True):
        assert intent == wanted, case[0]
        assert first_ranked == intent, case[0]  # the fallback's ambiguity check reads this
