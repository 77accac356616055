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

"Known" is generous, so that a real word the training data lacks is not taken for noise: the
training examples, the knowledge base's articles in every language (``knowledge_base/articles``
and the language packs' ``articles/``),
the whole words of the sentence encoder's vocabulary ("certainly", "true", "four"), and any
word of four letters or more one edit away from one of those ("thankss", "noup", "heya").

Languages that attach particles and endings to their words (a pack whose ``detection.script``
names the characters only it writes, e.g. Hangul: "구멍", "구멍이", "구멍을") would find few of
their words whole; a word in such a script also counts as known when one of its beginnings of
two letters or more is a known word. Languages without a script of their own are unaffected.

Written here because no Rasa component does it: the ``FallbackClassifier`` only sees the
classifier's confidences, and those are the problem. Placed after the intent classifier (and
``AskOrReport``) and before the ``FallbackClassifier``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.encoder.export import DEFAULT_OUT as ENCODER_DIR
from bot.languages import load_packs
from bot.text import matching_form

WORD = re.compile(r"[^\W\d_]+")
DIGIT = re.compile(r"\d")
VOCABULARY_FILE = "vocabulary.json"
ARTICLES_DIR = Path(__file__).resolve().parents[2] / "knowledge_base" / "articles"
FUZZY_MIN_LENGTH = 4


def deletes(word: str) -> set[str]:
    """Every form of ``word`` with one letter left out."""
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _strings(node: Any) -> Iterable[str]:
    """Every string inside a YAML document."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def article_words(directory: Path = ARTICLES_DIR) -> set[str]:
    """The words of the knowledge base's articles, every language.

    The language packs' own article texts (``bot/languages/<code>/articles``) included.
    """
    found: set[str] = set()
    paths = sorted(directory.glob("*.yml")) + [
        path for pack in load_packs() for path in sorted(pack.articles_dir.glob("*.yml"))
    ]
    for path in paths:
        for text in _strings(yaml.safe_load(path.read_text(encoding="utf-8"))):
            found.update(words(text))
    return found


def encoder_words(directory: Path = ENCODER_DIR) -> set[str]:
    """The whole words (three letters or more) of the sentence encoder's vocabulary."""
    path = directory / "tokenizer.json"
    if not path.exists():
        return set()
    vocab = json.loads(path.read_text(encoding="utf-8")).get("model", {}).get("vocab", {})
    return {w for w in vocab if len(w) >= 3 and w.isalpha()}


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
        self._use(vocabulary)

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
        vocabulary |= article_words() | encoder_words()
        self._use(frozenset(vocabulary))
        with self._storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps(sorted(self._vocabulary), ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    def _use(self, vocabulary: frozenset[str]) -> None:
        """Sets the vocabulary and what is derived from it, so the two never disagree."""
        self._vocabulary = vocabulary
        # Scripts whose words carry attached particles: a known beginning is enough.
        self._scripts = [
            re.compile(str(script)) for pack in load_packs()
            if (script := (pack.section("detection") or {}).get("script"))
        ]
        # One-letter-deleted forms, for "one edit away" (insertion, deletion, substitution).
        self._deletes = frozenset(
            d for w in vocabulary if len(w) >= FUZZY_MIN_LENGTH - 1 for d in deletes(w)
        )

    def unknown(self, text: str) -> bool:
        """Whether ``text`` has letters, no digit and not one known word."""
        if DIGIT.search(text):
            return False
        found = [w for w in words(text) if len(w) >= self._min_length]
        return bool(found) and not any(self.known(w) for w in found)

    def known(self, word: str) -> bool:
        """In the vocabulary, or (four letters or more) one edit away from a word in it."""
        if word in self._vocabulary:
            return True
        if any(script.match(word) for script in self._scripts) and any(
            word[:end] in self._vocabulary for end in range(len(word) - 1, 1, -1)
        ):
            return True
        if len(word) < FUZZY_MIN_LENGTH:
            return False
        shorter = deletes(word)
        return word in self._deletes or bool(
            shorter & self._vocabulary or shorter & self._deletes
        )

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
