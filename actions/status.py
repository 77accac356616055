"""Answering "what's the status of my request?" from the backend (or the outbox)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import language, latest_entity
from actions.deps import get_open311_client, get_outbox
from connectors.open311.catalog import get_catalog
from connectors.open311.errors import Open311Error, Open311NotFound


class ActionCheckRequestStatus(Action):
    """Looks up a request by number, or the resident's last request."""

    def __init__(self, client: Any | None = None, outbox: Any | None = None) -> None:
        self._client = client
        self._outbox = outbox

    def name(self) -> str:
        """The action name Rasa calls."""
        return "action_check_request_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Finds the request and utters its status in the resident's language."""
        number = latest_entity(tracker, "request_number") or tracker.get_slot("last_request_id")
        if not number:
            dispatcher.utter_message(response="utter_ask_request_number")
            return []
        number = str(number).upper()
        outbox = self._outbox or get_outbox()
        if number.startswith("Q-"):
            entry = outbox.lookup(number)
            if entry is None:
                dispatcher.utter_message(response="utter_request_not_found", request_id=number)
                return [SlotSet("request_number", None)]
            if not entry.service_request_id:
                dispatcher.utter_message(response="utter_request_status_queued", local_ref=number)
                return [SlotSet("request_number", None)]
            number = entry.service_request_id
        client = self._client or get_open311_client()
        try:
            request = await client.get_request(number)
        except Open311NotFound:
            dispatcher.utter_message(response="utter_request_not_found", request_id=number)
            return [SlotSet("request_number", None)]
        except Open311Error:
            dispatcher.utter_message(response="utter_status_unavailable")
            return [SlotSet("request_number", None)]
        service = get_catalog().service(request.service_code or "")
        label = (
            service.service_name.get(language(tracker))
            if service
            else (request.service_name or request.service_code or "")
        )
        dispatcher.utter_message(
            response="utter_request_status_closed"
            if (request.status or "").lower() == "closed"
            else "utter_request_status_open",
            request_id=request.service_request_id,
            service_label=label,
            status_notes=request.status_notes or "",
        )
        return [SlotSet("request_number", None)]
