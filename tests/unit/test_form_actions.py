"""Form validation and actions, from tracker JSON with a fresh dispatcher (no servers)."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import ANONYMOUS, NO_DESCRIPTION, ValidateServiceRequestForm
from actions.requests import ActionSubmitServiceRequest
from connectors.open311.client import Open311Client
from connectors.open311.outbox import Outbox

FORM_SLOTS = ["service_code", "address", "item_description", "item_count", "lights_out_count",
              "blocking_traffic", "vehicle_description", "animal_type", "graffiti_surface",
              "description", "contact_info", "confirm_request"]
# The part of the domain the form's actions read: the form's slots and the intent mappings.
DOMAIN: dict[str, Any] = {
    "forms": {"service_request_form": {"required_slots": FORM_SLOTS}},
    "slots": {"service_code": {"mappings": [
        {"type": "from_intent", "intent": intent, "value": code}
        for intent, code in [("report_bulky_items", "bulky-items"),
                             ("report_illegal_dumping", "illegal-dumping"),
                             ("report_abandoned_vehicle", "abandoned-vehicle"),
                             ("report_graffiti", "graffiti-removal"),
                             ("report_pothole", "pothole")]
    ]}},
}


def tracker(
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str = "inform",
    entities: list[dict[str, Any]] | None = None,
    requested_slot: str | None = None,
    confidence: float = 0.9,
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "unit",
            "slots": {"language": "en", "requested_slot": requested_slot, **(slots or {})},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": confidence},
                "entities": entities or [],
            },
            "events": events or [],
            "active_loop": {"name": "service_request_form"},
            "latest_action_name": "action_listen",
        }
    )


def answered(slot: str, value: str, **kwargs: Any) -> Tracker:
    """A tracker where the resident just answered the form's question about ``slot``."""
    events = [{"event": "user", "text": value}, {"event": "slot", "name": slot, "value": value}]
    return tracker(text=value, requested_slot=slot, events=events, **kwargs)


@pytest.fixture
def form() -> ValidateServiceRequestForm:
    return ValidateServiceRequestForm()


async def test_address_outside_the_city_is_refused(form: ValidateServiceRequestForm) -> None:
    dispatcher = CollectingDispatcher()
    text = "123 Main St, Santa Monica, CA 90401"
    result = await form.validate_address(text, dispatcher, answered("address", text), DOMAIN)
    assert result == {"address": None}
    assert dispatcher.messages[0]["response"] == "utter_address_outside_city"


async def test_address_entity_wins_over_the_surrounding_words(
    form: ValidateServiceRequestForm,
) -> None:
    text = "someone tagged my garage at 200 N Spring St"
    entity = {"entity": "address", "value": "200 N Spring St"}
    result = await form.validate_address(
        text, CollectingDispatcher(), tracker(text=text, entities=[entity]), DOMAIN
    )
    assert result["address"] == "200 N Spring St, Los Angeles, CA"


@pytest.mark.parametrize(
    ("answer", "stored"), [("2", "2"), ("about 5", "5"), ("unas cuatro", "4"), ("three", "3")]
)
async def test_item_count_reads_numbers_and_number_words(
    form: ValidateServiceRequestForm, answer: str, stored: str
) -> None:
    result = await form.validate_item_count(
        answer, CollectingDispatcher(), answered("item_count", answer), DOMAIN
    )
    assert result == {"item_count": stored}


async def test_item_count_without_a_number_asks_again(form: ValidateServiceRequestForm) -> None:
    dispatcher = CollectingDispatcher()
    result = await form.validate_item_count("lots", dispatcher, answered("item_count", "lots"), {})
    assert result == {"item_count": None}
    assert dispatcher.messages[0]["response"] == "utter_invalid_number"


async def test_one_light_out_becomes_a_single_streetlight_request(
    form: ValidateServiceRequestForm,
) -> None:
    result = await form.validate_lights_out_count(
        "just 1", CollectingDispatcher(),
        answered("lights_out_count", "just 1", slots={"service_code": "multiple-streetlight"}),
        DOMAIN,
    )
    assert result["service_code"] == "single-streetlight"


async def test_html_in_a_description_becomes_plain_text(form: ValidateServiceRequestForm) -> None:
    text = "<script>alert(1)</script>deep <b>hole</b>"
    result = await form.validate_description(
        text, CollectingDispatcher(), answered("description", text), DOMAIN
    )
    assert result == {"description": "deep hole"}


async def test_skip_leaves_the_description_empty(form: ValidateServiceRequestForm) -> None:
    result = await form.validate_description(
        "saltar", CollectingDispatcher(), answered("description", "saltar"), DOMAIN
    )
    assert result == {"description": NO_DESCRIPTION}


@pytest.mark.parametrize(
    ("answer", "contact"),
    [
        ("call me at 213-555-0147", "+12135550147"),
        ("maria.lopez@example.com", "maria.lopez@example.com"),
        ("skip", ANONYMOUS),
        ("anónimo", ANONYMOUS),
    ],
)
async def test_contact_details_or_anonymous(
    form: ValidateServiceRequestForm, answer: str, contact: str
) -> None:
    result = await form.validate_contact_info(
        answer, CollectingDispatcher(), answered("contact_info", answer), DOMAIN
    )
    assert result["contact_info"] == contact


def test_summary_shows_short_labels_in_the_residents_language() -> None:
    slots = {"service_code": "abandoned-vehicle", "vehicle_description": "white honda",
             "language": "es", "address": "200 N Spring St, Los Angeles, CA",
             "description": NO_DESCRIPTION, "contact_info": ANONYMOUS}
    summary = ValidateServiceRequestForm.summary(slots, tracker(slots))
    assert summary["contact_label"] == "anónimo"
    assert summary["request_details"] == "Vehículo: white honda"  # not the question asked


async def test_yes_confirms_and_no_asks_what_to_change(form: ValidateServiceRequestForm) -> None:
    yes = await form.validate_confirm_request(
        "yes", CollectingDispatcher(), answered("confirm_request", "yes", intent="affirm"), DOMAIN
    )
    assert yes == {"confirm_request": "yes"}
    dispatcher = CollectingDispatcher()
    no = await form.validate_confirm_request(
        "no", dispatcher, answered("confirm_request", "no", intent="deny"), DOMAIN
    )
    assert no == {"confirm_request": None}
    assert dispatcher.messages[0]["response"] == "utter_ask_what_to_change"


async def test_description_corrected_at_confirmation(form: ValidateServiceRequestForm) -> None:
    text = "the description is a deep hole by the bus stop"
    result = await form.extract_description(
        CollectingDispatcher(),
        answered("confirm_request", text, slots={"service_code": "pothole"}), DOMAIN,
    )
    assert result == {"description": "a deep hole by the bus stop"}


async def test_the_opening_message_answers_what_it_says(form: ValidateServiceRequestForm) -> None:
    text = "I have a couch and two chairs at 200 N Spring St that need to be picked up"
    opening = tracker({"service_code": "bulky-items"}, text=text, intent="report_bulky_items")
    dispatcher = CollectingDispatcher()
    assert await form.extract_item_description(dispatcher, opening, DOMAIN) == {
        "item_description": "couch, chairs"}
    assert await form.extract_item_count(dispatcher, opening, DOMAIN) == {"item_count": "3"}
    assert (await form.extract_description(dispatcher, opening, DOMAIN))["description"] == text


async def test_a_vehicle_mentioned_first_is_not_asked_again(
    form: ValidateServiceRequestForm,
) -> None:
    text = "a white honda civic plate 7ABC123 has been parked here for 3 weeks"
    opening = tracker({"service_code": "abandoned-vehicle"}, text=text,
                      intent="report_abandoned_vehicle")
    result = await form.extract_vehicle_description(CollectingDispatcher(), opening, DOMAIN)
    assert result == {"vehicle_description": "white honda civic, plate 7ABC123"}


async def test_its_not_a_car_its_a_mattress_changes_the_type(
    form: ValidateServiceRequestForm,
) -> None:
    text = "it's not a car, it's a mattress someone dumped"
    correction = answered(
        "vehicle_description", text, intent="report_illegal_dumping",
        slots={"service_code": "abandoned-vehicle", "address": "200 N Spring St"},
    )
    result = await form.extract_service_code(CollectingDispatcher(), correction, DOMAIN)
    assert result["service_code"] == "illegal-dumping"
    assert result["vehicle_description"] is None


async def test_a_correction_the_nlu_could_not_place_asks_the_type_again(
    form: ValidateServiceRequestForm,
) -> None:
    text = "no, that's not a pothole"
    correction = answered("description", text, intent="deny", slots={"service_code": "pothole"})
    dispatcher = CollectingDispatcher()
    result = await form.extract_service_code(dispatcher, correction, DOMAIN)
    assert result["service_code"] is None
    assert dispatcher.messages[0]["response"] == "utter_ask_corrected_type"


async def test_an_ordinary_answer_keeps_the_type(form: ValidateServiceRequestForm) -> None:
    # "a dryer" answers the items question of a bulky pickup: not a switch to appliances.
    answer = answered("item_description", "a dryer", intent="report_appliances",
                      slots={"service_code": "bulky-items"})
    assert await form.extract_service_code(CollectingDispatcher(), answer, DOMAIN) == {}


async def test_also_a_dryer_adds_an_item_and_one_to_the_count(
    form: ValidateServiceRequestForm,
) -> None:
    text = "perdón, también hay una secadora"
    turn = answered("contact_info", text, slots={
        "service_code": "bulky-items", "item_description": "sofa", "item_count": "1"})
    dispatcher = CollectingDispatcher()
    assert await form.extract_item_description(dispatcher, turn, DOMAIN) == {
        "item_description": "sofa, secadora"}
    assert await form.extract_item_count(dispatcher, turn, DOMAIN) == {"item_count": "2"}
    assert dispatcher.messages[0]["response"] == "utter_items_added"


async def test_never_mind_at_any_step_cancels(form: ValidateServiceRequestForm) -> None:
    text = "actually never mind, my cousin is gonna take it"
    turn = answered("item_count", text, intent="inform", slots={"service_code": "bulky-items"})
    dispatcher = CollectingDispatcher()
    events = await form.run(dispatcher, turn, DOMAIN)
    assert SlotSet("requested_slot", None) in events
    assert dispatcher.messages[0]["response"] == "utter_request_cancelled"


async def test_required_slots_follow_the_service_definition(
    form: ValidateServiceRequestForm,
) -> None:
    bulky = await form.required_slots(
        FORM_SLOTS, CollectingDispatcher(), tracker({"service_code": "bulky-items"}), DOMAIN
    )
    assert bulky == ["service_code", "address", "item_description", "item_count",
                     "description", "contact_info", "confirm_request"]
    pothole = await form.required_slots(
        FORM_SLOTS, CollectingDispatcher(), tracker({"service_code": "pothole"}), DOMAIN
    )
    assert pothole == ["service_code", "address", "description", "contact_info",
                       "confirm_request"]


async def test_submit_with_the_backend_down_queues_with_a_local_reference(tmp_path) -> None:
    # Nothing listens on port 9: the real client gets a connection error.
    client = Open311Client("http://127.0.0.1:9/open311/v2", api_key="k", timeout=1.0)
    outbox = Outbox(tmp_path / "outbox.db", client)
    dispatcher = CollectingDispatcher()
    slots = {"service_code": "pothole", "address": "200 N Spring St, Los Angeles, CA",
             "description": "deep", "contact_info": ANONYMOUS, "confirm_request": "yes"}
    events = await ActionSubmitServiceRequest(outbox).run(dispatcher, tracker(slots), {})
    assert dispatcher.messages[0]["response"] == "utter_request_queued"
    local_ref = dispatcher.messages[0]["local_ref"]
    assert local_ref.startswith("Q-")
    assert SlotSet("last_request_id", local_ref) in events
    assert outbox.pending_count() == 1
    await client.aclose()
