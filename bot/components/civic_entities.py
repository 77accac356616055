"""Rasa NLU component: rule-based extraction of addresses and request numbers with spaCy.

It uses only spaCy's tokenizers (``spacy.blank``), so no model is downloaded. Token patterns
(spaCy ``Matcher``) find, in English and Spanish messages:

* ``address``: a street address ("200 N Spring St", "3600 W. 6th Street, Los Angeles, CA 90020")
  or an intersection ("corner of Sunset and Vine", "5th St & Main St", "esquina de Whittier y
  Soto");
* ``request_number``: a City request number ("1-1000023") or a local reference of a request
  waiting to be filed ("Q-7KX2MP").

The action server validates and normalises what is found; this component only spots it.
"""

from __future__ import annotations

import re
from typing import Any

import spacy
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.util import compile_suffix_regex

from bot.languages import default_language, load_packs

STREET_SUFFIXES = [
    "st", "st.", "street", "ave", "ave.", "av", "avenue", "blvd", "blvd.", "boulevard", "rd",
    "rd.", "road", "dr", "dr.", "drive", "pl", "pl.", "place", "way", "ln", "ln.", "lane", "ct",
    "ct.", "court", "pkwy", "parkway", "hwy", "highway", "ter", "terrace", "cir", "circle",
    "sq", "square", "trl", "trail", "walk", "aly", "alley",
]
DIRECTIONS = [
    "n", "s", "e", "w", "n.", "s.", "e.", "w.", "north", "south", "east", "west",
    "norte", "sur", "este", "oeste",
]
SPANISH_STREET_WORDS = ["calle", "avenida", "ave", "av.", "bulevar", "blvd"]
CORNER_WORDS_EN = ["corner", "intersection", "cross", "crossing"]
CORNER_WORDS_ES = ["esquina", "cruce", "entre", "intersección", "interseccion"]
JOINERS = ["and", "&", "y", "at", "with", "con", "/", "@"]
STOP_WORDS = {
    "and", "y", "at", "on", "in", "en", "the", "el", "la", "de", "del", "of", "near", "cerca",
    "by", "por", "with", "con", "there", "is", "hay", "my", "mi", "a", "un", "una",
}

_NAME = {"IS_ALPHA": True, "LOWER": {"NOT_IN": sorted(STOP_WORDS | set(JOINERS))}}
_ORDINAL = {"LOWER": {"REGEX": r"^\d{1,3}(st|nd|rd|th|ra|ro|da|do|va|vo|na|no|ta|to|a|o)\.?$"}}
_NUMBER = {"TEXT": {"REGEX": r"^\d{1,6}[a-zA-Z]?$"}}
_DIRECTION = {"LOWER": {"IN": DIRECTIONS}, "OP": "?"}
_SUFFIX = {"LOWER": {"IN": STREET_SUFFIXES}}
_COMMA = {"TEXT": ",", "OP": "?"}
_CITY_TAIL = [
    _COMMA,
    {"LOWER": {"IN": ["los", "la"]}, "OP": "?"},
    {"LOWER": "angeles", "OP": "?"},
    _COMMA,
    {"LOWER": {"IN": ["ca", "ca.", "california"]}, "OP": "?"},
    {"TEXT": {"REGEX": r"^9\d{4}$"}, "OP": "?"},
]


# ", Santa Monica, CA 90401" / ", Austin TX": kept so the action can refuse other cities.
_OTHER_CITY_TAIL = [
    {"TEXT": ","},
    {"IS_ALPHA": True, "OP": "+"},
    _COMMA,
    {"TEXT": {"REGEX": r"^([A-Z]{2}|California|Nevada|Arizona|Texas)$"}},
    {"TEXT": {"REGEX": r"^\d{5}$"}, "OP": "?"},
]


def _address_patterns() -> list[list[dict[str, Any]]]:
    patterns: list[list[dict[str, Any]]] = []
    street_names: list[list[dict[str, Any]]] = [
        [{**_NAME, "OP": "+"}],
        [_ORDINAL],
    ]
    for name in street_names:
        # 200 N Spring St[, Los Angeles, CA 90012]
        patterns.append([_NUMBER, _DIRECTION, *name, _SUFFIX, *_CITY_TAIL])
        patterns.append([_NUMBER, _DIRECTION, *name, _SUFFIX, *_OTHER_CITY_TAIL])
        # 1200 Calle/Avenida Cesar Chavez (Spanish word order)
        patterns.append(
            [_NUMBER, {"LOWER": {"IN": SPANISH_STREET_WORDS}}, *name, *_CITY_TAIL]
        )
        # 5th St & Main St — both sides with a suffix, no cue word needed
        for other in street_names:
            patterns.append(
                [_DIRECTION, *name, _SUFFIX, {"LOWER": {"IN": JOINERS}},
                 _DIRECTION, *other, _SUFFIX]
            )
    # corner of Sunset and Vine / esquina de Whittier y Soto / intersection of 7th & Figueroa
    for left in ([{**_NAME, "OP": "+"}], [_ORDINAL]):
        for right in ([{**_NAME, "OP": "+"}], [_ORDINAL]):
            for cue in (CORNER_WORDS_EN, CORNER_WORDS_ES):
                patterns.append(
                    [{"LOWER": {"IN": cue}}, {"LOWER": {"IN": ["of", "de", "del"]}, "OP": "?"},
                     _DIRECTION, *left, {**_SUFFIX, "OP": "?"},
                     {"LOWER": {"IN": JOINERS}},
                     _DIRECTION, *right, {**_SUFFIX, "OP": "?"}]
                )
    return patterns


# Letters of another script glued to a Latin word or a number are a word of their own, so that
# "6th St에" (a particle) and "1-1000123번" (a counter) leave "St" and "1-1000123" whole.
_OTHER_SCRIPT_SUFFIX = r"(?<=[0-9A-Za-z.])[^\W\d_A-Za-z\u00c0-\u024f]+$"


def _tokenizer(code: str) -> Language:
    """The blank spaCy tokenizer for ``code``, splitting other-script letters off Latin words."""
    nlp = spacy.blank(code)
    suffixes = [*nlp.Defaults.suffixes, _OTHER_SCRIPT_SUFFIX]
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    return nlp


REQUEST_NUMBER_PATTERNS: list[list[dict[str, Any]]] = [
    # "1-1000023" is tokenised as "1", "-", "1000023"
    [{"TEXT": "1"}, {"TEXT": "-"}, {"TEXT": {"REGEX": r"^\d{7}$"}}],
    [{"TEXT": {"REGEX": r"^1-\d{7}$"}}],
    [{"TEXT": {"REGEX": r"^[Qq]-[A-Za-z0-9]{6}$"}}],
]
# A local reference read from the characters: the tokenizer cuts "Q-HA8A6M" into "Q", "-",
# "HA8A6", "M" (a letter after the hyphen, a trailing letter read as a unit), so the token
# pattern above misses most of them.
LOCAL_REF = re.compile(r"(?<![A-Za-z0-9-])[Qq]-[A-Za-z0-9]{6}(?![A-Za-z0-9])")

_CUE_WORDS = set(CORNER_WORDS_EN + CORNER_WORDS_ES) | {"of", "de", "del"}


class CivicMatcher:
    """spaCy matchers for addresses and request numbers, with each language pack's tokenizer.

    A pack's ``spacy`` names the blank spaCy language that tokenizes it (``xx``, spaCy's
    multi-language tokenizer, when it names none).
    """

    def __init__(self) -> None:
        self._default = default_language()
        self._nlp = {
            pack.code: _tokenizer(str(pack.data.get("spacy") or "xx")) for pack in load_packs()
        }
        self._matchers: dict[str, Matcher] = {}
        for lang, nlp in self._nlp.items():
            matcher = Matcher(nlp.vocab)
            matcher.add("address", _address_patterns(), greedy="LONGEST")
            matcher.add("request_number", REQUEST_NUMBER_PATTERNS, greedy="LONGEST")
            self._matchers[lang] = matcher

    def find(self, text: str, language: str | None = None) -> list[tuple[str, str, int, int]]:
        """Returns ``(entity, value, start_char, end_char)`` for each match, left to right."""
        lang = language if language in self._nlp else self._default
        doc = self._nlp[lang](text)
        found: list[tuple[str, str, int, int]] = []
        taken: set = set()
        for match_id, start, end in sorted(
            self._matchers[lang](doc), key=lambda m: (m[1], -(m[2] - m[1]))
        ):
            if any(i in taken for i in range(start, end)):
                continue
            label = doc.vocab.strings[match_id]
            span = doc[start:end]
            while label == "address" and span and span[0].lower_ in _CUE_WORDS:
                span = span[1:]
            while span and span[-1].text == ",":
                span = span[:-1]
            if not span:
                continue
            value = span.text
            if label == "request_number":
                value = value.replace(" ", "").upper()
            taken.update(range(start, end))
            found.append((label, value, span.start_char, span.end_char))
        for ref in LOCAL_REF.finditer(text):
            if not any(s < ref.end() and ref.start() < e for _, _, s, e in found):
                found.append(("request_number", ref.group().upper(), ref.start(), ref.end()))
        return sorted(found, key=lambda f: f[2])


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class CivicEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds ``address`` and ``request_number`` entities found by spaCy token patterns."""

    def __init__(self) -> None:
        self._matcher = CivicMatcher()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CivicEntityExtractor:
        """Creates the component (its rules need no training)."""
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leaves training data unchanged."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the entities found in each message."""
        for message in messages:
            text: str | None = message.get(TEXT)
            if not text or text.startswith("/"):
                continue
            language = next(
                (e["value"] for e in message.get(ENTITIES, []) if e["entity"] == "language"),
                None,
            )
            new = [
                {"entity": label, "value": value, "start": start, "end": end,
                 "confidence": 1.0, "extractor": self.__class__.__name__}
                for label, value, start, end in self._matcher.find(text[:2000], language)
            ]
            if new:
                message.set(ENTITIES, message.get(ENTITIES, []) + new, add_to_output=True)
        return messages
