"""The dialogue core through the real REST channel: language, basics, handoff, bad input."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Stack, new_sender

pytestmark = pytest.mark.integration


def test_hola_is_answered_in_spanish_and_hello_in_english(rasa_stack: Stack) -> None:
    spanish = rasa_stack.texts(new_sender(), "hola")
    english = rasa_stack.texts(new_sender(), "hello")
    assert "Soy el asistente 311" in spanish
    assert "I'm the City of Los Angeles 311 assistant" in english


def test_short_ambiguous_message_keeps_the_conversation_language(rasa_stack: Stack) -> None:
    sender = new_sender()
    rasa_stack.texts(sender, "hola, buenos días")
    reply = rasa_stack.texts(sender, "ok")
    assert "Está bien" in reply
    tracker = rasa_stack.tracker(sender)
    assert tracker["slots"]["language"] == "es"


def test_a_short_reply_in_spanish_does_not_flip_an_english_conversation(
    rasa_stack: Stack,
) -> None:
    sender = new_sender()
    rasa_stack.texts(sender, "hi there, I have a question")
    assert "OK" in rasa_stack.texts(sender, "ya")
    assert rasa_stack.tracker(sender)["slots"]["language"] == "en"


def test_an_explicit_choice_holds_until_the_resident_changes_it(rasa_stack: Stack) -> None:
    sender = new_sender()
    assert "español" in rasa_stack.texts(sender, '/set_language{"language":"es"}')
    assert "Soy el asistente" in rasa_stack.texts(sender, "hi")  # typing "hi" keeps Spanish
    assert "I can:" not in rasa_stack.texts(sender, "what can you do for me today?")
    assert "English" in rasa_stack.texts(sender, "English please")
    assert "I'm the City of Los Angeles" in rasa_stack.texts(sender, "hola")


def test_resident_who_switches_language_is_answered_in_the_new_one(rasa_stack: Stack) -> None:
    sender = new_sender()
    assert "asistente" in rasa_stack.texts(sender, "hola")
    reply = rasa_stack.texts(sender, "what can you do?")
    assert "I can:" in reply


def test_handoff_gives_the_311_numbers_and_flags_the_conversation(rasa_stack: Stack) -> None:
    sender = new_sender()
    reply = rasa_stack.texts(sender, "quiero hablar con una persona")
    assert "3-1-1" in reply and "(213) 473-3231" in reply and "lunes a viernes" in reply
    assert rasa_stack.tracker(sender)["slots"]["handoff_requested"] is True


def test_out_of_scope_is_declined_politely(rasa_stack: Stack) -> None:
    reply = rasa_stack.texts(new_sender(), "tell me a joke about cats")
    assert "can't help with that" in reply


def test_bot_challenge_says_it_is_a_virtual_assistant(rasa_stack: Stack) -> None:
    assert "virtual" in rasa_stack.texts(new_sender(), "am I talking to a robot?")


def _post(stack: Stack, body: bytes, content_type: str = "application/json") -> httpx.Response:
    return httpx.post(
        f"{stack.public_url}/webhooks/rest/webhook",
        content=body,
        headers={"Content-Type": content_type, **stack.rest_auth()},
        timeout=60,
    )


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"sender": "bad-1", "message": ""}', 400, "empty_message"),
        (b'{"sender": "bad-1", "message": "   "}', 400, "empty_message"),
        (b'{"sender": "bad-1", "message": "' + b"a" * 10_000 + b'"}', 413, "message_too_long"),
        (b'{"sender": "bad-1", "message": "\xff\xfe hola"}', 400, "invalid_utf8"),
        (b'{"sender": "bad-1", "message": ', 400, "malformed_json"),
        (b"[1, 2, 3]", 400, "not_an_object"),
        (b'{"message": "hello"}', 400, "invalid_sender"),
    ],
)
def test_bad_input_gets_a_clear_4xx_with_both_languages(
    rasa_stack: Stack, body: bytes, status: int, code: str
) -> None:
    reply = _post(rasa_stack, body)
    assert reply.status_code == status
    payload = reply.json()
    assert payload["error"] == code
    assert payload["message"]["en"] and payload["message"]["es"]


def test_emoji_only_gets_a_reply_and_the_conversation_continues(rasa_stack: Stack) -> None:
    sender = new_sender()
    reply = rasa_stack.chat(sender, "😀🙏🔥")
    assert reply and reply[0]["text"]
    assert "I'm the City of Los Angeles 311 assistant" in rasa_stack.texts(sender, "hello")


def test_bad_input_does_not_break_the_conversation(rasa_stack: Stack) -> None:
    sender = new_sender()
    rasa_stack.texts(sender, "hola")
    broken = b'{"sender": "' + sender.encode() + b'", "message": '
    assert _post(rasa_stack, broken).status_code == 400
    assert "Puedo" in rasa_stack.texts(sender, "¿qué puedes hacer?")


def test_html_in_a_message_is_not_echoed_as_markup(rasa_stack: Stack) -> None:
    reply = rasa_stack.chat(new_sender(), "<script>alert(1)</script>")
    assert all("<script>" not in m.get("text", "") for m in reply)


def test_each_replica_counts_its_messages_for_prometheus_behind_the_guard(
    rasa_stack: Stack,
) -> None:
    def count(text: str) -> int:
        line = next((line for line in text.splitlines()
                     if line.startswith('la311_messages_total{channel="web"}')), "x 0")
        return int(line.split()[-1])

    metrics = f"{rasa_stack.rasa_url}/webhooks/rest/metrics"
    before = count(httpx.get(metrics, timeout=10).text)
    rasa_stack.chat(new_sender(), "hello")
    page = httpx.get(metrics, timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    assert count(page.text) == before + 1
    assert 'la311_reply_seconds_bucket{channel="web",le="+Inf"}' in page.text
    assert "la311_lock_waits_total" in page.text
    # residents' side: the guard does not route it
    assert httpx.get(f"{rasa_stack.public_url}/webhooks/rest/metrics", timeout=10).status_code in (
        403, 404, 405)
