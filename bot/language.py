"""Tell English from Spanish in short resident messages.

Residents write "hola", "ok", "1-1000023" or "hay un pothole en mi calle". langdetect alone is
unreliable below a handful of words and guesses wildly on addresses, so detection runs in two
steps:

1. A lexicon of frequent, distinctive words (function words, greetings and the 311 vocabulary
   residents use) plus Spanish-only characters (á, ñ, ¿, ¡ …) decides when it gives a clear
   answer.
2. Otherwise, for messages of four words or more, langdetect (seeded, so results repeat) decides
   when it is confident about English or Spanish.

Anything else is *undecided* (``None``): the caller keeps the conversation's language. This
module is pure Python so the Rasa component, the channels and the review app share it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.languages import DEFAULT_LANGUAGE, codes, load_packs
from bot.text import matching_form

SUPPORTED = codes()

_SPANISH_CHARS = set("áéíóúñ¿¡ü")

_ES_WORDS = frozenset(
    """
    hola y hablo habla hablar buenas buenos dias tardes noches gracias grax porfa favor
    por para que qué como cómo
    donde dónde cuando cuándo cual cuál quien quién hay esta está estan están es soy
    estoy tengo tiene quiero quisiera necesito puedo puede pueden ayuda ayudame ayúdame
    el la los las un una unos unas del al de en con sin mi mis su sus tu tus mas más muy
    pero tambien también ya todavia todavía aqui aquí ahi ahí alli allí si sí claro vale
    adios adiós chao nos vemos olvidalo olvídalo cancela cancelar nada persona agente
    calle avenida esquina cuadra banqueta acera basura bote botes bache baches poste farol
    luz luces alumbrado arbol árbol rama carro coche troca camioneta perro gato animal muerto
    colchon colchón sofa sofá mueble muebles refrigerador lavadora estufa grafiti pintaron
    tiraron recoger recojan reportar reporte solicitud queja multa estacionamiento agua
    luz cobro factura permiso renta inquilino casero ruido vecino vecinos biblioteca parque
    mucho mucha muchos muchas poco nuevo vieja viejo roto rota rotos tirado tirada
    semana dia día hoy mañana ayer numero número estado mensaje hablar llamar llamen
    desde hace hacer hago eso esto ese esta este ella ellos nosotros usted ustedes
    dónde robot humano eres puedes funciona sabes gusto bien mal bueno buena
    """.split()
)

_EN_WORDS = frozenset(
    """
    hello and hi hey thanks thank you thx ty please pls the an of to in on at for with without
    my our your his her their is are was were be been am i im i'm it it's its there there's
    this that these those what whats what's how where when which who why can could would
    should will want need like have has had do does did dont don't not yes yeah yep nope
    bye goodbye later cancel forget mind never person agent human operator talk speak
    street avenue corner block sidewalk trash garbage bin bins pothole potholes streetlight
    light lights tree branch car vehicle dog cat animal dead couch sofa mattress furniture
    fridge washer dryer stove graffiti tagged dumped dumping pick pickup report request
    complaint ticket parking water power bill permit rent tenant landlord noise neighbor
    library park much many some new old broken front house home week day today tomorrow
    yesterday number status update message call help about from just still again already
    out up down been got get fix fixed somebody someone anyone bot robot
    """.split()
)

_ADDRESS_WORDS = frozenset(
    """st street ave avenue blvd boulevard rd road dr drive pl place way ln lane ct court pkwy
    hwy north south east west los angeles ca california""".split()
)

_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
# "Las Vegas", "Los Feliz", "La Brea", "San Pedro", "El Segundo": Spanish words inside a
# capitalised place or street name say nothing about the resident's language.
_NAME_PARTICLE = re.compile(r"\b(?:La|Las|Los|El|Del|De|San|Santa)\s+(?=[A-Z])")


@dataclass(frozen=True)
class Detection:
    """The outcome of detecting one message's language.

    Attributes:
        language: ``"en"``, ``"es"`` or ``None`` when the message does not tell.
        confidence: How sure the detector is, from 0 to 1.
        method: ``"request"`` (the resident asked for a language), ``"lexicon"``,
            ``"langdetect"`` or ``"undecided"``.
        words: How many words the message has (short replies never switch a conversation's
            language; see :func:`choose_language`).
        evidence: How many of its words are distinctive words of the detected language
            ("Van Nuys Blvd and Sherman Way" has one: an address is not a sentence).
    """

    language: str | None
    confidence: float
    method: str
    words: int = 0
    evidence: int = 0


def _strip_accents(word: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn"
    )


def _lexicon_scores(words: list[str], text: str) -> tuple[float, float]:
    es = sum(1.0 for w in words if w in _ES_WORDS or _strip_accents(w) in _ES_WORDS)
    en = sum(1.0 for w in words if w in _EN_WORDS)
    # Words in both lists ("no", "sofa", "animal") add to both and cancel out.
    if any(c in _SPANISH_CHARS for c in text.lower()):
        es += 2.0
    return en, es


def _langdetect(text: str) -> tuple[str | None, float]:
    try:
        from langdetect import DetectorFactory, detect_langs
        from langdetect.lang_detect_exception import LangDetectException
    except ImportError:  # pragma: no cover - langdetect is a declared dependency
        return None, 0.0
    DetectorFactory.seed = 0
    try:
        ranked = detect_langs(text)
    except LangDetectException:
        return None, 0.0
    probs = {r.lang: r.prob for r in ranked if r.lang in SUPPORTED}
    if not probs:
        return None, 0.0
    lang = max(probs, key=lambda k: probs[k])
    return lang, probs[lang]


_ASKS_FOR = {
    "es": re.compile(r"\b(spanish|espa[ñn]ol|castellano)\b", re.IGNORECASE),
    "en": re.compile(r"\b(english|ingl[eé]s)\b", re.IGNORECASE),
}
_NEGATION = re.compile(r"\b(no|not|don'?t|doesn'?t|can'?t|cannot|nunca)\b", re.IGNORECASE)


def requested_language(text: str) -> str | None:
    """The language a resident explicitly asks for ("in Spanish please", "¿habla inglés?").

    A negated mention ("no hablo inglés") asks for nothing: the message's own language tells.
    """
    asked = [lang for lang, pattern in _ASKS_FOR.items() if pattern.search(text or "")]
    if len(asked) != 1 or _NEGATION.search(text):
        return None
    return asked[0]


def detect_language(text: str, min_langdetect_words: int = 4) -> Detection:
    """Detect whether a message is English or Spanish.

    Args:
        text: The resident's message.
        min_langdetect_words: Fewer alphabetic words than this never reach langdetect.

    Returns:
        The detection; ``language`` is ``None`` when the message is too short or ambiguous
        ("ok", "no", "1-1000023", an emoji, a bare street address).
    """
    # "LA" in capitals is Los Angeles, not the Spanish article; "Las Vegas", "San Pedro" are names.
    names_removed = _NAME_PARTICLE.sub(" ", text or "")
    words = [w.lower() for w in _WORD_RE.findall(names_removed) if w != "LA"]
    asked = requested_language(text)
    if asked is not None:
        return Detection(asked, 1.0, "request", len(words))
    if not words:
        return Detection(None, 0.0, "undecided")
    en, es = _lexicon_scores(words, text)
    margin = abs(en - es)
    if margin >= 1.0 and (max(en, es) >= 2.0 or len(words) <= 3 or margin >= 2.0):
        lang = "es" if es > en else "en"
        return Detection(lang, min(1.0, 0.6 + 0.1 * margin), "lexicon", len(words),
                         int(max(en, es)))
    # Street vocabulary ("5th St & Main St") says nothing about the resident's language.
    content = [w for w in words if len(w) > 2 and w not in _ADDRESS_WORDS]
    if len(content) >= min_langdetect_words:
        detected, prob = _langdetect(text)
        if detected is not None and prob >= 0.9:
            return Detection(detected, prob, "langdetect", len(words),
                             int(es if detected == "es" else en))
    return Detection(None, 0.0, "undecided", len(words))


LANGUAGE_SLOT = "language"
# A detection this sure, from this many words, is a real switch of language.
SWITCH_MIN_WORDS = 3
SWITCH_MIN_CONFIDENCE = 0.8
SWITCH_MIN_EVIDENCE = 2


def choose_language(
    current: str | None,
    locked: bool,
    entities: Sequence[Mapping[str, Any]],
    locale: str | None,
    supported: Sequence[str],
) -> tuple[str, bool]:
    """The conversation's language and lock after one resident message.

    Args:
        current: The language slot before the message (``None`` in a new conversation).
        locked: Whether the resident chose the language explicitly.
        entities: The message's entities; the ``language`` one carries ``method``,
            ``words``, ``evidence`` and ``confidence`` from the detector (a button payload
            has none).
        locale: The channel's locale hint (the web page's language), if any.
        supported: The languages the assistant speaks.

    Returns:
        ``(language, locked)``.
    """
    detection = next(
        (e for e in entities if e.get("entity") == LANGUAGE_SLOT and e.get("value") in supported),
        None,
    )
    if detection is not None and detection.get("method", "request") == "request":
        return str(detection["value"]), True  # a button payload or "in Spanish please"
    if current not in supported:
        if detection is not None:
            return str(detection["value"]), False
        return (locale if locale and locale in supported else DEFAULT_LANGUAGE), False
    assert current is not None
    if locked or detection is None or detection["value"] == current:
        return current, locked
    strong = (
        int(detection.get("words", 0)) >= SWITCH_MIN_WORDS
        and int(detection.get("evidence", 0)) >= SWITCH_MIN_EVIDENCE
        and float(detection.get("confidence", 0.0)) >= SWITCH_MIN_CONFIDENCE
    )
    return (str(detection["value"]) if strong else current), False


@lru_cache(maxsize=1)
def _question_starts() -> tuple[re.Pattern[str], ...]:
    return tuple(
        re.compile(p) for pack in load_packs() for p in (pack.data.get("question_starts") or [])
    )


def is_question(text: str, require_mark: bool = False) -> bool:
    """Whether ``text`` asks something.

    A question mark, or (unless ``require_mark``) a question word first ("how much…",
    "¿cuánto…", "do you…") in any language pack.
    """
    marked = "?" in text or "¿" in text
    if require_mark and not marked:
        return False
    form = matching_form(text)
    return marked or any(p.search(form) for p in _question_starts())
