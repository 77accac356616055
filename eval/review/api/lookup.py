"""Finding the conversation and message a request names (404 when there is none)."""

from __future__ import annotations

from fastapi import HTTPException
from fastapi.responses import RedirectResponse

from eval.review.tracker.conversation import Conversation, Turn
from eval.review.tracker.store import TrackerStore, TrackerUnavailable

__all__ = ["back_to", "load_conversation", "resident_message"]


def load_conversation(tracker: TrackerStore, conversation_id: int) -> Conversation:
    """The conversation, or 404 (503 when the tracker store cannot be read)."""
    try:
        conversation = tracker.conversation(conversation_id)
    except TrackerUnavailable as error:
        raise HTTPException(
            status_code=503, detail=f"Tracker store unavailable: {error}"
        ) from error
    if conversation is None:
        raise HTTPException(status_code=404, detail="No such conversation.")
    return conversation


def resident_message(conversation: Conversation, event_id: int) -> Turn:
    """One of the resident's messages in the conversation, or 404."""
    for turn in conversation.user_turns:
        if turn.event_id == event_id:
            return turn
    raise HTTPException(status_code=404, detail="No such resident message in this conversation.")


def back_to(conversation_id: int, anchor: str = "") -> RedirectResponse:
    """After a form: back to the transcript (post/redirect/get)."""
    return RedirectResponse(f"/conversations/{conversation_id}{anchor}", status_code=303)
