"""One conversation: the transcript, corrections, tags, notes, assignment, reviewed mark.

Each handler serves the page (``/conversations/…``, forms) and the JSON API
(``/api/conversations/…``, JSON bodies). Every read of a transcript is audited; an admin's
reveal shows the resident's text unredacted and is audited as a reveal. Reviewers get 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from eval.review.annotations import add_tag, remove_tag, set_reviewed, tags_for
from eval.review.api.deps import (
    AdminUser,
    ArticlesDep,
    ClientIP,
    CsrfChecked,
    CurrentUser,
    DomainDep,
    SessionDep,
    SettingsDep,
    TemplatesDep,
    TrackerDep,
    UiLanguage,
)
from eval.review.api.respond import body, changed, respond
from eval.review.api.routes.inbox import InboxParamsDep
from eval.review.labels import intent_label, slot_label
from eval.review.models import User
from eval.review.presenters import Redactor, View, transcript_view
from eval.review.services.conversations import (
    add_note,
    assign,
    assignee_of,
    notes_of,
    read_conversation,
    review_mark,
)
from eval.review.services.corrections import (
    KINDS,
    CorrectionError,
    CorrectionInput,
    corrections_for,
    delete_correction,
    save_correction,
)
from eval.review.services.inbox import neighbours
from eval.review.tracker.conversation import Conversation
from eval.review.tracker.store import TrackerStore, TrackerUnavailable

__all__ = ["router"]

router = APIRouter(tags=["conversations"])
_PAGE = "/conversations/{conversation_id}"
_API = "/api/conversations/{conversation_id}"


def _load(tracker: TrackerStore, conversation_id: int) -> Conversation:
    try:
        conversation = tracker.conversation(conversation_id)
    except TrackerUnavailable as error:
        raise HTTPException(
            status_code=503, detail=f"Tracker store unavailable: {error}"
        ) from error
    if conversation is None:
        raise HTTPException(status_code=404, detail="No such conversation.")
    return conversation


def _show(
    request: Request,
    conversation_id: int,
    user: User,
    revealed: bool,
    params: InboxParamsDep,
    db: SessionDep,
    settings: SettingsDep,
    tracker: TrackerDep,
    domain: DomainDep,
    articles: ArticlesDep,
    templates: TemplatesDep,
    ui: str,
    ip: str,
) -> Response:
    try:
        conversation = read_conversation(db, tracker, user, conversation_id, ip, revealed)
    except TrackerUnavailable as error:
        raise HTTPException(
            status_code=503, detail=f"Tracker store unavailable: {error}"
        ) from error
    if conversation is None:
        raise HTTPException(status_code=404, detail="No such conversation.")
    view: View = transcript_view(
        conversation, corrections_for(db, conversation_id),
        Redactor(domain.public_phones, revealed), settings.timezone, ui, articles,
        settings.intent_margin,
    )
    mark = review_mark(db, conversation_id)
    previous, following = neighbours(
        db, conversation_id, params.to_query(settings.timezone, settings.page_size), user
    )
    view.update(
        tags=tags_for(db, conversation_id),
        reviewed={"by": mark.user.username,
                  "at": mark.reviewed_at.isoformat(timespec="minutes")} if mark else None,
        notes=[{"by": n.user.username, "at": n.created_at.isoformat(timespec="minutes"),
                "text": n.text} for n in notes_of(db, conversation_id)],
        assignee=assignee_of(db, conversation_id),
        previous=previous, next=following,
    )
    offered = [i for i in domain.intents if i not in ("nlu_fallback", "danger", "not_danger")]
    page: View = {
        "user": user, "auth": request.state.viewer, "c": view,
        "intents": sorted(((i, intent_label(i, ui)) for i in offered), key=lambda p: p[1]),
        "slots": [(s, slot_label(s, ui)) for s in domain.form_slots],
        "articles": sorted(((a.id, a.title(ui)) for a in articles.values()),
                           key=lambda p: p[1].casefold()),
        "back": params.pairs(),
    }
    return respond(request, templates, "conversation.html", view, page)


@router.get(_PAGE)
@router.get(_API)
def conversation(
    request: Request, conversation_id: int, user: CurrentUser, params: InboxParamsDep,
    db: SessionDep, settings: SettingsDep, tracker: TrackerDep, domain: DomainDep,
    articles: ArticlesDep, templates: TemplatesDep, ui: UiLanguage, ip: ClientIP,
) -> Response:
    """The transcript, redacted (the read is audited)."""
    return _show(request, conversation_id, user, False, params, db, settings, tracker, domain,
                 articles, templates, ui, ip)


@router.post(_PAGE + "/reveal")
@router.post(_API + "/reveal")
def reveal(
    request: Request, conversation_id: int, user: AdminUser, _csrf: CsrfChecked,
    params: InboxParamsDep, db: SessionDep, settings: SettingsDep, tracker: TrackerDep,
    domain: DomainDep, articles: ArticlesDep, templates: TemplatesDep, ui: UiLanguage,
    ip: ClientIP,
) -> Response:
    """The transcript unredacted, for an admin; audited as a reveal."""
    return _show(request, conversation_id, user, True, params, db, settings, tracker, domain,
                 articles, templates, ui, ip)


class CorrectionIn(BaseModel):
    """A correction: a kind, its value, and for a form step the slot."""

    kind: str = Field(pattern="^(" + "|".join(KINDS) + ")$")
    value: str = Field(max_length=500)
    slot: str | None = Field(default=None, max_length=120)


@router.post(_PAGE + "/messages/{event_id}/corrections")
@router.put(_API + "/messages/{event_id}/corrections")
async def correct(
    request: Request, conversation_id: int, event_id: int, user: CurrentUser,
    _csrf: CsrfChecked, db: SessionDep, tracker: TrackerDep, domain: DomainDep,
    articles: ArticlesDep, ip: ClientIP,
) -> Response:
    """Saves one kind of correction of a resident message."""
    given = await body(request, CorrectionIn)
    conversation = _load(tracker, conversation_id)
    try:
        saved = save_correction(db, user, conversation, event_id,
                                CorrectionInput(given.kind, given.value, given.slot),
                                domain, articles, ip)
    except LookupError as error:
        raise HTTPException(status_code=404, detail=str(error)) from error
    except CorrectionError as error:
        raise HTTPException(status_code=400, detail=str(error)) from error
    return changed(request, f"/conversations/{conversation_id}#m{event_id}",
                   {"kind": saved.kind, "value": saved.value, "status": saved.status})


class KindIn(BaseModel):
    """Which correction to remove."""

    kind: str = Field(pattern="^(" + "|".join(KINDS) + ")$")


@router.post(_PAGE + "/messages/{event_id}/corrections/delete")
@router.delete(_API + "/messages/{event_id}/corrections/{kind}")
async def uncorrect(
    request: Request, conversation_id: int, event_id: int, user: CurrentUser,
    _csrf: CsrfChecked, db: SessionDep, ip: ClientIP, kind: str = "",
) -> Response:
    """Removes one correction."""
    kind = kind or (await body(request, KindIn)).kind
    if not delete_correction(db, user, conversation_id, event_id, kind, ip):
        raise HTTPException(status_code=404, detail="No such correction.")
    return changed(request, f"/conversations/{conversation_id}#m{event_id}")


class TagIn(BaseModel):
    """A tag."""

    tag: str = Field(max_length=60)


@router.post(_PAGE + "/tags")
@router.post(_API + "/tags")
async def tag(
    request: Request, conversation_id: int, user: CurrentUser, _csrf: CsrfChecked,
    db: SessionDep, tracker: TrackerDep, ip: ClientIP,
) -> Response:
    """Tags the conversation."""
    given = await body(request, TagIn)
    _load(tracker, conversation_id)
    try:
        add_tag(db, user, conversation_id, given.tag, ip)
    except ValueError as error:
        raise HTTPException(status_code=400, detail=str(error)) from error
    return changed(request, f"/conversations/{conversation_id}")


@router.post(_PAGE + "/tags/delete")
@router.delete(_API + "/tags/{name}")
async def untag(
    request: Request, conversation_id: int, user: CurrentUser, _csrf: CsrfChecked,
    db: SessionDep, ip: ClientIP, name: str = "",
) -> Response:
    """Removes a tag."""
    name = name or (await body(request, TagIn)).tag
    if not remove_tag(db, user, conversation_id, name, ip):
        raise HTTPException(status_code=404, detail="The conversation has no such tag.")
    return changed(request, f"/conversations/{conversation_id}")


class ReviewedIn(BaseModel):
    """The reviewed mark (forms send "1"/"0")."""

    reviewed: bool = True


@router.post(_PAGE + "/reviewed")
@router.put(_API + "/reviewed")
async def reviewed(
    request: Request, conversation_id: int, user: CurrentUser, _csrf: CsrfChecked,
    db: SessionDep, tracker: TrackerDep, ip: ClientIP,
) -> Response:
    """Marks the conversation reviewed (or not)."""
    given = await body(request, ReviewedIn)
    _load(tracker, conversation_id)
    set_reviewed(db, user, conversation_id, given.reviewed, ip)
    return changed(request, f"/conversations/{conversation_id}")


class NoteIn(BaseModel):
    """A staff note."""

    text: str = Field(max_length=2000)


@router.post(_PAGE + "/notes")
@router.post(_API + "/notes")
async def note(
    request: Request, conversation_id: int, user: CurrentUser, _csrf: CsrfChecked,
    db: SessionDep, tracker: TrackerDep, ip: ClientIP,
) -> Response:
    """Adds a note."""
    given = await body(request, NoteIn)
    _load(tracker, conversation_id)
    try:
        add_note(db, user, conversation_id, given.text, ip)
    except ValueError as error:
        raise HTTPException(status_code=400, detail=str(error)) from error
    return changed(request, f"/conversations/{conversation_id}#notes", {"added": True}, 201)


class AssignIn(BaseModel):
    """Who should look at the conversation ("" for nobody)."""

    assignee: str = Field(default="", max_length=80)


@router.post(_PAGE + "/assignment")
@router.put(_API + "/assignment")
async def assignment(
    request: Request, conversation_id: int, user: CurrentUser, _csrf: CsrfChecked,
    db: SessionDep, tracker: TrackerDep, ip: ClientIP,
    me: Annotated[bool, Query()] = False,
) -> Response:
    """Assigns the conversation (to oneself with ``?me=1`` or ``assignee: <name>``)."""
    given = await body(request, AssignIn)
    _load(tracker, conversation_id)
    name = user.username if me else given.assignee.strip() or None
    try:
        target = assign(db, user, conversation_id, name, ip)
    except LookupError as error:
        raise HTTPException(status_code=400, detail=str(error)) from error
    return changed(request, f"/conversations/{conversation_id}",
                   {"assignee": target.username if target else None})
