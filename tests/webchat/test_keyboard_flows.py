"""A resident files a request by keyboard alone, in English and in Spanish, in a real browser."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Service, Stack
from tests.webchat.conftest import base_url
from tests.webchat.widget import REQUEST_NUMBER, Widget

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.slow]


def backend_request(stack: Stack, number: str) -> dict[str, Any]:
    """The request the Open311 backend holds under this number (waits for the outbox)."""
    deadline = time.monotonic() + 15
    while True:
        for item in stack.requests_on_backend():
            if item["service_request_id"] == number:
                return item
        assert time.monotonic() < deadline, f"{number} never reached the backend"
        time.sleep(0.5)


def start_by_keyboard(widget: Widget) -> None:
    """Tab to the skip link, follow it: the message box has the focus."""
    assert "skip-link" in widget.tab()["cls"]
    widget.page.keyboard.press("Enter")
    assert widget.focused()["id"] == "webchat-input"


def no_horizontal_scroll(widget: Widget) -> bool:
    overflow: bool = widget.page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    return overflow


def save_screenshots(widget: Widget, folder: Path, name: str) -> None:
    """Desktop and 360 px phone screenshots of the conversation as it stands."""
    widget.page.screenshot(path=str(folder / f"webchat-{name}-desktop.png"), full_page=True)
    widget.page.set_viewport_size({"width": 360, "height": 780})
    assert no_horizontal_scroll(widget)
    widget.page.screenshot(path=str(folder / f"webchat-{name}-phone.png"), full_page=True)


def test_resident_files_a_graffiti_request_in_english_by_keyboard_alone(
    rasa_stack: Stack, webchat: Service, new_widget: Any, screenshots: Path
) -> None:
    widget = new_widget(base_url(webchat))
    start_by_keyboard(widget)

    assert "City of Los Angeles 311 assistant" in widget.say("hello")[-1]
    asked = widget.say("there is graffiti at 200 N Spring St")
    assert asked[-1] == "Where is the graffiti painted?"
    assert widget.quick_replies() == ["Wall", "Fence", "Sign", "Sidewalk", "Pole", "Other"]

    # Tab: Send, then the first quick reply; Enter chooses it and shows its title as said.
    assert widget.tab()["id"] == "webchat-send"
    assert widget.focused()["id"] == "webchat-send"
    asked = widget.choose("Wall")
    assert widget.texts("user")[-1] == "Wall"
    assert widget.focused()["id"] == "webchat-input", "focus goes back to the message box"
    assert widget.quick_replies() == []
    assert "describe the problem" in asked[-1]

    assert "phone number or email" in widget.say("skip")[-1]
    summary = widget.say("skip")[-1]
    assert "Please check your request" in summary and "200 N Spring St" in summary
    assert "Graffiti" in summary and "Shall I file it?" in summary
    assert widget.quick_replies() == ["Yes", "No"]

    done = widget.choose("Yes")[-1]
    assert widget.texts("user")[-1] == "Yes"
    match = REQUEST_NUMBER.search(done)
    assert match and "Your request number is" in done, done
    number = match.group()
    assert number in widget.page.inner_text("#webchat-log")
    filed = backend_request(rasa_stack, number)
    assert filed["service_code"] == "graffiti-removal"
    assert filed["address"].startswith("200 N Spring St")
    assert widget.lang() == "en|en"

    save_screenshots(widget, screenshots, "en")
    assert widget.dialogs == [] and widget.errors == []


def test_resident_files_a_pothole_request_in_spanish_by_keyboard_alone(
    rasa_stack: Stack, webchat: Service, new_widget: Any, screenshots: Path
) -> None:
    widget = new_widget(base_url(webchat))  # the browser asks for English
    assert widget.lang() == "en|en"
    start_by_keyboard(widget)

    assert "Soy el asistente 311" in widget.say("hola")[-1]
    # The widget follows the conversation into Spanish: lang attributes and its own texts.
    assert widget.lang() == "es|es"
    assert widget.page.text_content("#webchat-send") == "Enviar"
    assert widget.page.get_by_role("textbox", name="Su mensaje").is_visible()
    assert widget.page.text_content(".skip-link") == "Ir al chat"

    assert "Describa el problema" in widget.say("hay un bache enorme en 3600 W 6th St")[-1]
    assert "teléfono o correo" in widget.say("saltar")[-1]
    summary = widget.say("saltar")[-1]
    assert "Revise su solicitud" in summary and "3600 W 6th St" in summary
    assert widget.quick_replies() == ["Sí", "No"]

    done = widget.say("sí")[-1]
    match = REQUEST_NUMBER.search(done)
    assert match and "Su número de solicitud es" in done, done
    number = match.group()
    assert number in widget.page.inner_text("#webchat-log")
    filed = backend_request(rasa_stack, number)
    assert filed["service_code"] == "pothole"
    assert filed["address"].startswith("3600 W 6th St")

    save_screenshots(widget, screenshots, "es")
    assert widget.dialogs == [] and widget.errors == []


def test_language_switch_is_reachable_by_keyboard_and_tells_the_assistant(
    webchat: Service, new_widget: Any
) -> None:
    widget = new_widget(base_url(webchat))
    start_by_keyboard(widget)
    widget.say("hello")

    widget.tab_until("Español")
    before = widget.bot_count()
    widget.page.keyboard.press("Enter")
    assert widget.wait_reply(before)[-1] == "Está bien, seguiré en español."
    assert widget.lang() == "es|es"
    assert widget.page.get_attribute('[data-lang="es"]', "aria-pressed") == "true"
    assert widget.page.text_content("#webchat-send") == "Enviar"
    assert widget.texts("user") == ["hello"], "the switch is not shown as a message"

    assert widget.tab(shift=True)["text"] == "English"
    before = widget.bot_count()
    widget.page.keyboard.press("Enter")
    assert widget.wait_reply(before)[-1] == "OK, I'll continue in English."
    assert widget.lang() == "en|en"
    assert widget.page.get_attribute('[data-lang="en"]', "aria-pressed") == "true"


def test_reload_keeps_the_conversation_and_its_quick_replies(
    webchat: Service, new_widget: Any
) -> None:
    widget = new_widget(base_url(webchat))
    start_by_keyboard(widget)
    widget.say("hola")
    widget.say("hay grafiti en 200 N Spring St")
    shown = widget.texts()
    offered = widget.quick_replies()
    assert offered[:2] == ["Pared", "Cerca"]

    widget.reload()
    assert widget.texts() == shown
    assert widget.quick_replies() == offered
    assert widget.lang() == "es|es"

    start_by_keyboard(widget)
    widget.choose("Cerca")
    widget.reload()
    assert widget.texts("user")[-1] == "Cerca", "a chosen button shows its title after reload"
    assert "Describa el problema" in widget.texts("bot")[-1]
