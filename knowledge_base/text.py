"""Tokenisation for the lexical (BM25) index, the same for English and Spanish."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import snowballstemmer

STOPWORDS = frozenset(
    """
    a an the of to in on at for with by from and or is are was were be been am it its this that
    these those what which who whom how when where why do does did can could would should will
    i me my we our you your he she they them their there here if not no yes please just about
    get got have has had any some so than then too very up out into over as
    el la los las un una unos unas de del al en con por para que qué es son ser estar está
    están mi mis tu tus su sus se lo le les y o u como cómo donde dónde cuando cuándo cual cuál
    quien quién hay me te nos muy más mas ya pero si sí no porque esta este esto eso esa ese
    hacer hago puedo puede tengo tiene quiero necesito favor
    """.split()
)
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


def fold(text: str) -> str:
    """Lower-cases and strips accents ("Dónde" → "donde")."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


_FOLDED_STOPWORDS = frozenset(fold(w) for w in STOPWORDS)


@lru_cache(maxsize=2)
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer("spanish" if language == "es" else "english")


def tokenize(text: str, language: str = "en") -> list[str]:
    """BM25 tokens: folded words and numbers without stopwords, Snowball-stemmed.

    Args:
        text: Any text.
        language: ``"en"`` or ``"es"``: which Snowball stemmer to use.
    """
    tokens = [t for t in _TOKEN_RE.findall(fold(text)) if t not in _FOLDED_STOPWORDS]
    return list(_stemmer(language).stemWords(tokens))
