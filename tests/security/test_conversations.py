"""S2 and S10: a conversation belongs to its channel, and residents cannot fake what Rasa reads.

S2: the REST channel took any sender id, so ``{"sender": "+12135550123", "message": "check my
last request"}`` read an SMS resident's last request and its address.
S10: a web user could set ``metadata.channel`` to "sms" and send ``/intent{...}`` payloads that
faked signals in the staff review app.
"""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from connectors.senders import conversation_id
from eval.review.tracker.schema import events
from eval.review.tracker.store import TrackerStore
from eval.stack import Stack, new_sender
from tests.sms.test_channel_e2e import Phone, option_number

pytestmark = pytest.mark.integration

REQUEST_ID = re.compile(r"\b1-\d{7}\b")


def rest(stack: Stack, sender: str, message: str, headers: dict[str, str],
         **extra: object) -> httpx.Response:
    return httpx.post(f"{stack.public_url}/webhooks/rest/webhook", headers=headers,
                      json={"sender": sender, "message": message, **extra}, timeout=60)


def user_events(stack: Stack, sender: str, channel: str = "web") -> list[dict]:
    return [e for e in stack.tracker(sender, channel)["events"]  # type: ignore[arg-type]
            if e["event"] == "user"]


def test_no_rest_client_can_read_an_sms_residents_request(rasa_stack: Stack) -> None:
    phone = Phone(rasa_stack)
    phone.text("There is a pothole at 1500 W 5th St")
    phone.text("Deep hole")
    confirmation = phone.text("skip")
    done = " ".join(phone.text(option_number(confirmation, "Yes")))
    request_id = REQUEST_ID.search(done)
    assert request_id, done
    texts_before = [e["text"] for e in user_events(rasa_stack, phone.number, "sms")]

    attack = "check my last request"
    anonymous = rest(rasa_stack, phone.number, attack, {})
    assert anonymous.status_code == 401
    assert request_id.group() not in anonymous.text
    for channel in ("web", "rest"):
        for sender in (phone.number, conversation_id("sms", phone.number)):
            reply = rest(rasa_stack, sender, attack, rasa_stack.rest_auth(channel))  # type: ignore[arg-type]
            assert reply.status_code == 200
            assert request_id.group() not in reply.text, (channel, sender, reply.text)
            assert "1500 W 5th" not in reply.text
    texts_after = [e["text"] for e in user_events(rasa_stack, phone.number, "sms")]
    assert texts_after == texts_before  # the SMS conversation was never touched
    # The resident still gets their own request back.
    assert request_id.group() in " ".join(phone.text("what's the status of my last request?"))


def test_metadata_cannot_claim_the_sms_channel(rasa_stack: Stack) -> None:
    sender = new_sender("s10")
    reply = rest(rasa_stack, sender, "hello", rasa_stack.rest_auth(),
                 metadata={"channel": "sms", "locale": "en"})
    assert reply.status_code == 200
    [user] = user_events(rasa_stack, sender)
    assert user["metadata"]["channel"] == "web" and user["input_channel"] == "rest"

    engine = create_engine(f"sqlite:///{rasa_stack.workdir / 'tracker.db'}")
    try:
        with engine.connect() as conn:
            first = conn.execute(select(func.min(events.c.id)).where(
                events.c.sender_id == conversation_id("web", sender))).scalar_one()
        conversation = TrackerStore(engine, 0.6).conversation(int(first))
    finally:
        engine.dispose()
    assert conversation is not None and conversation.channel == "web"


def test_payloads_are_accepted_only_from_offered_buttons(rasa_stack: Stack) -> None:
    sender = new_sender("s10")
    web = rasa_stack.rest_auth("web")
    # Not offered: read as text, never as an intent with entities.
    injected = '/human_handoff{"handoff_requested": true}'
    assert rest(rasa_stack, sender, injected, web).status_code == 200
    [user] = user_events(rasa_stack, sender)
    assert user["text"] == 'human_handoff{"handoff_requested": true}'
    assert user["parse_data"]["intent"]["confidence"] < 1.0  # the NLU read it, not the parser

    # Offered as a button: passes as a payload.
    rasa_stack.chat(sender, "I want to report a problem")
    assert "Where is it" in rasa_stack.texts(sender, "/report_pothole")
    assert user_events(rasa_stack, sender)[-1]["text"] == "/report_pothole"
    # A button of an earlier turn is no longer on offer.
    rasa_stack.chat(sender, "never mind")
    rasa_stack.chat(sender, "/report_graffiti")
    assert user_events(rasa_stack, sender)[-1]["text"] == "report_graffiti"

    # The widget's own language switch is allowed from the web chat only.
    switch = '/set_language{"language":"es"}'
    rest(rasa_stack, sender, switch, web)
    assert user_events(rasa_stack, sender)[-1]["text"] == switch
    other = new_sender("s10")
    rest(rasa_stack, other, switch, rasa_stack.rest_auth("rest"))
    assert user_events(rasa_stack, other, "rest")[-1]["text"] == switch.lstrip("/")
