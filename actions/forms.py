"""The service request form: the resident steers it, and nothing they said is asked again.

The domain lists the base slots (type, address, description, contact, confirmation); the
attributes a crew needs (items, vehicle, animal …) come from the Open311 service definition of
the chosen type (:meth:`ValidateServiceRequestForm.required_slots`).

Each turn, before the usual validation, the ``extract_<slot>`` methods read what the resident's
message says beyond the question asked:

* the opening message ("a white honda has been parked at 200 N Spring St for 2 weeks") fills
  every slot it answers (vehicle, items and count, animal, surface, lights, description);
* a change of kind at any step ("it's not a car, it's a mattress someone dumped") switches the
  type and drops the answers that belonged to the old one;
* more or different details at any step ("also there's a dryer", "perdón, son 3", a new
  address, a phone number) update the request;
* "never mind" / "olvídalo" at any step cancels it (backing up the NLU's ``cancel`` intent).

The confirmation summary is rebuilt from the final slot values whenever it is shown, so every
correction is visible before anything is filed. The stored description is the resident's own
words, never one of the assistant's questions.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeGuard

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import language, latest_entity, plain_text
from actions.deps import get_retriever
from actions.knowledge import find_answer, resident_question, say_answer
from actions.location import read_location
from actions.offers import (
    MULTIPLE_LIGHTS,
    OFFER_SLOT,
    SINGLE_LIGHT,
    offer_is_fresh,
    offered_after,
    offered_message,
    service_for_intent,
    type_named_in,
)
from actions.parsing import (
    after_cue,
    count_change,
    count_items,
    find_items,
    find_vehicle,
    has_cue,
    is_no,
    is_skip,
    is_yes,
    leads_with_yes,
    match_choice,
    parse_contact,
    parse_count,
    says_yes,
)
from bot.language import is_question
from bot.languages import ui_text
from bot.text import matching_form
from connectors.geo import Place, get_location_service
from connectors.open311.catalog import get_catalog

MAX_DESCRIPTION_CHARS = 1000
# Set while the form reads a message a second time for the new type's questions: the type
# does not change again ("sorry i mixed it up, the graffiti … a pile of drywall someone
# dumped" names graffiti too).
_SECOND_PASS: ContextVar[bool] = ContextVar("second_extraction_pass", default=False)
MAX_ITEM_TEXT_CHARS = 300
NO_DESCRIPTION = "-"
# Every attribute code of the catalog has a slot of the same name in the domain's form.
ALL_ATTRIBUTE_SLOTS = frozenset(
    "item_description item_count lights_out_count blocking_traffic vehicle_description "
    "animal_type graffiti_surface".split()
)
ANONYMOUS = "anonymous"
# An opening message with this many words (of four letters or more) besides the place is the
# resident's description: it is not asked again.
DESCRIPTION_MIN_WORDS = 5
# A report intent this sure, at the confirmation, changes the request's type.
TYPE_CHANGE_CONFIDENCE = 0.45
# The NLU's "cancel" must be this sure to stop a request (a cue phrase is enough alone).
CANCEL_CONFIDENCE = 0.5
# A place read from the opening message must be this sure (an address the NLU spotted is read
# whatever its confidence: the confirmation shows it).
OPENING_PLACE_CONFIDENCE = 0.8
# Where an address was expected, a report of another kind must be this sure to switch.
ADDRESS_STEP_TYPE_CHANGE_CONFIDENCE = 0.6
# Filing cannot be undone: the classifier's "affirm" counts as yes only when it is this sure
# (short noise such as "lol" or "hmm" gets 0.6-0.8); a yes in words counts whatever it scores.
CONFIRM_CONFIDENCE = 0.85
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


def contact_fields(value: str | None) -> dict[str, str]:
    """The Open311 contact fields stored in the ``contact_info`` slot."""
    if not value or value == ANONYMOUS:
        return {}
    return parse_contact(value)


@dataclass(frozen=True)
class Turn:
    """The resident's latest message as the form sees it.

    Attributes:
        text: What they typed (empty for a button payload).
        intent: The NLU intent and its confidence.
        confidence: The intent's confidence.
        requested: The slot the form had asked for (``None`` when the form is just opening).
    """

    text: str
    intent: str | None
    confidence: float
    requested: str | None

    @classmethod
    def of(cls, tracker: Tracker) -> Turn:
        """Reads the latest message and the form's state from the tracker."""
        message = tracker.latest_message or {}
        raw = str(message.get("text") or "")
        intent = message.get("intent") or {}
        requested = tracker.get_slot("requested_slot")
        if raw.startswith("/"):
            # A button. Opening the form from "I want to report it" reads the words before it.
            raw = resident_question(tracker) if requested is None else ""
        return cls(
            text=plain_text(raw, 2000),
            intent=intent.get("name"),
            confidence=float(intent.get("confidence") or 0.0),
            requested=requested,
        )

    @property
    def opening(self) -> bool:
        """Whether this message opened the form."""
        return self.requested is None

    def answers(self, slot: str) -> bool:
        """Whether this message is the answer to the question about ``slot``."""
        return self.requested == slot


def describes(text: str) -> bool:
    """Whether ``text`` says enough to stand as the request's description."""
    return sum(len(word) >= 4 for word in text.split()) >= DESCRIPTION_MIN_WORDS


def changed_this_turn(tracker: Tracker) -> set[str]:
    """Slots whose value the resident's latest message changed (not merely set again)."""
    values: dict[str, Any] = {}
    before: dict[str, Any] = {}
    after_user = False
    for event in tracker.events:
        if event.get("event") == "user":
            after_user, before = True, {}
        elif event.get("event") == "slot":
            name = event.get("name")
            if after_user and name not in before:
                before[name] = values.get(name)
            values[name] = event.get("value")
    return {name for name, value in before.items() if values.get(name) != value}


def _uses(tracker: Tracker, slot: str) -> bool:
    return slot in attribute_slots(tracker.get_slot("service_code"))


def _said_since_last_answer(tracker: Tracker, response: str) -> bool:
    """Whether the assistant sent ``response`` between the resident's last two messages."""
    seen_latest = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_latest:
                return False
            seen_latest = True
        elif seen_latest and event.get("event") == "bot" and (
            (event.get("metadata") or {}).get("utter_action") == response
        ):
            return True
    return False


async def _answered(
    text: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
) -> bool:
    """Answers ``text`` when it is a question ("is this free?") the knowledge base answers.

    At a free-text step (description, contact) the NLU may not be sure the message is a
    question, so the form would store it; a question mark and a confident answer (about the
    request in progress, see :func:`actions.knowledge.find_answer`) say it is one.
    """
    if not is_question(text, require_mark=True):
        return False
    answer = await find_answer(get_retriever(), text, tracker, domain)
    if answer is None:
        return False
    say_answer(dispatcher, tracker, domain, answer)
    return True


def _sure_place(found: object) -> TypeGuard[Place]:
    """Whether a location reading is a place sure enough to fill the address unasked."""
    return isinstance(found, Place) and found.confidence >= OPENING_PLACE_CONFIDENCE and (
        found.kind in ("address", "intersection", "landmark")
    )


def wants_to_cancel(turn: Turn) -> bool:
    """"never mind", "olvídalo", or the NLU's cancel intent — unless the message says yes."""
    if not turn.text or says_yes(turn.text):
        return False
    return has_cue("cancel", turn.text) or (
        turn.intent == "cancel" and turn.confidence >= CANCEL_CONFIDENCE
    )


# Curbside pickups that differ by what is picked up: an items answer may move between them.
PICKUP_TYPES = ("bulky-items", "metal-household-appliances", "electronic-waste")
_NEGATED = re.compile(r"\b(no|not|ni|sin|nada de)\s+\w+")
# The words that name a pickup itself (not its items), in the languages' matching form.
_PICKUP_WORDS = {
    "bulky-items": re.compile(r"\b(bulky|voluminos[oa]s?|muebles)\b"),
    "metal-household-appliances": re.compile(
        r"\b(appliances?|electrodomesticos?|linea blanca|metal)\b"),
    "electronic-waste": re.compile(
        r"\b(e ?waste|electronics?|electronic waste|electronic[oa]s?|aparatos electronicos)\b"),
}


def _without_negated(text: str) -> str:
    """``text`` without the words it denies ("no furniture", "not bulky", "sin muebles")."""
    return _NEGATED.sub(" ", matching_form(text))


def _new_type(turn: Turn, tracker: Tracker, domain: DomainDict) -> str | None:
    """The type a mid-form message switches to, ``""`` to ask again, ``None`` for no change.

    A message changes the type when it says so ("it's not a car, it's a mattress", "I meant
    graffiti") or when, where the form expected a confirmation or an address, it plainly
    reports another kind of problem. When it says "not that" without a kind the NLU can
    place, the form asks for the kind again.
    """
    if turn.opening or turn.answers("service_code") or not turn.text:
        return None
    current = tracker.get_slot("service_code")
    named = service_for_intent(turn.intent, domain) if (
        turn.confidence >= TYPE_CHANGE_CONFIDENCE
    ) else None
    other = named if named and named != current else None
    address_given = latest_entity(tracker, "address") is not None
    if has_cue("correction", turn.text):
        if other:
            return other
        by_words = type_named_in(after_cue("correction", turn.text) or "", current)
        if by_words:
            return by_words
        return None if address_given or named == current else ""
    if current == SINGLE_LIGHT and (count_change(turn.text) or 0) >= 2:
        return MULTIPLE_LIGHTS  # "wait actually it's 3 of them out", "en realidad son 3"
    if current in PICKUP_TYPES and turn.answers("item_description"):
        # "an old stove and a water heater, no furniture, so it's appliances not bulky": the
        # items name another pickup and so does the resident; a plain "a dryer" stays bulky
        # (a bulky pickup takes it), and so does a mix.
        kept = _without_negated(turn.text)
        named = type_named_in(kept, None)
        if named in PICKUP_TYPES and named != current and _PICKUP_WORDS[named].search(kept):
            return named
    if has_cue("reconsider", turn.text) and not turn.answers("address"):
        # "actually people live in it, it's more of an encampment": a softer correction,
        # believed when the message names the other kind (the NLU's intent or its words).
        softer = other or type_named_in(turn.text, current)
        if softer:
            return softer
    if other and turn.answers("confirm_request") and not is_yes(turn.text):
        return other
    if (other and turn.answers("address") and not address_given
            and turn.confidence >= ADDRESS_STEP_TYPE_CHANGE_CONFIDENCE):
        return other
    return None


def _opening_type(turn: Turn, tracker: Tracker) -> dict[str, Any]:
    """The type of the message that opened the form, when the NLU's guess is not enough.

    "hi i want to report graffiti" read as the generic report names its type in words; "ok
    pues quiero reportar uno" right after the assistant offered a graffiti request, read as a
    weak guess of another type, means the offered one — unless its words name another type.
    """
    current = tracker.get_slot("service_code")
    named = type_named_in(turn.text, None) if turn.text else None
    offered = tracker.get_slot(OFFER_SLOT) if offer_is_fresh(tracker) else None
    unsure = not current or turn.confidence < TYPE_CHANGE_CONFIDENCE
    if named and not current:
        return {"service_code": named}
    if offered and unsure and named in (None, offered) and offered != current:
        return {"service_code": offered}
    return {}


class ValidateServiceRequestForm(FormValidationAction):
    """Extracts and validates each answer of ``service_request_form``."""

    def name(self) -> str:
        """The action name Rasa calls."""
        return "validate_service_request_form"

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Extracts; after a change of type, once more for the new type's own questions.

        "no es carro, es un colchón y un sillón": the same message that changes the type
        answers the new type's items and count, which were not required a moment before.
        """
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        if not any(e.get("name") == "service_code" and e.get("value") for e in events):
            return events
        token = _SECOND_PASS.set(True)
        try:
            again = await super().get_extraction_events(dispatcher, tracker, domain)
        finally:
            _SECOND_PASS.reset(token)
        values = {e["name"]: e.get("value") for e in events}
        values.update(
            {e["name"]: e.get("value") for e in again if e.get("name") != "service_code"}
        )
        return [SlotSet(name, value) for name, value in values.items()]

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
        """Cancels on "never mind", else extracts and validates; keeps an MMS photo."""
        turn = Turn.of(tracker)
        if wants_to_cancel(turn):
            dispatcher.utter_message(response="utter_request_cancelled")
            return [SlotSet("confirm_request", None), SlotSet("requested_slot", None)]
        events = await super().run(dispatcher, tracker, domain)
        # A photo (MMS) belongs to the request, whether it opens the form or comes mid-way.
        metadata = tracker.latest_message.get("metadata") or {}
        media_url = metadata.get("media_url") if isinstance(metadata, dict) else None
        if isinstance(media_url, str) and media_url.startswith(("https://", "http://")):
            events.append(SlotSet("media_url", media_url[:2048]))
        if not any(e.get("event") == "slot" and e.get("name") != "requested_slot"
                   for e in events):
            # Nothing in the message answers the form: let Rasa reject the form so the rules
            # handle it (a question, "cancel", "talk to a person" …).
            return events
        return events + self._summary_if_confirming(tracker, events)

    # --- the confirmation summary ---------------------------------------------------------
    def _summary_if_confirming(
        self, tracker: Tracker, events: list[EventType]
    ) -> list[EventType]:
        slots = dict(tracker.slots)
        for event in events:
            if event.get("event") == "slot":
                slots[event["name"]] = event["value"]
        if slots.get("requested_slot") != "confirm_request":
            return []
        return [SlotSet(name, value) for name, value in self.summary(slots, tracker).items()]

    @staticmethod
    def summary(slots: dict[str, Any], tracker: Tracker) -> dict[str, Any]:
        """The slots the confirmation question shows, in the resident's language."""
        lang = language(tracker)
        service = get_catalog().service(slots.get("service_code") or "")
        label = service.service_name.get(lang) if service else str(slots.get("service_code"))
        details = []
        if service:
            for attribute in sorted(service.attributes, key=lambda a: a.order):
                value = slots.get(attribute.code)
                if not value:
                    continue
                shown = str(value)
                for choice in attribute.values:
                    if choice.key == value:
                        shown = choice.name.get(lang)
                name = (attribute.label or attribute.description).get(lang)
                details.append(f"{name}: {shown}")
        description = slots.get("description")
        if description and description != NO_DESCRIPTION:
            details.append(str(description))
        contact = slots.get("contact_info")
        anonymous = ui_text(lang, "chat", "anonymous")
        return {
            "service_label": label,
            "request_details": " · ".join(details) if details else "—",
            "contact_label": anonymous if not contact or contact == ANONYMOUS else contact,
        }

    # --- extraction: what a message says beyond the question asked ------------------------
    async def extract_service_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Reads the type of an opening message; switches it on a correction."""
        turn = Turn.of(tracker)
        if turn.opening:
            return _opening_type(turn, tracker)
        if _SECOND_PASS.get():
            return {}  # the type already changed on this message: once only
        new = _new_type(turn, tracker, domain)
        if new is None:
            return {}
        changes: dict[str, Any] = {slot: None for slot in ALL_ATTRIBUTE_SLOTS}
        changes.update({"service_code": new or None, "confirm_request": None})
        if new and turn.answers("item_description") and (
            "item_description" in attribute_slots(new)
        ):  # "a stove and a water heater, no furniture" answered the items of the new type too
            items = find_items(turn.text)
            changes["item_description"] = (
                ", ".join(items) if items else turn.text)[:MAX_ITEM_TEXT_CHARS]
        # The old description described the old kind; a long correction is the new one.
        changes["description"] = (
            turn.text[:MAX_DESCRIPTION_CHARS] if describes(turn.text)
            else None
        )
        if not new:
            dispatcher.utter_message(response="utter_ask_corrected_type")
        return changes

    async def extract_address(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A place the NLU did not spot: opening the form or correcting the summary.

        "la van nuys y laurel canyon" in the first message; "perdón, es en la Roscoe y
        Woodman" at the summary (a sure place other than the one it shows).
        """
        turn = Turn.of(tracker)
        if not turn.text or (latest_entity(tracker, "address") and not turn.opening):
            return {}
        # Opening with an address the slot mapping left out (the NLU read the message as a
        # question: "ah ok entonces q vengan por ella, 2815 Wabash Ave"): read it here.
        # At the summary any sure new place corrects it; at another step (not the address
        # question itself) one said as a correction: "sorry my bad its pico and fairfax".
        correcting = (turn.answers("confirm_request") and not says_yes(turn.text)) or (
            not turn.opening and not turn.answers("address")
            and bool(tracker.get_slot("address"))
            and (has_cue("reconsider", turn.text) or has_cue("correction", turn.text))
        )
        if not (turn.opening and not tracker.get_slot("address")) and not correcting:
            return {}
        found = get_location_service().resolve(turn.text)
        earlier = offered_message(tracker) if turn.opening else None
        if earlier and not _sure_place(found):
            # "now i want to report that pothole" after an offer: the place may be in the
            # message the offer answered ("… a pothole at 1st and Boyle …"): the address the
            # NLU spotted in it, else its words.
            spotted = [e.get("value") for e in (earlier.get("parse_data") or {}).get(
                "entities") or [] if e.get("entity") == "address" and e.get("value")]
            for candidate in [*spotted, str(earlier.get("text") or "")]:
                before = get_location_service().resolve(str(candidate))
                if _sure_place(before) and before.in_city:
                    return {"address": str(candidate)}
        if correcting:
            moved = _sure_place(found) and found.short not in str(
                tracker.get_slot("address") or ""
            )
            return {"address": turn.text} if moved else {}
        if not isinstance(found, Place):
            return {}
        if _sure_place(found) or (found.typed_place and not found.in_city):
            return {"address": turn.text}
        return {}

    async def extract_item_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Items named in the opening message, or added later ("also a dryer")."""
        turn = Turn.of(tracker)
        if not turn.text or turn.answers("item_description") or not _uses(
            tracker, "item_description"
        ):
            return {}
        items = find_items(turn.text)
        earlier = offered_after(tracker) if turn.opening else None
        if not items and earlier:
            items = find_items(earlier)  # "how much to take a fridge?" … "ok, come get it"
        if not items:
            return {}
        current = tracker.get_slot("item_description")
        if turn.opening or not current:
            return {"item_description": ", ".join(items)[:MAX_ITEM_TEXT_CHARS]}
        if has_cue("addition", turn.text) or turn.answers("item_count"):
            dispatcher.utter_message(response="utter_items_added", items=", ".join(items))
            return {"item_description": f"{current}, {', '.join(items)}"[:MAX_ITEM_TEXT_CHARS]}
        return {}

    async def extract_item_count(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The count in the opening message, a corrected count, or one more per added item."""
        turn = Turn.of(tracker)
        if not turn.text or turn.answers("item_count") or not _uses(tracker, "item_count"):
            return {}
        if turn.opening or (
            tracker.get_slot("item_count") is None and not turn.answers("item_description")
        ):
            # the opening message, or one that changed the type to one with items
            counted = count_items(turn.text)
            earlier = offered_after(tracker) if turn.opening else None
            if not counted and earlier and not find_items(turn.text):
                counted = count_items(earlier)  # the items came with the question answered
            return {"item_count": str(counted)} if counted else {}
        corrected = count_change(turn.text)
        if corrected and 1 <= corrected <= 500:
            return {"item_count": str(corrected)}
        current = parse_count(str(tracker.get_slot("item_count") or ""))
        added = count_items(turn.text) if has_cue("addition", turn.text) else None
        if current and added:
            return {"item_count": str(current + added)}
        return {}

    async def extract_lights_out_count(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """How many lights are out, said before the question.

        "3 streetlights are out on my block" in the first message; "actually it's 3 of them",
        which turned one light into several, later.
        """
        turn = Turn.of(tracker)
        if not (turn.text and _uses(tracker, "lights_out_count")) or turn.answers(
            "lights_out_count"
        ):
            return {}
        if turn.opening:
            count = parse_count(turn.text)
        elif tracker.get_slot("lights_out_count") is None:
            count = count_change(turn.text)
        else:
            return {}
        return {"lights_out_count": str(count)} if count and 2 <= count <= 500 else {}

    async def extract_blocking_traffic(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """"a tree fell and it's blocking the road" answers whether it blocks traffic."""
        turn = Turn.of(tracker)
        if not turn.text or turn.answers("blocking_traffic") or not _uses(
            tracker, "blocking_traffic"
        ):
            return {}
        if is_yes(turn.text) or is_no(turn.text):
            return {}  # a bare yes/no answers another question (the confirmation)
        choice = match_choice("blocking_traffic", turn.text)
        if choice not in ("yes", "no") or choice == tracker.get_slot("blocking_traffic"):
            return {}
        return {"blocking_traffic": choice}

    async def extract_vehicle_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A make, color or plate anywhere ("white honda civic, plate 7ABC123")."""
        turn = Turn.of(tracker)
        if not turn.text or turn.answers("vehicle_description") or not _uses(
            tracker, "vehicle_description"
        ):
            return {}
        vehicle = find_vehicle(turn.text)
        return {"vehicle_description": vehicle[:MAX_ITEM_TEXT_CHARS]} if vehicle else {}

    async def extract_animal_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """"a dead raccoon in my alley" answers what kind of animal."""
        turn = Turn.of(tracker)
        if not (turn.opening and turn.text and _uses(tracker, "animal_type")):
            return {}
        choice = match_choice("animal_type", turn.text)
        return {"animal_type": choice} if choice else {}

    async def extract_graffiti_surface(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """"someone tagged my garage" answers where the graffiti is."""
        turn = Turn.of(tracker)
        if not (turn.opening and turn.text and _uses(tracker, "graffiti_surface")):
            return {}
        choice = match_choice("graffiti_surface", turn.text)
        return {"graffiti_surface": choice} if choice else {}

    async def extract_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A long opening message is the description; "description: …" replaces it later."""
        turn = Turn.of(tracker)
        if not turn.text or turn.answers("description"):
            return {}
        if turn.opening:
            # Words beyond the place: "there's a pothole at 4000 W 3rd St" says nothing more.
            address = latest_entity(tracker, "address") or ""
            rest = turn.text.replace(address, " ") if address else turn.text
            if describes(rest):
                return {"description": turn.text[:MAX_DESCRIPTION_CHARS]}
            return {}
        correction = _DESCRIPTION_PREFIX.match(turn.text)
        if correction and correction.end() < len(turn.text):
            return {"description": turn.text[correction.end():][:MAX_DESCRIPTION_CHARS]}
        return {}

    async def extract_confirm_request(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A yes at the summary that restates the wish, whatever the NLU read.

        "yes still file the abandoned car report" reads as a status check, which the slot
        mapping leaves out; it is the resident's yes.
        """
        turn = Turn.of(tracker)
        if turn.answers("confirm_request") and turn.text and leads_with_yes(turn.text):
            return {"confirm_request": turn.text}
        return {}

    async def extract_contact_info(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A phone number or email volunteered at any step."""
        turn = Turn.of(tracker)
        if not turn.text or turn.answers("contact_info"):
            return {}
        found = parse_contact(turn.text)
        return {"contact_info": ", ".join(found.values())} if found else {}

    # --- validation of each answer --------------------------------------------------------
    async def validate_service_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accepts a catalog code, or finds one from the catalog's keywords in free text."""
        if value is None:
            return {"service_code": None}
        catalog = get_catalog()
        code = str(value)
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
        if value is None:
            return {"address": None}
        reading = read_location(tracker, domain, value)
        if reading.not_a_place and not Turn.of(tracker).answers("address"):
            return {"address": tracker.get_slot("address")}  # not an address after all
        reading.say(dispatcher)
        return dict(reading.changes)

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
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        if value is None:
            return {slot: None}
        count = parse_count(plain_text(value))
        if count is None or not 1 <= count <= 500:
            turn = Turn.of(tracker)
            if not (turn.answers(slot) and find_items(turn.text)):  # "also a dryer": re-ask
                dispatcher.utter_message(response="utter_invalid_number")
            return {slot: None}
        return {slot: str(count)}

    async def validate_item_count(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Reads the number of items."""
        return await self._validate_count("item_count", value, dispatcher, tracker)

    async def validate_lights_out_count(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Reads how many lights are out; one light is a single-streetlight request."""
        result = await self._validate_count("lights_out_count", value, dispatcher, tracker)
        if result["lights_out_count"] == "1":
            single = get_catalog().service("single-streetlight")
            assert single is not None
            return {
                "lights_out_count": None,
                "service_code": "single-streetlight",
                "service_label": single.service_name.get(language(tracker)),
            }
        return result

    async def _validate_choice(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        other_allowed: bool,
    ) -> dict[str, Any]:
        if value is None:
            return {slot: None}
        text = plain_text(value)
        choice = match_choice(slot, text)
        if choice is None and slot == "blocking_traffic":
            choice = "yes" if is_yes(text) else "no" if is_no(text) else None
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
        if value is None:
            return {"description": None}
        text = plain_text(value)
        answering = Turn.of(tracker).answers("description")
        if answering and (
            is_skip(text) or tracker.latest_message.get("intent", {}).get("name") == "deny"
        ):
            return {"description": NO_DESCRIPTION}
        if answering and await _answered(text, dispatcher, tracker, domain):
            return {"description": None}  # a question, answered: the step is asked again
        if answering and "address" in changed_this_turn(tracker):
            return {"description": None}  # "sorry, it's at Pico and Fairfax": not a description
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
        if value is None:
            return {"contact_info": None}
        text = plain_text(value, 300)
        found = parse_contact(text)
        if found:
            return {"contact_info": ", ".join(found.values())}
        if not Turn.of(tracker).answers("contact_info"):
            return {"contact_info": tracker.get_slot("contact_info")}
        if await _answered(text, dispatcher, tracker, domain):
            return {"contact_info": None}  # a question, answered: the step is asked again
        if (
            is_skip(text)
            or tracker.latest_message.get("intent", {}).get("name") == "deny"
            or _said_since_last_answer(tracker, "utter_invalid_contact")
        ):
            # a second answer that is neither a phone nor an email ("I'd rather not leave
            # one", in words the form does not know) is a no: the request goes anonymous
            # instead of asking forever
            dispatcher.utter_message(response="utter_anonymous")
            return {"contact_info": ANONYMOUS}
        dispatcher.utter_message(response="utter_invalid_contact")
        return {"contact_info": None}

    async def validate_confirm_request(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Files on yes; shows the summary again after any change; otherwise asks."""
        if value is None:
            return {"confirm_request": None}
        changed = changed_this_turn(tracker) - {
            "confirm_request", "requested_slot", "language", "language_locked",
            "service_label", "request_details", "contact_label",
        }
        if changed:
            return {"confirm_request": None}  # the summary is shown again with the change
        text = plain_text(value)
        parsed = tracker.latest_message.get("intent", {})
        intent = parsed.get("name")
        sure = float(parsed.get("confidence") or 0.0) >= CONFIRM_CONFIDENCE
        if (intent == "affirm" and sure) or says_yes(text) or leads_with_yes(text):
            return {"confirm_request": "yes"}
        if intent == "deny" or is_no(text):
            dispatcher.utter_message(response="utter_ask_what_to_change")
        else:
            dispatcher.utter_message(response="utter_confirm_help")
        return {"confirm_request": None}
