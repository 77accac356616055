"""A new session (after an hour without messages) keeps the conversation's language only.

Rasa's default ``action_session_start`` carries over every slot or none. Carrying over all of
them would pre-fill yesterday's half-finished request (its address, its items) into today's;
carrying over none would forget that the resident speaks Spanish and the number of the request
they filed. So only those cross the session boundary.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

CARRIED_OVER = ("language", "language_locked", "last_request_id")


class ActionSessionStart(Action):
    """Starts a session with the language and the last request number, nothing else."""

    def name(self) -> str:
        """Overrides Rasa's default action of this name."""
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """SessionStarted, the carried-over slots, then listen."""
        events: list[EventType] = [SessionStarted()]
        for slot in CARRIED_OVER:
            value = tracker.get_slot(slot)
            if value is not None:
                events.append(SlotSet(slot, value))
        events.append(ActionExecuted("action_listen"))
        return events
