"""Close calls between a question and a report, or two reports, settled before "not understood"
(Rasa environment: the component itself on the intent rankings a message would get)."""

from __future__ import annotations

from tests.bot.rasa_env import run_in_rasa

SCRIPT = """
import json, sys
from rasa.shared.nlu.training_data.message import Message
from bot.components.ask_or_report import AskOrReport
component = AskOrReport({**AskOrReport.get_default_config()})
out = []
for text, ranking, place in json.loads(sys.argv[1]):
    entity = place if isinstance(place, str) else "address"
    entities = [{"entity": entity, "value": "x"}] if place else []
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
    # a short message with a request number asks its status, whatever its letters look like
    (("status of Q-HA8A6M", [["nlu_fallback", 0.3], ["ask_question", 0.2],
                             ["check_request_status", 0.1]], "request_number"),
     "check_request_status"),
    (("y el 1-1000012?", [["ask_question", 0.4], ["inform", 0.3]], "request_number"),
     "check_request_status"),
    # but not when it cancels it
    (("cancel Q-HA8A6M", [["cancel", 0.6], ["check_request_status", 0.3]], "request_number"),
     "cancel"),
]


def test_close_calls_are_settled_and_head_the_ranking() -> None:
    decided = run_in_rasa(SCRIPT, [case for case, _ in CASES])
    for (case, wanted), (intent, first_ranked) in zip(CASES, decided, strict=True):
        assert intent == wanted, case[0]
        assert first_ranked == intent, case[0]  # the fallback's ambiguity check reads this
