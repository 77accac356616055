"""Rasa NLU component: a message made only of words the assistant has never seen is not understood.

A logistic-regression classifier spreads its probability over the intents it knows, so a
keyboard mash ("asdf", "jkl", "blorp zzkx qwerty") still gets a top intent — and short
gibberish lands on the short intents: "asdf" read as ``affirm`` with 0.5, which at a
confirmation step meant "yes, file it". The classifier cannot say "none of these words are
mine"; this component can. It learns the folded word vocabulary of the training data (every
language pack's ``nlu_data``) and, when a message has letters but not one word of that
vocabulary — and no digit, which would make it an address or a request number — sets every
intent confidence to 0, so the ``FallbackClassifier`` after it labels the message
``nlu_fallback`` and the assistant asks the resident to rephrase. Everything else passes
untouched, typos included ("gas leek" still has "gas").

Written here because no Rasa component does it: the ``FallbackClassifier`` only sees the
classifier's confidences, and those are the problem. Placed after the intent classifier (and
``AskOrReport``) and before the ``FallbackClassifier``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.text import matching_form

WORD = re.compile(r"[^\W\d_]+")
DIGIT = re.compile(r"\d")
VOCABULARY_FILE = "vocabulary.json"


def words(text: str) -> list[str]:
    """The words of ``text`` as the form patterns see them ("SIIII!" → ["si"])."""
    return WORD.findall(matching_form(text))


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class UnknownWords(GraphComponent):
    """Zeroes the intent confidences of messages with no known word."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``min_length``: shorter words ("k", "y") are not evidence of gibberish."""
        return {"min_length": 2}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: frozenset[str] = frozenset(),
    ) -> None:
        self._min_length = int(config["min_length"])
        self._storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWords:
        """A component with an empty vocabulary, to be trained."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWords:
        """The component with the vocabulary it was trained with."""
        with model_storage.read_from(resource) as directory:
            vocabulary = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, frozenset(vocabulary))

    def train(self, training_data: TrainingData) -> Resource:
        """Learns the words of every training example, entity values and lookup tables."""
        vocabulary: set[str] = set()
        for example in training_data.training_examples:
            vocabulary.update(words(str(example.get(TEXT) or "")))
        for table in training_data.lookup_tables:
            for element in table.get("elements") or []:
                vocabulary.update(words(str(element)))
        for synonym, value in training_data.entity_synonyms.items():
            vocabulary.update(words(f"{synonym} {value}"))
        self._vocabulary = frozenset(vocabulary)
        with self._storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps(sorted(self._vocabulary), ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    def unknown(self, text: str) -> bool:
        """Whether ``text`` has letters, no digit and not one known word."""
        if DIGIT.search(text):
            return False
        found = [w for w in words(text) if len(w) >= self._min_length]
        return bool(found) and not any(w in self._vocabulary for w in found)

    def process(self, messages: list[Message]) -> list[Message]:
        """Zeroes the confidences of each message made only of unknown words."""
        for message in messages:
            intent = message.get(INTENT)
            if not intent or not self.unknown(str(message.get(TEXT) or "")):
                continue
            message.set(INTENT, {**intent, "confidence": 0.0}, add_to_output=True)
            ranking = message.get(INTENT_RANKING_KEY) or []
            message.set(
                INTENT_RANKING_KEY,
                [{**item, "confidence": 0.0} for item in ranking],
                add_to_output=True,
            )
        return messages
