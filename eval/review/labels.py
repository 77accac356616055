"""Plain-language names of intents, slots and languages, in the reviewer's language.

Staff read "Pothole" rather than ``report_pothole``; the code name is shown only under
"technical details". The names are the ``review`` section of each language pack's ``ui.yml``;
a pack may leave some out (the default language's name is used), and an intent missing
everywhere gets a name made from its code name ("report_water_waste" → "Report water waste"),
so a new intent never breaks the page.
"""

from __future__ import annotations

from bot.languages import codes, default_language, get_pack
from bot.text import accept_language

__all__ = ["intent_label", "language_name", "slot_label", "ui_language"]


def ui_language(accept_language_header: str | None) -> str:
    """The packs' language an ``Accept-Language`` header prefers (the default otherwise)."""
    return accept_language(accept_language_header, codes()) or default_language()


def _pick(table: str, key: str, language: str) -> str:
    for code in (language, default_language()):
        names = get_pack(code).ui_section("review").get(table) or {}
        if key in names:
            return str(names[key])
    return key.replace("_", " ").strip().capitalize()


def intent_label(intent: str | None, language: str | None = None) -> str:
    """"Pothole" for ``report_pothole``."""
    if not intent:
        return "–"
    return _pick("intents", intent, language or default_language())


def slot_label(slot: str, language: str | None = None) -> str:
    """"Address or cross streets" for ``address``."""
    return _pick("slots", slot, language or default_language())


def language_name(code: str | None, language: str | None = None) -> str:
    """"Spanish" for ``es`` (in English; the pack's own name when no pack names it)."""
    if not code:
        return "–"
    for ui in (language or default_language(), default_language()):
        names = get_pack(ui).ui_section("review").get("language_names") or {}
        if code in names:
            return str(names[code])
    return get_pack(code).name if code in codes() else code.capitalize()
