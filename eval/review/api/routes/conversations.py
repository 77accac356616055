"""One conversation: the transcript, tags, the reviewed mark, and reveal.

Resident text is redacted everywhere; an admin's reveal shows one conversation unredacted,
once, and is written to the audit log. Reviewers get 403.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from eval.review.annotations import (
    add_tag,
    corrections_for,
    remove_tag,
    set_reviewed,
    tags_for,
)
from eval.review.api.deps import (
    AdminUser,
    AuthDep,
    ClientIP,
    CsrfChecked,
    CurrentUser,
    DomainDep,
    SessionDep,
    SettingsDep,
    TemplatesDep,
    TrackerDep,
)
from eval.review.api.lookup import back_to, load_conversation
from eval.review.audit import record
from eval.review.domain import DomainInfo
from eval.review.models import ReviewMark, User
from eval.review.presenters import Redactor, transcript_view
from eval.review.tracker.conversation import Conversation

pages = APIRouter(tags=["conversations"])
api = APIRouter(tags=["conversations"])


# --- shared ----------------------------------------------------------------------------------


def _view(
    db: Any, conversation: Conversation, domain: DomainInfo, settings: Any, revealed: bool
) -> dict[str, Any]:
    view = transcript_view(
        conversation,
        corrections_for(db, conversation.conversation_id),
        Redactor(domain.public_phones, revealed),
        settings.timezone,
    )
    mark = db.get(ReviewMark, conversation.conversation_id)
    view["tags"] = tags_for(db, conversation.conversation_id)
    view["reviewed"] = (
        {"by": mark.user.username, "at": mark.reviewed_at.isoformat(timespec="seconds")}
        if mark
        else None
    )
    return view


def _reveal(db: Any, user: User, conversation: Conversation, ip: str) -> None:
    record(db, user, "reveal", target=f"conversation:{conversation.conversation_id}", ip=ip)
    db.commit()


# --- pages -----------------------------------------------------------------------------------


def _page(
    request: Request, templates: Any, user: User, auth: Any, view: dict[str, Any],
    domain: DomainInfo,
) -> Response:
    response: Response = templates.TemplateResponse(
        request,
        "conversation.html",
        {"user": user, "auth": auth, "c": view, "intents": domain.intents,
         "entities": domain.entities},
    )
    return response


@pages.get("/conversations/{conversation_id}")
def conversation_page(
    request: Request,
    conversation_id: int,
    user: CurrentUser,
    auth: AuthDep,
    db: SessionDep,
    settings: SettingsDep,
    tracker: TrackerDep,
    domain: DomainDep,
    templates: TemplatesDep,
) -> Response:
    """The transcript, redacted."""
    conversation = load_conversation(tracker, conversation_id)
    view = _view(db, conversation, domain, settings, revealed=False)
    return _page(request, templates, user, auth, view, domain)


@pages.post("/conversations/{conversation_id}/reveal")
def reveal_page(
    request: Request,
    conversation_id: int,
    user: AdminUser,
    auth: AuthDep,
    _csrf: CsrfChecked,
    db: SessionDep,
    settings: SettingsDep,
    tracker: TrackerDep,
    domain: DomainDep,
    templates: TemplatesDep,
    ip: ClientIP,
) -> Response:
    """The transcript unredacted, for an admin; audited."""
    conversation = load_conversation(tracker, conversation_id)
    _reveal(db, user, conversation, ip)
    view = _view(db, conversation, domain, settings, revealed=True)
    return _page(request, templates, user, auth, view, domain)


@pages.post("/conversations/{conversation_id}/tags")
def tag_form(
    conversation_id: int,
    user: CurrentUser,
    _csrf: CsrfChecked,
    db: SessionDep,
    tracker: TrackerDep,
    ip: ClientIP,
    tag: Annotated[str, Form(max_length=200)],
) -> Response:
    """Tags the conversation."""
    load_conversation(tracker, conversation_id)
    try:
        add_tag(db, user, conversation_id, tag, ip)
    except ValueError as error:
        raise HTTPException(status_code=400, detail=str(error)) from error
    return back_to(conversation_id)


@pages.post("/conversations/{conversation_id}/tags/delete")
def untag_form(
    conversation_id: int,
    user: CurrentUser,
    _csrf: CsrfChecked,
    db: SessionDep,
    ip: ClientIP,
    tag: Annotated[str, Form(max_length=200)],
) -> Response:
    """Removes a tag."""
    remove_tag(db, user, conversation_id, tag, ip)
    return back_to(conversation_id)


@pages.post("/conversations/{conversation_id}/reviewed")
def reviewed_form(
    conversation_id: int,
    user: CurrentUser,
    _csrf: CsrfChecked,
    db: SessionDep,
    tracker: TrackerDep,
    ip: ClientIP,
    reviewed: Annotated[str, Form(pattern="^[01]$")] = "1",
) -> Response:
    """Marks the conversation reviewed (or not)."""
    load_conversation(tracker, conversation_id)
    set_reviewed(db, user, conversation_id, reviewed == "1", ip)
    return back_to(conversation_id)


# --- JSON API --------------------------------------------------------------------------------


class TagIn(BaseModel):
    """A tag."""

    tag: str = Field(max_length=60)


class ReviewedIn(BaseModel):
    """The reviewed mark."""

    reviewed: bool


@api.get("/conversations/{conversation_id}")
def conversation_api(
    conversation_id: int,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
    tracker: TrackerDep,
    domain: DomainDep,
) -> dict[str, Any]:
    """The transcript as JSON, redacted."""
    return _view(db, load_conversation(tracker, conversation_id), domain, settings, revealed=False)


@api.post("/conversations/{conversation_id}/reveal")
def reveal_api(
    conversation_id: int,
    user: AdminUser,
    _csrf: CsrfChecked,
    db: SessionDep,
    settings: SettingsDep,
    tracker: TrackerDep,
    domain: DomainDep,
    ip: ClientIP,
) -> dict[str, Any]:
    """The transcript unredacted, for an admin; audited."""
    conversation = load_conversation(tracker, conversation_id)
    _reveal(db, user, conversation, ip)
    return _view(db, conversation, domain, settings, revealed=True)


@api.post("/conversations/{conversation_id}/tags", status_code=204)
def tag_api(
    conversation_id: int,
    body: TagIn,
    user: CurrentUser,
    _csrf: CsrfChecked,
    db: SessionDep,
    tracker: TrackerDep,
    ip: ClientIP,
) -> Response:
    """Tags the conversation."""
    load_conversation(tracker, conversation_id)
    try:
        add_tag(db, user, conversation_id, body.tag, ip)
    except ValueError as error:
        raise HTTPException(status_code=400, detail=str(error)) from error
    return Response(status_code=204)


@api.delete("/conversations/{conversation_id}/tags/{tag}", status_code=204)
def untag_api(
    conversation_id: int,
    tag: str,
    user: CurrentUser,
    _csrf: CsrfChecked,
    db: SessionDep,
    ip: ClientIP,
) -> Response:
    """Removes a tag."""
    if not remove_tag(db, user, conversation_id, tag, ip):
        raise HTTPException(status_code=404, detail="The conversation has no such tag.")
    return Response(status_code=204)


@api.put("/conversations/{conversation_id}/reviewed", status_code=204)
def reviewed_api(
    conversation_id: int,
    body: ReviewedIn,
    user: CurrentUser,
    _csrf: CsrfChecked,
    db: SessionDep,
    tracker: TrackerDep,
    ip: ClientIP,
) -> Response:
    """Marks the conversation reviewed (or not)."""
    load_conversation(tracker, conversation_id)
    set_reviewed(db, user, conversation_id, body.reviewed, ip)
    return Response(status_code=204)
