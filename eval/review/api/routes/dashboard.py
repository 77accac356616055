"""The dashboard: volume, containment, fallbacks, intents, requests and languages."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from eval.review.api.deps import (
    AuthDep,
    CurrentUser,
    SettingsDep,
    TemplatesDep,
    TrackerDep,
)
from eval.review.api.filters import day_bounds, optional_date
from eval.review.dashboard import Dashboard, build_dashboard
from eval.review.tracker.inbox import InboxFilter
from eval.review.tracker.store import TrackerStore, TrackerUnavailable

pages = APIRouter(tags=["dashboard"])
api = APIRouter(tags=["dashboard"])

_MAX_DAYS = 366


def _dashboard(
    tracker: TrackerStore, zone: str, start: date | None, end: date | None
) -> Dashboard:
    today = datetime.now(ZoneInfo(zone)).date()
    end = end or today
    start = start or end - timedelta(days=29)
    if start > end:
        raise HTTPException(status_code=400, detail="The start date is after the end date.")
    if (end - start).days >= _MAX_DAYS:
        raise HTTPException(status_code=400, detail=f"At most {_MAX_DAYS} days at a time.")
    low, high = day_bounds(start, end, zone)
    try:
        summaries = tracker.summaries(InboxFilter(start=low, end=high))
        stats = tracker.message_stats(low, high)
    except TrackerUnavailable as error:
        raise HTTPException(
            status_code=503, detail=f"Tracker store unavailable: {error}"
        ) from error
    return build_dashboard(summaries, stats, start, end, zone)


@pages.get("/dashboard")
def dashboard_page(
    request: Request,
    user: CurrentUser,
    auth: AuthDep,
    settings: SettingsDep,
    tracker: TrackerDep,
    templates: TemplatesDep,
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """The dashboard page with its charts."""
    board = _dashboard(tracker, settings.timezone, optional_date(start, "start"),
                       optional_date(end, "end"))
    return templates.TemplateResponse(
        request, "dashboard.html", {"user": user, "auth": auth, "d": board}
    )


@api.get("/dashboard")
def dashboard_api(
    user: CurrentUser,
    settings: SettingsDep,
    tracker: TrackerDep,
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
) -> dict[str, Any]:
    """The dashboard's figures as JSON."""
    board = _dashboard(tracker, settings.timezone, optional_date(start, "start"),
                       optional_date(end, "end"))
    return {
        "start": board.start.isoformat(),
        "end": board.end.isoformat(),
        "conversations": board.conversations,
        "containment": board.containment,
        "fallback_rate": board.fallback_rate,
        "messages": board.messages,
        "requests": board.requests,
        "charts": [
            {"title": c.title, "bars": [{"label": b.label, "value": b.value} for b in c.bars]}
            for c in board.charts
        ],
        "lines": [
            {"title": line.title, "series": [asdict(s) for s in line.series]}
            for line in board.lines
        ],
    }
