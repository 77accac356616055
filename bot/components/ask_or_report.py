"""Rasa NLU component: "a question or a report?" when the classifier cannot tell.

"how much does it cost to have the city pick up a couch?" is a question about bulky item
pickup, "the city needs to pick up this couch" is a report. The intent classifier separates them
(question cues are features, and the training data has questions that name every problem
type), but some messages stay in between. When the two best intents are ``ask_question`` and a
report intent and their probabilities are within ``margin`` of each other, this component
decides: a message worded as a question (a question mark, or a question word first in any
language pack) is answered (``ask_question``; the answer then offers the request); anything
else is relabelled ``ask_or_report``, and the dialogue asks one short question with both
options as buttons instead of guessing. The decision heads the ranking (so the
``FallbackClassifier``'s ambiguity check does not undo it); the rest of the ranking is kept, so
the action knows which report.

Other close calls are not real ambiguity and are settled here, before the
``FallbackClassifier`` would call them "not understood":

- a message that gives a street address (the ``address`` entity) is a report: between two
  reports the likelier one is taken ("hay un hoyo grande enfrente de 1619 W Pico Blvd"; the
  summary lets the resident correct it), and between a report and a question without a
  question mark the report ("can i get a bulky item pickup at 3309 Wabash Ave");

- a specific report just ahead of the generic ``report_problem`` ("hi i want to report
  graffiti": report_graffiti 0.43, report_problem 0.41) is the same wish: the specific one
  keeps its place with both probabilities (the other way round stays generic: the form asks
  which kind);
- a message with a question mark whose second intent is ``ask_question`` is a question when
  the first is a report (up to ``question_margin`` apart, or at any distance when the message
  opens with the question: "is there a reward for reporting dumpers? someone keeps dumping
  junk here" is answered, then the request is offered) or a vague intent
  (``give_feedback``, ``inform``) within ``margin``.

Placed after the intent classifier and before the ``FallbackClassifier``.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language import is_question

ASK = "ask_question"
AMBIGUOUS = "ask_or_report"
GENERIC_REPORT = "report_problem"
VAGUE = frozenset({"give_feedback", "inform"})
STATUS = "check_request_status"
NOT_STATUS = frozenset({"cancel", "human_handoff", "affirm", "deny"})
STATUS_MAX_WORDS = 8  # "can you tell me the status of Q-HA8A6M please"
STATUS_CONFIDENCE = 0.9
YES_NO = frozenset({"affirm", "deny"})
MIN_WORDS = 3  # "no?" alone stays a no


def _settle(message: Message, ranking: list[dict[str, Any]], name: str, confidence: float) -> None:
    """Makes ``name`` the message's intent, first in the ranking too.

    The FallbackClassifier's ambiguity check reads the ranking, and a settled call is not
    ambiguous any more. The rest of the ranking stays (the actions read which report it was).
    """
    message.set(INTENT, {"name": name, "confidence": confidence}, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [
        {"name": name, "confidence": confidence},
        *(r for r in ranking if r["name"] != name),
    ], add_to_output=True)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class AskOrReport(GraphComponent):
    """Relabels close calls between a question and a report as ``ask_or_report``."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """How close the two probabilities must be (``margin``, ``question_margin``).

        ``question_margin``: how far ``ask_question`` may trail a report when the message has
        a question mark.
        """
        return {"margin": 0.2, "question_margin": 0.8, "report_prefix": "report_"}

    def __init__(self, config: dict[str, Any]) -> None:
        self._margin = float(config["margin"])
        self._question_margin = float(config["question_margin"])
        self._prefix = str(config["report_prefix"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AskOrReport:
        """Creates the component (nothing to train)."""
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        """Relabels each ambiguous message."""
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            if self._asks_status(message, ranking):
                continue
            if len(ranking) < 2:
                continue
            first, second = ranking[0], ranking[1]
            has_place = any(e.get("entity") == "address" for e in message.get(ENTITIES) or [])
            name = self._decide(str(message.get(TEXT) or ""), first["name"], second["name"],
                                float(first["confidence"]) - float(second["confidence"]),
                                has_place)
            if name is not None:
                _settle(message, ranking, name,
                        min(1.0, float(first["confidence"]) + float(second["confidence"])))
        return messages

    @staticmethod
    def _asks_status(message: Message, ranking: list[dict[str, Any]]) -> bool:
        """A short message with a request number asks for that request's status.

        "status of Q-HA8A6M", "y el 1-1000012?": the number is what matters; its letters and
        digits vary too much for the classifier (which read one local reference as not
        understood). Not when the message reports, cancels or asks for a person.
        """
        entities = message.get(ENTITIES) or []
        text = str(message.get(TEXT) or "")
        if not ranking or not any(e.get("entity") == "request_number" for e in entities):
            return False
        first = str(ranking[0]["name"])
        if first == STATUS or first in NOT_STATUS or first.startswith("report_") or len(
                text.split()) > STATUS_MAX_WORDS:
            return False
        status = next((r for r in ranking if r["name"] == STATUS), None)
        _settle(message, ranking, STATUS,
                max(float(status["confidence"]) if status else 0.0, STATUS_CONFIDENCE))
        return True

    def _decide(
        self, text: str, first: str, second: str, gap: float, has_place: bool = False
    ) -> str | None:
        """The intent a close call between ``first`` and ``second`` means, or ``None``.

        ``has_place``: the message gives a street address, which only a report needs.
        """
        names = {first, second}
        reports = {n for n in names if n.startswith(self._prefix)}
        if second == GENERIC_REPORT and first in reports:
            return first  # the specific report, sure of itself with both probabilities
        if has_place and second in reports and first in reports and first != GENERIC_REPORT:
            # "hay un hoyo grande enfrente de 1619 W Pico Blvd": a report for sure (it gives
            # the place), of the likelier kind; the summary lets the resident correct it.
            return first
        marked = is_question(text, require_mark=True)
        if marked and first in YES_NO and second == ASK and len(text.split()) >= MIN_WORDS:
            return ASK  # "y si no está operado?": a follow-up question, not a "no"
        # "is there a reward for catching dumpers? someone keeps dumping here": asked first.
        asks_first = "?" in text and is_question(text.split("?", 1)[0])
        if second == ASK and marked and (
            (first in reports and first != GENERIC_REPORT
             and (gap <= self._question_margin or asks_first))
            or (first in VAGUE and gap <= self._margin)
        ):
            return ASK
        report = next(iter(reports), None)
        if ASK not in names or report is None or report == GENERIC_REPORT or gap > self._margin:
            return None
        if has_place and not marked:
            # "can i get a bulky item pickup at 3309 Wabash Ave": a request worded as a
            # question, with the address a report needs (no question mark: never a question
            # such as "how much is a pickup at 3309 Wabash Ave?").
            return report
        # Worded as a question ("¿cuánto cobran…?"): answer it; the answer offers the
        # request. Otherwise ask which one the resident means.
        return ASK if is_question(text) else AMBIGUOUS
