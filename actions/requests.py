"""Filing the service request at the end of the form, and cancelling it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.deps import get_outbox
from actions.forms import NO_DESCRIPTION, attribute_slots, contact_fields
from actions.location import LOCATION_SLOTS
from connectors.open311.errors import Open311Error, Open311ServiceError
from connectors.open311.models import ServiceRequestDraft
from connectors.open311.outbox import confirmation_key

# Every slot the form fills; cleared once a request is filed or cancelled.
FORM_SLOTS = (
    "service_code", "address", "item_description", "item_count", "lights_out_count",
    "blocking_traffic", "vehicle_description", "animal_type", "graffiti_surface",
    "description", "contact_info", "confirm_request", "service_label", "request_details",
    "contact_label", "media_url", *LOCATION_SLOTS,
)


def reset_form() -> list[EventType]:
    """Events that clear the form so the next request starts fresh."""
    return [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet("requested_slot", None)]


def build_draft(tracker: Tracker) -> ServiceRequestDraft:
    """The Open311 request the form describes."""
    code = tracker.get_slot("service_code")
    attributes = {
        slot: str(tracker.get_slot(slot))
        for slot in attribute_slots(code)
        if tracker.get_slot(slot) is not None
    }
    description = tracker.get_slot("description")
    contact = contact_fields(tracker.get_slot("contact_info"))
    lat, lon = tracker.get_slot("location_lat"), tracker.get_slot("location_lon")
    return ServiceRequestDraft(
        service_code=code,
        # The normalised address for the backend; ``address`` is what the resident was shown.
        address_string=tracker.get_slot("location_address") or tracker.get_slot("address"),
        lat=float(lat) if lat is not None and lon is not None else None,
        long=float(lon) if lat is not None and lon is not None else None,
        attributes=attributes,
        description=None if description in (None, NO_DESCRIPTION) else description,
        email=contact.get("email"),
        phone=contact.get("phone"),
        media_url=tracker.get_slot("media_url"),
    )


def confirmation_key_of(tracker: Tracker, draft: ServiceRequestDraft) -> str:
    """The outbox key of this confirmation: conversation, confirming turn and request.

    A turn that was cancelled (the client timed out or hung up, a replica was killed) is not
    saved, so the resident's next "yes" — on any replica — is the same turn of the same
    conversation, gets the same key and reuses the request already filed.
    """
    turn = sum(1 for event in tracker.events if event.get("event") == "user")
    return confirmation_key(tracker.sender_id, turn, draft)


class ActionSubmitServiceRequest(Action):
    """Files the confirmed request through the outbox and tells the resident what happens next."""

    def __init__(self, outbox: Any | None = None) -> None:
        self._outbox = outbox

    def name(self) -> str:
        """The action name Rasa calls."""
        return "action_submit_service_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Stores the request durably, sends it, and answers with its number."""
        if tracker.get_slot("confirm_request") != "yes":
            return reset_form()
        outbox = self._outbox or get_outbox()
        draft = build_draft(tracker)
        try:
            result = await outbox.submit(draft, confirmation_key_of(tracker, draft))
        except Open311ServiceError as error:
            dispatcher.utter_message(response="utter_request_rejected", reason=error.description)
            return reset_form()
        except Open311Error:
            dispatcher.utter_message(response="utter_status_unavailable")
            return reset_form()
        if result.status == "filed" and result.service_request_id:
            dispatcher.utter_message(
                response="utter_request_filed", request_id=result.service_request_id
            )
            reference = result.service_request_id
        elif result.status == "filed":  # accepted with a token: the id comes later
            dispatcher.utter_message(response="utter_request_filed", request_id=result.local_ref)
            reference = result.local_ref
        else:
            dispatcher.utter_message(response="utter_request_queued", local_ref=result.local_ref)
            reference = result.local_ref
        return [*reset_form(), SlotSet("last_request_id", reference)]


class ActionCancelServiceRequest(Action):
    """Stops the form and forgets its answers; nothing is filed."""

    def name(self) -> str:
        """The action name Rasa calls."""
        return "action_cancel_service_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Says it is cancelled and deactivates the form."""
        dispatcher.utter_message(response="utter_request_cancelled")
        return [ActiveLoop(None), *reset_form()]
