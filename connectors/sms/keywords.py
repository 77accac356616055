"""Carrier keywords: opt-out, opt-in and help, in English and Spanish.

A keyword is the whole message: trimmed, case-insensitive and accent-insensitive ("Stop",
" stop. ", "AYÚDA" match; "please stop" does not), as Twilio's and the carriers' keyword
handling does. Surrounding punctuation is ignored, so "Stop!" opts out: honouring an opt-out
too readily is the safe side.

English opt-out words are Twilio's defaults for long codes (STOP, STOPALL, UNSUBSCRIBE, CANCEL,
END, QUIT, and the newer REVOKE and OPTOUT; "Advanced Opt-Out" tutorial); Spanish adds the
words carriers use: PARA, ALTO and CANCELAR. Opt-in is START or UNSTOP only: Twilio also
accepts YES, but "yes" is an ordinary answer to the assistant's questions. No Spanish opt-in
word is used by Twilio, so none is added.

:data:`TWILIO_DEFAULT_KEYWORDS` are the words Twilio answers itself on every long code and
toll-free number, whatever the account's settings: the SMS handler never answers those a
second time (see :mod:`connectors.sms.handler`).
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from typing import Literal

Language = Literal["en", "es"]


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


_KEYWORDS: dict[str, Keyword] = {
    **{
        word: Keyword(Action.OPT_OUT, "en")
        for word in ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")
    },
    **{word: Keyword(Action.OPT_OUT, "es") for word in ("PARA", "ALTO", "CANCELAR")},
    "START": Keyword(Action.OPT_IN, "en"),
    "UNSTOP": Keyword(Action.OPT_IN, "en"),
    "HELP": Keyword(Action.HELP, "en"),
    "INFO": Keyword(Action.HELP, "en"),
    "AYUDA": Keyword(Action.HELP, "es"),
}

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
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.split()).strip(_PUNCTUATION + " ").upper()


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
    return _KEYWORDS.get(normalize(text))
