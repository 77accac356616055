"""The inbox query: per conversation, review signals computed in SQL, filtered and scored.

One aggregate over the ``events`` table per ``sender_id``; JSON fields are read with
:class:`eval.review.tracker.schema.JsonFields`, so the same query runs on SQLite and
PostgreSQL. Review score (the inbox order, highest first, newest first within a score)::

    4 × fell back (nlu_fallback)  +  3 × asked for a person  +  2 × low NLU confidence
    +  2 × request failed or queued

A conversation where the assistant did not understand the resident is the most useful to
review: it is what new training examples come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
)

from connectors.senders import SMS_PREFIX
from eval.review.tracker.conversation import FAILED_UTTERANCES
from eval.review.tracker.schema import JsonFields, events

__all__ = [
    "SCORE_WEIGHTS",
    "SIGNALS",
    "ConversationSummary",
    "InboxFilter",
    "InboxPage",
    "filtered_query",
    "summary_from_row",
    "summary_query",
]

SIGNALS = {
    "fallback": "Fallback",
    "low_confidence": "Low confidence",
    "handoff": "Handoff requested",
    "request_filed": "Request filed",
    "request_failed": "Request failed or queued",
}
SCORE_WEIGHTS = {"fallback": 4, "handoff": 3, "low_confidence": 2, "request_failed": 2}


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows.

    Attributes:
        start: Conversations active at or after this time (epoch seconds).
        end: Conversations that started before this time (epoch seconds).
        channel: ``web`` or ``sms``.
        language: ``en`` or ``es`` (the conversation's latest ``language`` slot).
        signals: Keep conversations with ANY of these signals (keys of :data:`SIGNALS`).
        include: Only these conversation ids (a tag or "reviewed" filter); ``None`` for all.
        exclude: Never these conversation ids ("not reviewed").
    """

    start: float | None = None
    end: float | None = None
    channel: str | None = None
    language: str | None = None
    signals: tuple[str, ...] = ()
    include: frozenset[int] | None = None
    exclude: frozenset[int] = frozenset()


@dataclass
class ConversationSummary:
    """One inbox row."""

    conversation_id: int
    sender_id: str
    started: float
    last: float
    user_turns: int
    fallback: bool
    low_confidence: bool
    handoff: bool
    request_filed: bool
    request_failed: bool
    min_confidence: float | None
    channel: str
    language: str | None
    score: int
    preview: str = ""

    @property
    def signals(self) -> list[str]:
        """Labels of the signals this conversation has."""
        return [label for key, label in SIGNALS.items() if getattr(self, key)]


@dataclass
class InboxPage:
    """One page of the inbox."""

    items: list[ConversationSummary]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.page_size))


def summary_query(dialect: str, low_confidence: float) -> Subquery:
    """Per conversation: times, counts, signals, channel, language and score."""
    # Only user, bot and slot events are parsed as JSON; every event counts for the id and times.
    doc = case(
        (events.c.type_name.in_(("user", "bot", "slot")),
         JsonFields.document(events.c.data, dialect)),
        else_=null(),
    )
    base = (
        select(
            events.c.id,
            events.c.sender_id,
            events.c.type_name,
            events.c.timestamp,
            events.c.intent_name,
            events.c.action_name,
            doc.label("doc"),
        )
        .subquery("e")
    )
    j = JsonFields(base.c.doc, dialect)
    is_user = base.c.type_name == "user"
    is_slot = base.c.type_name == "slot"
    confidence = j.number("parse_data", "intent", "confidence")
    request_id = j.text("value")

    def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.max(case((condition, 1), else_=0))

    grouped = (
        select(
            base.c.sender_id,
            func.min(base.c.id).label("conversation_id"),
            func.min(base.c.timestamp).label("started"),
            func.max(base.c.timestamp).label("last"),
            func.sum(case((is_user, 1), else_=0)).label("user_turns"),
            flag(and_(is_user, base.c.intent_name == "nlu_fallback")).label("fallback"),
            flag(and_(is_user, confidence < low_confidence)).label("low_confidence"),
            func.min(case((is_user, confidence))).label("min_confidence"),
            flag(
                and_(is_slot, base.c.action_name == "handoff_requested", j.is_true("value"))
            ).label("handoff"),
            flag(
                and_(is_slot, base.c.action_name == "last_request_id", request_id.is_not(None))
            ).label("request_filed"),
            flag(
                or_(
                    and_(
                        is_slot,
                        base.c.action_name == "last_request_id",
                        request_id.like("Q-%"),
                    ),
                    and_(
                        base.c.type_name == "bot",
                        j.text("metadata", "utter_action").in_(FAILED_UTTERANCES),
                    ),
                )
            ).label("request_failed"),
            # The channel is what the channel itself recorded: its namespace in the sender id
            # (connectors.senders) or Rasa's input_channel, never the message's own metadata.
            flag(
                or_(
                    base.c.sender_id.startswith(SMS_PREFIX, autoescape=True),
                    and_(is_user, j.text("input_channel") == "sms"),
                )
            ).label("sms"),
        )
        .group_by(base.c.sender_id)
        .subquery("g")
    )
    lang = events.alias("lang")
    lang_fields = JsonFields(JsonFields.document(lang.c.data, dialect), dialect)
    language = (
        select(lang_fields.text("value"))
        .where(
            lang.c.sender_id == grouped.c.sender_id,
            lang.c.type_name == "slot",
            lang.c.action_name == "language",
        )
        .order_by(lang.c.id.desc())
        .limit(1)
        .correlate(grouped)
        .scalar_subquery()
    )
    score = sum(
        (grouped.c[key] * weight for key, weight in SCORE_WEIGHTS.items()),
        start=literal(0),
    )
    return select(*grouped.c, language.label("language"), score.label("score")).subquery(
        "s"
    )


def filtered_query(summary: Subquery, flt: InboxFilter) -> Select[Any]:
    """The summaries ``flt`` keeps (conversations with at least one resident message)."""
    query = select(summary).where(summary.c.user_turns > 0)
    if flt.start is not None:
        query = query.where(summary.c.last >= flt.start)
    if flt.end is not None:
        query = query.where(summary.c.started < flt.end)
    if flt.channel in ("web", "sms"):
        query = query.where(summary.c.sms == (1 if flt.channel == "sms" else 0))
    if flt.language:
        query = query.where(summary.c.language == flt.language)
    signals = [summary.c[s] == 1 for s in flt.signals if s in SIGNALS]
    if signals:
        query = query.where(or_(*signals))
    if flt.include is not None:
        query = query.where(summary.c.conversation_id.in_(sorted(flt.include)))
    if flt.exclude:
        query = query.where(summary.c.conversation_id.not_in(sorted(flt.exclude)))
    return query


def summary_from_row(row: Any) -> ConversationSummary:
    """A summary from a row of :func:`summary_query`."""
    return ConversationSummary(
        conversation_id=int(row["conversation_id"]),
        sender_id=row["sender_id"],
        started=float(row["started"] or 0.0),
        last=float(row["last"] or 0.0),
        user_turns=int(row["user_turns"] or 0),
        fallback=bool(row["fallback"]),
        low_confidence=bool(row["low_confidence"]),
        handoff=bool(row["handoff"]),
        request_filed=bool(row["request_filed"]),
        request_failed=bool(row["request_failed"]),
        min_confidence=(
            float(row["min_confidence"]) if row["min_confidence"] is not None else None
        ),
        channel="sms" if row["sms"] else "web",
        language=row["language"],
        score=int(row["score"] or 0),
    )
