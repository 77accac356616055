"""Rasa NLU featurizer: all-MiniLM-L6-v2 sentence embeddings, run with onnxruntime.

Word and character n-grams only know the words of the training data. A pretrained sentence
embedding knows that "make me laugh" is close to "tell me a joke", which is what lets the
classifier generalise to the many ways residents phrase things. The encoder is the packaged
all-MiniLM-L6-v2, exported to ONNX by the set-up (``bot.encoder.export``): nothing is
downloaded and the Rasa environment needs no PyTorch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.encoder.export import DEFAULT_OUT
from bot.encoder.runtime import SentenceEncoder


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a 384-dimensional sentence embedding to each message's text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Returns the component's default config."""
        return {**DenseFeaturizer.get_default_config(), "encoder_dir": None, "scale": 1.0}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        directory = Path(config["encoder_dir"]) if config.get("encoder_dir") else DEFAULT_OUT
        self._encoder = SentenceEncoder(directory)
        self._scale = float(config.get("scale", 1.0))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        """Creates the featurizer (the encoder is pretrained; nothing is trained here)."""
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to validate beyond the defaults."""

    def _featurize(self, messages: list[Message]) -> None:
        todo = [m for m in messages if m.get(TEXT)]
        if not todo:
            return
        vectors = self._scale * self._encoder.encode([str(m.get(TEXT))[:2000] for m in todo])
        for message, vector in zip(todo, vectors, strict=False):
            message.add_features(
                Features(vector[None, :], FEATURE_TYPE_SENTENCE, TEXT, self._identifier)
            )

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurizes incoming messages."""
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes every training example that has text."""
        self._featurize(training_data.training_examples)
        return training_data

    @staticmethod
    def required_packages() -> list[str] | None:
        """Packages the component needs."""
        return ["onnxruntime", "tokenizers"]
