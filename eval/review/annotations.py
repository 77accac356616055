"""What reviewers add to conversations: tags and reviewed marks (corrections: services).

Every change is written with its audit entry in the same transaction. Audit entries never
hold what the resident wrote, only ids, intents and entity names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from eval.review.audit import record
from eval.review.models import ReviewMark, Tag, User

__all__ = [
    "add_tag",
    "all_tags",
    "remove_tag",
    "reviewed_ids",
    "set_reviewed",
    "tagged_ids",
    "tags_by_conversation",
    "tags_for",
]

_TAG = re.compile(r"^[\w .:/+-]{1,60}$")


def add_tag(db: Session, user: User, conversation_id: int, name: str, ip: str = "") -> Tag | None:
    """Tags a conversation (audited); ``None`` if it already had the tag."""
    name = " ".join(name.split()).lower()
    if not _TAG.match(name):
        raise ValueError("Tags are 1-60 letters, digits, spaces and . : / + - _")
    if db.scalar(select(Tag.id).where(Tag.conversation_id == conversation_id, Tag.name == name)):
        return None
    tag = Tag(conversation_id=conversation_id, name=name, user_id=user.id)
    db.add(tag)
    record(db, user, "tag.add", target=f"conversation:{conversation_id}", ip=ip, tag=name)
    db.commit()
    return tag


def remove_tag(db: Session, user: User, conversation_id: int, name: str, ip: str = "") -> bool:
    """Removes a tag (audited); ``False`` when the conversation did not have it."""
    result = db.execute(delete(Tag).where(Tag.conversation_id == conversation_id, Tag.name == name))
    if not getattr(result, "rowcount", 0):
        db.rollback()
        return False
    record(db, user, "tag.remove", target=f"conversation:{conversation_id}", ip=ip, tag=name)
    db.commit()
    return True


def tags_for(db: Session, conversation_id: int) -> list[str]:
    """A conversation's tags, sorted."""
    return sorted(db.scalars(select(Tag.name).where(Tag.conversation_id == conversation_id)))


def all_tags(db: Session) -> list[tuple[str, int]]:
    """Every tag in use with its number of conversations."""
    rows = db.execute(select(Tag.name, func.count()).group_by(Tag.name).order_by(Tag.name))
    return [(str(name), int(count)) for name, count in rows]


def tagged_ids(db: Session, name: str) -> frozenset[int]:
    """Conversations that have a tag."""
    return frozenset(db.scalars(select(Tag.conversation_id).where(Tag.name == name.lower())))


def set_reviewed(
    db: Session, user: User, conversation_id: int, reviewed: bool, ip: str = ""
) -> None:
    """Marks a conversation reviewed or not (audited)."""
    mark = db.get(ReviewMark, conversation_id)
    if reviewed and mark is None:
        db.add(ReviewMark(conversation_id=conversation_id, user_id=user.id))
    elif not reviewed and mark is not None:
        db.delete(mark)
    else:
        return
    action = "review.mark" if reviewed else "review.unmark"
    record(db, user, action, target=f"conversation:{conversation_id}", ip=ip)
    db.commit()


def reviewed_ids(db: Session) -> frozenset[int]:
    """Conversations marked reviewed."""
    return frozenset(db.scalars(select(ReviewMark.conversation_id)))


def tags_by_conversation(db: Session, conversation_ids: Sequence[int]) -> dict[int, list[str]]:
    """Tags of several conversations (for an inbox page)."""
    tags: dict[int, list[str]] = {}
    if conversation_ids:
        rows = db.execute(
            select(Tag.conversation_id, Tag.name)
            .where(Tag.conversation_id.in_(list(conversation_ids)))
            .order_by(Tag.name)
        )
        for conversation_id, name in rows:
            tags.setdefault(int(conversation_id), []).append(str(name))
    return tags
