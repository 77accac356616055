"""Text normalisation shared by every layer: accent folding and matching forms.

Pure Python, no Rasa import: the NLU components, the action server, the channels and the
review app all use it, so a message is folded the same way wherever it is read.
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_REPEATS = re.compile(r"([^\W\d_])\1{2,}", re.UNICODE)


def fold(text: str) -> str:
    """Lower-cases and strips accents ("Dónde" → "donde", "AYÚDA" → "ayuda")."""
    decomposed = unicodedata.normalize("NFD", text.lower())
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
