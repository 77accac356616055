"""Offering a request after an answer, and the resident's yes or no (actions/offers.py)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.offers import ActionAcceptOffer, offer_is_fresh, service_for_intent
from actions.session import ActionSessionStart

DOMAIN: dict[str, Any] = {"slots": {"service_code": {"mappings": [
    {"type": "from_intent", "intent": "report_bulky_items", "value": "bulky-items"},
    {"type": "from_intent", "intent": "report_other", "value": "other"},
]}}}


def tracker(events: list[dict[str, Any]], slots: dict[str, Any]) -> Tracker:
    return Tracker.from_dict({
        "sender_id": "unit", "slots": {"language": "en", **slots},
        "latest_message": {"text": "yes", "intent": {"name": "affirm", "confidence": 1.0}},
        "events": events, "active_loop": {}, "latest_action_name": "action_listen",
    })


OFFERED = [
    {"event": "user", "text": "how much does couch pickup cost?"},
    {"event": "slot", "name": "offered_service", "value": "bulky-items"},
    {"event": "user", "text": "yes"},
]


def test_the_type_comes_from_the_domain_and_other_is_never_offered() -> None:
    assert service_for_intent("report_bulky_items", DOMAIN) == "bulky-items"
    assert service_for_intent("report_other", DOMAIN) is None
    assert service_for_intent("greet", DOMAIN) is None


async def test_yes_right_after_the_offer_starts_the_form_with_that_type() -> None:
    events = await ActionAcceptOffer().run(
        CollectingDispatcher(), tracker(OFFERED, {"offered_service": "bulky-items"}), DOMAIN
    )
    assert SlotSet("service_code", "bulky-items") in events
    assert FollowupAction("service_request_form") in events


async def test_a_yes_two_turns_later_starts_nothing() -> None:
    late = [*OFFERED[:2], {"event": "user", "text": "hi"}, {"event": "user", "text": "yes"}]
    assert not offer_is_fresh(tracker(late, {"offered_service": "bulky-items"}))
    dispatcher = CollectingDispatcher()
    events = await ActionAcceptOffer().run(
        dispatcher, tracker(late, {"offered_service": "bulky-items"}), DOMAIN
    )
    assert events == [SlotSet("offered_service", None)]
    assert dispatcher.messages[0]["response"] == "utter_ok"


async def test_a_new_session_keeps_the_language_not_yesterdays_request() -> None:
    slots = {"language": "es", "language_locked": True, "last_request_id": "1-1000007",
             "address": "200 N Spring St", "service_code": "pothole"}
    events = await ActionSessionStart().run(CollectingDispatcher(), tracker([], slots), {})
    carried = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert carried == {"language": "es", "language_locked": True, "last_request_id": "1-1000007"}
