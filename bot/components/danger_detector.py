"""Rasa NLU component: marks every message that describes danger now with a ``danger`` entity.

It runs on every message, on every channel, before the dialogue acts on any intent, and does
not depend on which intent the classifier picked: the dialogue's ``EmergencyPolicy``
(:mod:`bot.policies.emergency`) turns the entity into "call 911" first.

Two views decide together (:func:`bot.safety.decide`): the language packs' danger patterns, and
a logistic regression over character n-grams of the folded text (tolerant of "gas leek",
"fuegooo", missing accents) plus the sentence embedding the pipeline already computed. It is
trained on the NLU examples of the ``danger`` intent (positives), the ``not_danger`` intent
(ordinary messages that mention fire, gas, police …) and every other intent (ordinary
messages). ``danger`` and ``not_danger`` examples are removed from the training data the
components after this one see, so the intent classifier never learns a "danger" intent: the
message keeps its ordinary intent ("a tree fell on the power lines" stays a fallen-tree report,
which the assistant can offer after the 911 warning).
"""

from __future__ import annotations

import logging
import pickle
from typing import Any

import numpy as np
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.language import script_language
from bot.place_mask import mask_places
from bot.safety import STRONG, PatternMatch, Thresholds, decide, default_patterns
from bot.text import matching_form

logger = logging.getLogger(__name__)

DANGER_INTENT = "danger"
ORDINARY_INTENT = "not_danger"
ENTITY = "danger"
_MODEL_FILE = "danger_detector.pkl"


def _sentence_vector(message: Message) -> np.ndarray | None:
    _, sentence = message.get_dense_features(TEXT)
    if sentence is None:
        return None
    return np.asarray(sentence.features, dtype=np.float32).reshape(-1)


# Also a "featurizer" for Rasa's recipe: only tokenizers' and featurizers' process_training_data
# runs in the training chain, and that is where the danger examples are taken out.
@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
     DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER],
    is_trainable=True,
)
class DangerDetector(GraphComponent, EntityExtractorMixin):
    """Adds a ``danger`` entity (value: the kind of danger) to messages about danger now."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Thresholds of :class:`bot.safety.Thresholds` and the regularisation strength."""
        return {"threshold_alone": 0.5, "threshold_weak": 0.2, "threshold_ordinary": 0.9,
                "C": 16.0, "mask_places": False}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vectorizers: list[TfidfVectorizer] | None = None,
        classifier: LogisticRegression | None = None,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._vectorizers = vectorizers or []
        self._classifier = classifier
        # a script language's own (vectorizers, classifier), by language code
        self._by_script: dict[str, tuple[list[TfidfVectorizer], LogisticRegression]] = {}
        self._thresholds = Thresholds(
            alone=float(config["threshold_alone"]),
            weak=float(config["threshold_weak"]),
            ordinary=float(config["threshold_ordinary"]),
        )
        self._patterns = default_patterns()
        # street names said as places are masked before the n-grams (bot.place_mask)
        self._keep = self._patterns.words() if config.get("mask_places") else None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DangerDetector:
        """Creates an untrained detector."""
        return cls(config, model_storage, resource)

    # --- training -------------------------------------------------------------------------
    def _features(
        self, messages: list[Message], vectorizers: list[TfidfVectorizer], fit: bool = False
    ) -> sp.csr_matrix:
        texts = [matching_form(str(m.get(TEXT) or "")) for m in messages]
        if self._keep is not None:
            texts = [mask_places(text, self._keep) for text in texts]
        grams = [
            vectorizer.fit_transform(texts) if fit else vectorizer.transform(texts)
            for vectorizer in vectorizers
        ]
        vectors = [_sentence_vector(m) for m in messages]
        width = next((len(v) for v in vectors if v is not None), 0)
        dense = np.zeros((len(messages), width), dtype=np.float32)
        for row, vector in enumerate(vectors):
            if vector is not None and width:
                dense[row] = vector[:width] / max(float(np.linalg.norm(vector)), 1e-6)
        return sp.hstack([*grams, sp.csr_matrix(dense)], format="csr")

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the classifier on danger, not_danger and every other intent's examples.

        Examples written in a language pack's own script (Hangul) train a classifier of their
        own, as the intent classifier does (:mod:`bot.components.intent_classifier`): they share
        no n-gram with the others and would only crowd the shared vocabulary.
        """
        groups: dict[str, list[Message]] = {}
        for message in training_data.intent_examples:
            if message.get(TEXT):
                key = script_language(str(message.get(TEXT))) or ""
                groups.setdefault(key, []).append(message)
        for key, examples in sorted(groups.items()):
            fitted = self._fit(examples)
            if fitted is None:
                logger.warning(f"DangerDetector: no danger examples in {key or 'the shared'} "
                               "group; patterns (and the shared classifier) decide there")
            elif key:
                self._by_script[key] = fitted
            else:
                self._vectorizers, self._classifier = fitted
        self._persist()
        return self._resource

    def _fit(
        self, examples: list[Message]
    ) -> tuple[list[TfidfVectorizer], LogisticRegression] | None:
        labels = np.array([m.get(INTENT) == DANGER_INTENT for m in examples], dtype=int)
        if labels.sum() == 0 or labels.sum() == len(labels):
            return None
        # Character n-grams forgive spelling ("gas leek"); word n-grams keep "fire hydrant"
        # apart from "fire"; the sentence embedding carries meaning beyond seen words.
        vectorizers = [
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                            max_features=60000),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        ]
        features = self._features(examples, vectorizers, fit=True)
        classifier = LogisticRegression(
            C=float(self._config["C"]), class_weight="balanced", max_iter=3000
        )
        classifier.fit(features, labels)
        return vectorizers, classifier

    def _persist(self) -> None:
        with self._storage.write_to(self._resource) as directory:
            with (directory / _MODEL_FILE).open("wb") as handle:
                pickle.dump(
                    {"vectorizers": self._vectorizers, "classifier": self._classifier,
                     "by_script": self._by_script}, handle
                )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> DangerDetector:
        """Loads the trained classifier (patterns alone if there is none)."""
        try:
            with model_storage.read_from(resource) as directory:
                with (directory / _MODEL_FILE).open("rb") as handle:
                    saved = pickle.load(handle)  # noqa: S301 - our own model file
        except (ValueError, FileNotFoundError):
            saved = {}
        detector = cls(config, model_storage, resource, saved.get("vectorizers"),
                       saved.get("classifier"))
        detector._by_script = dict(saved.get("by_script") or {})
        return detector

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Hides the danger and not_danger examples from the components after this one."""
        return training_data.filter_training_examples(
            lambda m: m.get(INTENT) not in (DANGER_INTENT, ORDINARY_INTENT)
        )

    # --- inference ------------------------------------------------------------------------
    def probabilities(self, messages: list[Message]) -> list[float]:
        """The classifier's probability of danger for each message (0 without a classifier).

        A message written in a script language is read by that language's classifier when
        there is one.
        """
        result = []
        for message in messages:
            key = script_language(str(message.get(TEXT) or "")) or ""
            vectorizers, classifier = self._by_script.get(
                key, (self._vectorizers, self._classifier))
            if classifier is None or not vectorizers:
                result.append(0.0)
                continue
            features = self._features([message], vectorizers)
            result.append(float(classifier.predict_proba(features)[0, 1]))
        return result

    def assess(self, message: Message) -> tuple[bool, PatternMatch, float]:
        """(danger?, pattern match, classifier probability) for one message."""
        match = self._patterns.match(str(message.get(TEXT) or ""))
        probability = self.probabilities([message])[0]
        return decide(match, probability, self._thresholds), match, probability

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the ``danger`` entity to each message that describes danger now."""
        for message in messages:
            text = message.get(TEXT)
            if not text or str(text).startswith("/"):
                continue  # button payloads are not the resident's words
            danger, match, probability = self.assess(message)
            # The assessment travels with the parse (tracker, review app, eval/emergency_eval).
            message.set(
                "danger_assessment",
                {"detected": danger, "pattern": match.strength, "kind": match.kind,
                 "past": match.past, "ordinary": match.ordinary,
                 "probability": round(probability, 4)},
                add_to_output=True,
            )
            if not danger:
                continue
            entity = {
                "entity": ENTITY,
                "value": match.kind or "other",
                "start": 0,
                "end": len(text),
                "confidence": 1.0 if match.strength == STRONG else round(probability, 3),
                "extractor": self.__class__.__name__,
            }
            message.set(ENTITIES, message.get(ENTITIES, []) + [entity], add_to_output=True)
        return messages
