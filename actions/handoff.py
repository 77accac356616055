"""Telling the resident how to reach a person, and flagging the conversation for staff."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict


class ActionHumanHandoff(Action):
    """Gives the 311 phone numbers and hours, and marks the conversation as a handoff."""

    def name(self) -> str:
        """The action name Rasa calls."""
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Utters the contact details; the slot lets staff filter handoff conversations."""
        dispatcher.utter_message(response="utter_handoff")
        return [SlotSet("handoff_requested", True)]
