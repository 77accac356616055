"""The review app's own tables (REVIEW_DB_URL); the tracker store is never written.

A conversation is identified by the ``events.id`` of its first event (its "conversation id"),
a message by its own ``events.id``: corrections, tags and reviewed marks point into the
tracker store without copying what residents wrote, nor their ``sender_id`` (for SMS, a
phone number).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

__all__ = [
    "AuditEntry",
    "AuthSession",
    "Base",
    "Assignment",
    "ConversationIndex",
    "MessageCorrection",
    "Note",
    "JOB_ACTIVE",
    "Job",
    "LoginAttempt",
    "ReviewMark",
    "Role",
    "Tag",
    "User",
    "utcnow",
]


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Stores naive UTC."""
        if value is None:
            return None
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Reads back aware UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Role:
    """The two staff roles."""

    REVIEWER = "reviewer"
    ADMIN = "admin"
    ALL = (REVIEWER, ADMIN)


class Base(DeclarativeBase):
    """Declarative base of the review tables."""

    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class User(Base):
    """A staff member who can sign in."""

    __tablename__ = "review_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def is_admin(self) -> bool:
        """Whether the user may reveal personal data, manage accounts and retrain."""
        return self.role == Role.ADMIN


class AuthSession(Base):
    """A server-side sign-in; the cookie holds a token whose keyed hash is ``id``."""

    __tablename__ = "review_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("review_users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ip: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(Base):
    """One sign-in attempt, for rate limiting per user name and IP address."""

    __tablename__ = "review_login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    success: Mapped[bool] = mapped_column(Boolean)


class Tag(Base):
    """A free tag on a conversation."""

    __tablename__ = "review_tags"
    __table_args__ = (UniqueConstraint("conversation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("review_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewMark(Base):
    """A conversation marked as reviewed."""

    __tablename__ = "review_marks"

    conversation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("review_users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class AuditEntry(Base):
    """Who changed or revealed what, and when."""

    __tablename__ = "review_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("review_users.id"))
    username: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(255), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")


class Job(Base):
    """A candidate model and its release (states: :mod:`eval.review.retrain.jobs`)."""

    __tablename__ = "review_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    step: Mapped[str] = mapped_column(String(120), default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("review_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    log: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(lazy="joined")


JOB_ACTIVE = ("queued", "running")


class JobSlot(Base):
    """The one retrain slot shared by every review-app instance.

    A row with id 1 exists while a job is queued or running. Taking it is an INSERT of that
    primary key, which exactly one of any number of instances wins on SQLite and PostgreSQL
    alike; the instance running the job renews ``lease_until`` (epoch seconds), so another
    instance can tell a job that is still running from one whose instance died.
    """

    __tablename__ = "review_job_slot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    job_id: Mapped[int] = mapped_column(ForeignKey("review_jobs.id"))
    owner: Mapped[str] = mapped_column(String(120))
    lease_until: Mapped[float] = mapped_column(default=0.0)


class ConversationIndex(Base):
    """What the inbox needs of one conversation, refreshed from the tracker store.

    Built by :mod:`eval.review.services.inbox` from the events the tracker store holds (never
    the ``sender_id``): signals and how likely the conversation needs a human look, the
    predicted intents and request numbers (for filters and lookup), and the resident's
    messages REDACTED (for text search), so searching cannot find personal data.
    """

    __tablename__ = "review_conversation_index"

    conversation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_event_id: Mapped[int] = mapped_column(Integer)
    started: Mapped[float] = mapped_column(default=0.0)
    last: Mapped[float] = mapped_column(default=0.0, index=True)
    user_turns: Mapped[int] = mapped_column(Integer, default=0)
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    channel: Mapped[str] = mapped_column(String(8), default="web")
    signals: Mapped[list[str]] = mapped_column(JSON, default=list)
    signal_events: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    need: Mapped[float] = mapped_column(default=0.0, index=True)
    intents: Mapped[str] = mapped_column(Text, default="")
    request_ids: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    preview: Mapped[str] = mapped_column(Text, default="")


class Assignment(Base):
    """Who is looking at a conversation."""

    __tablename__ = "review_assignments"

    conversation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("review_users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class Note(Base):
    """A reviewer's note on a conversation (staff text, never shown to residents)."""

    __tablename__ = "review_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("review_users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class MessageCorrection(Base):
    """What a resident message should have led to, by kind of failure.

    Kinds: ``intent`` (the meaning), ``knowledge`` (the article that answers the question),
    ``form_step`` (the slot value the form should have understood), ``emergency`` (was / was
    not an emergency). One of each kind per message. ``text_sha256`` is a hash of the message
    when it was corrected: staging re-reads the text and skips it if the store changed.
    ``staged_job_id`` is the candidate that trained on it; ``approved`` once an admin
    approved that candidate.
    """

    __tablename__ = "review_message_corrections"
    __table_args__ = (UniqueConstraint("conversation_id", "event_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(Integer, index=True)
    event_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    text_sha256: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    predicted: Mapped[str | None] = mapped_column(String(200), default=None)
    value: Mapped[str] = mapped_column(String(500))
    slot: Mapped[str | None] = mapped_column(String(120), default=None)
    user_id: Mapped[int] = mapped_column(ForeignKey("review_users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    staged_job_id: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[str] = mapped_column(String(20), default="pending")

    user: Mapped[User] = relationship(lazy="joined")
