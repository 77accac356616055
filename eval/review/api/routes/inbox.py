"""The inbox: conversations most likely to need a human look first (page and JSON)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from eval.review.annotations import all_tags
from eval.review.api.deps import (
    CurrentUser,
    DomainDep,
    SessionDep,
    SettingsDep,
    TemplatesDep,
    TrackerDep,
    UiLanguage,
)
from eval.review.api.filters import day_bounds, optional_date
from eval.review.api.respond import respond
from eval.review.labels import intent_label
from eval.review.presenters import summary_view
from eval.review.services.inbox import InboxQuery, query_inbox, refresh_index
from eval.review.signals import SIGNALS
from eval.review.tracker.store import TrackerUnavailable

__all__ = ["InboxParams", "InboxParamsDep", "router"]

router = APIRouter(tags=["inbox"])


class InboxParams:
    """The inbox's query parameters, as the filter form sends them."""

    def __init__(
        self,
        q: Annotated[str, Query(max_length=200)] = "",
        start: Annotated[str, Query(max_length=10)] = "",
        end: Annotated[str, Query(max_length=10)] = "",
        channel: Annotated[str, Query(pattern="^(|web|sms)$")] = "",
        language: Annotated[str, Query(pattern="^(|[a-z]{2})$")] = "",
        intent: Annotated[str, Query(max_length=120)] = "",
        corrected: Annotated[str, Query(pattern="^(|yes|no)$")] = "",
        reviewed: Annotated[str, Query(pattern="^(|yes|no)$")] = "",
        tag: Annotated[str, Query(max_length=60)] = "",
        assigned: Annotated[str, Query(max_length=80)] = "",
        signal: Annotated[list[str] | None, Query()] = None,
        sort: Annotated[Literal["need", "newest", "oldest"], Query()] = "need",
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    ) -> None:
        self.q, self.channel, self.language, self.intent = q.strip(), channel, language, intent
        self.corrected, self.reviewed, self.tag, self.assigned = corrected, reviewed, tag, assigned
        self.signal = [s for s in signal or [] if s]
        unknown = [s for s in self.signal if s not in SIGNALS]
        if unknown:
            raise HTTPException(status_code=400, detail=f"Unknown signal: {', '.join(unknown)}")
        self.start: date | None = optional_date(start, "start")
        self.end: date | None = optional_date(end, "end")
        self.sort: Literal["need", "newest", "oldest"] = sort
        self.page = page

    def pairs(self, page: int | None = None) -> list[tuple[str, str]]:
        """The filters as query parameters (links to other pages and conversations)."""
        items = [
            ("q", self.q), ("start", self.start.isoformat() if self.start else ""),
            ("end", self.end.isoformat() if self.end else ""), ("channel", self.channel),
            ("language", self.language), ("intent", self.intent),
            ("corrected", self.corrected), ("reviewed", self.reviewed), ("tag", self.tag),
            ("assigned", self.assigned), *(("signal", s) for s in self.signal),
            ("sort", "" if self.sort == "need" else self.sort),
            ("page", "" if (page or self.page) == 1 else str(page or self.page)),
        ]
        return [(k, v) for k, v in items if v]

    def to_query(self, zone: str, page_size: int) -> InboxQuery:
        """The service's query."""
        low, high = day_bounds(self.start, self.end, zone)
        return InboxQuery(
            start=low, end=high, channel=self.channel or None, language=self.language or None,
            signals=tuple(self.signal), text=self.q, intent=self.intent or None,
            corrected={"yes": True, "no": False}.get(self.corrected),
            reviewed={"yes": True, "no": False}.get(self.reviewed),
            tag=self.tag or None, assigned=self.assigned or None, sort=self.sort,
            page=self.page, page_size=page_size,
        )


InboxParamsDep = Annotated[InboxParams, Depends()]


@router.get("/")
@router.get("/api/conversations")
def inbox(
    request: Request,
    params: InboxParamsDep,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
    tracker: TrackerDep,
    domain: DomainDep,
    templates: TemplatesDep,
    ui: UiLanguage,
) -> Response:
    """One page of the inbox, most likely to need a look first (or as sorted)."""
    error = None
    try:
        refresh_index(db, tracker, domain.public_phones, settings.intent_margin)
    except TrackerUnavailable as problem:
        error = str(problem)
        if request.url.path.startswith("/api/"):
            raise HTTPException(status_code=503,
                                detail=f"Tracker store unavailable: {error}") from problem
    result = query_inbox(db, params.to_query(settings.timezone, settings.page_size), user)
    items = [
        summary_view(row, settings.timezone, ui, row.conversation_id in result.reviewed,
                     result.tags.get(row.conversation_id, []),
                     result.assignees.get(row.conversation_id),
                     row.conversation_id in result.corrected)
        for row in result.rows
    ]
    data = {"items": items, "total": result.total, "page": result.page, "pages": result.pages}
    offered = [i for i in domain.intents if i != "nlu_fallback"]
    page = {
        "user": user, "auth": request.state.viewer, "params": params, "error": error,
        "signals": SIGNALS, "tags": all_tags(db),
        "intents": sorted(((i, intent_label(i, ui)) for i in offered), key=lambda p: p[1]),
        "languages": settings.languages(),
    }
    return respond(request, templates, "inbox.html", data, page)
