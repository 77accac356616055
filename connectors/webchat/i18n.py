"""The page's and the widget's texts in every language, and the choice of the first language.

The texts are the ``web`` sections of the language packs (``bot/languages/<code>/ui.yml``). One
table serves both sides: the server renders the page in the negotiated language and embeds the
whole table (as JSON data, not script) so the widget can switch language without a reload.
"""

from __future__ import annotations

from bot.languages import codes, default_language, load_packs
from bot.text import accept_language

from .transcript import Language

__all__ = ["languages", "negotiate_language", "strings"]


def strings() -> dict[Language, dict[str, str]]:
    """Every pack's ``web`` texts: ``{code: {key: text}}``, in menu order."""
    return {
        pack.code: {str(key): str(text) for key, text in pack.ui_section("web").items()}
        for pack in load_packs()
    }


def languages() -> list[dict[str, str]]:
    """The language menu: each pack's code and the name it gives itself, in menu order."""
    return [{"code": pack.code, "name": pack.name} for pack in load_packs()]


def negotiate_language(explicit: str | None, accept_language_header: str | None) -> Language:
    """The language the page is first shown in.

    Args:
        explicit: The ``lang`` query parameter, if any (a pack's code).
        accept_language_header: The browser's ``Accept-Language`` header.

    Returns:
        ``explicit`` when it is a pack's language, else the packs' language the browser
        prefers most, else the default language.
    """
    supported = codes()
    if explicit in supported:
        return str(explicit)
    return accept_language(accept_language_header, supported) or default_language()
