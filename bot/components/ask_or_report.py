"""Rasa NLU component: "a question or a report?" when the classifier cannot tell.

"how much does it cost to have the city pick up a couch?" is a question about bulky item
pickup, "the city needs to pick up this couch" is a report. The intent classifier separates them
(question cues are features, and the training data has questions that name every problem
type), but some messages stay in between. When the two best intents are ``ask_question`` and a
report intent and their probabilities are within ``margin`` of each other, this component
decides: a message worded as a question (a question mark, or a question word first in any
language pack) is answered (``ask_question``; the answer then offers the request); anything
else is relabelled ``ask_or_report``, and the dialogue asks one short question with both
options as buttons instead of guessing. The ranking is kept, so the action knows which report.
Placed after the intent classifier and before the ``FallbackClassifier``.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language import is_question

ASK = "ask_question"
AMBIGUOUS = "ask_or_report"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class AskOrReport(GraphComponent):
    """Relabels close calls between a question and a report as ``ask_or_report``."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``margin``: how close the two probabilities must be to ask."""
        return {"margin": 0.2, "report_prefix": "report_"}

    def __init__(self, config: dict[str, Any]) -> None:
        self._margin = float(config["margin"])
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
            if len(ranking) < 2:
                continue
            first, second = ranking[0], ranking[1]
            names = {first["name"], second["name"]}
            report = next((n for n in names if n.startswith(self._prefix)), None)
            if ASK not in names or report is None or report == "report_problem":
                continue
            if float(first["confidence"]) - float(second["confidence"]) > self._margin:
                continue
            confidence = min(1.0, float(first["confidence"]) + float(second["confidence"]))
            # Worded as a question ("¿cuánto cobran…?"): answer it; the answer offers the
            # request. Otherwise ask which one the resident means.
            name = ASK if is_question(str(message.get(TEXT) or "")) else AMBIGUOUS
            message.set(INTENT, {"name": name, "confidence": confidence}, add_to_output=True)
        return messages
