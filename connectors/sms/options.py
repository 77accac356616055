"""Buttons as numbered options: "1) Yes / 2) No" out, "2" back in as the button's payload.

SMS has no buttons. The assistant's buttons become numbered lines under the text, the list
is stored per phone number, and a reply that is just one of the numbers ("2", "2.", "2)",
" 2 ") is sent to Rasa as that button's payload. Anything else passes through as text.
Buttons that only open a link (no payload) are listed as "Title: URL", without a number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_CHOICE = re.compile(r"^\s*#?(\d{1,2})\s*[.)]?\s*$")


@dataclass(frozen=True)
class Option:
    """One numbered choice.

    Attributes:
        title: what the resident reads.
        payload: what Rasa receives when it is chosen (e.g. "/affirm").
    """

    title: str
    payload: str


@dataclass(frozen=True)
class LinkButton:
    """A button that only opens a URL."""

    title: str
    url: str


def parse_buttons(buttons: Iterable[Mapping[str, Any]]) -> tuple[list[Option], list[LinkButton]]:
    """Split Rasa button dicts into choices (with a payload) and links (with a url only).

    Args:
        buttons: Rasa's buttons, each ``{"title": ..., "payload": ...}`` or with ``"url"``.

    Returns:
        The options and the link buttons, in their original order.
    """
    options: list[Option] = []
    links: list[LinkButton] = []
    for button in buttons:
        title = str(button.get("title") or "").strip()
        payload = button.get("payload")
        url = button.get("url")
        if payload:
            options.append(Option(title or str(payload), str(payload)))
        elif url:
            links.append(LinkButton(title, str(url)))
    return options, links


def render_options(options: Sequence[Option], start: int = 1) -> str:
    """Numbered lines for a list of options: "1) Yes", "2) No", one per line.

    Args:
        options: the choices.
        start: the first number (continues the count across messages of one reply).

    Returns:
        The lines, or "" when there are no options.
    """
    return "\n".join(f"{number}) {option.title}" for number, option in enumerate(options, start))


def render_links(links: Sequence[LinkButton]) -> str:
    """One "Title: URL" line per link button.

    Args:
        links: the link buttons.

    Returns:
        The lines, or "" when there are none.
    """
    return "\n".join(f"{link.title}: {link.url}" if link.title else link.url for link in links)


def match_option(reply: str, options: Sequence[Option]) -> str | None:
    """The payload of the option a reply chooses by number.

    Args:
        reply: the resident's message.
        options: the options last sent to that resident, in numbered order.

    Returns:
        The chosen payload, or None when the reply is not one of the numbers.
    """
    match = _CHOICE.match(reply)
    if not match:
        return None
    index = int(match.group(1)) - 1
    if 0 <= index < len(options):
        return options[index].payload
    return None
