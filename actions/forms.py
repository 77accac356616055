"""Validation of the service request form: type, location, the type's attributes, contact, confirm.

The domain lists the base slots (type, address, description, contact, confirmation); the
attributes a crew needs (item count, vehicle description …) come from the Open311 service
definition of the chosen type and are inserted after the address by :meth:`required_slots`.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import is_skip, language, latest_entity, latest_intent, plain_text
from actions.location import read_location
from connectors.open311.catalog import get_catalog
from knowledge_base.safety import is_emergency

MAX_DESCRIPTION_CHARS = 1000
MAX_ITEM_TEXT_CHARS = 300
NO_DESCRIPTION = "-"
# Every attribute code of the catalog has a slot of the same name in the domain's form.
ALL_ATTRIBUTE_SLOTS = frozenset(
    "item_description item_count lights_out_count blocking_traffic vehicle_description "
    "animal_type graffiti_surface".split()
)
ANONYMOUS = "anonymous"

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "a": 1, "an": 1, "single": 1, "uno": 1, "una": 1, "un": 1, "dos": 2,
    "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9,
    "diez": 10, "all": 0, "todas": 0, "todos": 0,
}
_YES = {"yes", "y", "yeah", "yep", "sure", "correct", "si", "sí", "claro", "correcto", "sip",
        "ok", "okay", "dale", "affirm"}
_NO = {"no", "nope", "nah", "n", "not", "nel", "deny"}
# Words residents use for each value of the list attributes, in both languages.
_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "animal_type": {
        "cat": ("cat", "kitten", "gato", "gata", "gatito"),
        "dog": ("dog", "puppy", "perro", "perra", "perrito"),
        "bird": ("bird", "pigeon", "crow", "pájaro", "pajaro", "paloma", "ave", "cuervo"),
        "wildlife": ("raccoon", "possum", "opossum", "skunk", "coyote", "squirrel", "rat",
                     "mapache", "tlacuache", "zarigüeya", "zorrillo", "ardilla", "rata",
                     "wildlife", "silvestre"),
    },
    "graffiti_surface": {
        "wall": ("wall", "garage", "building", "pared", "barda", "muro", "edificio", "cochera"),
        "fence": ("fence", "gate", "cerca", "reja", "portón", "porton"),
        "sign": ("sign", "letrero", "señal", "senal", "anuncio"),
        "sidewalk": ("sidewalk", "street", "banqueta", "acera", "calle", "piso"),
        "pole": ("pole", "post", "poste", "box", "caja"),
    },
    "blocking_traffic": {"yes": tuple(_YES), "no": tuple(_NO)},
}
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_RE = re.compile(r"(?:\+?1[\s.-]?)?\(?(\d{3})\)?[\s.-]?(\d{3})[\s.-]?(\d{4})\b")
_DESCRIPTION_PREFIX = re.compile(
    r"^\s*(?:no[,.]?\s+)?(?:the\s+)?(?:description|details?|descripci[oó]n|detalles?)"
    r"\s*(?:is|are|es|son|:)?\s*:?\s*",
    re.IGNORECASE,
)


def attribute_slots(service_code: str | None) -> list[str]:
    """The required attribute codes of a service type: each is a slot of the form."""
    service = get_catalog().service(service_code or "")
    if service is None:
        return []
    return [a.code for a in sorted(service.attributes, key=lambda a: a.order) if a.required]


def parse_count(text: str) -> int | None:
    """Reads a count from "3", "about 5", "unas cuatro", "two"; ``None`` if there is none."""
    digits = re.search(r"\d{1,4}", text)
    if digits:
        return int(digits.group())
    for word in re.findall(r"[a-záéíóúñ]+", text.lower()):
        if word in _NUMBER_WORDS and _NUMBER_WORDS[word] > 0:
            return _NUMBER_WORDS[word]
    return None


def match_choice(slot: str, text: str, intent: str | None = None) -> str | None:
    """Maps a resident's answer to a list attribute's value key, or ``None``."""
    lowered = text.strip().lower()
    choices = _SYNONYMS.get(slot, {})
    if lowered in choices or lowered == "other":
        return lowered
    if slot == "blocking_traffic" and intent in ("affirm", "deny"):
        return "yes" if intent == "affirm" else "no"
    words = set(re.findall(r"[\wáéíóúñü]+", lowered))
    for key, synonyms in choices.items():
        if words & set(synonyms):
            return key
    return None


def parse_contact(text: str) -> dict[str, str]:
    """Finds an email address and a US phone number (E.164) in the resident's answer."""
    contact: dict[str, str] = {}
    email = _EMAIL_RE.search(text)
    if email:
        contact["email"] = email.group().lower()
    phone = _PHONE_RE.search(_EMAIL_RE.sub(" ", text))
    if phone:
        contact["phone"] = "+1" + "".join(phone.groups())
    return contact


def contact_fields(value: str | None) -> dict[str, str]:
    """The Open311 contact fields stored in the ``contact_info`` slot."""
    if not value or value == ANONYMOUS:
        return {}
    return parse_contact(value)


class ValidateServiceRequestForm(FormValidationAction):
    """Validates each answer of ``service_request_form`` and builds the confirmation summary."""

    def name(self) -> str:
        """The action name Rasa calls."""
        return "validate_service_request_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Keeps only the attribute slots the chosen type requires."""
        wanted = set(attribute_slots(tracker.get_slot("service_code")))
        return [s for s in domain_slots if s not in ALL_ATTRIBUTE_SLOTS or s in wanted]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Warns about danger first, validates, then keeps a photo sent by MMS."""
        # requested_slot is still empty on the turn that opens the form.
        if tracker.get_slot("requested_slot") is None and is_emergency(
            str(tracker.latest_message.get("text") or "")
        ):
            dispatcher.utter_message(response="utter_emergency")
        events = await super().run(dispatcher, tracker, domain)
        metadata = tracker.latest_message.get("metadata") or {}
        media_url = metadata.get("media_url") if isinstance(metadata, dict) else None
        if isinstance(media_url, str) and media_url.startswith(("https://", "http://")):
            events.append(SlotSet("media_url", media_url[:2048]))
        return events

    def _summary(self, tracker: Tracker, changes: dict[str, Any]) -> dict[str, Any]:
        """The slots the confirmation question shows, in the resident's language."""

        def slot(name: str) -> Any:
            return changes[name] if name in changes else tracker.get_slot(name)

        lang = language(tracker)
        service = get_catalog().service(slot("service_code") or "")
        label = service.service_name.get(lang) if service else str(slot("service_code"))
        details = []
        if service:
            for attribute in service.attributes:
                value = slot(attribute.code)
                if value:
                    shown = str(value)
                    for choice in attribute.values:
                        if choice.key == value:
                            shown = choice.name.get(lang)
                    details.append(f"{attribute.description.get(lang)} {shown}")
        description = slot("description")
        if description and description != NO_DESCRIPTION:
            details.append(str(description))
        contact = slot("contact_info")
        anonymous = {"en": "anonymous", "es": "anónimo"}[lang]
        return {
            "service_label": label,
            "request_details": " · ".join(details) if details else "—",
            "contact_label": anonymous if not contact or contact == ANONYMOUS else contact,
        }

    async def validate_service_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accepts a catalog code, or finds one from the catalog's keywords in free text."""
        catalog = get_catalog()
        code = str(value or "")
        if catalog.service(code) is None:
            words = set(re.findall(r"[\wáéíóúñü-]+", plain_text(value).lower()))
            code = next(
                (
                    service.service_code
                    for service in catalog.services
                    if words & {k.lower() for kws in service.keywords.values() for k in kws}
                ),
                "",
            )
        if not code:
            dispatcher.utter_message(response="utter_invalid_choice")
            return {"service_code": None}
        service = catalog.service(code)
        assert service is not None
        return {"service_code": code, "service_label": service.service_name.get(language(tracker))}

    async def validate_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Reads the location with the location service (actions/location.py).

        A place in the City fills ``address`` with what the confirmation shows ("200 N Spring
        St (Downtown, Council District 14)") and the ``location_*`` slots with what is filed;
        a place outside is named and refused; a split ZIP or a street without a number gets a
        precise question; after two unusable answers the resident is offered another way.
        """
        reading = read_location(tracker, domain, value)
        reading.say(dispatcher)
        changes: dict[str, Any] = dict(reading.changes)
        if changes.get("address") and tracker.get_slot("requested_slot") == "confirm_request":
            changes.pop("location_prompted", None)
            changes.update(self._summary(tracker, changes))
        return changes

    async def _validate_free_text(self, slot: str, value: Any) -> dict[str, Any]:
        text = plain_text(value, MAX_ITEM_TEXT_CHARS)
        return {slot: text or None}

    async def validate_item_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keeps the item list as plain text."""
        return await self._validate_free_text("item_description", value)

    async def validate_vehicle_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keeps the vehicle description as plain text."""
        return await self._validate_free_text("vehicle_description", value)

    async def _validate_count(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher
    ) -> dict[str, Any]:
        count = parse_count(plain_text(value))
        if count is None or not 1 <= count <= 500:
            dispatcher.utter_message(response="utter_invalid_number")
            return {slot: None}
        return {slot: str(count)}

    async def validate_item_count(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Reads the number of items."""
        return await self._validate_count("item_count", value, dispatcher)

    async def validate_lights_out_count(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Reads how many lights are out; one light is a single-streetlight request."""
        result = await self._validate_count("lights_out_count", value, dispatcher)
        if result["lights_out_count"] == "1":
            return {
                "lights_out_count": None,
                "service_code": "single-streetlight",
                "service_label": get_catalog()
                .service("single-streetlight")
                .service_name.get(language(tracker)),  # type: ignore[union-attr]
            }
        return result

    async def _validate_choice(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        other_allowed: bool,
    ) -> dict[str, Any]:
        choice = match_choice(slot, plain_text(value), latest_intent(tracker))
        if choice is None and other_allowed:
            choice = "other"
        if choice is None:
            dispatcher.utter_message(response="utter_invalid_choice")
        return {slot: choice}

    async def validate_blocking_traffic(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Reads yes or no."""
        return await self._validate_choice("blocking_traffic", value, dispatcher, tracker, False)

    async def validate_animal_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Maps the animal to a list value; anything unknown is "other"."""
        return await self._validate_choice("animal_type", value, dispatcher, tracker, True)

    async def validate_graffiti_surface(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Maps the surface to a list value; anything unknown is "other"."""
        return await self._validate_choice("graffiti_surface", value, dispatcher, tracker, True)

    async def validate_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keeps the description as plain text of at most 1000 characters ("skip" allowed)."""
        text = plain_text(value)
        if is_skip(text) or latest_intent(tracker) == "deny":
            return {"description": NO_DESCRIPTION}
        if len(text) > MAX_DESCRIPTION_CHARS:
            dispatcher.utter_message(
                response="utter_description_too_long", max_chars=MAX_DESCRIPTION_CHARS
            )
            return {"description": None}
        return {"description": text or None}

    async def validate_contact_info(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accepts a phone number and/or email, or an anonymous request."""
        text = plain_text(value, 300)
        if is_skip(text) or latest_intent(tracker) == "deny":
            dispatcher.utter_message(response="utter_anonymous")
            contact = ANONYMOUS
        else:
            found = parse_contact(text)
            if not found:
                dispatcher.utter_message(response="utter_invalid_contact")
                return {"contact_info": None}
            contact = ", ".join(found.values())
        changes: dict[str, Any] = {"contact_info": contact}
        changes.update(self._summary(tracker, changes))
        return changes

    async def validate_confirm_request(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Files on yes; applies a corrected address or description; otherwise asks again."""
        text = plain_text(value)
        intent = latest_intent(tracker)
        if latest_entity(tracker, "address") is not None:
            # The address slot's own validator already ran on the correction this turn.
            return {"confirm_request": None}
        correction = _DESCRIPTION_PREFIX.match(text)
        if correction and correction.end() < len(text):
            new_description = text[correction.end():][:MAX_DESCRIPTION_CHARS]
            changes: dict[str, Any] = {"description": new_description, "confirm_request": None}
            changes.update(self._summary(tracker, changes))
            return changes
        words = set(re.findall(r"[\wáéíóú]+", text.lower()))
        if intent == "affirm" or (words and words <= _YES | {"please", "por", "favor"}):
            return {"confirm_request": "yes"}
        if intent == "deny" or words & _NO:
            dispatcher.utter_message(response="utter_ask_what_to_change")
        else:
            dispatcher.utter_message(response="utter_invalid_choice")
        return {"confirm_request": None}
