"""Pure functions turning Rasa's JSON into what the widget renders: text and buttons, no markup.

Everything that reaches the browser is plain text; the widget builds the DOM with
``textContent`` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypedDict

from bot.languages import codes

__all__ = [
    "HISTORY_LIMIT",
    "BotMessage",
    "Button",
    "Entry",
    "Language",
    "bot_messages",
    "conversation_language",
    "transcript",
]

HISTORY_LIMIT = 200
"""At most this many of the latest messages are sent back to the browser."""

Language = str
"""A language pack's code."""

_HIDDEN_USER_PREFIXES = ("/set_language",)
SHARE_LOCATION_PAYLOAD = "/share_location"
"""Messages the widget sends on the resident's behalf without showing them (the language switch)."""


class Button(TypedDict):
    """A quick reply: what the resident sees and what is sent when it is chosen."""

    title: str
    payload: str


class BotMessage(TypedDict):
    """One message of the assistant."""

    text: str
    buttons: list[Button]


class Entry(TypedDict):
    """One message of a conversation's history."""

    role: Literal["user", "bot"]
    text: str
    buttons: list[Button]


def _buttons(raw: Any) -> list[Button]:
    if not isinstance(raw, list):
        return []
    buttons: list[Button] = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        title, payload = item.get("title"), item.get("payload")
        if isinstance(title, str) and isinstance(payload, str) and title and payload:
            buttons.append({"title": title, "payload": payload})
    return buttons


def bot_messages(raw: Any) -> list[BotMessage]:
    """Reduces the REST channel's reply to text and buttons.

    Args:
        raw: The decoded JSON reply of ``/webhooks/rest/webhook`` (a list of messages).

    Returns:
        The messages with a text or buttons; images, custom payloads and junk are dropped.
    """
    if not isinstance(raw, list):
        return []
    messages: list[BotMessage] = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        text = item.get("text")
        text = text if isinstance(text, str) else ""
        buttons = _buttons(item.get("buttons"))
        if text or buttons:
            messages.append({"text": text, "buttons": buttons})
    return messages


def _events(tracker: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    events = tracker.get("events")
    if not isinstance(events, list):
        return []
    return (event for event in events if isinstance(event, Mapping))


def transcript(tracker: Mapping[str, Any], limit: int = HISTORY_LIMIT) -> list[Entry]:
    """The conversation so far, as the resident saw it.

    A button payload the resident sent (``/affirm``, ``wall``) is shown with the title of the
    button that carried it ("Yes", "Wall"); the language switch is not shown.

    Args:
        tracker: Rasa's tracker JSON with its events.
        limit: How many of the latest messages to keep.

    Returns:
        User and bot messages in order.
    """
    entries: list[Entry] = []
    offered: dict[str, str] = {}
    for event in _events(tracker):
        kind = event.get("event")
        if kind == "bot":
            text = event.get("text")
            data = event.get("data")
            buttons = _buttons(data.get("buttons") if isinstance(data, Mapping) else None)
            text = text if isinstance(text, str) else ""
            if text or buttons:
                entries.append({"role": "bot", "text": text, "buttons": buttons})
                if buttons:
                    offered = {button["payload"]: button["title"] for button in buttons}
        elif kind == "user":
            text = event.get("text")
            if not isinstance(text, str) or not text:
                continue
            shown = offered.get(text, text)
            if shown == SHARE_LOCATION_PAYLOAD:
                shown = "📍"  # the widget's "Use my location": the point itself is not shown
            offered = {}
            if shown.startswith(_HIDDEN_USER_PREFIXES):
                continue
            entries.append({"role": "user", "text": shown, "buttons": []})
    return entries[-limit:]


def conversation_language(tracker: Mapping[str, Any]) -> Language | None:
    """The conversation's ``language`` slot, if it is one of the packs' languages."""
    slots = tracker.get("slots")
    if not isinstance(slots, Mapping):
        return None
    value = slots.get("language")
    return value if isinstance(value, str) and value in codes() else None
