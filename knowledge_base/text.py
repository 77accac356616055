"""Tokenisation for the lexical views (BM25) and the translation tables, per language.

Each language pack's ``retrieval.analyzer`` says how its text is read:

* ``{kind: stem, stemmer: <Snowball language>}``: text is lower-cased and accent-folded
  ("Dónde" → "donde"), split into words and numbers, stripped of stopwords and stemmed with
  that language's Snowball stemmer (English and Spanish).
* ``{kind: char_ngrams, n: [2, 3]}``: words (of any script) are indexed as their character
  n-grams, for languages without reliable word boundaries or a stemmer; a word no longer than
  the smallest n stays whole.

In both, phone-style numbers are joined ("3-1-1" → "311") and hyphenated words give both their
parts and the joined word ("e-waste" → "waste", "ewaste"), so residents find them however they
type them. Every pack's stopwords are dropped in every language (residents mix languages),
except those a pack lists under ``keep``: content words there ("van", "son" in English; "red",
"once" in Spanish).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import snowballstemmer

from bot.languages import default_language, get_pack, load_packs, packs_dir
from bot.text import fold as _fold

_ASCII_TOKEN_RE = re.compile(r"[a-z0-9]+(?:['\u2019-][a-z0-9]+)*")
_ANY_TOKEN_RE = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")
_NUMBER_RE = re.compile(r"[0-9]+(?:-[0-9]+)+")


def fold(text: str) -> str:
    """Lower-cases and strips accents ("Dónde" → "donde"): :func:`bot.text.fold`."""
    return _fold(text)


@dataclass(frozen=True)
class Analyzer:
    """How one language's text becomes BM25 terms.

    Attributes:
        language: The pack's code.
        kind: ``"stem"`` or ``"char_ngrams"``.
        stemmer: The Snowball stemmer's language (``"english"``), for ``stem``.
        ngrams: The n-gram sizes, for ``char_ngrams``.
        stopwords: Folded words dropped from this language's text.
        own_stopwords: The pack's own stopwords (folded), before every pack's are merged.
        speller_suffixes: Stem endings the typo corrector strips first (diminutives).
    """

    language: str
    kind: str
    stemmer: str | None
    ngrams: tuple[int, ...]
    stopwords: frozenset[str]
    own_stopwords: frozenset[str]
    speller_suffixes: tuple[str, ...]

    @property
    def token_re(self) -> re.Pattern[str]:
        """Stemmed languages are read in ASCII after folding; n-gram languages in any script."""
        return _ASCII_TOKEN_RE if self.kind == "stem" else _ANY_TOKEN_RE


@lru_cache(maxsize=8)
def _analyzers(directory: Path) -> dict[str, Analyzer]:
    packs = load_packs(directory)
    own = {
        pack.code: frozenset(
            _fold(str(w)) for w in pack.section("retrieval").get("stopwords") or []
        )
        for pack in packs
    }
    found: dict[str, Analyzer] = {}
    for pack in packs:
        retrieval = pack.section("retrieval")
        settings = retrieval.get("analyzer") or {}
        keep = frozenset(_fold(str(w)) for w in retrieval.get("keep") or [])
        foreign = frozenset().union(*(words for code, words in own.items() if code != pack.code))
        found[pack.code] = Analyzer(
            language=pack.code,
            kind=str(settings.get("kind", "stem")),
            stemmer=str(settings["stemmer"]) if settings.get("stemmer") else None,
            ngrams=tuple(sorted(int(n) for n in settings.get("n") or ())),
            stopwords=own[pack.code] | (foreign - keep),
            own_stopwords=own[pack.code],
            speller_suffixes=tuple(str(s) for s in retrieval.get("speller_suffixes") or ()),
        )
    return found


def analyzer(language: str | None) -> Analyzer:
    """The analyzer of ``language`` (the default language's for an unknown one)."""
    analyzers = _analyzers(packs_dir())
    return analyzers.get(language or "") or analyzers[default_language()]


def stopwords(language: str) -> frozenset[str]:
    """The folded words BM25 ignores in ``language``."""
    return analyzer(language).stopwords


@lru_cache(maxsize=8)
def _stemmer(name: str) -> Any:
    return snowballstemmer.stemmer(name)


def words(text: str, language: str | None = None, stopwords: bool = False) -> list[str]:
    """Folded words and numbers of ``text`` without the language's stopwords, unstemmed.

    Args:
        text: Any text.
        language: Whose analyzer to use (default: the default language).
        stopwords: Keep the stopwords (to translate whole phrases).
    """
    reading = analyzer(language or default_language())
    stop = frozenset() if stopwords else reading.stopwords
    out: list[str] = []
    for raw in reading.token_re.findall(_fold(text).replace("\u2019", "'")):
        if _NUMBER_RE.fullmatch(raw):
            out.append(raw.replace("-", ""))
            continue
        if raw in stop:
            continue
        if "-" in raw:
            parts = [p for p in raw.split("-") if len(p) > 1 and p not in stop]
            out.extend(parts)
            out.append(raw.replace("-", ""))
            continue
        if "'" in raw:
            head = raw.split("'")[0]
            if head in stop:
                continue
            raw = head if raw.endswith(("'s", "'")) else raw.replace("'", "")
        out.append(raw)
    return out


@lru_cache(maxsize=65536)
def _stem(word: str, language: str, directory: Path) -> str:
    reading = analyzer(language)
    if reading.kind != "stem" or reading.stemmer is None:
        return word
    return str(_stemmer(reading.stemmer).stemWord(word))


def stem(word: str, language: str | None = None) -> str:
    """The stem of one folded word in ``language`` (a word of an n-gram language stays whole).

    Cached: queries repeat words.
    """
    return _stem(word, language or default_language(), packs_dir())


def stems(tokens: Iterable[str], language: str | None = None) -> list[str]:
    """Stems of folded words in ``language``."""
    return [stem(token, language) for token in tokens]


def word_terms(word: str, language: str | None = None) -> list[str]:
    """The BM25 terms of one folded word: its stem, or its character n-grams."""
    reading = analyzer(language or default_language())
    if reading.kind == "stem":
        return [stem(word, reading.language)]
    if word.isdigit() or not reading.ngrams or len(word) <= reading.ngrams[0]:
        return [word]
    return [word[i:i + n] for n in reading.ngrams for i in range(len(word) - n + 1)]


def tokenize(text: str, language: str | None = None) -> list[str]:
    """BM25 terms: folded words and numbers without stopwords, stemmed or split into n-grams.

    Args:
        text: Any text.
        language: Whose analyzer to use (default: the default language).
    """
    return [term for word in words(text, language) for term in word_terms(word, language)]


def guess_language(text: str) -> str:
    """The language ``text`` looks written in, for callers that do not know it.

    A language whose pack names a script most of the letters are written in; otherwise the
    one with the most stopwords that are its own alone (plus two for each of its marks, such
    as "ñ" or "¿"); the default language on a tie. The assistant's NLU detects the language
    of residents' messages (:mod:`bot.language`); this is the retriever's fallback.
    """
    packs = load_packs()
    folded = _fold(text)
    letters = [c for c in folded if c.isalpha()]
    for pack in packs:
        script = pack.section("detection").get("script")
        if script and letters and 2 * len(re.findall(str(script), folded)) >= len(letters):
            return pack.code
    own = {pack.code: analyzer(pack.code).own_stopwords for pack in packs}
    tokens = _ASCII_TOKEN_RE.findall(folded)
    lowered = text.lower()
    scores: dict[str, int] = {}
    for pack in packs:
        others = frozenset().union(*(w for code, w in own.items() if code != pack.code))
        marks = str(pack.section("detection").get("marks") or "")
        scores[pack.code] = sum(t in own[pack.code] and t not in others for t in tokens) + 2 * sum(
            lowered.count(mark) for mark in marks
        )
    order = [default_language()] + [p.code for p in packs if p.code != default_language()]
    return max(order, key=lambda code: scores[code])


def speller_suffixes(language: str) -> tuple[str, ...]:
    """Stem endings the typo corrector strips before looking for typos (diminutives)."""
    return analyzer(language).speller_suffixes


def pack_stopwords(language: str) -> frozenset[str]:
    """The language pack's own stopwords, folded."""
    return analyzer(get_pack(language).code).own_stopwords
