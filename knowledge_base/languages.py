"""The languages the knowledge base is written in, and what the checks need to know about each.

One place to add a language: its code in :data:`LANGUAGES`, and an entry in each table below.
Nothing else in ``knowledge_base/`` or ``eval/`` branches on a language code.
"""

from __future__ import annotations

LANGUAGES: tuple[str, ...] = ("en", "es")
DEFAULT_LANGUAGE = "en"

# Words that mark a sentence as hedged: it says the figure may be out of date and where to check.
# A sentence resting on a low-confidence, stale or unverified fact must contain one of them.
HEDGES: dict[str, tuple[str, ...]] = {
    "en": ("may have changed", "may change", "might have changed", "check", "confirm",
           "as of", "older", "not been confirmed"),
    "es": ("puede haber cambiado", "pudo cambiar", "puede cambiar", "revis", "revís", "verifi",
           "verifí", "confirm", "confírm", "según", "antigu", "no se ha confirmado"),
}

# Number words, so that "four months" and "cuatro meses" are checked like "4 months". "One" and
# "un/una/uno" are left out: they are far more often an article or a pronoun than a figure.
NUMBER_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
        "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
        "fifteen": "15", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50",
        "sixty": "60", "ninety": "90", "hundred": "100",
        "twice": "2", "double": "2", "half": "50",
    },
    "es": {
        "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5", "seis": "6", "siete": "7",
        "ocho": "8", "nueve": "9", "diez": "10", "once": "11", "doce": "12",
        "quince": "15", "veinte": "20", "treinta": "30", "cuarenta": "40", "cincuenta": "50",
        "sesenta": "60", "noventa": "90", "cien": "100",
        "doble": "2", "duplican": "2", "mitad": "50",
    },
}


def supported(language: str | None) -> str:
    """``language`` when the knowledge base is written in it, else the default language."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE
