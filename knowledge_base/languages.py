"""The languages the knowledge base is written in, and what the checks need to know about each.

Everything here comes from the language packs (``bot/languages/<code>/pack.yml``): every
pack's language is a knowledge-base language; its ``knowledge`` section says whether every
article must carry its text inline (``required``), which words hedge a sentence and which
spelled-out numbers count as figures; its ``retrieval`` section says how the retriever reads
it. Nothing in ``knowledge_base/`` or ``eval/`` branches on a language code.
"""

from __future__ import annotations

import re
from functools import cache

from bot.languages import codes, default_language, get_pack, load_packs
from bot.languages import supported as _supported

__all__ = [
    "LANGUAGES",
    "default_language",
    "direct_language",
    "encoder",
    "gloss_languages",
    "hedges",
    "languages",
    "number_words",
    "required_languages",
    "supported",
]


def languages() -> tuple[str, ...]:
    """Every pack's language, in menu order: the languages an answer may be asked in."""
    return codes()


def required_languages() -> tuple[str, ...]:
    """The languages every article carries inline (``knowledge.required: true``)."""
    return tuple(
        pack.code for pack in load_packs() if pack.section("knowledge").get("required") is True
    )


LANGUAGES: tuple[str, ...] = required_languages()
"""The languages every article is written in (read once, at import)."""


def supported(language: str | None) -> str:
    """``language`` when a pack speaks it, else the default language."""
    return _supported(language)


def encoder(language: str) -> str:
    """How the sentence encoder reads ``language``: ``"direct"`` or ``"gloss"``."""
    return str(get_pack(language).section("retrieval").get("encoder") or "gloss")


def answer_kinds(language: str) -> list[tuple[re.Pattern[str], re.Pattern[str]]]:
    """What a question asks for and how an answer shows it (a pack's ``retrieval.asks``).

    Each kind (cost, days, time of day) pairs a pattern for the question ("¿cuánto cobran?")
    with one for an answer that gives it ("$", "gratis"), both over folded text.
    """
    return _answer_kinds(supported(language))


@cache
def _answer_kinds(language: str) -> list[tuple[re.Pattern[str], re.Pattern[str]]]:
    asks = get_pack(language).section("retrieval").get("asks") or {}
    return [(re.compile(str(kind["question"])), re.compile(str(kind["answer"])))
            for kind in asks.values()]


def direct_language() -> str:
    """The language the sentence encoder reads itself (``encoder: direct``).

    Glossed languages are translated into it; without such a pack, the default language.
    """
    direct = [code for code in codes() if encoder(code) == "direct"]
    return direct[0] if direct else default_language()


def gloss_languages() -> tuple[str, ...]:
    """The languages that reach the encoder through a learned word table."""
    return tuple(code for code in codes() if code != direct_language())


def hedges(language: str) -> tuple[str, ...]:
    """Words that mark a sentence as hedged: it says the figure may be out of date.

    A sentence resting on a low-confidence, stale or unverified fact must contain one of them.
    """
    return tuple(str(h) for h in get_pack(language).section("knowledge").get("hedges") or ())


def number_words(language: str) -> dict[str, str]:
    """Spelled-out numbers and their figures ("four" → "4"), checked like the figures."""
    words = get_pack(language).section("knowledge").get("number_words") or {}
    return {str(word): str(figure) for word, figure in words.items()}
