"""Hostile text stays text, limits hold, and a lost connection is survived without losing words."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Service, Stack, free_port
from tests.webchat.conftest import base_url, webchat_service
from tests.webchat.widget import Widget

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.slow]

HOSTILE = (
    "Look <img src=x onerror=alert(1)> and <script>alert(2)</script>\n"
    "click javascript:alert(1) or JAVASCRIPT:alert(1) or data:text/html,<b>hi</b>\n"
    "Details: https://www.lacity.gov/myla311?a=1&b=2. (see http://example.com/wiki/A_(b))."
)
SAFE_LINKS = ["https://www.lacity.gov/myla311?a=1&b=2", "http://example.com/wiki/A_(b)"]


def fulfil_json(status: int, body: Any) -> Any:
    def handler(route: Any) -> None:
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body))

    return handler


def test_markup_from_the_bot_or_the_resident_is_shown_as_text(
    webchat: Service, new_widget: Any
) -> None:
    history = {
        "language": "en",
        "messages": [
            {"role": "user", "text": "<img src=x onerror=alert(1)>", "buttons": []},
            {"role": "bot", "text": HOSTILE,
             "buttons": [{"title": "<b>Yes</b>", "payload": "/affirm"}]},
        ],
    }
    reply = {"language": "en", "messages": [{"text": HOSTILE, "buttons": []}]}
    widget: Widget = new_widget(
        base_url(webchat),
        routes={"**/api/history?*": fulfil_json(200, history),
                "**/api/chat": fulfil_json(200, reply)},
    )
    page = widget.page
    assert widget.quick_replies() == ["<b>Yes</b>"]

    page.focus("#webchat-input")
    widget.say('<svg onload=alert(3)><a href="javascript:alert(4)">x</a>')

    created = page.locator(
        "#webchat img, #webchat script, #webchat svg, #webchat b,"
        " #webchat-log a[href^='javascript'], #webchat-log a[href^='JAVASCRIPT'],"
        " #webchat-log a[href^='data']"
    )
    assert created.count() == 0
    texts = widget.texts()
    assert texts[0] == "<img src=x onerror=alert(1)>"
    assert texts[-2] == '<svg onload=alert(3)><a href="javascript:alert(4)">x</a>'
    assert "<script>alert(2)</script>" in texts[1] and "javascript:alert(1)" in texts[1]
    links = page.eval_on_selector_all(
        "#webchat-log a", "nodes => nodes.map(n => [n.href, n.rel, n.target, n.protocol])"
    )
    assert [link[0] for link in links] == SAFE_LINKS * 2
    assert all(link[1:] == ["noopener noreferrer", "_blank"] + [link[3]] for link in links)
    assert {link[3] for link in links} == {"https:", "http:"}
    bot_text = page.locator(".msg--bot .msg__text").first
    assert bot_text.evaluate("n => getComputedStyle(n).whiteSpace") == "pre-wrap"
    assert bot_text.evaluate("n => n.getClientRects()[0].height") > 60, "3 lines, not 1"
    page.wait_for_timeout(300)
    assert widget.dialogs == []
    assert widget.errors == []


def test_empty_messages_are_not_sent_and_a_counter_appears_near_the_limit(
    webchat: Service, new_widget: Any
) -> None:
    widget: Widget = new_widget(base_url(webchat))
    page = widget.page
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.url) if r.url.endswith("/api/chat") else None)
    page.focus("#webchat-input")

    page.keyboard.press("Enter")
    page.keyboard.type("   ")
    page.keyboard.press("Enter")
    assert widget.status() == "Please type a message first."
    assert widget.texts() == [] and posted == []

    page.fill("#webchat-input", "")
    page.keyboard.insert_text("a" * 1700)
    assert page.is_hidden("#webchat-counter")
    page.keyboard.insert_text("b" * 150)
    assert page.text_content("#webchat-counter") == "150 characters left"
    assert "webchat-counter" in (page.get_attribute("#webchat-input", "aria-describedby") or "")
    page.keyboard.insert_text("c" * 500)
    assert page.evaluate("() => document.getElementById('webchat-input').value.length") == 2000
    assert page.text_content("#webchat-counter") == "0 characters left"


def test_the_assistants_refusal_is_shown_in_the_residents_language_and_the_text_kept(
    webchat: Service, new_widget: Any
) -> None:
    refusal = {"error": "message_too_long",
               "message": {"en": "The message is too long.", "es": "El mensaje es muy largo."}}
    widget: Widget = new_widget(base_url(webchat) + "/?lang=es")
    widget.page.route("**/api/chat", fulfil_json(413, refusal))
    widget.page.focus("#webchat-input")
    widget.page.keyboard.type("hola")
    widget.page.keyboard.press("Enter")
    widget.page.wait_for_function("() => document.getElementById('webchat-status').textContent")
    assert widget.status() == "El mensaje es muy largo."
    assert widget.page.input_value("#webchat-input") == "hola"
    assert widget.texts() == []


def test_the_real_assistants_4xx_passes_through_the_proxy(
    rasa_stack: Stack, webchat: Service
) -> None:
    reply = httpx.post(
        base_url(webchat) + "/api/chat",
        json={"sender": "w-limit-check", "message": "x" * 2500, "locale": "en"},
        timeout=30,
    )
    assert reply.status_code == 413
    assert reply.json()["error"] == "message_too_long"
    assert reply.json()["message"]["es"]


def test_a_slow_history_does_not_wipe_a_message_sent_meanwhile(
    webchat: Service, chromium: Any
) -> None:
    """The page asks for the conversation so far; the resident sends before it arrives."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    held: dict[str, list[Any]] = {"history": [], "chat": []}

    def hold_first(kind: str) -> Any:
        def handler(route: Any) -> None:
            if held[kind]:
                route.continue_()
            else:
                held[kind].append(route)

        return handler

    def wait_held(kind: str) -> Any:
        while not held[kind]:
            page.wait_for_timeout(20)
        return held[kind][0]

    try:
        page = context.new_page()
        page.route("**/api/history*", hold_first("history"))
        page.route("**/api/chat", hold_first("chat"))
        widget = Widget(page, base_url(webchat))
        page.goto(widget.url)
        history = wait_held("history")
        stale = history.fetch()  # the conversation as it is now: empty

        page.focus("#webchat-input")
        page.keyboard.type("hello")
        page.keyboard.press("Enter")
        chat = wait_held("chat")  # "hello" is on screen, on its way to the assistant
        assert widget.texts() == ["hello"]

        history.fulfill(response=stale)  # the old, empty history arrives now
        widget.wait_ready()
        assert widget.texts() == ["hello"]

        chat.continue_()
        reply = widget.wait_reply(0)
        assert "City of Los Angeles 311 assistant" in reply[-1]
        page.wait_for_load_state("networkidle")
        assert widget.texts() == ["hello", *reply]
        assert widget.errors == []
    finally:
        context.close()


def test_lost_connection_shows_reconnecting_keeps_the_message_and_recovers(
    rasa_stack: Stack, new_widget: Any, tmp_path: Path, screenshots: Path
) -> None:
    port = free_port()
    dead = f"http://127.0.0.1:{free_port()}"
    app = webchat_service(dead, rasa_stack.token, tmp_path / "webchat.log", port)
    app.start()  # the page is served, but the assistant behind it is down
    try:
        widget: Widget = new_widget(base_url(app))
        page = widget.page
        status = page.get_by_role("status")
        status.filter(has_text="Reconnecting…").wait_for(timeout=5000)
        assert page.get_attribute("#webchat", "data-connection") == "offline"

        page.focus("#webchat-input")
        page.keyboard.type("hello")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.getElementById('webchat').dataset.busy === 'false'")
        status.filter(has_text="Your message was not sent").wait_for(timeout=5000)
        assert page.input_value("#webchat-input") == "hello"
        assert widget.texts() == []
        page.screenshot(path=str(screenshots / "webchat-en-reconnecting.png"))

        # The assistant comes back behind the same address: the widget notices by itself.
        app.stop()
        app = webchat_service(rasa_stack.rasa_url, rasa_stack.token, tmp_path / "w.log", port,
                              rest_token=rasa_stack.rest_tokens["web"])
        app.start()
        status.filter(has_text="Connected again").wait_for(timeout=15_000)
        assert widget.focused()["id"] == "webchat-input"
        before = widget.bot_count()
        page.keyboard.press("Enter")
        assert "City of Los Angeles 311 assistant" in widget.wait_reply(before)[-1]
        assert widget.status() == ""

        # Now the web chat server itself goes away mid-conversation.
        shown = widget.texts()
        app.stop()
        page.keyboard.type("hola, ¿qué puedes hacer?")
        page.keyboard.press("Enter")
        status.filter(has_text="Reconnecting…").wait_for(timeout=5000)
        assert page.input_value("#webchat-input") == "hola, ¿qué puedes hacer?"
        assert widget.texts() == shown
        app.start()
        status.filter(has_text="Connected again").wait_for(timeout=15_000)
        assert widget.texts() == shown

        page.reload()  # the unsent message even survives a reload
        widget.wait_ready()
        assert widget.texts() == shown
        assert page.input_value("#webchat-input") == "hola, ¿qué puedes hacer?"
        page.focus("#webchat-input")
        before = widget.bot_count()
        page.keyboard.press("Enter")
        assert "Puedo" in widget.wait_reply(before)[-1]
        assert page.input_value("#webchat-input") == ""
    finally:
        app.stop()
    assert widget.dialogs == []
