"""Where the problem is, in the dialogue: typed locations, shared pins, and "which district?".

The actions stay thin: :class:`connectors.geo.LocationService` reads the place; this module
turns its answer into slots and the name of the response to utter. :func:`read_location` is
shared by the service request form's ``validate_address`` (``actions/forms.py``) and by the
"what council district am I in?" lookup.

Slots it fills (``bot/domain/location.yml``): ``location_address`` (what Open311 receives),
``location_lat`` / ``location_lon``, ``location_short``, ``location_district``,
``location_community``, ``location_nc``, ``location_nc_url``, ``location_in_city``,
``location_place``; and for the conversation: ``location_failures`` (unusable answers in a
row), ``location_pending`` (a question asked about a partial answer), ``location_prompted``
(the validation already asked, so the form's question is not repeated).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import language, latest_entity, latest_intent, plain_text, render
from connectors.geo import NotAPlace, Place, SplitZip, get_location_service
from connectors.geo.service import LocationService

MAX_PIN_ACCURACY_M = 1000.0
PIN_PAYLOAD = "/share_location"
STRIKES = 2  # unusable answers before the assistant offers another way
# Every slot this module fills; actions/requests.py clears them with the form.
LOCATION_SLOTS = (
    "location_address", "location_lat", "location_lon", "location_short", "location_district",
    "location_community", "location_nc", "location_nc_url", "location_in_city",
    "location_place", "location_failures", "location_pending", "location_prompted",
)
_INTERRUPTIONS = frozenset(
    {"cancel", "human_handoff", "help", "bot_challenge", "set_language", "check_request_status"}
)
_OUTSIDE_RESPONSE = {
    "other_city": "utter_location_other_city",
    "unincorporated": "utter_location_unincorporated",
    "outside_county": "utter_location_outside_county",
    "other_state": "utter_location_other_state",
}


@dataclass
class Reading:
    """What the dialogue does with one answer: slot changes and responses to utter."""

    changes: dict[str, Any] = field(default_factory=dict)
    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    place: Place | None = None
    not_a_place: bool = False  # nothing in the message read as a place at all

    def say(self, dispatcher: CollectingDispatcher) -> None:
        """Utters the responses, in order."""
        for response, values in self.messages:
            dispatcher.utter_message(response=response, **values)


def shared_pin(tracker: Tracker) -> tuple[float, float, float | None] | None:
    """The point the web chat sent with the latest message (``metadata.location``)."""
    metadata = tracker.latest_message.get("metadata") or {}
    location = metadata.get("location") if isinstance(metadata, dict) else None
    if not isinstance(location, dict):
        return None
    try:
        lat, lon = float(location["lat"]), float(location["lon"])
        accuracy = location.get("accuracy")
        accuracy_m = float(accuracy) if accuracy is not None else None
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        return None
    return lat, lon, accuracy_m


def place_label(place: Place, domain: DomainDict, lang: str) -> str:
    """What the confirmation shows: ``"200 N Spring St (Downtown, Council District 14)"``.

    Parentheses rather than a dash keep an SMS in the GSM alphabet (160 characters a segment).
    """
    short = place.short or place.text
    if place.kind == "pin":
        short = render(domain, "utter_location_label_near", lang, location_short=short) or short
    area = []
    if place.jurisdiction.community:
        area.append(place.jurisdiction.community)
    if place.jurisdiction.council_district:
        area.append(render(domain, "utter_location_label_district", lang,
                           location_district=place.jurisdiction.council_district)
                    or f"CD {place.jurisdiction.council_district}")
    return f"{short} ({', '.join(area)})" if area else short


def _place_slots(place: Place) -> dict[str, Any]:
    j = place.jurisdiction
    return {
        "location_address": place.text,
        "location_lat": place.lat,
        "location_lon": place.lon,
        "location_short": place.short or place.text,
        "location_district": float(j.council_district) if j.council_district else None,
        "location_community": j.community,
        "location_nc": j.neighborhood_council,
        "location_nc_url": j.neighborhood_council_url,
        "location_in_city": j.in_city,
        "location_place": j.community or j.name,
        "location_failures": None,
        "location_pending": None,
    }


def _combine(pending: dict[str, Any], answer: str) -> str:
    """The resident's answer to a question about their earlier answer, as one location."""
    kind = pending.get("kind")
    short = str(pending.get("short") or "")
    if kind == "split_zip":
        return f"{short}, {answer} {pending.get('zip', '')}".strip()
    if kind == "street":
        return f"{answer} {short}" if answer.strip().isdigit() else f"{short} and {answer}"
    if kind == "area":
        return f"{answer}, {pending.get('place', '')}"
    return answer


def _candidates(tracker: Tracker, value: Any) -> list[str]:
    """Texts to read, fullest first.

    The whole message keeps the city typed after the address the NLU spotted ("1550 Ocean
    Ave, Santa Monica"); the entity alone is the fallback.
    """
    message = plain_text(tracker.latest_message.get("text"), 300)
    texts = [message] if message else []
    entity = latest_entity(tracker, "address")
    if entity:
        start = message.lower().find(entity.lower())
        if start > 0:
            texts.append(message[start:])
        texts.append(entity)
    slot_text = plain_text(value, 300)
    if slot_text and slot_text not in texts:
        texts.append(slot_text)
    return texts


def read_location(
    tracker: Tracker,
    domain: DomainDict,
    value: Any,
    service: LocationService | None = None,
    slot: str = "address",
) -> Reading:
    """Reads the resident's answer to "Where is it?" and decides what to say.

    Args:
        tracker: The conversation (latest message, its metadata, the location slots).
        domain: The domain the action server received (for the responses' labels).
        value: The value Rasa mapped to the slot (the message or an address entity).
        service: The location service; the process's cached one by default.
        slot: The slot being filled (``address`` or ``lookup_location``).

    Returns:
        The slot changes (``slot`` is ``None`` when the answer cannot be used) and the
        responses to utter.
    """
    service = service or get_location_service()
    lang = language(tracker)
    pin = shared_pin(tracker)
    message = str(tracker.latest_message.get("text") or "")
    if pin is not None or message.strip() == PIN_PAYLOAD or value == "pin":
        return _read_pin(service, pin, domain, lang, slot, tracker)

    pending = _pending(tracker)
    texts = _candidates(tracker, value)
    if pending:
        texts.insert(1, _combine(pending, texts[0] if texts else ""))
    result: Place | SplitZip | NotAPlace = NotAPlace("empty")
    for text in texts:
        found = service.resolve(text)
        if isinstance(found, Place) and (found.precise or not found.in_city):
            result = found
            break
        if isinstance(result, NotAPlace) or isinstance(found, SplitZip):
            result = found
    return _decide(result, domain, lang, slot, tracker)


def _pending(tracker: Tracker) -> dict[str, Any] | None:
    raw = tracker.get_slot("location_pending")
    if not raw:
        return None
    try:
        pending = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return pending if isinstance(pending, dict) else None


def _decide(
    result: Place | SplitZip | NotAPlace, domain: DomainDict, lang: str, slot: str,
    tracker: Tracker,
) -> Reading:
    if isinstance(result, Place) and result.usable:
        label = place_label(result, domain, lang)
        reading = Reading({slot: label, **_place_slots(result)}, place=result)
        if "street" in result.unconfirmed:
            reading.messages.append(("utter_location_unconfirmed",
                                     {"location_short": result.short}))
        return reading
    if isinstance(result, Place) and not result.in_city:
        response = _OUTSIDE_RESPONSE[result.jurisdiction.kind]
        place_name = result.jurisdiction.community or result.jurisdiction.name
        if result.jurisdiction.kind == "outside_county" and result.typed_place:
            place_name = result.typed_place
        reading = Reading(
            {slot: None, "location_pending": None, "location_prompted": True,
             "location_in_city": False, "location_place": place_name,
             "location_short": result.short or place_name},
            [(response, {"location_place": place_name})],
            place=result,
        )
        if slot == "lookup_location":
            reading.changes[slot] = result.text
        return reading
    if isinstance(result, SplitZip):
        others = ", ".join(result.others[:2]) if result.others else ""
        pending = {"kind": "split_zip", "short": result.short, "zip": result.zip_code}
        return Reading(
            {slot: None, "location_pending": json.dumps(pending), "location_prompted": True},
            [("utter_location_split_zip", {
                "zip_code": result.zip_code,
                "share_in_city": round(result.share_in_city * 100),
                "location_others": others,
            })],
        )
    return _strike(result, tracker, slot)


def _strike(result: Place | NotAPlace, tracker: Tracker, slot: str) -> Reading:
    """An answer the assistant cannot use: say what is missing, or after two, another way."""
    failures = int(tracker.get_slot("location_failures") or 0) + 1
    changes: dict[str, Any] = {slot: None, "location_failures": float(failures),
                               "location_prompted": True, "location_pending": None}
    if failures >= STRIKES:
        return Reading(changes, [("utter_location_another_way", {})])
    if isinstance(result, Place) and result.kind == "street":
        changes["location_pending"] = json.dumps({"kind": "street", "short": result.short})
        return Reading(changes, [("utter_location_need_number",
                                  {"location_short": result.short})])
    if isinstance(result, Place) and result.kind == "area":
        name = result.jurisdiction.community or result.typed_place or "Los Angeles"
        changes["location_pending"] = json.dumps({"kind": "area", "place": name})
        return Reading(changes, [("utter_location_need_street", {"location_place": name})])
    return Reading(changes, [("utter_address_not_understood", {})],
                   not_a_place=isinstance(result, NotAPlace))


def _read_pin(
    service: LocationService,
    pin: tuple[float, float, float | None] | None,
    domain: DomainDict,
    lang: str,
    slot: str,
    tracker: Tracker,
) -> Reading:
    if pin is None:
        reading = _strike(NotAPlace("empty"), tracker, slot)
        if reading.messages[0][0] == "utter_address_not_understood":
            reading.messages = [("utter_location_pin_missing", {})]
        return reading
    lat, lon, accuracy = pin
    place = service.from_point(lat, lon, accuracy)
    if accuracy is not None and (accuracy > MAX_PIN_ACCURACY_M or (
        "jurisdiction" in place.unconfirmed
    )):
        changes = {slot: None, "location_prompted": True}
        return Reading(changes, [("utter_location_pin_imprecise",
                                  {"accuracy": round(accuracy)})])
    return _decide(place, domain, lang, slot, tracker)


class ActionAskServiceRequestFormAddress(Action):
    """Asks where the problem is; after two unusable answers, offers another way instead."""

    def name(self) -> str:
        """The action name Rasa calls (the form asks with it instead of the utterance)."""
        return "action_ask_service_request_form_address"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Says nothing when the validation just asked; otherwise asks, or offers help."""
        if tracker.get_slot("location_prompted"):
            return [SlotSet("location_prompted", None)]
        if int(tracker.get_slot("location_failures") or 0) >= STRIKES:
            dispatcher.utter_message(response="utter_location_another_way")
        else:
            dispatcher.utter_message(response="utter_ask_service_request_form_address")
        return []


class ValidateLocationLookupForm(FormValidationAction):
    """The one-question form behind "what council district am I in?"."""

    def name(self) -> str:
        """The action name Rasa calls."""
        return "validate_location_lookup_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Asks nothing when a place is already known and the question names none."""
        known = tracker.get_slot("location_address") or tracker.get_slot("location_place")
        asked_now = latest_intent(tracker) == "ask_council_district" and not latest_entity(
            tracker, "address"
        )
        if known and asked_now and tracker.get_slot("lookup_location") is None:
            return []
        return domain_slots

    async def extract_lookup_location(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The place to look up: named in the question, shared as a pin, or the answer."""
        intent = latest_intent(tracker)
        if intent in _INTERRUPTIONS:
            return {}
        if shared_pin(tracker) is not None or intent == "share_location":
            return {"lookup_location": "pin"}
        if tracker.get_slot("requested_slot") == "lookup_location":
            return {"lookup_location": plain_text(tracker.latest_message.get("text"), 300)}
        entity = latest_entity(tracker, "address")
        if intent == "ask_council_district" and entity:
            return {"lookup_location": entity}
        return {}

    async def validate_lookup_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Reads the address, intersection, landmark or pin to look up."""
        reading = read_location(tracker, domain, value, slot="lookup_location")
        if reading.place is None or reading.place.in_city:
            reading.say(dispatcher)  # an outside place is answered by action_location_info
        reading.changes.pop("location_prompted", None)
        return reading.changes


class ActionLocationInfo(Action):
    """Answers "what council district am I in?" for the place the conversation knows."""

    def name(self) -> str:
        """The action name Rasa calls."""
        return "action_location_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The district, community and neighborhood council (with its website)."""
        short = tracker.get_slot("location_short") or ""
        if tracker.get_slot("location_in_city") is False:
            dispatcher.utter_message(response="utter_location_district_outside",
                                     location_short=short,
                                     location_place=tracker.get_slot("location_place"))
        elif tracker.get_slot("location_district"):
            dispatcher.utter_message(
                response="utter_location_district",
                location_short=short,
                location_district=int(tracker.get_slot("location_district")),
                location_nc=tracker.get_slot("location_nc") or "—",
                location_nc_url=tracker.get_slot("location_nc_url") or "https://empowerla.org",
            )
        elif short:
            dispatcher.utter_message(response="utter_location_district_unknown",
                                     location_short=short)
        else:
            dispatcher.utter_message(response="utter_ask_location_lookup_form_lookup_location")
        return [SlotSet("lookup_location", None)]
