"""Correcting one resident message: its intent and entities (pages and JSON API).

Offsets come from the text as shown (redacted, or revealed for an admin) and are mapped to
the original message before they are stored.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import Response
from pydantic import BaseModel, Field

from eval.review.annotations import delete_correction, save_correction
from eval.review.api.deps import (
    ClientIP,
    CsrfChecked,
    CurrentUser,
    DomainDep,
    SessionDep,
    TrackerDep,
)
from eval.review.api.lookup import back_to, load_conversation, resident_message
from eval.review.domain import DomainInfo
from eval.review.models import User
from eval.review.presenters import EntityInput, Redactor, spans_from_view
from eval.review.tracker.conversation import Conversation

pages = APIRouter(tags=["corrections"])
api = APIRouter(tags=["corrections"])


def _save(
    db: Any,
    user: User,
    conversation: Conversation,
    event_id: int,
    intent: str,
    rows: list[EntityInput],
    revealed_offsets: bool,
    domain: DomainInfo,
    ip: str,
) -> None:
    turn = resident_message(conversation, event_id)
    redactor = Redactor(domain.public_phones, revealed_offsets and user.is_admin)
    try:
        save_correction(
            db, user,
            conversation_id=conversation.conversation_id,
            event_id=event_id,
            text=turn.text,
            predicted_intent=turn.intent,
            intent=intent,
            entities=spans_from_view(turn.text, rows, redactor),
            domain=domain,
            ip=ip,
        )
    except ValueError as error:
        db.rollback()
        raise HTTPException(status_code=400, detail=str(error)) from error


def _optional_int(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError as error:
        raise HTTPException(status_code=400, detail=f"{value!r} is not an offset.") from error


@pages.post("/conversations/{conversation_id}/messages/{event_id}/correction")
def correction_form(
    conversation_id: int,
    event_id: int,
    user: CurrentUser,
    _csrf: CsrfChecked,
    db: SessionDep,
    tracker: TrackerDep,
    domain: DomainDep,
    ip: ClientIP,
    intent: Annotated[str, Form(max_length=120)],
    entity: Annotated[list[str] | None, Form()] = None,
    value: Annotated[list[str] | None, Form()] = None,
    start: Annotated[list[str] | None, Form()] = None,
    end: Annotated[list[str] | None, Form()] = None,
    view: Annotated[str, Form()] = "redacted",
) -> Response:
    """Saves a message's intent and entities."""
    conversation = load_conversation(tracker, conversation_id)
    names, values = entity or [], value or []
    starts, ends = start or [], end or []
    if not len(names) == len(values) == len(starts) == len(ends):
        raise HTTPException(status_code=400, detail="Each entity needs a name, value and span.")
    rows = [
        EntityInput(n.strip(), v.strip(), _optional_int(s), _optional_int(e))
        for n, v, s, e in zip(names, values, starts, ends, strict=True)
    ]
    _save(db, user, conversation, event_id, intent, rows, view == "revealed", domain, ip)
    return back_to(conversation_id, f"#m{event_id}")


@pages.post("/conversations/{conversation_id}/messages/{event_id}/correction/delete")
def correction_delete_form(
    conversation_id: int,
    event_id: int,
    user: CurrentUser,
    _csrf: CsrfChecked,
    db: SessionDep,
    tracker: TrackerDep,
    ip: ClientIP,
) -> Response:
    """Removes a message's correction."""
    conversation = load_conversation(tracker, conversation_id)
    resident_message(conversation, event_id)
    delete_correction(db, user, conversation_id, event_id, ip)
    return back_to(conversation_id, f"#m{event_id}")


class EntityIn(BaseModel):
    """An entity: a span of the message as shown (redacted unless ``view`` is revealed)."""

    entity: str = Field(max_length=120)
    value: str = Field(default="", max_length=500)
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)


class CorrectionIn(BaseModel):
    """A message's corrected intent and entities."""

    intent: str = Field(max_length=120)
    entities: list[EntityIn] = Field(default_factory=list, max_length=20)
    view: str = Field(default="redacted", pattern="^(redacted|revealed)$")


@api.put("/conversations/{conversation_id}/messages/{event_id}/correction", status_code=204)
def correction_api(
    conversation_id: int,
    event_id: int,
    body: CorrectionIn,
    user: CurrentUser,
    _csrf: CsrfChecked,
    db: SessionDep,
    tracker: TrackerDep,
    domain: DomainDep,
    ip: ClientIP,
) -> Response:
    """Saves a message's intent and entities."""
    conversation = load_conversation(tracker, conversation_id)
    rows = [EntityInput(e.entity, e.value, e.start, e.end) for e in body.entities]
    _save(db, user, conversation, event_id, body.intent, rows, body.view == "revealed", domain, ip)
    return Response(status_code=204)


@api.delete("/conversations/{conversation_id}/messages/{event_id}/correction", status_code=204)
def correction_delete_api(
    conversation_id: int,
    event_id: int,
    user: CurrentUser,
    _csrf: CsrfChecked,
    db: SessionDep,
    ip: ClientIP,
) -> Response:
    """Removes a message's correction."""
    if not delete_correction(db, user, conversation_id, event_id, ip):
        raise HTTPException(status_code=404, detail="No correction for this message.")
    return Response(status_code=204)
