"""Answering City-service questions from the knowledge base, citing the official source."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import language, latest_intent, plain_text
from actions.deps import get_retriever
from knowledge_base.safety import is_emergency


def is_sms(tracker: Tracker) -> bool:
    """Whether the resident's latest message came in by SMS."""
    channel = tracker.get_latest_input_channel() or tracker.latest_message.get("input_channel")
    return channel == "sms"


class ActionAnswerQuestion(Action):
    """Answers with the best passage in the resident's language, or says it is not sure.

    Danger (fire, a downed power line, a crime in progress) always comes first with "call 911".
    Messages the NLU was not sure about (``nlu_fallback``) come here too: when the knowledge
    base has a confident answer the resident gets it, otherwise the clarification of what the
    assistant can do. On SMS the answer's short form is sent (it keeps every number and fits
    three segments with the citation); elsewhere the full answer.
    """

    def __init__(self, retriever: Any | None = None) -> None:
        self._retriever = retriever

    def name(self) -> str:
        """The action name Rasa calls."""
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Utters the emergency notice when needed, then the answer or "not sure"."""
        question = plain_text(tracker.latest_message.get("text"), 500)
        emergency = is_emergency(question)
        if emergency:
            dispatcher.utter_message(response="utter_emergency")
        retriever = self._retriever or get_retriever()
        # Encoding the query is CPU-bound: keep the action server's event loop free.
        answer = await asyncio.to_thread(retriever.answer, question, language(tracker))
        if answer is not None:
            dispatcher.utter_message(
                response="utter_kb_answer",
                answer=answer.sms if is_sms(tracker) else answer.text,
                source_url=answer.source,
            )
        elif latest_intent(tracker) == "nlu_fallback":
            dispatcher.utter_message(response="utter_clarify")
        elif not emergency:
            dispatcher.utter_message(response="utter_kb_not_sure")
        return []
