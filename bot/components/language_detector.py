"""Rasa NLU component that sets the ``language`` entity of each message.

The entity feeds the ``language`` slot (``from_entity`` mapping). Messages too short or ambiguous
to tell ("ok", "1-1000023", an address) get no entity, so the slot keeps the conversation's
language: a resident who wrote Spanish before is still answered in Spanish.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language import detect_language


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class LanguageDetector(GraphComponent, EntityExtractorMixin):
    """Detects the language packs' languages: their hints (script, lexicon), then langdetect.

    langdetect may only answer with a pack's language (its ``detection.langdetect`` code);
    see :mod:`bot.language`.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Returns the component's default config."""
        return {"min_langdetect_words": 4}

    def __init__(self, config: dict[str, Any]) -> None:
        self._min_words = int(config.get("min_langdetect_words", 4))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        """Creates the component (it has nothing to train)."""
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leaves training data unchanged: the language is not a trained entity."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds a ``language`` entity to every message whose language is clear."""
        for message in messages:
            text: str | None = message.get(TEXT)
            if not text or text.startswith("/"):
                continue  # button payloads say nothing about the resident's language
            detection = detect_language(text, self._min_words)
            if detection.language is None:
                continue
            entity = {
                "entity": "language",
                "value": detection.language,
                "start": 0,
                "end": len(text),
                "confidence": detection.confidence,
                "extractor": self.__class__.__name__,
                # read by bot.policies.language: short replies never switch the language
                "method": detection.method,
                "words": detection.words,
                "evidence": detection.evidence,
            }
            message.set(ENTITIES, message.get(ENTITIES, []) + [entity], add_to_output=True)
        return messages
