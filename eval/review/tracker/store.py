"""Read-only queries on Rasa's tracker store: the inbox, one conversation, dashboard counts.

Conversations are built on the fly from the ``events`` table; nothing is copied. A
conversation is named by its conversation id, the ``events.id`` of its first event, so pages
and the review database never show or keep a ``sender_id`` (for SMS, a phone number). The
inbox is one aggregate query per page (:mod:`eval.review.tracker.inbox`): signals computed,
filtered and ordered in SQL, paged with LIMIT/OFFSET, so only one page of conversations
leaves the database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Select, Subquery, func, select
from sqlalchemy.exc import SQLAlchemyError

from eval.review.tracker.conversation import (
    Conversation,
    EventRow,
    build_conversation,
    parse_data,
)
from eval.review.tracker.inbox import (
    ConversationSummary,
    InboxFilter,
    InboxPage,
    filtered_query,
    summary_from_row,
    summary_query,
)
from eval.review.tracker.schema import JsonFields, events

__all__ = ["MessageStats", "StoredMessage", "TrackerStore", "TrackerUnavailable"]


class TrackerUnavailable(Exception):
    """The tracker store cannot be read (not created yet, or the server is down)."""


@dataclass(frozen=True)
class StoredMessage:
    """A resident message as the tracker store holds it."""

    conversation_id: int
    text: str
    language: str | None


@dataclass
class MessageStats:
    """Counts over resident messages and filed requests in a period."""

    messages: int = 0
    fallbacks: int = 0
    intents: Counter[str] = field(default_factory=Counter)
    requests_by_type: Counter[str] = field(default_factory=Counter)


class TrackerStore:
    """Read-only access to the tracker store.

    Args:
        engine: An engine on the tracker database (see ``core.db.create_tracker_engine``).
        low_confidence: Threshold below which a message counts as low confidence.
    """

    def __init__(self, engine: Engine, low_confidence: float = 0.6) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.low_confidence = low_confidence

    # --- queries -------------------------------------------------------------------------

    def _filtered(self, flt: InboxFilter) -> tuple[Subquery, Select[Any]]:
        summary = summary_query(self.dialect, self.low_confidence)
        return summary, filtered_query(summary, flt)

    def inbox(self, flt: InboxFilter, page: int = 1, page_size: int = 50) -> InboxPage:
        """One page of conversations, the most useful to review first."""
        page = max(1, page)
        if flt.include is not None and not flt.include:
            return InboxPage([], 0, page, page_size)
        summary, query = self._filtered(flt)
        counted = select(func.count()).select_from(query.subquery())
        ordered = (
            query.order_by(
                summary.c.score.desc(), summary.c.last.desc(), summary.c.conversation_id.desc()
            )
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        try:
            with self.engine.connect() as conn:
                total = int(conn.execute(counted).scalar_one())
                items = [summary_from_row(row._mapping) for row in conn.execute(ordered)]
                previews = self._previews(conn, [i.sender_id for i in items])
        except SQLAlchemyError as error:
            raise TrackerUnavailable(str(error.__cause__ or error)) from error
        for item in items:
            item.preview = previews.get(item.sender_id, "")
        return InboxPage(items, total, page, page_size)

    def summaries(self, flt: InboxFilter) -> list[ConversationSummary]:
        """Every matching conversation (for the dashboard), unordered."""
        if flt.include is not None and not flt.include:
            return []
        _summary, query = self._filtered(flt)
        try:
            with self.engine.connect() as conn:
                return [summary_from_row(row._mapping) for row in conn.execute(query)]
        except SQLAlchemyError as error:
            raise TrackerUnavailable(str(error.__cause__ or error)) from error

    @staticmethod
    def _previews(conn: Any, sender_ids: Sequence[str]) -> dict[str, str]:
        """The first resident message of each conversation."""
        if not sender_ids:
            return {}
        first = (
            select(func.min(events.c.id).label("id"))
            .where(events.c.sender_id.in_(list(sender_ids)), events.c.type_name == "user")
            .group_by(events.c.sender_id)
            .subquery()
        )
        rows = conn.execute(
            select(events.c.sender_id, events.c.data).join(first, events.c.id == first.c.id)
        )
        return {sender: str(parse_data(data).get("text") or "") for sender, data in rows}

    def conversation(self, conversation_id: int) -> Conversation | None:
        """One conversation with every turn, or ``None`` when there is no such conversation."""
        first = select(events.c.sender_id).where(events.c.id == conversation_id)
        try:
            with self.engine.connect() as conn:
                sender_id = conn.execute(first).scalar_one_or_none()
                if sender_id is None:
                    return None
                rows = self._events_of(conn, sender_id)
        except SQLAlchemyError as error:
            raise TrackerUnavailable(str(error.__cause__ or error)) from error
        if not rows or rows[0][0] != conversation_id:
            return None  # an event id that is not the first of its conversation
        return build_conversation(conversation_id, sender_id, rows, self.low_confidence)

    @staticmethod
    def _events_of(conn: Any, sender_id: str) -> list[EventRow]:
        query = (
            select(
                events.c.id,
                events.c.type_name,
                events.c.timestamp,
                events.c.intent_name,
                events.c.action_name,
                events.c.data,
            )
            .where(events.c.sender_id == sender_id)
            .order_by(events.c.id)
        )
        return [
            (int(r[0]), str(r[1]), r[2], r[3], r[4], r[5]) for r in conn.execute(query)
        ]

    def changed_since(self, event_id: int, limit: int = 500) -> tuple[list[str], int]:
        """Senders with events after ``event_id`` (at most ``limit``) and the newest event id."""
        query = (
            select(events.c.sender_id, func.max(events.c.id))
            .where(events.c.id > event_id)
            .group_by(events.c.sender_id)
            .order_by(func.max(events.c.id))
            .limit(limit)
        )
        try:
            with self.engine.connect() as conn:
                rows = list(conn.execute(query))
        except SQLAlchemyError as error:
            raise TrackerUnavailable(str(error.__cause__ or error)) from error
        newest = max((int(r[1]) for r in rows), default=event_id)
        return [str(r[0]) for r in rows], newest

    def conversation_of_sender(self, sender_id: str) -> Conversation | None:
        """One conversation by its sender (for the inbox index; the id never leaves it)."""
        try:
            with self.engine.connect() as conn:
                rows = self._events_of(conn, sender_id)
        except SQLAlchemyError as error:
            raise TrackerUnavailable(str(error.__cause__ or error)) from error
        if not rows:
            return None
        return build_conversation(rows[0][0], sender_id, rows, self.low_confidence)

    def user_messages(self, event_ids: Sequence[int]) -> dict[int, StoredMessage]:
        """Resident messages by event id (ids that are not resident messages are left out)."""
        if not event_ids:
            return {}
        first = events.alias("first")
        conversation = (
            select(func.min(first.c.id))
            .where(first.c.sender_id == events.c.sender_id)
            .correlate(events)
            .scalar_subquery()
        )
        slot = events.alias("slot")
        slot_value = JsonFields(JsonFields.document(slot.c.data, self.dialect), self.dialect)

        def language_slot(before: bool) -> Any:
            return (
                select(slot_value.text("value"))
                .where(
                    slot.c.sender_id == events.c.sender_id,
                    slot.c.type_name == "slot",
                    slot.c.action_name == "language",
                    slot.c.id < events.c.id if before else slot.c.id > events.c.id,
                )
                .order_by(slot.c.id.desc() if before else slot.c.id)
                .limit(1)
                .correlate(events)
                .scalar_subquery()
            )

        # A message without its own language is in the conversation's language then.
        query = select(
            events.c.id, conversation, events.c.data, language_slot(True), language_slot(False)
        ).where(events.c.id.in_(list(event_ids)), events.c.type_name == "user")
        try:
            with self.engine.connect() as conn:
                rows = list(conn.execute(query))
        except SQLAlchemyError as error:
            raise TrackerUnavailable(str(error.__cause__ or error)) from error
        messages = {}
        for event_id, conversation_id, raw, before, after in rows:
            data = parse_data(raw)
            entities = (data.get("parse_data") or {}).get("entities") or []
            language = next(
                (str(e.get("value")) for e in entities
                 if isinstance(e, dict) and e.get("entity") == "language"),
                before or after,
            )
            messages[int(event_id)] = StoredMessage(
                int(conversation_id), str(data.get("text") or ""), language
            )
        return messages

    def message_stats(self, start: float | None, end: float | None) -> MessageStats:
        """Resident messages by intent, fallbacks, and filed requests by service type."""
        stats = MessageStats()
        where = []
        if start is not None:
            where.append(events.c.timestamp >= start)
        if end is not None:
            where.append(events.c.timestamp < end)
        intents = (
            select(events.c.intent_name, func.count())
            .where(events.c.type_name == "user", *where)
            .group_by(events.c.intent_name)
        )
        # The form clears service_code in the same step that sets last_request_id, so a
        # request's type is the last service_code set before it in that conversation.
        slots = (
            select(events.c.sender_id, events.c.action_name, events.c.data)
            .where(
                events.c.type_name == "slot",
                events.c.action_name.in_(("service_code", "last_request_id")),
                *where,
            )
            .order_by(events.c.sender_id, events.c.id)
        )
        try:
            with self.engine.connect() as conn:
                for intent, count in conn.execute(intents):
                    stats.messages += int(count)
                    stats.intents[str(intent or "none")] += int(count)
                current: dict[str, str] = {}
                for sender, slot, data in conn.execute(slots):
                    value = parse_data(data).get("value")
                    if slot == "service_code" and value:
                        current[sender] = str(value)
                    elif slot == "last_request_id" and value:
                        stats.requests_by_type[current.get(sender, "unknown")] += 1
        except SQLAlchemyError as error:
            raise TrackerUnavailable(str(error.__cause__ or error)) from error
        stats.fallbacks = stats.intents.get("nlu_fallback", 0)
        return stats
