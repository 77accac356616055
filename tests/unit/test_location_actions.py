"""The dialogue's use of the location service (actions/location.py), from tracker JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import ValidateServiceRequestForm
from actions.location import (
    ActionAskServiceRequestFormAddress,
    ActionLocationInfo,
    ValidateLocationLookupForm,
    read_location,
)
from actions.requests import build_draft
from bot.domain_build import assembled_domain

ROOT = Path(__file__).resolve().parents[2]
# The domain as the action server receives it: the location structure and every pack's replies.
DOMAIN = {**assembled_domain()["location.yml"],
          "responses": assembled_domain()["responses.yml"]["responses"]}


def tracker(
    text: str = "",
    slots: dict[str, Any] | None = None,
    intent: str = "inform",
    entities: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    requested_slot: str | None = "address",
    form: str = "service_request_form",
) -> Tracker:
    return Tracker.from_dict({
        "sender_id": "unit",
        "slots": {"language": "en", "requested_slot": requested_slot, **(slots or {})},
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.9},
                           "entities": entities or [], "metadata": metadata or {}},
        "events": [],
        "active_loop": {"name": form},
        "latest_action_name": "action_listen",
    })


async def validate(text: str, **kwargs: Any) -> tuple[dict[str, Any], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    result = await ValidateServiceRequestForm().validate_address(
        text, dispatcher, tracker(text, **kwargs), DOMAIN
    )
    return result, dispatcher


async def test_an_address_fills_what_is_shown_and_what_is_filed() -> None:
    result, dispatcher = await validate("it's at 200 N Spring St")
    assert result["address"] == "200 N Spring St (Downtown, Council District 14)"
    assert result["location_address"] == "200 N Spring St, Los Angeles, CA 90012"
    assert result["location_district"] == 14
    assert result["location_nc"] == "Downtown Los Angeles"
    assert dispatcher.messages == []


async def test_the_label_is_in_spanish_for_a_spanish_conversation() -> None:
    result, _ = await validate("200 N Spring St", slots={"language": "es"})
    assert result["address"] == "200 N Spring St (Downtown, Distrito 14 del Concejo)"


@pytest.mark.parametrize(
    ("text", "response", "place"),
    [
        ("1550 Ocean Ave, Santa Monica", "utter_location_other_city", "Santa Monica"),
        ("4801 Whittier Blvd, East LA", "utter_location_unincorporated", "East Los Angeles"),
        ("3500 Las Vegas Blvd S, Las Vegas, NV 89109", "utter_location_other_state", "Nevada"),
        ("1313 Disneyland Dr, Anaheim, CA 92802", "utter_location_outside_county", "Anaheim"),
    ],
)
async def test_outside_places_are_named_and_refused(text: str, response: str, place: str) -> None:
    result, dispatcher = await validate(text)
    assert result["address"] is None and "location_address" not in result
    assert dispatcher.messages[0]["response"] == response
    assert dispatcher.messages[0]["location_place"] == place


async def test_the_city_typed_after_an_entity_is_not_dropped() -> None:
    text = "there's a couch at 1550 Ocean Ave, Santa Monica"
    entity = {"entity": "address", "value": "1550 Ocean Ave"}
    result, dispatcher = await validate(text, entities=[entity])
    assert result["address"] is None
    assert dispatcher.messages[0]["location_place"] == "Santa Monica"


async def test_two_unusable_answers_lead_to_another_way() -> None:
    first, dispatcher = await validate("my house")
    assert first["location_failures"] == 1
    assert dispatcher.messages[0]["response"] == "utter_address_not_understood"
    second, dispatcher = await validate("idk", slots={"location_failures": 1.0})
    assert second["location_failures"] == 2
    assert dispatcher.messages[0]["response"] == "utter_location_another_way"


@pytest.mark.parametrize(
    ("slots", "said"),
    [({"location_prompted": True}, []),
     ({"location_failures": 2.0}, ["utter_location_another_way"]),
     ({}, ["utter_ask_service_request_form_address"])],
)
async def test_the_form_question_is_not_repeated(slots: dict[str, Any], said: list[str]) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskServiceRequestFormAddress().run(dispatcher, tracker(slots=slots), DOMAIN)
    assert [m["response"] for m in dispatcher.messages] == said


async def test_a_split_zip_is_asked_about_then_settled() -> None:
    result, dispatcher = await validate("1234 E Firestone Blvd, Los Angeles, CA 90001")
    assert result["address"] is None
    assert dispatcher.messages[0]["response"] == "utter_location_split_zip"
    assert dispatcher.messages[0]["zip_code"] == "90001"
    assert "Unincorporated" in dispatcher.messages[0]["location_others"]
    answer, _ = await validate("Watts", slots={"location_pending": result["location_pending"]})
    assert answer["address"] and answer["location_address"].endswith("90001")


async def test_a_street_without_a_number_gets_one_question() -> None:
    result, dispatcher = await validate("Wilshire Blvd")
    assert dispatcher.messages[0]["response"] == "utter_location_need_number"
    answer, _ = await validate("3450", slots={"location_pending": result["location_pending"]})
    assert answer["location_address"].startswith("3450 W Wilshire Blvd")


async def test_a_shared_pin_is_read_from_the_metadata() -> None:
    metadata = {"location": {"lat": 34.0537, "lon": -118.2428, "accuracy": 15}}
    result, _ = await validate("/share_location", metadata=metadata)
    assert result["location_lat"] == 34.0537 and result["location_lon"] == -118.2428
    assert result["address"].startswith("near ")
    assert "Council District 14" in result["address"]


@pytest.mark.parametrize(
    ("metadata", "response"),
    [({"location": {"lat": 34.05, "lon": -118.24, "accuracy": 5000}},
      "utter_location_pin_imprecise"),
     ({}, "utter_location_pin_missing"),
     ({"location": {"lat": 34.0092, "lon": -118.4976, "accuracy": 10}},
      "utter_location_other_city")],
)
async def test_pins_that_cannot_be_used(metadata: dict[str, Any], response: str) -> None:
    result, dispatcher = await validate("/share_location", metadata=metadata)
    assert result["address"] is None
    assert dispatcher.messages[0]["response"] == response


async def test_the_draft_carries_the_normalised_address_and_the_point() -> None:
    result, _ = await validate("3450 wilshre blvd")
    draft = build_draft(tracker(slots={"service_code": "pothole", **result}))
    assert draft.address_string == "3450 W Wilshire Blvd, Los Angeles, CA 90010"
    assert draft.lat == result["location_lat"] and draft.long == result["location_lon"]
    fields = dict(draft.form_fields())
    assert fields["lat"] and fields["long"] and fields["address_string"] == draft.address_string


async def test_the_district_is_answered_from_what_the_conversation_knows() -> None:
    result, _ = await validate("200 N Spring St")
    dispatcher = CollectingDispatcher()
    events = await ActionLocationInfo().run(dispatcher, tracker(slots=result), DOMAIN)
    message = dispatcher.messages[0]
    assert message["response"] == "utter_location_district"
    assert message["location_district"] == 14
    assert message["location_nc_url"].startswith("http")
    assert message["location_short"] == "200 N Spring St"
    assert events == [SlotSet("lookup_location", None)]


async def test_the_district_of_an_outside_place_is_not_invented() -> None:
    form = ValidateLocationLookupForm()
    dispatcher = CollectingDispatcher()
    lookup = tracker("1550 Ocean Ave, Santa Monica", requested_slot="lookup_location",
                     form="location_lookup_form")
    result = await form.validate_lookup_location(lookup.latest_message["text"], dispatcher,
                                                 lookup, DOMAIN)
    info = CollectingDispatcher()
    await ActionLocationInfo().run(info, tracker(slots=result), DOMAIN)
    assert info.messages[0]["response"] == "utter_location_district_outside"
    assert info.messages[0]["location_place"] == "Santa Monica"


async def test_the_lookup_takes_the_place_from_the_question() -> None:
    form = ValidateLocationLookupForm()
    question = tracker("what council district is 1200 W 7th St in", intent="ask_council_district",
                       entities=[{"entity": "address", "value": "1200 W 7th St"}],
                       requested_slot=None, form="location_lookup_form")
    extracted = await form.extract_lookup_location(CollectingDispatcher(), question, DOMAIN)
    assert extracted == {"lookup_location": "1200 W 7th St"}
    known = tracker("what council district am i in", intent="ask_council_district",
                    slots={"location_address": "200 N Spring St, Los Angeles, CA 90012"},
                    requested_slot=None, form="location_lookup_form")
    assert await form.required_slots(["lookup_location"], CollectingDispatcher(), known,
                                     DOMAIN) == []


def test_pending_questions_are_json() -> None:
    reading = read_location(tracker("Van Nuys"), DOMAIN, "Van Nuys")
    assert json.loads(reading.changes["location_pending"])["kind"] == "area"
