"""Tell the resident's language from short messages, with the language packs' hints.

Residents write "hola", "ok", "1-1000023" or "hay un pothole en mi calle". langdetect alone is
unreliable below a handful of words and guesses wildly on addresses, so detection runs in
steps, each reading the packs' ``detection`` sections (``bot/languages/<code>/pack.yml``):

1. A message written mostly in a pack's own ``script`` (a character class only that language
   uses, such as Hangul) is that language.
2. Otherwise each pack's lexicon of frequent, distinctive ``words`` (function words, greetings,
   the 311 vocabulary residents use) plus its ``marks`` (á, ñ, ¿, ¡ …) is counted, and a clear
   winner decides.
3. Otherwise, for messages of four words or more, langdetect (seeded, so results repeat)
   decides when it is confident about one of the packs' languages.

Anything else is *undecided* (``None``): the caller keeps the conversation's language. This
module is pure Python so the Rasa component, the channels and the review app share it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.languages import default_language, load_packs, packs_dir
from bot.text import fold, matching_form

_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
# "LA" in capitals is Los Angeles (the city this assistant serves), not an article.
_CITY_ABBREVIATION = "LA"


@dataclass(frozen=True)
class _Hints:
    """The packs' detection data, compiled once per pack folder."""

    words: dict[str, frozenset[str]]
    marks: dict[str, frozenset[str]]
    scripts: dict[str, re.Pattern[str]]
    langdetect: dict[str, str]
    asks_for: dict[str, re.Pattern[str]]
    negation: re.Pattern[str] | None
    address_words: frozenset[str]
    name_particle: re.Pattern[str] | None
    question_marks: frozenset[str]
    question_starts: tuple[re.Pattern[str], ...]


def _alternation(words: Sequence[str]) -> str:
    return "|".join(dict.fromkeys(words))


@lru_cache(maxsize=8)
def _load_hints(directory: Path) -> _Hints:
    packs = load_packs(directory)
    words: dict[str, frozenset[str]] = {}
    marks: dict[str, frozenset[str]] = {}
    scripts: dict[str, re.Pattern[str]] = {}
    langdetect: dict[str, str] = {}
    asks_for: dict[str, re.Pattern[str]] = {}
    negations: list[str] = []
    address: set[str] = set()
    particles: list[str] = []
    question_marks = {"?"}
    question_starts: list[re.Pattern[str]] = []
    for pack in packs:
        section = pack.section("detection")
        listed = [str(w) for w in section.get("words") or []]
        words[pack.code] = frozenset(listed) | frozenset(fold(w) for w in listed)
        marks[pack.code] = frozenset(str(section.get("marks") or ""))
        if section.get("script"):
            scripts[pack.code] = re.compile(str(section["script"]))
        if section.get("langdetect"):
            langdetect[str(section["langdetect"])] = pack.code
        if section.get("asks_for"):
            asks_for[pack.code] = re.compile(str(section["asks_for"]), re.IGNORECASE)
        negations += [str(n) for n in section.get("negations") or []]
        address |= {str(w) for w in section.get("address_words") or []}
        particles += [str(w) for w in section.get("place_name_words") or []]
        question_marks |= set("".join(str(m) for m in pack.data.get("question_marks") or []))
        question_starts += [re.compile(p) for p in pack.data.get("question_starts") or []]
    return _Hints(
        words=words,
        marks=marks,
        scripts=scripts,
        langdetect=langdetect,
        asks_for=asks_for,
        negation=re.compile(rf"\b({_alternation(negations)})\b", re.IGNORECASE)
        if negations else None,
        address_words=frozenset(address),
        # "Las Vegas", "Los Feliz", "La Brea", "San Pedro", "El Segundo": words inside a
        # capitalised place or street name say nothing about the resident's language.
        name_particle=re.compile(rf"\b(?:{_alternation(particles)})\s+(?=[A-Z])")
        if particles else None,
        question_marks=frozenset(question_marks),
        question_starts=tuple(question_starts),
    )


def _hints() -> _Hints:
    return _load_hints(packs_dir())


@dataclass(frozen=True)
class Detection:
    """The outcome of detecting one message's language.

    Attributes:
        language: A pack's language code, or ``None`` when the message does not tell.
        confidence: How sure the detector is, from 0 to 1.
        method: ``"request"`` (the resident asked for a language), ``"script"``,
            ``"lexicon"``, ``"langdetect"`` or ``"undecided"``.
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


def _lexicon_scores(words: list[str], text: str) -> dict[str, float]:
    """Per language: its distinctive words in the message, plus two for any of its marks."""
    hints = _hints()
    lowered = text.lower()
    scores: dict[str, float] = {}
    for code, lexicon in hints.words.items():
        # Words in several lists ("no", "sofa", "animal") add to each and cancel out.
        score = sum(1.0 for w in words if w in lexicon or fold(w) in lexicon)
        if any(c in hints.marks[code] for c in lowered):
            score += 2.0
        scores[code] = score
    return scores


# A message is in a script language when at least this share of its letters are in that
# language's own script: one Hangul syllable carries what two or three Latin letters do, and
# nobody writes Hangul who does not read it, so "Jefferson Blvd 교회 담에 낙서" and "multiple
# streetlights out 이에요 우리 블럭" are Korean, while "Olympic Blvd랑 Normandie" is an address.
SCRIPT_SHARE = 1 / 6


def script_language(text: str) -> str | None:
    """The pack language whose own ``script`` writes a sixth or more of ``text``'s letters."""
    letters = sum(1 for ch in text if ch.isalpha())
    if not letters:
        return None
    for code, script in _hints().scripts.items():
        if len(script.findall(text)) >= SCRIPT_SHARE * letters:
            return code
    return None


def _script(words: list[str]) -> tuple[str, int] | None:
    """The language whose own script writes the message (:func:`script_language`)."""
    code = script_language(" ".join(words))
    if code is None:
        return None
    script = _hints().scripts[code]
    return code, sum(1 for w in words if script.search(w))


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
    ours = _hints().langdetect
    probs = {ours[r.lang]: r.prob for r in ranked if r.lang in ours}
    if not probs:
        return None, 0.0
    lang = max(probs, key=lambda k: probs[k])
    return lang, probs[lang]


def requested_language(text: str) -> str | None:
    """The language a resident explicitly asks for ("in Spanish please", "¿habla inglés?").

    A negated mention ("no hablo inglés") asks for nothing: the message's own language tells.
    """
    hints = _hints()
    asked = [lang for lang, pattern in hints.asks_for.items() if pattern.search(text or "")]
    if len(asked) != 1 or (hints.negation is not None and hints.negation.search(text)):
        return None
    return asked[0]


def detect_language(text: str, min_langdetect_words: int = 4) -> Detection:
    """Detect which of the packs' languages a message is written in.

    Args:
        text: The resident's message.
        min_langdetect_words: Fewer alphabetic words than this never reach langdetect.

    Returns:
        The detection; ``language`` is ``None`` when the message is too short or ambiguous
        ("ok", "no", "1-1000023", an emoji, a bare street address).
    """
    hints = _hints()
    names_removed = text or ""
    if hints.name_particle is not None:
        names_removed = hints.name_particle.sub(" ", names_removed)
    words = [w.lower() for w in _WORD_RE.findall(names_removed) if w != _CITY_ABBREVIATION]
    asked = requested_language(text)
    if asked is not None:
        return Detection(asked, 1.0, "request", len(words))
    if not words:
        return Detection(None, 0.0, "undecided")
    written = _script(words)
    if written is not None:
        return Detection(written[0], 1.0, "script", len(words), written[1])
    scores = _lexicon_scores(words, text)
    ranked = sorted(scores.values(), reverse=True) + [0.0, 0.0]
    best, margin = ranked[0], ranked[0] - ranked[1]
    if margin >= 1.0 and (best >= 2.0 or len(words) <= 3 or margin >= 2.0):
        lang = next(code for code, score in scores.items() if score == best)
        return Detection(lang, min(1.0, 0.6 + 0.1 * margin), "lexicon", len(words), int(best))
    # Street vocabulary ("5th St & Main St") says nothing about the resident's language.
    content = [w for w in words if len(w) > 2 and w not in hints.address_words]
    if len(content) >= min_langdetect_words:
        detected, prob = _langdetect(text)
        if detected is not None and prob >= 0.9:
            return Detection(detected, prob, "langdetect", len(words),
                             int(scores.get(detected, 0.0)))
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
        return (locale if locale and locale in supported else default_language()), False
    assert current is not None
    if locked or detection is None or detection["value"] == current:
        return current, locked
    strong = (
        int(detection.get("words", 0)) >= SWITCH_MIN_WORDS
        and int(detection.get("evidence", 0)) >= SWITCH_MIN_EVIDENCE
        and float(detection.get("confidence", 0.0)) >= SWITCH_MIN_CONFIDENCE
    )
    return (str(detection["value"]) if strong else current), False


def is_question(text: str, require_mark: bool = False) -> bool:
    """Whether ``text`` asks something.

    A question mark ("?", or a pack's own such as "¿"), or (unless ``require_mark``) a
    question word first ("how much…", "¿cuánto…", "do you…") in any language pack.
    """
    hints = _hints()
    marked = any(mark in text for mark in hints.question_marks)
    if require_mark and not marked:
        return False
    form = matching_form(text)
    return marked or any(p.search(form) for p in hints.question_starts)
