"""City-service questions through the real REST channel, answered from the knowledge base."""

from __future__ import annotations

import pytest

from tests.conftest import Stack, new_sender

pytestmark = pytest.mark.integration


def test_plain_question_in_english_cites_the_source(rasa_stack: Stack) -> None:
    reply = rasa_stack.texts(new_sender(), "what goes in the green bin?")
    assert "Source: https://" in reply
    assert "green" in reply.lower()


def test_plain_question_in_spanish_is_answered_in_spanish(rasa_stack: Stack) -> None:
    reply = rasa_stack.texts(new_sender(), "¿qué va en el bote verde?")
    assert "Fuente: https://" in reply
    assert "verde" in reply.lower()


@pytest.mark.parametrize(
    ("text", "declines"),
    [
        ("how do I renew my US passport?", ("not sure", "can't help")),
        ("how do I get a film permit to shoot a movie on my street?", ("not sure", "can't help")),
        ("¿cómo renuevo mi pasaporte de estados unidos?", ("No estoy seguro", "no puedo ayudar")),
    ],
)
def test_unanswerable_question_says_it_does_not_know(
    rasa_stack: Stack, text: str, declines: tuple[str, str]
) -> None:
    reply = rasa_stack.texts(new_sender(), text)
    assert "Source:" not in reply and "Fuente:" not in reply
    assert any(phrase in reply for phrase in declines), reply


@pytest.mark.parametrize(
    "text",
    [
        "there's a downed power line sparking on my street, who do I call?",
        "hay un cable de luz caído echando chispas en mi calle",
        "my neighbor's garage is on fire",
    ],
)
def test_danger_leads_with_911(rasa_stack: Stack, text: str) -> None:
    messages = rasa_stack.chat(new_sender(), text)
    assert messages, text
    assert "911" in messages[0]["text"]


def test_question_answer_fits_three_sms_segments_plus_link(rasa_stack: Stack) -> None:
    reply = rasa_stack.chat(new_sender(), "how do I get a library card?")
    body = reply[-1]["text"].split("\nSource:")[0]
    assert len(body) <= 330
