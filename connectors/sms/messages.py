"""Replies the SMS channel sends on its own, without asking the assistant.

Everything else the resident reads comes from the domain's responses. These few are answered
before Rasa is called (carrier keywords, empty or oversized messages, an unavailable
assistant), so they are the ``sms`` section of each language pack's ``ui.yml``.

Whether a reply is GSM-7 (160 characters a segment) or UCS-2 (70) follows from its text
(:mod:`connectors.sms.segments`). The Spanish wording avoids á, í, ó and ú where natural Spanish
allows it: those letters are not in GSM-7. Each reply is one segment except the Spanish help:
its "más" (kept as the program's terms word it) makes it UCS-2, two segments.
"""

from __future__ import annotations

from typing import Literal

from bot.languages import default_language, load_packs, ui_text

from .keywords import Language

MessageKey = Literal[
    "opt_out", "opt_in", "help", "empty", "too_long", "unavailable", "slow", "rate_limited"
]
MESSAGE_KEYS: tuple[MessageKey, ...] = (
    "opt_out", "opt_in", "help", "empty", "too_long", "unavailable", "slow", "rate_limited"
)


_CATALOG = MESSAGE_KEYS
"""The replies' keys; the texts are the packs' (``ui_text(language, "sms", key)``)."""


def program_name(language: Language) -> str:
    """How the program introduces itself in ``language`` ("LA 311 Assistant")."""
    return ui_text(language, "sms", "program_name")


def message(key: MessageKey, language: Language) -> str:
    """One reply in one language.

    Args:
        key: which reply.
        language: a pack's code (the default language's reply for an unknown one).

    Returns:
        The reply text.
    """
    return ui_text(language, "sms", key)


def notice_languages() -> list[Language]:
    """The languages a reply goes out in when the resident's is not known.

    The packs with ``sms.notices: true``, in menu order (the default language when none says
    so).
    """
    chosen = [p.code for p in load_packs() if p.section("sms").get("notices") is True]
    return chosen or [default_language()]


def bilingual(key: MessageKey) -> str:
    """A reply in each notice language, for when the resident's language is not known.

    Each language after the first drops the program name, which the first already gave.

    Args:
        key: which reply.

    Returns:
        The replies, one per line (English then Spanish with the packs of this repository).
    """
    lines: list[str] = []
    for position, language in enumerate(notice_languages()):
        text = message(key, language)
        if position:
            text = text.removeprefix(program_name(language) + ": ")
        lines.append(text)
    return "\n".join(lines)
