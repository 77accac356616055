"""Rasa's logistic-regression intent classifier, with a model of its own per script language.

A language pack with its own ``detection.script`` (Hangul, say) shares no word or character
n-gram with English and Spanish, and the pretrained sentence encoder reads it poorly: trained
together, its examples pull the shared weights of the sentence embedding away from what serves
the other languages. So the examples written in a pack's own script (:func:`bot.language.
script_language`) train a classifier of their own, with the same settings; every other example
trains the shared one exactly as Rasa's ``LogisticRegressionClassifier`` does. A message goes to
the classifier of the script it is written in, else to the shared one. With no script pack
installed this is Rasa's classifier, unchanged.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from bot.language import script_language

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class ScriptAwareIntentClassifier(LogisticRegressionClassifier):
    """One logistic regression for the shared alphabet, one per script language."""

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.by_script: dict[str, LogisticRegression] = {}

    def train(self, training_data: TrainingData) -> Resource:
        """Trains the shared classifier and one per script language that has examples."""
        groups: dict[str | None, list[Message]] = defaultdict(list)
        for example in training_data.intent_examples:
            if example.get(INTENT) and example.get(TEXT):
                groups[script_language(example.get(TEXT))].append(example)
        shared = groups.pop(None, [])
        if shared:
            self.clf.fit(self._create_X(shared), [e.get(INTENT) for e in shared])
        for code, examples in sorted(groups.items()):
            model = clone(self.clf)
            model.fit(self._create_X(examples), [e.get(INTENT) for e in examples])
            self.by_script[code] = model
            logger.debug(f"Trained the {code} intent classifier on {len(examples)} examples.")
        if shared or self.by_script:
            self.persist()
        return self._resource

    def _model_for(self, message: Message) -> LogisticRegression:
        return self.by_script.get(script_language(message.get(TEXT) or "") or "", self.clf)

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets the intent and ranking of each message with its script's classifier."""
        for message in messages:
            model = self._model_for(message)
            probabilities = model.predict_proba(self._create_X([message]))[0]
            ranking = sorted(
                ({"name": name, "confidence": float(p)}
                 for name, p in zip(model.classes_, probabilities, strict=True)),
                key=lambda entry: -entry["confidence"],
            )
            message.set(INTENT, ranking[0], add_to_output=True)
            if self.config[RANKING_LENGTH] > 0:
                ranking = ranking[: self.config[RANKING_LENGTH]]
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def persist(self) -> None:
        """Saves the shared classifier as Rasa does, and each script's beside it."""
        import skops.io as sio

        super().persist()
        with self._model_storage.write_to(self._resource) as model_dir:
            for code, model in self.by_script.items():
                sio.dump(model, model_dir / f"{self._resource.name}.{code}.skops")

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ScriptAwareIntentClassifier:
        """Loads the shared classifier as Rasa does, then the script classifiers."""
        import skops.io as sio

        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        assert isinstance(component, ScriptAwareIntentClassifier)
        try:
            with model_storage.read_from(resource) as model_dir:
                for path in sorted(model_dir.glob(f"{resource.name}.*.skops")):
                    code = path.name[len(resource.name) + 1: -len(".skops")]
                    if sio.get_untrusted_types(file=path):
                        raise ValueError(f"untrusted types in {path}")
                    component.by_script[code] = sio.load(path, trusted=[])
        except ValueError:
            logger.debug(f"No script classifiers for '{resource.name}'.")
        return component
