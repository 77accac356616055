"""The inbox: conversations to review, filtered, the most useful first."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from eval.review.annotations import all_tags, reviewed_ids, tags_by_conversation
from eval.review.api.deps import (
    AuthDep,
    CurrentUser,
    DomainDep,
    SessionDep,
    SettingsDep,
    TemplatesDep,
    TrackerDep,
)
from eval.review.api.filters import FiltersDep, to_inbox_filter
from eval.review.presenters import Redactor, summary_view
from eval.review.tracker.inbox import SCORE_WEIGHTS, SIGNALS
from eval.review.tracker.store import TrackerUnavailable

pages = APIRouter(tags=["inbox"])
api = APIRouter(tags=["inbox"])


def _inbox(
    params: Any, db: Any, settings: Any, tracker: Any, domain: Any
) -> tuple[dict[str, Any], str | None]:
    flt = to_inbox_filter(params, db, settings.timezone)
    try:
        page = tracker.inbox(flt, params.page, settings.page_size)
    except TrackerUnavailable as error:
        return {"items": [], "total": 0, "page": 1, "pages": 1}, str(error)
    redactor = Redactor(domain.public_phones)
    marked = reviewed_ids(db)
    tags = tags_by_conversation(db, [i.conversation_id for i in page.items])
    items = [
        summary_view(item, redactor, settings.timezone, item.conversation_id in marked,
                     tags.get(item.conversation_id, []))
        for item in page.items
    ]
    return {"items": items, "total": page.total, "page": page.page, "pages": page.pages}, None


@pages.get("/")
def inbox_page(
    request: Request,
    params: FiltersDep,
    user: CurrentUser,
    auth: AuthDep,
    db: SessionDep,
    settings: SettingsDep,
    tracker: TrackerDep,
    domain: DomainDep,
    templates: TemplatesDep,
) -> Response:
    """The inbox page."""
    result, error = _inbox(params, db, settings, tracker, domain)
    return templates.TemplateResponse(
        request,
        "inbox.html",
        {
            "user": user,
            "auth": auth,
            "params": params,
            "result": result,
            "error": error,
            "signals": SIGNALS,
            "weights": SCORE_WEIGHTS,
            "tags": all_tags(db),
            "low_confidence": settings.low_confidence,
        },
    )


@api.get("/conversations")
def inbox_api(
    params: FiltersDep,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
    tracker: TrackerDep,
    domain: DomainDep,
) -> dict[str, Any]:
    """One page of the inbox as JSON (redacted)."""
    result, error = _inbox(params, db, settings, tracker, domain)
    if error:
        raise HTTPException(status_code=503, detail=f"Tracker store unavailable: {error}")
    return result
