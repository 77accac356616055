"""Telling a resident in danger to call 911 first, then what fits the situation.

The dialogue's ``EmergencyPolicy`` runs this action first after any message the NLU pipeline
marked with a ``danger`` entity, whatever else the message was. The first bubble always says to
call 911 now (with one line of advice for the kind of danger). Then:

* mid-request: the values this message filled are undone (a house fire is not the answer to
  "Where is it?") and the resident is told the request will continue; the form asks again.
  A resident who answers that same question again and is flagged again has been warned
  twice: the answer is kept and the request moves on (with the 911 line first again), so a
  description that only sounds dangerous ("a deep hole, 60 cm across") cannot loop forever;
* a question asked in a message the detector was not sure about (no strong pattern: "he looks
  really sick, who can I contact to get him help?") is still answered from the knowledge base
  after the 911 line, when the answer is confident; a clear emergency gets no answer after it;
* a City follow-up that makes sense after the emergency (a tree on a power line → a fallen
  tree request) is offered, never started unasked;
* a downed power line also gets LADWP's outage line.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import latest_entity, latest_entity_record, latest_intent
from actions.deps import get_retriever
from actions.knowledge import TOPIC_SLOT, find_answer, resident_question, say_answer
from actions.offers import offer_service, service_for_intent
from bot.language import is_question

KINDS = frozenset(
    "fire gas power_line crime medical water crash trapped collapse".split()
)
# Slots this action never rolls back: they describe the conversation, not the request.
_KEEP = frozenset({"language", "language_locked"})


def undo_this_turn(tracker: Tracker) -> list[EventType]:
    """Events restoring every slot the resident's latest message changed (language aside)."""
    values: dict[str, Any] = {}
    before: dict[str, Any] = {}
    after_user = False
    for event in tracker.events:
        kind = event.get("event")
        if kind == "user":
            after_user, before = True, {}
        elif kind == "slot" and after_user:
            name = event.get("name")
            if name not in before:
                before[name] = values.get(name)
        if kind == "slot":
            values[event.get("name")] = event.get("value")
    return [
        SlotSet(name, value)
        for name, value in before.items()
        if name not in _KEEP and values.get(name) != value
    ]


def warned_at_this_step(tracker: Tracker) -> bool:
    """Whether the resident's previous message, at the form's current question, got the warning.

    True when ``action_emergency`` ran after the message before the latest one and the form's
    requested slot has not moved since: the resident heard "call 911" and answered the same
    question again.
    """
    step = tracker.get_slot("requested_slot")
    if not tracker.active_loop_name or not step:
        return False
    users_seen = 0
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            users_seen += 1
            if users_seen == 2:
                return False
        elif users_seen == 1 and kind == "slot" and event.get("name") == "requested_slot":
            if event.get("value") not in (None, step):
                return False
        elif users_seen == 1 and kind == "action" and event.get("name") == "action_emergency":
            return True
    return False


def detector_was_sure(tracker: Tracker) -> bool:
    """Whether a strong danger pattern flagged the latest message.

    Such a match gives the ``danger`` entity confidence 1.0; the classifier alone, its
    probability.
    """
    entity = latest_entity_record(tracker, "danger")
    return entity is None or float(entity.get("confidence") or 0.0) >= 1.0


class ActionEmergency(Action):
    """Says to call 911 now, then resumes the request or offers a fitting follow-up."""

    def name(self) -> str:
        """The action name Rasa calls."""
        return "action_emergency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Utters the 911 warning first; what follows depends on the conversation."""
        kind = latest_entity(tracker, "danger") or "other"
        dispatcher.utter_message(
            response=f"utter_emergency_{kind}" if kind in KINDS else "utter_emergency"
        )
        events = [] if warned_at_this_step(tracker) else undo_this_turn(tracker)
        if tracker.active_loop_name:
            dispatcher.utter_message(response="utter_emergency_then_request")
            return events
        if kind == "power_line":
            dispatcher.utter_message(response="utter_emergency_power_outage")
        question = resident_question(tracker)
        answer = None
        if not detector_was_sure(tracker) and is_question(question):
            answer = await find_answer(get_retriever(), question, tracker, domain)
        if answer is not None:
            say_answer(dispatcher, tracker, domain, answer)
            events.append(SlotSet(TOPIC_SLOT, answer.title))
        service = service_for_intent(latest_intent(tracker), domain) or getattr(
            answer, "offers", None)
        if service is not None:
            events += offer_service(dispatcher, tracker, service, "utter_emergency_offer")
        return events
