"""Anyone in danger is told to call 911 first, on every channel, wherever the conversation is.

Real stack (Rasa server, action server, Open311 backend): REST conversations and Twilio-signed
SMS, in English and Spanish. Each emergency comes as the first message, in the middle of a
request, at the confirmation and after a question; the first bubble (the first SMS) must say to
call 911, a request in progress must resume, and nothing may be filed by the emergency.
"""

from __future__ import annotations

import pytest

from tests.conftest import Stack, new_sender
from tests.sms.test_channel_e2e import Phone

pytestmark = pytest.mark.integration


def first_and_all(stack: Stack, sender: str, text: str) -> tuple[str, str]:
    messages = [m.get("text", "") for m in stack.chat(sender, text)]
    assert messages, f"no reply to {text!r}"
    return messages[0], "\n".join(messages)


@pytest.mark.parametrize(
    ("text", "not_expected"),
    [
        ("my neighbors house is on fire", "Where is it"),
        ("¡Hay un incendio en el edificio de al lado!", "Dónde está"),
        ("Hay un incendio en el edificio de al lado", "Dónde está"),
        ("I smell gas really strong", "Sorry"),
        ("hay un hombre con una pistola afuera", "no entendí"),
        ("someone just got shot on my block", "didn't understand"),
        ("mi hijo se cayó a la alberca y no responde", "no entendí"),
        ("gas leek", "Where is it"),
        ("fuego!!!", "Lo siento"),
        ("ayuda se quema mi casa", "Dónde está"),
    ],
)
def test_first_message_leads_with_911_and_nothing_else_follows(
    rasa_stack: Stack, text: str, not_expected: str
) -> None:
    sender = new_sender()
    before = len(rasa_stack.requests_on_backend())
    first, everything = first_and_all(rasa_stack, sender, text)
    assert "911" in first
    assert not_expected.lower() not in everything.lower()
    assert not (rasa_stack.tracker(sender).get("active_loop") or {}).get("name")
    assert len(rasa_stack.requests_on_backend()) == before


def test_mid_form_the_warning_comes_first_and_the_request_resumes(rasa_stack: Stack) -> None:
    sender = new_sender()
    assert "Where is it" in first_and_all(rasa_stack, sender, "there's a pothole on my street")[1]
    first, everything = first_and_all(
        rasa_stack, sender, "wait theres smoke coming out of the house next door"
    )
    assert "911" in first
    assert "Where is it" in everything  # the form asks its question again
    tracker = rasa_stack.tracker(sender)
    assert tracker["active_loop"]["name"] == "service_request_form"
    assert tracker["slots"]["address"] is None  # the emergency was not taken as the address
    assert "describe" in first_and_all(rasa_stack, sender, "200 N Spring St")[1].lower()


@pytest.mark.parametrize(("text", "source"), [
    ("an old man has been sleeping at the bus stop on my street and he looks really sick, "
     "who can i call to get him some help?", "Source:"),
    ("hay un señor durmiendo en la parada del camión y se ve muy enfermo, ¿a quién llamo "
     "para que lo ayuden?", "Fuente:"),
])
def test_a_question_the_detector_was_not_sure_about_is_answered_after_911(
    rasa_stack: Stack, text: str, source: str
) -> None:
    """Only the classifier (no strong pattern) flagged it: 911 first, then the answer asked for."""
    first, everything = first_and_all(rasa_stack, new_sender(), text)
    assert "911" in first
    assert "LA-HOP" in everything and source in everything


def test_a_clear_emergency_gets_911_and_no_knowledge_answer(rasa_stack: Stack) -> None:
    first, everything = first_and_all(rasa_stack, new_sender(), "my house is on fire what do i do?")
    assert "911" in first
    assert "Source:" not in everything


def test_the_same_answer_flagged_twice_moves_the_request_on(rasa_stack: Stack) -> None:
    """A resident warned once who answers the same question again is not asked it forever."""
    sender = new_sender()
    rasa_stack.chat(sender, "there's a pothole on my street")
    assert "describe" in first_and_all(rasa_stack, sender, "200 N Spring St")[1].lower()
    answer = "a huge hole, smoke coming out of it"
    first, everything = first_and_all(rasa_stack, sender, answer)
    assert "911" in first
    assert "describe the problem" in everything.lower()  # asked again once
    first, everything = first_and_all(rasa_stack, sender, answer)
    assert "911" in first  # warned again, first
    assert "describe the problem" not in everything.lower()
    assert "phone number or email" in everything  # the next question
    assert rasa_stack.tracker(sender)["slots"]["description"] == answer


def test_at_the_confirmation_in_spanish(rasa_stack: Stack) -> None:
    sender = new_sender()
    rasa_stack.chat(sender, "hay un bache enorme en 3600 W 6th St")
    rasa_stack.chat(sender, "saltar")
    assert "Revise su solicitud" in first_and_all(rasa_stack, sender, "saltar")[1]
    before = len(rasa_stack.requests_on_backend())
    first, everything = first_and_all(rasa_stack, sender, "huele mucho a gas en la calle!!")
    assert "911" in first
    assert "Revise su solicitud" in everything  # back to the confirmation
    assert len(rasa_stack.requests_on_backend()) == before
    assert "Su número de solicitud es" in first_and_all(rasa_stack, sender, "sí")[1]


def test_after_a_question(rasa_stack: Stack) -> None:
    sender = new_sender()
    rasa_stack.chat(sender, "what day is street sweeping on my block?")
    first, _ = first_and_all(
        rasa_stack, sender, "OH NO a car just hit a kid on a bike hes not moving"
    )
    assert "911" in first


def test_a_fallen_tree_on_a_line_offers_the_city_follow_up_after_911(rasa_stack: Stack) -> None:
    sender = new_sender()
    first, everything = first_and_all(
        rasa_stack, sender, "a tree fell on the power lines on my street and the wires are sparking"
    )
    assert "911" in first
    assert "1-800-DIAL-DWP" in everything


@pytest.mark.parametrize(
    "text",
    ["there's graffiti on my fence", "the fire hydrant is leaking", "how do I get a fire permit",
     "smoke detector battery", "my trash wasn't picked up", "tengo una estufa de gas vieja",
     "la boca de incendio de la esquina está tirando agua"],
)
def test_ordinary_messages_do_not_lead_with_911(rasa_stack: Stack, text: str) -> None:
    first, _ = first_and_all(rasa_stack, new_sender(), text)
    assert "911" not in first


def test_by_sms_the_reply_starts_with_911_in_both_languages(rasa_stack: Stack) -> None:
    english = Phone(rasa_stack).text("my neighbors house is on fire")
    assert english[0].startswith("Call 911")
    phone = Phone(rasa_stack)
    phone.text("hay un colchon tirado en la calle")
    spanish = phone.text("ayuda se quema mi casa")
    assert spanish[0].startswith("Llame al 911")
    assert any("¿Dónde está?" in text or "Dónde" in text for text in spanish[1:])


@pytest.mark.parametrize(
    "place",
    ["en la Alvarado y la Sexta", "es en la esquina de Vermont y Slauson",
     "está en la barda de la tienda en la Pico y Union", "ahí mero en la Soto con la Cesar Chavez"],
)
def test_a_place_given_in_spanish_mid_form_is_not_taken_for_danger(
    rasa_stack: Stack, place: str
) -> None:
    sender = new_sender()
    first_and_all(rasa_stack, sender, "hay un sillón tirado en la banqueta")
    first, everything = first_and_all(rasa_stack, sender, place)
    assert "911" not in everything
