"""Inbox filters from query parameters, shared by the pages and the JSON API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Query
from sqlalchemy.orm import Session

from bot.languages import codes
from eval.review.annotations import reviewed_ids, tagged_ids
from eval.review.tracker.inbox import SIGNALS, InboxFilter

__all__ = ["FilterParams", "FiltersDep", "day_bounds", "optional_date", "to_inbox_filter"]


@dataclass
class FilterParams:
    """The inbox filters as the form sends them."""

    start: date | None = None
    end: date | None = None
    channel: str = ""
    language: str = ""
    reviewed: str = ""
    tag: str = ""
    signal: list[str] = field(default_factory=list)
    page: int = 1

    def query(self, page: int | None = None) -> list[tuple[str, str]]:
        """The filters as query parameters (for links to other pages)."""
        items = [
            ("start", self.start.isoformat() if self.start else ""),
            ("end", self.end.isoformat() if self.end else ""),
            ("channel", self.channel),
            ("language", self.language),
            ("reviewed", self.reviewed),
            ("tag", self.tag),
            *(("signal", s) for s in self.signal),
            ("page", str(page or self.page)),
        ]
        return [(k, v) for k, v in items if v]


def optional_date(value: str, name: str) -> date | None:
    """A date from a form field; empty means none (browsers send empty fields)."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise HTTPException(status_code=400, detail=f"{name}: not a date (YYYY-MM-DD).") from error


def _filter_params(
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
    channel: Annotated[str, Query(pattern="^(|web|sms)$")] = "",
    language: Annotated[str, Query(max_length=16)] = "",
    reviewed: Annotated[str, Query(pattern="^(|yes|no)$")] = "",
    tag: Annotated[str, Query(max_length=60)] = "",
    signal: Annotated[list[str] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> FilterParams:
    if language and language not in codes():
        raise HTTPException(status_code=422, detail=f"Unknown language: {language}")
    signals = [s for s in signal or [] if s]
    unknown = [s for s in signals if s not in SIGNALS]
    if unknown:
        raise HTTPException(status_code=400, detail=f"Unknown signal: {', '.join(unknown)}")
    return FilterParams(
        optional_date(start, "start"), optional_date(end, "end"), channel, language, reviewed,
        tag.strip(), signals, page,
    )


FiltersDep = Annotated[FilterParams, Depends(_filter_params)]


def day_bounds(
    start: date | None, end: date | None, zone: str
) -> tuple[float | None, float | None]:
    """Epoch seconds of ``start`` 00:00 and of the day after ``end`` 00:00, in ``zone``."""
    tz = ZoneInfo(zone)
    low = datetime.combine(start, time(), tz).timestamp() if start else None
    high = datetime.combine(end + timedelta(days=1), time(), tz).timestamp() if end else None
    return low, high


def to_inbox_filter(params: FilterParams, db: Session, zone: str) -> InboxFilter:
    """The tracker query's filter; tag and reviewed marks come from the review database."""
    low, high = day_bounds(params.start, params.end, zone)
    include: frozenset[int] | None = None
    exclude: frozenset[int] = frozenset()
    if params.tag:
        include = tagged_ids(db, params.tag)
    if params.reviewed == "yes":
        marked = reviewed_ids(db)
        include = marked if include is None else include & marked
    elif params.reviewed == "no":
        exclude = reviewed_ids(db)
    return InboxFilter(
        start=low,
        end=high,
        channel=params.channel or None,
        language=params.language or None,
        signals=tuple(params.signal),
        include=include,
        exclude=exclude,
    )
