"""Answering City-service questions from the knowledge base, citing the official source.

A question that names a problem ("how much does couch pickup cost?") is answered first; when
the answer is about a request type, the assistant then *offers* to file it (never starts it
unasked). When the NLU cannot tell a question from a report, :class:`ActionAskOrReport` asks
which one the resident means, with both as buttons.

Danger is not handled here: the dialogue's ``EmergencyPolicy`` puts "call 911" before any
action on any message about danger.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import language, latest_intent, plain_text, render
from actions.deps import get_retriever
from actions.offers import (
    OFFER_SLOT,
    offer_service,
    service_for_intent,
    service_label,
    type_named_in,
)

TOPIC_SLOT = "last_topic"
# A report intent this likely, in the ranking of a question, is worth offering afterwards.
OFFER_MIN_CONFIDENCE = 0.3
# A report intent this likely names the kind to offer even when the answer offers another.
SURE_REPORT = 0.5


def resident_question(tracker: Tracker) -> str:
    """The resident's words to answer: the latest message, or the one before a button."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        text = str(event.get("text") or "")
        if text and not text.startswith("/"):
            return plain_text(text, 500)
    return ""


def conversation_topic(tracker: Tracker) -> str:
    """Words naming what the conversation is about.

    The request in progress or offered, else the title of the last answer.
    """
    code = conversation_service(tracker)
    if code:
        return service_label(code, tracker)
    return str(tracker.get_slot(TOPIC_SLOT) or "")


def conversation_service(tracker: Tracker) -> str | None:
    """The request type in progress or just offered, if any."""
    code = (tracker.get_slot("service_code") if tracker.active_loop_name else None) or (
        tracker.get_slot(OFFER_SLOT)
    )
    return str(code) if code else None


def topics(tracker: Tracker, domain: DomainDict) -> list[tuple[str, str | None]]:
    """What a question may be about beyond its own words, best first: (words, request type).

    The request in progress or offered (or the last answer's title), then the type the message
    itself names ("cuánto cuesta que se lleven un refri": appliances).
    """
    out: list[tuple[str, str | None]] = []
    topic = conversation_topic(tracker)
    if topic:
        out.append((topic, conversation_service(tracker)))
    known = {conversation_service(tracker)}
    # the type the NLU suspects, then the one the words name ("un refri viejo": appliances)
    for named in (reported_service(tracker, domain),
                  type_named_in(resident_question(tracker), None)):
        if named and named not in known:
            out.append((service_label(named, tracker), named))
            known.add(named)
    return out


def reported_service(
    tracker: Tracker, domain: DomainDict, at_least: float = OFFER_MIN_CONFIDENCE
) -> str | None:
    """The request type the NLU also saw in the latest message, if it is likely enough."""
    for ranked in (tracker.latest_message.get("intent_ranking") or [])[:3]:
        if float(ranked.get("confidence") or 0.0) < at_least:
            break
        service = service_for_intent(ranked.get("name"), domain)
        if service:
            return service
    return None


def is_sms(tracker: Tracker) -> bool:
    """Whether the resident's latest message came in by SMS."""
    channel = tracker.get_latest_input_channel() or tracker.latest_message.get("input_channel")
    return channel == "sms"


async def find_answer(
    retriever: Any, question: str, tracker: Tracker, domain: DomainDict
) -> Any | None:
    """The answer to ``question``, else to it with what the conversation is about, or None."""
    # Encoding the query is CPU-bound: keep the action server's event loop free.
    answer = await asyncio.to_thread(retriever.answer, question, language(tracker))
    for topic, service in topics(tracker, domain) if answer is None else []:
        # A follow-up ("how long does that take?") is about what the conversation is about.
        answer = await asyncio.to_thread(
            retriever.answer, f"{question} {topic}", language(tracker), service
        )
        if answer is not None:
            break
    if answer is not None and answer.title == tracker.get_slot(TOPIC_SLOT):
        # The very answer just given: "¿y cuánto cuesta?" after it asks something else.
        other = await asyncio.to_thread(
            retriever.answer, f"{question} {answer.title}", language(tracker),
            conversation_service(tracker), answer.article_id,
        )
        answer = other or answer
    return answer


def say_answer(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, answer: Any
) -> None:
    """Utters the answer with its source (the SMS form on SMS)."""
    if answer.language not in (None, language(tracker)):
        # No text in the resident's language: the English one, introduced in English.
        dispatcher.utter_message(text=render(
            domain, "utter_kb_answer", answer.language,
            answer=answer.sms if is_sms(tracker) else answer.text, source_url=answer.source,
        ))
        return
    dispatcher.utter_message(
        response="utter_kb_answer",
        answer=answer.sms if is_sms(tracker) else answer.text,
        source_url=answer.source,
    )


class ActionAnswerQuestion(Action):
    """Answers with the best passage in the resident's language, or says it is not sure.

    Messages the NLU was not sure about (``nlu_fallback``) or read as out of scope come here
    too: when the knowledge base has a confident answer the resident gets it, otherwise the
    clarification of what the assistant can do (or the polite "I can't help with that"). On
    SMS the answer's short form is sent (it keeps every number and fits three segments with
    the citation); elsewhere the full answer.
    """

    def __init__(self, retriever: Any | None = None) -> None:
        self._retriever = retriever

    def name(self) -> str:
        """The action name Rasa calls."""
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Utters the answer (or "not sure"), then offers a related request."""
        question = resident_question(tracker)
        answer = await find_answer(self._retriever or get_retriever(), question, tracker, domain)
        events: list[EventType] = [SlotSet(TOPIC_SLOT, answer.title)] if answer else []
        if answer is not None:
            say_answer(dispatcher, tracker, domain, answer)
        elif latest_intent(tracker) == "nlu_fallback":
            dispatcher.utter_message(response="utter_clarify")
            return []
        elif latest_intent(tracker) == "out_of_scope":
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        else:
            dispatcher.utter_message(response="utter_kb_not_sure")
        if tracker.active_loop_name:
            return events  # mid-request: the form goes on
        # The kind of problem the resident plainly named; else what the answer is about; else
        # a kind the NLU only suspects ("…no cabe en mi carro" in a question about a sofa
        # must not offer an abandoned-vehicle report when the answer is about bulky items).
        offered = (reported_service(tracker, domain, SURE_REPORT)
                   or getattr(answer, "offers", None) or reported_service(tracker, domain))
        if offered:
            events += offer_service(dispatcher, tracker, offered, "utter_offer_request")
        return events


class ActionAskOrReport(Action):
    """Asks "a question about X, or a report?" when the NLU could not tell."""

    def name(self) -> str:
        """The action name Rasa calls."""
        return "action_ask_or_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Both options as buttons; the report button starts that request type."""
        ranking = tracker.latest_message.get("intent_ranking") or []
        intent = next(
            (r["name"] for r in ranking if service_for_intent(r.get("name"), domain)), None
        )
        service = service_for_intent(intent, domain)
        if intent is None or service is None:
            dispatcher.utter_message(response="utter_clarify")
            return []
        dispatcher.utter_message(
            response="utter_ask_or_report",
            service_label=service_label(service, tracker),
            report_payload=f"/{intent}",
        )
        return []
