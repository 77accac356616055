"""One conversation: reading it (always audited), notes and assignment (owns SQL and commits)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from eval.review.audit import record
from eval.review.models import Assignment, Note, ReviewMark, User
from eval.review.tracker.conversation import Conversation
from eval.review.tracker.store import TrackerStore

__all__ = [
    "add_note",
    "assign",
    "assignee_of",
    "notes_of",
    "read_conversation",
    "review_mark",
]

MAX_NOTE = 2000


def read_conversation(
    db: Session, tracker: TrackerStore, user: User, conversation_id: int, ip: str,
    revealed: bool = False,
) -> Conversation | None:
    """The conversation, with the read written to the audit log (a reveal as ``reveal``).

    Raises:
        TrackerUnavailable: the tracker store cannot be read.
    """
    conversation = tracker.conversation(conversation_id)
    if conversation is None:
        return None
    action = "reveal" if revealed else "transcript.read"
    record(db, user, action, target=f"conversation:{conversation_id}", ip=ip)
    db.commit()
    return conversation


def add_note(db: Session, user: User, conversation_id: int, text: str, ip: str = "") -> Note:
    """Adds a staff note (audited without its text); ``ValueError`` when empty or too long."""
    text = text.strip()
    if not text:
        raise ValueError("A note needs some text.")
    if len(text) > MAX_NOTE:
        raise ValueError(f"Notes are at most {MAX_NOTE} characters.")
    note = Note(conversation_id=conversation_id, user_id=user.id, text=text)
    db.add(note)
    record(db, user, "note.add", target=f"conversation:{conversation_id}", ip=ip)
    db.commit()
    return note


def notes_of(db: Session, conversation_id: int) -> list[Note]:
    """The conversation's notes, oldest first."""
    return list(db.scalars(select(Note).where(Note.conversation_id == conversation_id)
                           .order_by(Note.id)))


def assign(
    db: Session, actor: User, conversation_id: int, username: str | None, ip: str = ""
) -> User | None:
    """Assigns the conversation to a user (or to nobody); ``LookupError`` for unknown names."""
    current = db.get(Assignment, conversation_id)
    target: User | None = None
    if username:
        target = db.scalar(select(User).where(User.username == username, User.active))
        if target is None:
            raise LookupError(f"No active user {username!r}.")
    if current is not None:
        db.delete(current)
        db.flush()
    if target is not None:
        db.add(Assignment(conversation_id=conversation_id, user_id=target.id))
    record(db, actor, "assign", target=f"conversation:{conversation_id}", ip=ip,
           assignee=target.username if target else None)
    db.commit()
    return target


def assignee_of(db: Session, conversation_id: int) -> str | None:
    """Who the conversation is assigned to."""
    assignment = db.get(Assignment, conversation_id)
    return assignment.user.username if assignment else None


def review_mark(db: Session, conversation_id: int) -> ReviewMark | None:
    """The conversation's reviewed mark."""
    return db.get(ReviewMark, conversation_id)
