"""Text normalisation shared by every layer: folding, cleaning and language tags.

Pure Python, no Rasa import: the NLU components, the action server, the channels, the
knowledge base and the review app all use it, so a message is folded the same way wherever it
is read, and a language tag ("es-MX", an ``Accept-Language`` header) is read the same way by
the web chat, the Open311 server and the review app.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_REPEATS = re.compile(r"([^\W\d_])\1{2,}", re.UNICODE)


def fold(text: str, *, compatibility: bool = False, casefold: bool = False) -> str:
    """Lower-cases and strips accents ("Dónde" → "donde", "AYÚDA" → "ayuda").

    Combining marks (Mn) are removed after decomposition, then the rest is recomposed
    (so scripts whose letters are built from parts, such as Hangul syllables, stay whole).

    Args:
        text: Any text.
        compatibility: Also fold compatibility forms (full-width "ＳＴＯＰ" → "stop", "ﬁ" →
            "fi"), as carriers do with keywords.
        casefold: Use Unicode case folding ("ß" → "ss") rather than lower case.
    """
    lowered = text.casefold() if casefold else text.lower()
    decomposed = unicodedata.normalize("NFKD" if compatibility else "NFD", lowered)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    )


def matching_form(text: str) -> str:
    """The form patterns are matched against: folded, words only, single spaces.

    Punctuation and emoji become spaces and a letter typed three or more times counts once,
    so "¡¡FUEGO!!!", "fuegooo" and "fuego" read the same. Apostrophes disappear
    ("can't" → "can t"), which patterns allow for.
    """
    words = _NON_WORD.sub(" ", fold(text)).replace("_", " ")
    return " ".join(_REPEATS.sub(r"\1", words).split())


def clean_text(text: str) -> str:
    """Removes control characters (keeping new lines and tabs) and trims white space."""
    kept = (
        ch for ch in text if ch in "\n\t" or not unicodedata.category(ch).startswith("C")
    )
    return "".join(kept).strip()


def language_code(tag: str | None) -> str:
    """The primary language of a locale or language tag, lower case.

    "es-MX" → "es", "EN_us" → "en", " fr " → "fr"; ``None`` or "" → "".
    """
    return (tag or "").strip().lower().replace("_", "-").split("-")[0]


def supported_code(tag: str | None, supported: Iterable[str], default: str) -> str:
    """``tag``'s language when it is one of ``supported``, else ``default``."""
    code = language_code(tag)
    return code if code and code in set(supported) else default


def accept_language(header: str | None, supported: Iterable[str]) -> str | None:
    """The supported language an ``Accept-Language`` header prefers, or ``None``.

    Each entry is a language tag with an optional quality (``es-MX;q=0.8``); the entry of a
    supported language with the highest quality wins, the earlier one on a tie. An entry
    whose quality is not a number is ignored.

    Args:
        header: The header's value (``None`` when the request has none).
        supported: The language codes that may be chosen.
    """
    allowed = set(supported)
    best: tuple[float, str] | None = None
    for part in (header or "").split(","):
        tag, _, params = part.strip().partition(";")
        code = language_code(tag)
        if code not in allowed:
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if best is None or quality > best[0]:
            best = (quality, code)
    return best[1] if best else None
