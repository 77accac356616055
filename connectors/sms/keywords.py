"""Carrier keywords: opt-out, opt-in and help, in every language pack's words.

A keyword is the whole message: trimmed, case-insensitive and accent-insensitive ("Stop",
" stop. ", "AYÚDA" match; "please stop" does not), as Twilio's and the carriers' keyword
handling does. Surrounding punctuation is ignored, so "Stop!" opts out: honouring an opt-out
too readily is the safe side.

The words are each language pack's ``sms.keywords`` (``bot/languages/<code>/pack.yml``). English
opt-out words are Twilio's defaults for long codes (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END,
QUIT, and the newer REVOKE and OPTOUT; "Advanced Opt-Out" tutorial); Spanish adds the words
carriers use: PARA, ALTO and CANCELAR. Opt-in is START or UNSTOP only: Twilio also accepts YES,
but "yes" is an ordinary answer to the assistant's questions. No Spanish opt-in word is used
by Twilio, so none is added. A keyword's reply is sent in the language of the pack it is in.

:data:`TWILIO_DEFAULT_KEYWORDS` are the words Twilio answers itself on every long code and
toll-free number, whatever the account's settings: the SMS handler never answers those a
second time (see :mod:`connectors.sms.handler`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.languages import load_packs, packs_dir
from bot.text import fold

Language = str
"""A language pack's code."""


class Action(enum.Enum):
    """What a keyword asks for."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


@dataclass(frozen=True)
class Keyword:
    """A recognised keyword.

    Attributes:
        action: opt out, opt in or help.
        language: the language of the keyword, used for the confirmation.
    """

    action: Action
    language: Language


TWILIO_DEFAULT_KEYWORDS = frozenset({
    "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
    "START", "UNSTOP", "YES", "HELP", "INFO",
})
"""Twilio's default opt-out, opt-in and help words (its "SMS STOP filtering" article)."""

_PUNCTUATION = ".,;:!?¡¿\"'()[]*-_~"


def normalize(text: str) -> str:
    """Uppercase, accent-free, trimmed form of a message used for keyword matching.

    Args:
        text: the message body.

    Returns:
        The normalised text ("  ¡Ayúda! " -> "AYUDA").
    """
    return " ".join(fold(text, compatibility=True).split()).strip(_PUNCTUATION + " ").upper()


@lru_cache(maxsize=4)
def _keywords(directory: Path) -> dict[str, Keyword]:
    """Every pack's keywords, normalised (the pack loader refuses a word in two packs)."""
    found: dict[str, Keyword] = {}
    for pack in load_packs(directory):
        for action, words in (pack.section("sms").get("keywords") or {}).items():
            for word in words or []:
                found[normalize(str(word))] = Keyword(Action(action), pack.code)
    return found


def keywords() -> dict[str, Keyword]:
    """The installed packs' keywords: normalised word → keyword."""
    return _keywords(packs_dir())


def is_twilio_default(text: str) -> bool:
    """Whether a whole message is one of :data:`TWILIO_DEFAULT_KEYWORDS`."""
    return normalize(text) in TWILIO_DEFAULT_KEYWORDS


def classify(text: str) -> Keyword | None:
    """The keyword a whole message is, if any.

    Args:
        text: the message body.

    Returns:
        The keyword, or None for an ordinary message.
    """
    return keywords().get(normalize(text))
