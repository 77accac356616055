"""Tokenisation for the lexical views (BM25) and the translation table, per language.

Text is lower-cased and accent-folded ("Dónde" → "donde"), split into words and numbers,
stripped of the language's stopwords and Snowball-stemmed with that language's stemmer.
Phone-style numbers are joined ("3-1-1" → "311") and hyphenated words give both their parts
and the joined word ("e-waste" → "waste", "ewaste"), so residents find them however they
type them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import snowballstemmer

_EN_STOPWORDS = """
    a an the of to in on at for with by from and or is are was were be been being am it its
    it's this that these those what what's which who whom whose how when where where's why do
    does did doing can could would should will shall might must i i'm i'd i've i'll im ive id
    me my mine myself we we're our us you you're your yours u ur he him his she her they them
    their theirs there there's here if not no yes please pls plz just about get gets got
    getting have has had having any some so than then too very up out into over as also only
    still really anyone someone something anything thing things let hi hey hello thanks thank
    thx ok okay much many more most wanna gonna gotta need needs want wants know tell like
    because while don't dont doesn't doesnt didn't didnt can't cant isn't isnt won't wont
    guys lol
"""
_ES_STOPWORDS = """
    a al ante bajo con contra de del desde durante e el la los las lo le les en entre hacia
    hasta mediante para por segun según sin sobre tras un una unos unas uno y o u ni que qué
    quien quién quienes cual cuál cuales como cómo donde dónde cuando cuándo cuanto cuánto
    cuanta cuánta es son soy eres somos ser sido era eras eramos éramos eran fui fue fueron
    estar estoy estas estás esta está estamos estan están estaba estaban estuve he has ha
    hemos han habia había hay haber tengo tienes tiene tenemos tienen tenia tenía tuve tener
    voy vas va vamos van iba ir puedo puedes puede podemos pueden podria podría poder quiero
    quieres quiere queremos quieren querer necesito necesitas necesita necesitamos necesitan
    hago haces hace hacemos hacen hizo hacer se sé sabe saber debo debe deben debemos
    yo tu tú él ella ellos ellas usted ustedes nosotros nosotras mí ti conmigo contigo me te
    nos os mi mis tus su sus mío mía mio mia suyo suya nuestro nuestra nuestros nuestras
    este esta esto estos estas ese esa eso esos esas aquel aquella aquello
    muy más mas ya aun aún todavia todavía tan tanto cada mismo misma bien asi así entonces
    luego pero si sí no porque pues algo alguien algún algun alguna alguno algunas algunos
    otro otra otros otras todo toda todos todas mucho mucha muchos muchas tambien también
    solo sólo aqui aquí aca acá ahi ahí alla allá ahora hola gracias oye oiga bueno buenas
    buenos favor porfa xfa osea q k xq pq
"""


def fold(text: str) -> str:
    """Lower-cases and strips accents ("Dónde" → "donde")."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


_EN = frozenset(fold(w) for w in _EN_STOPWORDS.split())
_ES = frozenset(fold(w) for w in _ES_STOPWORDS.split())
# Either language's stopwords are dropped from both (residents mix them), except the words that
# are stopwords in one language and content words in the other ("van", "son"; "red", "once").
_KEEP_EN = frozenset({"son", "van", "era", "sea", "solo", "sin", "hay"})
_KEEP_ES = frozenset({"red", "once"})
STOPWORDS = {"en": _EN | (_ES - _KEEP_EN), "es": _ES | (_EN - _KEEP_ES)}
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:['\u2019-][a-z0-9]+)*")
_NUMBER_RE = re.compile(r"[0-9]+(?:-[0-9]+)+")


@lru_cache(maxsize=2)
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer("spanish" if language == "es" else "english")


def words(text: str, language: str = "en", stopwords: bool = False) -> list[str]:
    """Folded words and numbers of ``text`` without the language's stopwords, unstemmed.

    Args:
        text: Any text.
        language: ``"en"`` or ``"es"``: whose stopwords to drop.
        stopwords: Keep the stopwords (to translate whole phrases).
    """
    stop = frozenset() if stopwords else STOPWORDS["es" if language == "es" else "en"]
    out: list[str] = []
    for raw in _TOKEN_RE.findall(fold(text).replace("\u2019", "'")):
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
def stem(word: str, language: str = "en") -> str:
    """The Snowball stem of one folded word in ``language`` (cached: queries repeat words)."""
    return str(_stemmer("es" if language == "es" else "en").stemWord(word))


def stems(tokens: list[str], language: str = "en") -> list[str]:
    """Snowball stems of folded words in ``language``."""
    return [stem(token, language) for token in tokens]


def tokenize(text: str, language: str = "en") -> list[str]:
    """BM25 tokens: folded words and numbers without stopwords, Snowball-stemmed.

    Args:
        text: Any text.
        language: ``"en"`` or ``"es"``: which stopwords and Snowball stemmer to use.
    """
    return stems(words(text, language), language)


_SPANISH_MARKS = re.compile(r"[ñ¿¡áéíóú]")


def guess_language(text: str) -> str:
    """``"es"`` or ``"en"``: which language's stopwords (and Spanish marks) ``text`` has more of.

    Only for callers that do not know the language; the assistant's NLU detects it.
    """
    tokens = _TOKEN_RE.findall(fold(text))
    spanish = sum(t in _ES and t not in _EN for t in tokens)
    english = sum(t in _EN and t not in _ES for t in tokens)
    spanish += 2 * len(_SPANISH_MARKS.findall(text.lower()))
    return "es" if spanish > english else "en"
