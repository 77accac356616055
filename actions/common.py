"""Helpers shared by the actions: the conversation's language and resident text clean-up."""

from __future__ import annotations

import html
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.types import DomainDict

from bot.languages import supported
from bot.text import clean_text

_TAG_RE = re.compile(r"<[^>]*>")
_SCRIPT_RE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def language(tracker: Tracker) -> str:
    """The conversation's language: a pack's code (the default language when unset)."""
    return supported(tracker.get_slot("language"))


def plain_text(value: Any, max_chars: int | None = None) -> str:
    """Resident text made safe to store and show anywhere.

    Drops ``<script>``/``<style>`` blocks and every other tag, decodes entities the resident
    typed (``&amp;`` becomes ``&``), removes control characters and folds white space. What is
    left is plain text: nothing in it is markup.
    """
    text = _SCRIPT_RE.sub(" ", str(value or ""))
    text = _TAG_RE.sub(" ", text)
    text = html.unescape(text)
    text = _TAG_RE.sub(" ", text)  # tags that were entity-encoded
    text = re.sub(r"[ \t]+", " ", clean_text(text))
    return text[:max_chars] if max_chars else text


def latest_entity_record(tracker: Tracker, name: str) -> dict[str, Any] | None:
    """The first entity ``name`` (with a value) in the resident's latest message, whole."""
    for entity in tracker.latest_message.get("entities", []) or []:
        if entity.get("entity") == name and entity.get("value"):
            return dict(entity)
    return None


def latest_entity(tracker: Tracker, name: str) -> str | None:
    """The value of entity ``name`` in the resident's latest message, if any."""
    entity = latest_entity_record(tracker, name)
    return str(entity["value"]) if entity else None


def latest_intent(tracker: Tracker) -> str | None:
    """The intent of the resident's latest message."""
    intent = tracker.latest_message.get("intent") or {}
    name = intent.get("name")
    return str(name) if name else None


def render(domain: DomainDict, name: str, lang: str, **values: Any) -> str:
    """The text of a domain response in the resident's language, with ``values`` filled in.

    Used for the short labels a slot shows in another response ("Council District 14" /
    "Distrito 14 del Concejo"), so no user-facing word lives in Python.
    """
    variants = (domain.get("responses") or {}).get(name) or []
    chosen = None
    for variant in variants:
        conditions = variant.get("condition") or []
        wanted = {c.get("name"): c.get("value") for c in conditions}
        if wanted.get("language") == lang or (not conditions and chosen is None):
            chosen = variant
            if wanted.get("language") == lang:
                break
    if chosen is None:
        return ""
    text = str(chosen.get("text", ""))
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), "")), text)
