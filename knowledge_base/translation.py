"""A Spanish→English word translation table learned from the knowledge base's parallel texts.

Every article is written in both languages, so its Spanish and English titles, bodies and
paraphrase lists are translations of each other. IBM Model 1 (EM over those aligned pairs, with
a NULL word for what has no counterpart) learns t(english stem | spanish stem) from them. A
Spanish query is then *glossed* into English: weighted English stems for the English BM25
index, and a plain English phrase for the (English-only) sentence encoder.

The table knows only the knowledge base's own vocabulary, which is the vocabulary that matters
for finding its articles. Words it has never seen pass through when they are English (residents
write "parking", "ticket") and are otherwise matched to a known word one typo away
(:class:`Speller`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from knowledge_base.text import STOPWORDS, stem, stems, words

NULL = "<null>"
# Spanish function words, which the learned table (trained without stopwords) cannot translate,
# rendered so that the encoder still sees the question's shape; "" drops a word.
FUNCTION_WORDS = {
    "que": "what", "cuanto": "how much", "cuanta": "how much", "cuantos": "how many",
    "cuantas": "how many", "donde": "where", "adonde": "where", "cuando": "when", "como": "how",
    "quien": "who", "quienes": "who", "cual": "which", "cuales": "which", "porque": "because",
    "puedo": "can i", "puede": "can", "pueden": "can", "podemos": "can we", "podria": "could",
    "debo": "should i", "debe": "should", "deben": "should", "necesito": "i need",
    "necesita": "needs", "quiero": "i want", "hay": "is there", "tengo": "i have",
    "tiene": "has", "tienen": "have", "no": "not", "sin": "without", "con": "with",
    "para": "for", "por": "for", "de": "of", "del": "of the", "en": "in", "a": "to",
    "al": "to the", "desde": "since", "hasta": "until", "sobre": "about", "entre": "between",
    "antes": "before", "despues": "after", "mi": "my", "mis": "my", "tu": "your",
    "tus": "your", "su": "their", "sus": "their", "nuestro": "our", "nuestra": "our",
    "yo": "i", "el": "the", "la": "the", "los": "the", "las": "the", "un": "a", "una": "a",
    "es": "is", "son": "are", "esta": "is", "estan": "are", "estoy": "i am", "soy": "i am",
    "fue": "was", "si": "if", "ya": "already", "tambien": "also", "mas": "more",
    "muy": "very", "otro": "another", "otra": "another", "todo": "all", "todos": "all",
    "toda": "all", "todas": "all", "cada": "every", "algo": "something",
    "alguien": "someone", "nadie": "nobody", "nada": "nothing", "nunca": "never",
    "siempre": "always", "aqui": "here", "aca": "here", "ahi": "there", "alla": "there",
    "ahora": "now", "y": "and", "o": "or", "u": "or", "pero": "but", "e": "and",
}
FUNCTION_PHRASES = {
    "por que": "why", "para que": "what for", "tengo que": "i have to",
    "tiene que": "has to", "tienen que": "have to", "hay que": "must", "se puede": "can",
    "a que": "what", "lo que": "what",
}

SPANISH_DIMINUTIVES = ("cit", "it")  # Snowball stems of -cito/-ito, -cita/-ita
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    """``text`` split after full stops, question and exclamation marks."""
    return [s for s in _SENTENCE_RE.split(text.strip()) if s]


class Speller:
    """Maps an unknown token to a known one at most one edit away (deletion neighbourhoods).

    Short tokens and first letters are left alone: a one-letter change there more often makes
    another word ("señor" → "menor") than a typo. Before looking for typos it strips the given
    suffixes (Spanish diminutives: "perrit" → "perr"), so "perrita" finds "perro" rather than
    the typo neighbour "permit".

    Args:
        frequencies: Known tokens and how often they occur; the most frequent candidate wins.
        min_length: Shorter tokens are never corrected (too many neighbours).
        suffixes: Suffixes of unknown tokens to try stripping first.
    """

    def __init__(
        self, frequencies: dict[str, int], min_length: int = 6, suffixes: tuple[str, ...] = ()
    ) -> None:
        self._frequencies = frequencies
        self._min_length = min_length
        self._suffixes = suffixes
        self._neighbours: dict[str, set[str]] = defaultdict(set)
        for token in frequencies:
            if len(token) >= min_length and not token.isdigit():
                for variant in self._variants(token):
                    self._neighbours[variant].add(token)

    @staticmethod
    def _variants(token: str) -> set[str]:
        return {token} | {token[:i] + token[i + 1 :] for i in range(len(token))}

    def correct(self, token: str) -> str | None:
        """``token`` if known, else the most frequent known token one edit away, else None."""
        if token in self._frequencies:
            return token
        if len(token) < self._min_length or token.isdigit():
            return None
        for suffix in self._suffixes:
            base = token[: -len(suffix)]
            if token.endswith(suffix) and len(base) >= 3 and base in self._frequencies:
                return base
        candidates: set[str] = set()
        for variant in self._variants(token):
            candidates |= self._neighbours.get(variant, set())
        candidates = {c for c in candidates if c[0] == token[0]}
        if not candidates:
            return None
        return max(sorted(candidates), key=lambda c: self._frequencies[c])


def ibm_model1(
    pairs: Sequence[tuple[Sequence[str], Sequence[str]]], iterations: int = 12
) -> dict[str, dict[str, float]]:
    """IBM Model 1: t(target | source) from aligned (source tokens, target tokens) pairs.

    A NULL source word is added to every pair. Returns, for each source word, its target
    words with probability above 0.01.

    Args:
        pairs: Aligned texts, each as (source tokens, target tokens).
        iterations: EM iterations.
    """
    source_ids: dict[str, int] = {NULL: 0}
    target_ids: dict[str, int] = {}
    encoded: list[tuple[np.ndarray, np.ndarray]] = []
    for source, target in pairs:
        if not source or not target:
            continue
        s = np.array([0] + [source_ids.setdefault(w, len(source_ids)) for w in source])
        t = np.array([target_ids.setdefault(w, len(target_ids)) for w in target])
        encoded.append((s, t))
    table = np.full((len(source_ids), len(target_ids)), 1.0 / max(1, len(target_ids)))
    for _ in range(iterations):
        counts = np.zeros_like(table)
        for s, t in encoded:
            block = table[np.ix_(s, t)]
            block /= block.sum(axis=0, keepdims=True)
            np.add.at(counts, (s[:, None], t[None, :]), block)
        totals = counts.sum(axis=1, keepdims=True)
        table = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    target_words = list(target_ids)
    result: dict[str, dict[str, float]] = {}
    for word, row in source_ids.items():
        if word == NULL:
            continue
        best = np.argsort(table[row])[::-1][:8]
        result[word] = {
            target_words[j]: round(float(table[row, j]), 4) for j in best if table[row, j] > 0.01
        }
    return result


@dataclass
class TranslationTable:
    """Spanish stems → weighted English stems, plus what is needed to gloss a query.

    Attributes:
        table: t(english stem | spanish stem), best first.
        surface: The most frequent English word for each English stem (for the encoder).
        spanish: Spanish stems and their frequencies in the knowledge base.
        english: English stems and their frequencies in the knowledge base.
    """

    table: dict[str, dict[str, float]]
    surface: dict[str, str]
    spanish: dict[str, int]
    english: dict[str, int]
    _speller: Speller | None = field(default=None, repr=False, compare=False)

    @classmethod
    def train(
        cls, pairs: Iterable[tuple[str, str]], iterations: int = 12
    ) -> TranslationTable:
        """Learns the table from aligned (Spanish text, English text) pairs."""
        tokenised: list[tuple[list[str], list[str]]] = []
        spanish: Counter[str] = Counter()
        english: Counter[str] = Counter()
        forms: dict[str, Counter[str]] = defaultdict(Counter)
        for es_text, en_text in pairs:
            es = stems(words(es_text, "es"), "es")
            en_words = words(en_text, "en")
            en = stems(en_words, "en")
            for word, en_stem in zip(en_words, en, strict=True):
                forms[en_stem][word] += 1
            spanish.update(es)
            english.update(en)
            tokenised.append((es, en))
        return cls(
            table=ibm_model1(tokenised, iterations),
            surface={s: c.most_common(1)[0][0] for s, c in forms.items()},
            spanish=dict(spanish),
            english=dict(english),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable form (see :meth:`from_json`)."""
        return {
            "table": self.table,
            "surface": self.surface,
            "spanish": self.spanish,
            "english": self.english,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TranslationTable:
        """The table saved by :meth:`to_json`."""
        return cls(data["table"], data["surface"], data["spanish"], data["english"])

    @property
    def speller(self) -> Speller:
        """Typo correction against the Spanish vocabulary (built on first use)."""
        if self._speller is None:
            self._speller = Speller(self.spanish, suffixes=SPANISH_DIMINUTIVES)
        return self._speller

    def _word(
        self, word: str, top: int, floor: float, keep_unknown: bool
    ) -> dict[str, float] | None:
        es_stem = stem(word, "es")
        en_stem = stem(word, "en")
        if self.english.get(en_stem, 0) > 2 * self.spanish.get(es_stem, 0):
            return {en_stem: 1.0}
        known = self.speller.correct(es_stem)
        if known is None or known not in self.table:
            return {word: 1.0} if word.isdigit() or keep_unknown else None
        options = sorted(self.table[known].items(), key=lambda kv: -kv[1])[:top]
        return {w: p for w, p in options if p >= floor} or None

    def translate(
        self, text: str, top: int = 3, floor: float = 0.05, keep_unknown: bool = False
    ) -> list[dict[str, float]]:
        """Per Spanish content word of ``text``, its likely English stems with probabilities.

        English words (more frequent in the English texts than in the Spanish ones) pass
        through with probability 1; unknown words are spell-corrected against the Spanish
        vocabulary, and dropped (or kept as they are, with ``keep_unknown``) when that fails.

        Args:
            text: A Spanish (or Spanglish) query.
            top: Translations kept per word.
            floor: Translations less likely than this are dropped.
            keep_unknown: Whether words found nowhere (names) are kept as they are.
        """
        glossed = (self._word(word, top, floor, keep_unknown) for word in words(text, "es"))
        return [options for options in glossed if options]

    def bag(self, text: str) -> dict[str, float]:
        """English stems of ``text``'s translation, weighted (for the English BM25 index)."""
        return bag_of(self.translate(text))

    def concepts(self, text: str) -> list[str]:
        """Each Spanish content word of ``text`` as its most likely English stem.

        Indexing Spanish documents and queries this way makes Spanish synonyms that translate
        alike ("bote", "contenedor" → "bin") match each other.
        """
        return concepts_of(self.translate(text))

    def gloss(self, text: str) -> str:
        """A word-by-word English rendering of ``text``, for the English sentence encoder.

        Content words get their most likely translation (as an English word, not a stem);
        function words ("cuánto", "dónde", "no", "sin") come from :data:`FUNCTION_WORDS`, so
        the encoder still sees what kind of question it is; names pass through.
        """
        out: list[str] = []
        tokens = words(text, "es", stopwords=True)
        skip = False
        for position, word in enumerate(tokens):
            if skip:
                skip = False
                continue
            pair = " ".join(tokens[position : position + 2])
            if pair in FUNCTION_PHRASES:
                out.append(FUNCTION_PHRASES[pair])
                skip = True
                continue
            if word in FUNCTION_WORDS:
                if FUNCTION_WORDS[word]:
                    out.append(FUNCTION_WORDS[word])
                continue
            if word in STOPWORDS["es"]:
                continue
            options = self._word(word, 1, 0.0, keep_unknown=True)
            if options:
                best = next(iter(options))
                out.append(self.surface.get(best, best))
        return " ".join(out)


def bag_of(translated: list[dict[str, float]]) -> dict[str, float]:
    """The weighted English stems of a :meth:`TranslationTable.translate` result."""
    weights: dict[str, float] = defaultdict(float)
    for options in translated:
        for word, probability in options.items():
            weights[word] += probability
    return dict(weights)


def concepts_of(translated: list[dict[str, float]]) -> list[str]:
    """The most likely English stem of each word of a ``translate`` result."""
    return [next(iter(options)) for options in translated]
