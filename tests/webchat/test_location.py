""""Use my location" in a real Chromium: the permission granted, and refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Service, Stack
from tests.webchat.conftest import base_url
from tests.webchat.widget import Widget

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.slow]

CITY_HALL = {"latitude": 34.0537, "longitude": -118.2428, "accuracy": 15}


def start_request(widget: Widget, text: str, question: str) -> None:
    widget.page.focus("#webchat-input")
    assert widget.say(text)[-1].startswith(question)


def use_my_location(widget: Widget, label: str) -> None:
    """From the message box, tabs to the button and presses Enter, as a keyboard user would."""
    widget.tab_until(label, limit=15)
    widget.page.keyboard.press("Enter")


def test_location_granted_is_sent_and_used(
    rasa_stack: Stack, webchat: Service, new_widget: Any
) -> None:
    widget = new_widget(base_url(webchat), geolocation=CITY_HALL, permissions=["geolocation"])
    start_request(widget, "I need a pothole fixed", "Where is it?")
    before = widget.bot_count()
    use_my_location(widget, "Use my location")
    replies = widget.wait_reply(before)
    assert any("describe the problem" in reply for reply in replies), replies
    assert widget.texts("user")[-1] == "My location"
    sender = widget.page.evaluate("() => localStorage.getItem('myla311.webchat.sender')")
    slots = rasa_stack.tracker(sender)["slots"]
    assert (slots["location_lat"], slots["location_lon"]) == (34.0537, -118.2428)
    assert "Council District 14" in slots["address"]
    assert widget.errors == []


def test_location_refused_is_explained_and_nothing_is_sent(
    rasa_stack: Stack, webchat: Service, new_widget: Any
) -> None:
    widget = new_widget(base_url(webchat) + "/?lang=es", locale="es-MX")
    start_request(widget, "hay un bache enorme en mi calle", "¿Dónde está?")
    users_before = len(widget.texts("user"))
    use_my_location(widget, "Usar mi ubicación")
    widget.page.wait_for_function(
        "() => document.getElementById('webchat-status').dataset.kind === 'error'"
    )
    assert widget.status().startswith("No se permitió el acceso a la ubicación")
    assert "Escriba la dirección" in widget.status()
    assert len(widget.texts("user")) == users_before  # nothing was sent
    assert widget.focused()["id"] == "webchat-input"  # ready to type the address instead
    assert widget.say("esquina de Whittier y Soto")[-1].startswith("Describa el problema")
