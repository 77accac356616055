"""Is a resident in danger right now? Word patterns from the language packs, plus a decision rule.

Detection has two halves that cover each other's blind spots:

* patterns (this module): every language pack's ``danger`` section, run on every message
  whatever its language (residents mix languages). A *strong* pattern ("my house is on fire",
  "fuga de gas", "not breathing") means danger by itself; a *weak* one ("fire", "gun",
  "humo") appears in ordinary messages too. Words that the event is over ("last week", "hace
  dos semanas") or that all is well ("nobody got hurt") turn a strong match into a weak one;
  ordinary phrases ("fire hydrant", "recibo del gas") and calming ones make the classifier
  need more certainty.
* a classifier trained on emergency and ordinary messages in every language
  (:mod:`bot.components.danger_detector`), which reads the whole sentence and tolerates
  spellings no pattern lists.

:func:`decide` combines them: a strong match, or a weak match the classifier leans towards,
or a classifier that is sure on its own. A false alarm costs one extra sentence; a miss can
cost a life, so the thresholds are chosen for recall first (``eval/emergency_eval.py``).
Pure Python: the Rasa component, the evaluation and the tests share it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.languages import load_packs, packs_dir
from bot.text import matching_form

STRONG = "strong"
WEAK = "weak"
NONE = "none"


@dataclass(frozen=True)
class PatternMatch:
    """What the patterns found in one message.

    Attributes:
        strength: ``"strong"``, ``"weak"`` or ``"none"``.
        kind: The kind of danger ("fire", "gas", "power_line", "crime", "medical", "water",
            "crash", "trapped", "collapse", "other"), or ``None``.
        past: Whether the message says the event is over ("last week"), or asks about
            one ("do you handle gas leaks?").
        ordinary: Whether it reads as an ordinary matter: an ordinary phrase ("fire
            hydrant", "recibo del gas") or a calming one ("nobody got hurt").
    """

    strength: str
    kind: str | None = None
    past: bool = False
    ordinary: bool = False


@dataclass(frozen=True)
class Thresholds:
    """Classifier probabilities above which a message counts as danger.

    Attributes:
        alone: With no pattern match at all.
        weak: With a weak (or a past, downgraded strong) pattern match.
        ordinary: When the message also reads as an ordinary matter.
    """

    alone: float = 0.5
    weak: float = 0.2
    ordinary: float = 0.9


def _compile(patterns: list[str]) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in patterns]


class DangerPatterns:
    """Every language pack's danger patterns, compiled once."""

    def __init__(self, directory: Path | None = None) -> None:
        packs = load_packs(directory)
        self._strong: list[tuple[str, re.Pattern[str]]] = []
        self._weak: list[tuple[str, re.Pattern[str]]] = []
        self._ordinary: list[re.Pattern[str]] = []
        self._past: list[re.Pattern[str]] = []
        self._calm: list[re.Pattern[str]] = []
        self._question: list[re.Pattern[str]] = []
        for pack in packs:
            section = pack.section("danger")
            for kind, patterns in (section.get("strong") or {}).items():
                self._strong += [(str(kind), p) for p in _compile(patterns)]
            for kind, patterns in (section.get("weak") or {}).items():
                self._weak += [(str(kind), p) for p in _compile(patterns)]
            self._ordinary += _compile(section.get("ordinary") or [])
            self._past += _compile(section.get("past") or [])
            self._calm += _compile(section.get("calm") or [])
            self._question += _compile(pack.data.get("question_starts") or [])

    def words(self) -> frozenset[str]:
        """The words the strong and weak patterns are written with (never masked as places)."""
        sources = [p.pattern for _, p in self._strong + self._weak]
        return frozenset(w for source in sources for w in re.findall(r"[a-z]{3,}", source))

    def match(self, text: str) -> PatternMatch:
        """The strongest pattern match in ``text``, with its context."""
        form = matching_form(text or "")
        if not form:
            return PatternMatch(NONE)
        past = any(p.search(form) for p in self._past) or (
            "?" in text and any(p.search(form) for p in self._question)
        )  # a question about a danger ("do you handle gas leaks?") is not a report of one
        calm = any(p.search(form) for p in self._calm)
        ordinary = calm or any(p.search(form) for p in self._ordinary)
        for kind, pattern in self._strong:
            if pattern.search(form):
                return PatternMatch(WEAK if past or calm else STRONG, kind, past, ordinary)
        for kind, pattern in self._weak:
            if pattern.search(form):
                return PatternMatch(WEAK, kind, past, ordinary)
        return PatternMatch(NONE, None, past, ordinary)


def default_patterns() -> DangerPatterns:
    """The patterns of the installed language packs (compiled on first use)."""
    return _patterns(packs_dir())


@lru_cache(maxsize=4)
def _patterns(directory: Path) -> DangerPatterns:
    return DangerPatterns(directory)


def decide(match: PatternMatch, probability: float, thresholds: Thresholds) -> bool:
    """Whether a message is danger, from its pattern match and the classifier's probability."""
    if match.strength == STRONG:
        return True
    if match.ordinary:
        return probability >= thresholds.ordinary
    if match.strength == WEAK:
        return probability >= thresholds.weak
    return probability >= thresholds.alone
