"""The inbox: an index of conversations kept in the review database, and its queries.

The index (:class:`eval.review.models.ConversationIndex`) is refreshed from the tracker store
before each inbox query: only conversations with events newer than the newest indexed event
are rebuilt, so a refresh with nothing new is one small query. Signals come from
:mod:`eval.review.signals`; resident text is stored redacted, so text search never finds
personal data and the index never holds a ``sender_id``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import ColumnElement, Select, String, and_, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from eval.review.models import (
    Assignment,
    ConversationIndex,
    MessageCorrection,
    ReviewMark,
    Tag,
    User,
)
from eval.review.redaction import redact
from eval.review.signals import SIGNALS, compute_signals, need_score
from eval.review.tracker.conversation import Conversation
from eval.review.tracker.store import TrackerStore

__all__ = [
    "REQUEST_NUMBER",
    "SORTS",
    "InboxQuery",
    "InboxResult",
    "index_conversation",
    "neighbours",
    "query_inbox",
    "refresh_index",
]

REQUEST_NUMBER = re.compile(r"^\s*((?:1-\d{3,})|(?:Q-[A-Z0-9]{3,}))\s*$", re.IGNORECASE)
SORTS = ("need", "newest", "oldest")
Sort = Literal["need", "newest", "oldest"]
_REFRESH_LOCK = threading.Lock()


def index_conversation(
    conversation: Conversation, public_phones: frozenset[str], margin: float
) -> ConversationIndex:
    """The index row of one conversation (not added to any session)."""
    findings = compute_signals(conversation, margin)
    users = conversation.user_turns
    redacted = [redact(t.text, public_phones) for t in users]
    intents = sorted({t.intent for t in users if t.intent})
    return ConversationIndex(
        conversation_id=conversation.conversation_id,
        last_event_id=conversation.last_event_id,
        started=conversation.started or 0.0,
        last=conversation.last or 0.0,
        user_turns=len(users),
        language=conversation.language,
        channel=conversation.channel,
        signals=[f.key for f in findings],
        signal_events={f.key: f.event_id for f in findings},
        need=need_score([f.key for f in findings]),
        intents=" " + " ".join(intents) + " ",
        request_ids=" " + " ".join(r.request_id.upper() for r in conversation.requests) + " ",
        search_text="\n".join(t.casefold() for t in redacted),
        preview=redacted[0][:200] if redacted else "",
    )


def refresh_index(
    db: Session, tracker: TrackerStore, public_phones: frozenset[str], margin: float
) -> int:
    """Rebuilds the index rows of conversations with new events; returns how many."""
    with _REFRESH_LOCK:
        done = 0
        while True:
            newest = db.scalar(select(func.max(ConversationIndex.last_event_id))) or 0
            senders, _ = tracker.changed_since(int(newest))
            if not senders:
                break
            for sender in senders:
                conversation = tracker.conversation_of_sender(sender)
                if conversation is None:
                    continue
                db.merge(index_conversation(conversation, public_phones, margin))
                done += 1
            db.commit()
        return done


@dataclass
class InboxQuery:
    """What the inbox shows (every field optional)."""

    start: float | None = None
    end: float | None = None
    channel: str | None = None
    language: str | None = None
    signals: tuple[str, ...] = ()
    text: str = ""
    intent: str | None = None
    corrected: bool | None = None
    reviewed: bool | None = None
    tag: str | None = None
    assigned: str | None = None  # "me", "nobody" or a user name
    sort: Sort = "need"
    page: int = 1
    page_size: int = 50


@dataclass
class InboxResult:
    """One page of index rows, with tags, marks, assignees and corrections counts."""

    rows: list[ConversationIndex]
    total: int
    page: int
    page_size: int
    tags: dict[int, list[str]] = field(default_factory=dict)
    reviewed: set[int] = field(default_factory=set)
    assignees: dict[int, str] = field(default_factory=dict)
    corrected: set[int] = field(default_factory=set)

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.page_size))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(query: InboxQuery, viewer: User) -> Select[ConversationIndex]:
    ix = ConversationIndex
    conditions: list[ColumnElement[bool]] = [ix.user_turns > 0]
    if query.start is not None:
        conditions.append(ix.last >= query.start)
    if query.end is not None:
        conditions.append(ix.started < query.end)
    if query.channel:
        conditions.append(ix.channel == query.channel)
    if query.language:
        conditions.append(ix.language == query.language)
    keys = [s for s in query.signals if s in SIGNALS]
    if keys:
        # signals is a JSON list: match the quoted key in its text form
        conditions.append(or_(*(
            cast(ix.signals, String).like(_like(f'"{k}"'), escape="\\") for k in keys
        )))
    text = query.text.strip()
    if text:
        number = REQUEST_NUMBER.match(text)
        if number:
            conditions.append(
                ix.request_ids.like(_like(f" {number.group(1).upper()} "), escape="\\")
            )
        else:
            for word in text.casefold().split()[:8]:
                conditions.append(ix.search_text.like(_like(word), escape="\\"))
    if query.intent:
        conditions.append(ix.intents.like(_like(f" {query.intent} "), escape="\\"))
    corrected = exists().where(MessageCorrection.conversation_id == ix.conversation_id)
    if query.corrected is True:
        conditions.append(corrected)
    elif query.corrected is False:
        conditions.append(~corrected)
    marked = exists().where(ReviewMark.conversation_id == ix.conversation_id)
    if query.reviewed is True:
        conditions.append(marked)
    elif query.reviewed is False:
        conditions.append(~marked)
    if query.tag:
        conditions.append(
            exists().where(Tag.conversation_id == ix.conversation_id,
                           Tag.name == query.tag.lower())
        )
    if query.assigned == "nobody":
        conditions.append(~exists().where(Assignment.conversation_id == ix.conversation_id))
    elif query.assigned:
        who = viewer.id if query.assigned == "me" else select(User.id).where(
            User.username == query.assigned).scalar_subquery()
        conditions.append(
            exists().where(Assignment.conversation_id == ix.conversation_id,
                           Assignment.user_id == who)
        )
    return select(ix).where(and_(*conditions))


def _ordered(select_: Select[ConversationIndex], sort: Sort) -> Select[ConversationIndex]:
    ix = ConversationIndex
    if sort == "newest":
        return select_.order_by(ix.last.desc(), ix.conversation_id.desc())
    if sort == "oldest":
        return select_.order_by(ix.last.asc(), ix.conversation_id.asc())
    return select_.order_by(ix.need.desc(), ix.last.desc(), ix.conversation_id.desc())


def query_inbox(db: Session, query: InboxQuery, viewer: User) -> InboxResult:
    """One page of the inbox (call :func:`refresh_index` first)."""
    filtered = _filtered(query, viewer)
    total = int(db.scalar(select(func.count()).select_from(filtered.subquery())) or 0)
    page = max(1, query.page)
    rows = list(
        db.scalars(
            _ordered(filtered, query.sort).limit(query.page_size)
            .offset((page - 1) * query.page_size)
        )
    )
    ids = [r.conversation_id for r in rows]
    result = InboxResult(rows, total, page, query.page_size)
    if ids:
        for conversation_id, name in db.execute(
            select(Tag.conversation_id, Tag.name).where(Tag.conversation_id.in_(ids))
            .order_by(Tag.name)
        ):
            result.tags.setdefault(int(conversation_id), []).append(str(name))
        result.reviewed = set(
            db.scalars(select(ReviewMark.conversation_id).where(
                ReviewMark.conversation_id.in_(ids)))
        )
        result.assignees = {
            int(cid): str(name)
            for cid, name in db.execute(
                select(Assignment.conversation_id, User.username)
                .join(User, User.id == Assignment.user_id)
                .where(Assignment.conversation_id.in_(ids))
            )
        }
        result.corrected = set(
            db.scalars(select(MessageCorrection.conversation_id).where(
                MessageCorrection.conversation_id.in_(ids)))
        )
    return result


def neighbours(
    db: Session, conversation_id: int, query: InboxQuery, viewer: User
) -> tuple[int | None, int | None]:
    """The previous and next conversation in the inbox order with the same filters."""
    ordered = _ordered(_filtered(query, viewer), query.sort).with_only_columns(
        ConversationIndex.conversation_id
    )
    ids = [int(i) for i in db.scalars(ordered.limit(5000))]
    if conversation_id not in ids:
        return None, (ids[0] if ids else None)
    position = ids.index(conversation_id)
    previous = ids[position - 1] if position > 0 else None
    following = ids[position + 1] if position + 1 < len(ids) else None
    return previous, following
