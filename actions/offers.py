"""Offering to file a request after an answer or a warning, and the resident's reply to it.

After a question about a request type ("how much does couch pickup cost?") or an emergency
warning with a City follow-up (a tree on a power line), the assistant answers first and then
*offers* the request: "Want me to file a request for Bulky Items?". The offered type waits in
the ``offered_service`` slot; a "yes" on the very next turn starts the form with that type,
a "no" (or anything else) lets it lapse. Nothing is ever started unasked.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import language
from actions.mappings import service_in_mappings
from actions.parsing import parse_count
from bot.text import matching_form
from connectors.open311.catalog import get_catalog

OFFER_SLOT = "offered_service"
FORM = "service_request_form"
SINGLE_LIGHT, MULTIPLE_LIGHTS = "single-streetlight", "multiple-streetlight"
MAX_LIGHTS_SAID = 50


def service_for_intent(intent: str | None, domain: DomainDict) -> str | None:
    """The service code a report intent names, read from the domain's slot mappings."""
    mappings = (domain.get("slots", {}).get("service_code") or {}).get("mappings") or []
    return service_in_mappings(intent, mappings)


def type_named_in(text: str, current: str | None) -> str | None:
    """The one request type (other than ``current``) whose catalog keywords ``text`` uses."""
    form = f" {matching_form(text)} "
    hits = Counter(
        service.service_code
        for service in get_catalog().services
        if service.service_code != current
        for keywords in service.keywords.values()
        for keyword in keywords
        if f" {matching_form(keyword)} " in form
    )
    ranked = hits.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def service_label(code: str, tracker: Tracker) -> str:
    """The request type's name in the resident's language."""
    service = get_catalog().service(code)
    return service.service_name.get(language(tracker)) if service else code


def fitting_type(code: str, text: str) -> str:
    """The streetlight type that fits how many lights the message counts.

    "the one on my block" → one light, "there's 3 out" → several; other types are unchanged.
    """
    if code not in (SINGLE_LIGHT, MULTIPLE_LIGHTS):
        return code
    count = parse_count(text)
    if count is None or count > MAX_LIGHTS_SAID:
        return code  # no count, or a house number
    return MULTIPLE_LIGHTS if count >= 2 else SINGLE_LIGHT


def offer_service(
    dispatcher: CollectingDispatcher, tracker: Tracker, code: str, response: str
) -> list[EventType]:
    """Utters ``response`` (which offers the request) and remembers the offer for one turn."""
    code = fitting_type(code, str(tracker.latest_message.get("text") or ""))
    dispatcher.utter_message(response=response, service_label=service_label(code, tracker))
    return [SlotSet(OFFER_SLOT, code)]


def offer_is_fresh(tracker: Tracker) -> bool:
    """Whether the offer was made in the assistant's turn just before the latest message."""
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users > 1:
                return False
        elif event.get("event") == "slot" and event.get("name") == OFFER_SLOT:
            return bool(event.get("value")) and users == 1
    return False


def offered_after(tracker: Tracker) -> str | None:
    """The words of :func:`offered_message`, or ``None``."""
    event = offered_message(tracker)
    return str(event.get("text")) if event else None


def offered_message(tracker: Tracker) -> dict[str, Any] | None:
    """The resident's message that the assistant answered with an offer, just before this one.

    "a cyclist fell in a pothole at 1st and Boyle and is bleeding" → "call 911 … want me to
    file a pothole request?" → "now i want to report that pothole": the place is in the message
    the offer answered. ``None`` when the turn before the latest message made no offer.
    """
    users = 0
    offered = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                text = str(event.get("text") or "")
                return event if offered and text and not text.startswith("/") else None
        elif users == 1 and event.get("event") == "slot" and event.get("name") == OFFER_SLOT:
            offered = offered or bool(event.get("value"))
    return None


class ActionAcceptOffer(Action):
    """Starts the offered request, or just acknowledges a "yes" when no offer is pending."""

    def name(self) -> str:
        """The action name Rasa calls."""
        return "action_accept_offer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Hands over to the form with the offered type set."""
        code = tracker.get_slot(OFFER_SLOT)
        if not code or not offer_is_fresh(tracker) or get_catalog().service(code) is None:
            dispatcher.utter_message(response="utter_ok")
            return [SlotSet(OFFER_SLOT, None)]
        events: list[dict[str, Any]] = [
            SlotSet(OFFER_SLOT, None),
            SlotSet("service_code", code),
            FollowupAction(FORM),
        ]
        return events


class ActionDeclineOffer(Action):
    """Lets an offer lapse when the resident says no."""

    def name(self) -> str:
        """The action name Rasa calls."""
        return "action_decline_offer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Acknowledges and forgets the offer."""
        dispatcher.utter_message(response="utter_ok")
        return [SlotSet(OFFER_SLOT, None)]
