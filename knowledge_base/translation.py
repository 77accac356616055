"""Word translation tables learned from the knowledge base's parallel texts.

Every article is written in the direct language (English: the one the sentence encoder reads)
and, for the languages a pack marks ``encoder: gloss`` (Spanish), in that language too, so an
article's two titles, bodies and paraphrase lists are translations of each other. IBM Model 1
(EM over those aligned pairs, with a NULL word for what has no counterpart) learns
t(english stem | source term) from them. A query in the source language is then *glossed* into
English: weighted English stems for the English BM25 index, and a plain English phrase for the
(English-only) sentence encoder. The source terms are the language's analyzer's
(:mod:`knowledge_base.text`): stems, or character n-grams; function words the table cannot
learn come from the pack (``retrieval.gloss``).

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

from bot.languages import get_pack
from knowledge_base.languages import direct_language
from knowledge_base.text import speller_suffixes, stem, stems, stopwords, word_terms, words

NULL = "<null>"
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    """``text`` split after full stops, question and exclamation marks."""
    return [s for s in _SENTENCE_RE.split(text.strip()) if s]


class Speller:
    """Maps an unknown token to a known one at most one edit away (deletion neighbourhoods).

    Short tokens and first letters are left alone: a one-letter change there more often makes
    another word ("señor" → "menor") than a typo. Before looking for typos it strips the given
    suffixes (a pack's ``speller_suffixes``, Spanish diminutives: "perrit" → "perr"), so
    "perrita" finds "perro" rather than the typo neighbour "permit".

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


def _source_terms(text: str, language: str) -> list[str]:
    return [term for word in words(text, language) for term in word_terms(word, language)]


@dataclass
class TranslationTable:
    """A language's terms → weighted English stems, plus what is needed to gloss a query.

    Attributes:
        table: t(english stem | source term), best first.
        surface: The most frequent English word for each English stem (for the encoder).
        source: Source terms and their frequencies in the knowledge base.
        english: English stems and their frequencies in the knowledge base.
        language: The source language (a pack's code).
        target: The language glossed into (the direct language, English).
    """

    table: dict[str, dict[str, float]]
    surface: dict[str, str]
    source: dict[str, int]
    english: dict[str, int]
    language: str
    target: str
    _speller: Speller | None = field(default=None, repr=False, compare=False)
    _function_words: tuple[dict[str, str], dict[str, str]] | None = field(
        default=None, repr=False, compare=False
    )

    @classmethod
    def train(
        cls, pairs: Iterable[tuple[str, str]], language: str, iterations: int = 12
    ) -> TranslationTable:
        """Learns the table from aligned (``language`` text, English text) pairs."""
        target = direct_language()
        tokenised: list[tuple[list[str], list[str]]] = []
        source: Counter[str] = Counter()
        english: Counter[str] = Counter()
        forms: dict[str, Counter[str]] = defaultdict(Counter)
        for source_text, en_text in pairs:
            terms = _source_terms(source_text, language)
            en_words = words(en_text, target)
            en = stems(en_words, target)
            for word, en_stem in zip(en_words, en, strict=True):
                forms[en_stem][word] += 1
            source.update(terms)
            english.update(en)
            tokenised.append((terms, en))
        return cls(
            table=ibm_model1(tokenised, iterations),
            surface={s: c.most_common(1)[0][0] for s, c in forms.items()},
            source=dict(source),
            english=dict(english),
            language=language,
            target=target,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable form (see :meth:`from_json`)."""
        return {
            "language": self.language,
            "target": self.target,
            "table": self.table,
            "surface": self.surface,
            "source": self.source,
            "english": self.english,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TranslationTable:
        """The table saved by :meth:`to_json`."""
        return cls(data["table"], data["surface"], data["source"], data["english"],
                   data["language"], data["target"])

    @property
    def speller(self) -> Speller:
        """Typo correction against the source vocabulary (built on first use)."""
        if self._speller is None:
            self._speller = Speller(self.source, suffixes=speller_suffixes(self.language))
        return self._speller

    @property
    def function_words(self) -> tuple[dict[str, str], dict[str, str]]:
        """The pack's English renderings of function words and phrases (``retrieval.gloss``)."""
        if self._function_words is None:
            gloss = get_pack(self.language).section("retrieval").get("gloss") or {}
            self._function_words = (
                {str(k): str(v or "") for k, v in (gloss.get("words") or {}).items()},
                {str(k): str(v or "") for k, v in (gloss.get("phrases") or {}).items()},
            )
        return self._function_words

    def _word(
        self, word: str, top: int, floor: float, keep_unknown: bool
    ) -> dict[str, float] | None:
        terms = word_terms(word, self.language)
        en_stem = stem(word, self.target)
        if self.english.get(en_stem, 0) > 2 * max(self.source.get(t, 0) for t in terms):
            return {en_stem: 1.0}
        options: dict[str, float] = {}
        for term in terms:
            known = self.speller.correct(term)
            if known is None or known not in self.table:
                continue
            for english, probability in sorted(self.table[known].items(), key=lambda kv: -kv[1])[
                :top
            ]:
                options[english] = max(options.get(english, 0.0), probability)
        if not options:
            return {word: 1.0} if word.isdigit() or keep_unknown else None
        ranked = sorted(options.items(), key=lambda kv: -kv[1])[:top]
        return {w: p for w, p in ranked if p >= floor} or None

    def translate(
        self, text: str, top: int = 3, floor: float = 0.05, keep_unknown: bool = False
    ) -> list[dict[str, float]]:
        """Per content word of ``text``, its likely English stems with probabilities.

        English words (more frequent in the English texts than in the source ones) pass
        through with probability 1; unknown words are spell-corrected against the source
        vocabulary, and dropped (or kept as they are, with ``keep_unknown``) when that fails.

        Args:
            text: A query in the source language (or mixed with English).
            top: Translations kept per word.
            floor: Translations less likely than this are dropped.
            keep_unknown: Whether words found nowhere (names) are kept as they are.
        """
        glossed = (
            self._word(word, top, floor, keep_unknown) for word in words(text, self.language)
        )
        return [options for options in glossed if options]

    def bag(self, text: str) -> dict[str, float]:
        """English stems of ``text``'s translation, weighted (for the English BM25 index)."""
        return bag_of(self.translate(text))

    def concepts(self, text: str) -> list[str]:
        """Each content word of ``text`` as its most likely English stem.

        Indexing the source documents and queries this way makes synonyms that translate alike
        ("bote", "contenedor" → "bin") match each other.
        """
        return concepts_of(self.translate(text))

    def gloss(self, text: str) -> str:
        """A word-by-word English rendering of ``text``, for the English sentence encoder.

        Content words get their most likely translation (as an English word, not a stem);
        function words ("cuánto", "dónde", "no", "sin") come from the pack's
        ``retrieval.gloss``, so the encoder still sees what kind of question it is; names pass
        through.
        """
        function_words, function_phrases = self.function_words
        ignored = stopwords(self.language)
        out: list[str] = []
        tokens = words(text, self.language, stopwords=True)
        skip = False
        for position, word in enumerate(tokens):
            if skip:
                skip = False
                continue
            pair = " ".join(tokens[position : position + 2])
            if pair in function_phrases:
                out.append(function_phrases[pair])
                skip = True
                continue
            if word in function_words:
                if function_words[word]:
                    out.append(function_words[word])
                continue
            if word in ignored:
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
