"""Filing 311 requests through the real REST channel, in English and Spanish.

Each test is a resident's conversation against the real Rasa server, action server, outbox
worker and embedded Open311 server; the assertions are what the resident reads and what the
City backend ends up holding.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.conftest import Stack, new_sender
from tests.integration.support import REQUEST_ID, backend_request, say

pytestmark = pytest.mark.integration

def file_with_defaults(stack: Stack, sender: str, spanish: bool = False) -> str:
    """Answers description and contact with "skip", confirms, returns the request number."""
    skip = "saltar" if spanish else "skip"
    say(stack, sender, skip)
    say(stack, sender, skip, "Revise su solicitud" if spanish else "Please check your request")
    reply = say(stack, sender, "sí" if spanish else "yes",
                "Su número de solicitud es" if spanish else "Your request number is")
    match = REQUEST_ID.search(reply)
    assert match, reply
    return match.group()


def test_type_and_address_in_one_message_then_status(rasa_stack: Stack) -> None:
    sender = new_sender()
    # The garage answers where the graffiti is: not asked again.
    say(rasa_stack, sender, "someone tagged my garage at 200 N Spring St",
        "describe the problem")
    request_id = file_with_defaults(rasa_stack, sender)
    stored = backend_request(rasa_stack, request_id)
    assert stored["service_code"] == "graffiti-removal"
    assert stored["attributes"]["graffiti_surface"] == "wall"
    assert stored["address"].startswith("200 N Spring St")
    assert rasa_stack.tracker(sender)["slots"]["service_code"] is None  # form reset
    say(rasa_stack, sender, "what's the status of my last request?", request_id, "open")


def test_address_given_later_in_spanish(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "hay un bache enorme en mi calle", "¿Dónde está?")
    assert rasa_stack.tracker(sender)["slots"]["service_code"] == "pothole"
    say(rasa_stack, sender, "3600 W 6th St", "Describa el problema")
    request_id = file_with_defaults(rasa_stack, sender, spanish=True)
    stored = backend_request(rasa_stack, request_id)
    assert stored["service_code"] == "pothole"
    assert stored["address"].startswith("3600 W 6th St")
    say(rasa_stack, sender, f"¿cómo va mi solicitud {request_id}?", request_id, "abierta")


def test_intersection_and_attributes(rasa_stack: Stack) -> None:
    sender = new_sender()
    # The cat answers what kind of animal: not asked again.
    say(rasa_stack, sender, "there's a dead cat on the corner of Sunset and Vine",
        "describe the problem")
    request_id = file_with_defaults(rasa_stack, sender)
    stored = backend_request(rasa_stack, request_id)
    assert stored["service_code"] == "dead-animal-removal"
    assert stored["address"].startswith("Sunset Blvd & Vine St")


def test_correction_at_confirmation_changes_the_filed_address(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "big pothole at 200 N Spring St", "describe the problem")
    say(rasa_stack, sender, "it's about two feet wide")
    say(rasa_stack, sender, "skip", "200 N Spring St")
    say(rasa_stack, sender, "no, it's 3600 W 6th St", "3600 W 6th St")
    reply = say(rasa_stack, sender, "yes", "Your request number is")
    stored = backend_request(rasa_stack, REQUEST_ID.search(reply).group())  # type: ignore[union-attr]
    assert stored["address"].startswith("3600 W 6th St")
    assert stored["description"] == "it's about two feet wide"


def test_noise_at_confirmation_files_nothing_until_a_real_yes(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "big pothole at 200 N Spring St", "describe the problem")
    say(rasa_stack, sender, "skip")
    say(rasa_stack, sender, "skip", "Shall I file it?")
    for noise in ("asdf", "lol", "hmm", "jkl;"):
        reply = say(rasa_stack, sender, noise, 'Reply "yes" to file it')
        assert not REQUEST_ID.search(reply), f"{noise!r} filed a request: {reply!r}"
    assert rasa_stack.tracker(sender)["slots"]["last_request_id"] is None
    reply = say(rasa_stack, sender, "go ahead", "Your request number is")
    stored = backend_request(rasa_stack, REQUEST_ID.search(reply).group())  # type: ignore[union-attr]
    assert stored["service_code"] == "pothole"


def test_a_keyboard_mash_is_not_understood(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "blorp zzkx qwerty", "didn't understand")
    say(rasa_stack, sender, "asdfgh", "didn't understand")


def test_cancel_files_nothing(rasa_stack: Stack) -> None:
    sender = new_sender()
    before = len(rasa_stack.requests_on_backend())
    say(rasa_stack, sender, "hay grafiti en la pared de mi casa", "¿Dónde está?")
    say(rasa_stack, sender, "olvídalo", "cancelé")
    assert rasa_stack.tracker(sender)["active_loop"] in ({}, None) or not rasa_stack.tracker(
        sender
    )["active_loop"].get("name")
    assert len(rasa_stack.requests_on_backend()) == before
    say(rasa_stack, sender, "hola", "Soy el asistente")


def test_question_in_the_middle_of_the_form_then_resume(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "I need a bulky item pickup", "Where is it?")
    reply = say(rasa_stack, sender, "what goes in the green bin?", "Where is it?")
    assert "Source:" in reply or "not sure" in reply
    say(rasa_stack, sender, "1200 W 7th St", "What items")
    say(rasa_stack, sender, "a couch and a mattress", "How many")
    say(rasa_stack, sender, "2", "describe the problem")
    request_id = file_with_defaults(rasa_stack, sender)
    stored = backend_request(rasa_stack, request_id)
    assert stored["service_code"] == "bulky-items"
    assert stored["attributes"]["item_count"] in ("2", 2)


def test_handoff_in_the_middle_of_the_form_keeps_the_request(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "the streetlight in front of my house is out", "Where is it?")
    say(rasa_stack, sender, "quiero hablar con una persona", "3-1-1", "¿Dónde está?")
    assert rasa_stack.tracker(sender)["slots"]["handoff_requested"] is True
    say(rasa_stack, sender, "5th St & Main St", "Describa el problema")


def test_address_outside_the_city_is_refused_and_asked_again(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "there's a pothole on my street", "Where is it?")
    say(rasa_stack, sender, "123 Main St, Santa Monica, CA 90401",
        "That's in Santa Monica, not the City of Los Angeles", "send that address")
    say(rasa_stack, sender, "500 Congress Ave, Austin, TX", "Texas, not Los Angeles")
    say(rasa_stack, sender, "200 N Spring St", "describe the problem")


def test_spanish_address_outside_the_city(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "hay un carro abandonado en mi cuadra", "¿Dónde está?")
    say(rasa_stack, sender, "100 Ocean Ave, Santa Monica, CA",
        "Eso está en Santa Monica, no en la Ciudad de Los Ángeles")


def test_emoji_only_address_gets_a_clear_reply(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "pothole on my street", "Where is it?")
    say(rasa_stack, sender, "🏠🏠📍", "couldn't read that as an address")


def test_html_description_is_stored_as_plain_text(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "pothole at 200 N Spring St", "describe the problem")
    say(rasa_stack, sender, "<script>alert('x')</script>deep <b>hole</b> near the curb")
    say(rasa_stack, sender, "skip")
    reply = say(rasa_stack, sender, "yes", "Your request number is")
    stored = backend_request(rasa_stack, REQUEST_ID.search(reply).group())  # type: ignore[union-attr]
    assert "<" not in stored["description"] and "script" not in stored["description"]
    assert "deep hole near the curb" in stored["description"]


def test_too_long_description_gets_a_clear_reply(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "pothole at 200 N Spring St", "describe the problem")
    say(rasa_stack, sender, "very deep hole " * 100, "1000 characters")
    say(rasa_stack, sender, "a deep hole", "phone number or email")
    too_long = httpx.post(
        f"{rasa_stack.public_url}/webhooks/rest/webhook",
        headers=rasa_stack.rest_auth(),
        json={"sender": sender, "message": "x" * 5000},
        timeout=30,
    )
    assert too_long.status_code == 413


def test_unknown_request_number(rasa_stack: Stack) -> None:
    say(rasa_stack, new_sender(), "status of request 1-9999999", "couldn't find request 1-9999999")


def test_backend_down_during_submission_files_exactly_once_later(rasa_stack: Stack) -> None:
    sender = new_sender()
    open311 = rasa_stack.services["open311"]
    say(rasa_stack, sender, "there's a pothole at 4000 W 3rd St", "describe the problem")
    say(rasa_stack, sender, "skip")
    say(rasa_stack, sender, "skip")
    open311.stop()
    try:
        reply = say(rasa_stack, sender, "yes", "will be filed automatically")
    finally:
        open311.start()
    local_ref = re.search(r"Q-[A-Z0-9]{6}", reply)
    assert local_ref, reply
    deadline = time.monotonic() + 60
    matching: list[dict] = []
    while time.monotonic() < deadline:
        matching = [r for r in rasa_stack.requests_on_backend()
                    if r["address"].startswith("4000 W 3rd St")]
        if matching:
            break
        time.sleep(1)
    time.sleep(3)  # a duplicate delivery would show up here
    matching = [r for r in rasa_stack.requests_on_backend()
                if r["address"].startswith("4000 W 3rd St")]
    assert len(matching) == 1
    say(rasa_stack, sender, f"status of {local_ref.group()}", matching[0]["service_request_id"])


def test_action_server_down_mid_form_apologises_then_continues(rasa_stack: Stack) -> None:
    sender = new_sender()
    actions = rasa_stack.services["actions"]
    say(rasa_stack, sender, "there's a pothole on my street", "Where is it?")
    actions.stop()
    try:
        say(rasa_stack, sender, "1500 W 5th St", "trouble on my side")
    finally:
        actions.start()
    say(rasa_stack, sender, "1500 W 5th St", "describe the problem")
    request_id = file_with_defaults(rasa_stack, sender)
    assert backend_request(rasa_stack, request_id)["address"].startswith("1500 W 5th St")


def test_spanish_intersection_question_correction_and_status(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "pintaron grafiti en la esquina de Whittier y Soto",
        "¿Dónde está pintado el grafiti?")
    reply = say(rasa_stack, sender, "¿qué va en el bote verde?", "¿Dónde está pintado")
    assert "Fuente:" in reply or "No estoy seguro" in reply
    say(rasa_stack, sender, "pared", "Describa el problema")
    say(rasa_stack, sender, "es en la barda del callejón")
    say(rasa_stack, sender, "saltar", "Whittier Blvd & Soto St (Boyle Heights")
    say(rasa_stack, sender, "no, la dirección es 3600 W 6th St", "3600 W 6th St")
    reply = say(rasa_stack, sender, "sí", "Su número de solicitud es")
    request_id = REQUEST_ID.search(reply).group()  # type: ignore[union-attr]
    stored = backend_request(rasa_stack, request_id)
    assert stored["service_code"] == "graffiti-removal"
    assert stored["address"].startswith("3600 W 6th St")
    assert stored["description"] == "es en la barda del callejón"
    say(rasa_stack, sender, "¿cómo va mi última solicitud?", request_id)


def test_english_cancel_and_handoff(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "I want to report a problem", "What would you like to report")
    say(rasa_stack, sender, "/report_pothole", "Where is it?")
    say(rasa_stack, sender, "can I talk to a real person?", "(213) 473-3231", "Where is it?")
    say(rasa_stack, sender, "never mind", "cancelled")


def test_a_second_unreadable_contact_answer_files_anonymously(rasa_stack: Stack) -> None:
    """A resident whose answer twice is neither a phone nor an email is not asked forever."""
    sender = new_sender()
    say(rasa_stack, sender, "pothole at 200 N Spring St", "describe the problem")
    say(rasa_stack, sender, "skip")
    say(rasa_stack, sender, "my number is 555-12", "couldn't read a phone number")
    say(rasa_stack, sender, "its 555-12 i said", "will be anonymous", "Please check your request")
    reply = say(rasa_stack, sender, "yes", "Your request number is")
    stored = backend_request(rasa_stack, REQUEST_ID.search(reply).group())  # type: ignore[union-attr]
    assert stored["service_code"] == "pothole"
