"""Tokenisation for the lexical (BM25) index, the same for English and Spanish."""

from __future__ import annotations

import re
import unicodedata

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


def _stem(token: str) -> str:
    """A light plural/suffix stemmer that works for English and Spanish nouns."""
    for suffix in ("iones", "ciones", "ing", "es", "s"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            return token[: -len(suffix)]
    return token


def tokenize(text: str) -> list[str]:
    """BM25 tokens: folded words and numbers without stopwords, lightly stemmed."""
    tokens = _TOKEN_RE.findall(fold(text))
    stop = {fold(w) for w in STOPWORDS}
    return [_stem(t) for t in tokens if t not in stop]
