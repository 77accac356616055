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


def tracker(
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str = "inform",
    entities: list[dict[str, Any]] | None = None,
    requested_slot: str | None = None,
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "unit",
            "slots": {"language": "en", "requested_slot": requested_slot, **(slots or {})},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.9},
                "entities": entities or [],
            },
            "events": [],
            "active_loop": {"name": "service_request_form"},
            "latest_action_name": "action_listen",
        }
    )


@pytest.fixture
def form() -> ValidateServiceRequestForm:
    return ValidateServiceRequestForm()


async def test_address_outside_the_city_is_refused(form: ValidateServiceRequestForm) -> None:
    dispatcher = CollectingDispatcher()
    text = "123 Main St, Santa Monica, CA 90401"
    result = await form.validate_address(text, dispatcher, tracker(text=text), {})
    assert result["address"] is None
    assert dispatcher.messages[0]["response"] == "utter_location_other_city"
    assert dispatcher.messages[0]["location_place"] == "Santa Monica"


async def test_address_entity_wins_over_the_surrounding_words(
    form: ValidateServiceRequestForm,
) -> None:
    text = "someone tagged my garage at 200 N Spring St"
    entity = {"entity": "address", "value": "200 N Spring St"}
    result = await form.validate_address(
        text, CollectingDispatcher(), tracker(text=text, entities=[entity]), {}
    )
    assert result["address"].startswith("200 N Spring St (Downtown")
    assert result["location_address"] == "200 N Spring St, Los Angeles, CA 90012"
    assert result["location_lat"] and result["location_lon"]


@pytest.mark.parametrize(
    ("answer", "stored"), [("2", "2"), ("about 5", "5"), ("unas cuatro", "4"), ("three", "3")]
)
async def test_item_count_reads_numbers_and_number_words(
    form: ValidateServiceRequestForm, answer: str, stored: str
) -> None:
    result = await form.validate_item_count(answer, CollectingDispatcher(), tracker(), {})
    assert result == {"item_count": stored}


async def test_item_count_without_a_number_asks_again(form: ValidateServiceRequestForm) -> None:
    dispatcher = CollectingDispatcher()
    result = await form.validate_item_count("lots", dispatcher, tracker(), {})
    assert result == {"item_count": None}
    assert dispatcher.messages[0]["response"] == "utter_invalid_number"


async def test_one_light_out_becomes_a_single_streetlight_request(
    form: ValidateServiceRequestForm,
) -> None:
    result = await form.validate_lights_out_count(
        "just 1", CollectingDispatcher(), tracker({"service_code": "multiple-streetlight"}), {}
    )
    assert result["service_code"] == "single-streetlight"


async def test_html_in_a_description_becomes_plain_text(form: ValidateServiceRequestForm) -> None:
    result = await form.validate_description(
        "<script>alert(1)</script>deep <b>hole</b>", CollectingDispatcher(), tracker(), {}
    )
    assert result == {"description": "deep hole"}


async def test_skip_leaves_the_description_empty(form: ValidateServiceRequestForm) -> None:
    result = await form.validate_description("saltar", CollectingDispatcher(), tracker(), {})
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
    slots = {"service_code": "pothole", "address": "200 N Spring St, Los Angeles, CA"}
    result = await form.validate_contact_info(answer, CollectingDispatcher(), tracker(slots), {})
    assert result["contact_info"] == contact
    assert result["service_label"] == "Pothole - Small Asphalt Repair"


async def test_spanish_summary_uses_spanish_names(form: ValidateServiceRequestForm) -> None:
    slots = {"service_code": "graffiti-removal", "graffiti_surface": "wall", "language": "es",
             "address": "200 N Spring St, Los Angeles, CA", "description": NO_DESCRIPTION}
    result = await form.validate_contact_info("saltar", CollectingDispatcher(), tracker(slots), {})
    assert result["contact_label"] == "anónimo"
    assert "Pared" in result["request_details"]


async def test_yes_confirms_and_no_asks_what_to_change(form: ValidateServiceRequestForm) -> None:
    yes = await form.validate_confirm_request(
        "yes", CollectingDispatcher(), tracker(intent="affirm"), {}
    )
    assert yes == {"confirm_request": "yes"}
    dispatcher = CollectingDispatcher()
    no = await form.validate_confirm_request("no", dispatcher, tracker(intent="deny"), {})
    assert no == {"confirm_request": None}
    assert dispatcher.messages[0]["response"] == "utter_ask_what_to_change"


async def test_description_corrected_at_confirmation(form: ValidateServiceRequestForm) -> None:
    slots = {"service_code": "pothole", "address": "200 N Spring St, Los Angeles, CA"}
    result = await form.validate_confirm_request(
        "the description is a deep hole by the bus stop", CollectingDispatcher(),
        tracker(slots, intent="inform"), {},
    )
    assert result["description"] == "a deep hole by the bus stop"
    assert result["confirm_request"] is None


async def test_required_slots_follow_the_service_definition(
    form: ValidateServiceRequestForm,
) -> None:
    domain_slots = ["service_code", "address", "item_description", "item_count",
                    "lights_out_count", "blocking_traffic", "vehicle_description", "animal_type",
                    "graffiti_surface", "description", "contact_info", "confirm_request"]
    bulky = await form.required_slots(
        domain_slots, CollectingDispatcher(), tracker({"service_code": "bulky-items"}), {}
    )
    assert bulky == ["service_code", "address", "item_description", "item_count",
                     "description", "contact_info", "confirm_request"]
    pothole = await form.required_slots(
        domain_slots, CollectingDispatcher(), tracker({"service_code": "pothole"}), {}
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
