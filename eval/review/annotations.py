"""What reviewers add to conversations: corrected intents and entities, tags, reviewed marks.

Every change is written with its audit entry in the same transaction. Audit entries never
hold what the resident wrote, only ids, intents and entity names.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from eval.review.audit import record
from eval.review.domain import DomainInfo
from eval.review.models import Correction, ReviewMark, Tag, User, utcnow

__all__ = [
    "EntitySpan",
    "add_tag",
    "all_tags",
    "corrections_for",
    "delete_correction",
    "remove_tag",
    "reviewed_ids",
    "save_correction",
    "set_reviewed",
    "tagged_ids",
    "tags_by_conversation",
    "tags_for",
    "text_hash",
]

_TAG = re.compile(r"^[\w .:/+-]{1,60}$")


@dataclass(frozen=True)
class EntitySpan:
    """An entity in a message: ``text[start:end]`` is an ``entity`` whose value is ``value``."""

    entity: str
    start: int
    end: int
    value: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form stored with the correction."""
        return {"entity": self.entity, "start": self.start, "end": self.end, "value": self.value}


def text_hash(text: str) -> str:
    """SHA-256 of a message, to notice if the tracker store no longer holds it."""
    return hashlib.sha256(text.encode()).hexdigest()


def save_correction(
    db: Session,
    user: User,
    *,
    conversation_id: int,
    event_id: int,
    text: str,
    predicted_intent: str | None,
    intent: str,
    entities: Sequence[EntitySpan],
    domain: DomainInfo,
    ip: str = "",
) -> Correction:
    """Creates or replaces the correction of one message; ``ValueError`` on bad input."""
    if intent not in domain.intents:
        raise ValueError(f"Unknown intent {intent!r}: pick one of the domain's intents.")
    for span in entities:
        if span.entity not in domain.entities:
            raise ValueError(f"Unknown entity {span.entity!r}.")
        if not 0 <= span.start < span.end <= len(text):
            raise ValueError(f"The span {span.start}-{span.end} is outside the message.")
        if not span.value.strip():
            raise ValueError("An entity needs a value.")
    # the same span given twice (a prefilled row and a selection) counts once
    ordered = sorted({(s.entity, s.start, s.end): s for s in entities}.values(),
                     key=lambda s: s.start)
    for first, second in zip(ordered, ordered[1:], strict=False):
        if second.start < first.end:
            raise ValueError("Entities must not overlap.")
    correction = db.scalar(
        select(Correction).where(
            Correction.conversation_id == conversation_id, Correction.event_id == event_id
        )
    )
    previous = correction.intent if correction else None
    if correction is None:
        correction = Correction(conversation_id=conversation_id, event_id=event_id)
        db.add(correction)
    correction.text_sha256 = text_hash(text)
    correction.predicted_intent = predicted_intent
    correction.intent = intent
    correction.entities = [span.as_dict() for span in ordered]
    correction.user_id = user.id
    correction.updated_at = utcnow()
    correction.exported_at = None
    correction.export_file = None
    record(
        db, user, "correction.save", target=f"conversation:{conversation_id}", ip=ip,
        event_id=event_id,
        predicted_intent=predicted_intent, previous_intent=previous, intent=intent,
        entities=[span.entity for span in ordered],
    )
    db.commit()
    return correction


def delete_correction(
    db: Session, user: User, conversation_id: int, event_id: int, ip: str = ""
) -> bool:
    """Removes a correction (audited); ``False`` when there was none."""
    correction = db.scalar(
        select(Correction).where(
            Correction.conversation_id == conversation_id, Correction.event_id == event_id
        )
    )
    if correction is None:
        return False
    record(db, user, "correction.delete", target=f"conversation:{conversation_id}", ip=ip,
           event_id=event_id,
           intent=correction.intent)
    db.delete(correction)
    db.commit()
    return True


def corrections_for(db: Session, conversation_id: int) -> dict[int, Correction]:
    """The corrections of one conversation by message (event id)."""
    rows = db.scalars(select(Correction).where(Correction.conversation_id == conversation_id))
    return {c.event_id: c for c in rows}


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
