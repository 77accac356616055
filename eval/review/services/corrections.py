"""Corrections of resident messages, by kind of failure (owns their SQL and commits).

* ``intent``: what the message meant (one of the domain's intents). Trains the classifier.
* ``knowledge``: the article that answers the question. Becomes a retrieval training pair and
  a benchmark question once approved.
* ``form_step``: the value a form should have understood for a slot ("Address": "5th St and
  Main St"). Trains the message as an answer to the form (``inform``) and becomes a
  regression case for the slot's validator.
* ``emergency``: ``yes`` or ``no``: was the message an emergency. Becomes a ``danger`` or
  ``not_danger`` example of the danger detector.

Every change is audited in the same transaction; audit entries hold ids and kinds, never what
the resident wrote. Nothing here reaches training data: staging does, when an admin starts a
candidate (:mod:`eval.review.services.learning`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from eval.review.audit import record
from eval.review.domain import DomainInfo
from eval.review.knowledge import Article
from eval.review.models import MessageCorrection, User, utcnow
from eval.review.tracker.conversation import Conversation, Turn

__all__ = [
    "KINDS",
    "CorrectionError",
    "CorrectionInput",
    "corrections_for",
    "delete_correction",
    "save_correction",
    "text_hash",
]

KINDS = ("intent", "knowledge", "form_step", "emergency")
# Intents a reviewer never picks: the fallback is not a meaning, the danger intents are set
# with the emergency correction.
_NOT_OFFERED = frozenset({"nlu_fallback", "danger", "not_danger"})


class CorrectionError(ValueError):
    """A correction that cannot be saved (the message says why)."""


@dataclass(frozen=True)
class CorrectionInput:
    """What a reviewer sends: a kind, a value, and for a form step the slot."""

    kind: str
    value: str
    slot: str | None = None


def text_hash(text: str) -> str:
    """SHA-256 of a message, to notice if the tracker store no longer holds it."""
    return hashlib.sha256(text.encode()).hexdigest()


def _message(conversation: Conversation, event_id: int) -> Turn:
    for turn in conversation.user_turns:
        if turn.event_id == event_id:
            return turn
    raise LookupError("No such resident message in this conversation.")


def _validate(
    given: CorrectionInput, domain: DomainInfo, articles: dict[str, Article]
) -> CorrectionInput:
    value = " ".join(given.value.split())
    if given.kind not in KINDS:
        raise CorrectionError(f"Unknown kind of correction {given.kind!r}.")
    if not value:
        raise CorrectionError("Choose or type the right value first.")
    if given.kind == "intent" and (value not in domain.intents or value in _NOT_OFFERED):
        raise CorrectionError(f"Unknown meaning {value!r}: pick one from the list.")
    if given.kind == "knowledge" and value not in articles:
        raise CorrectionError("Unknown article: pick one from the list.")
    if given.kind == "emergency" and value not in ("yes", "no"):
        raise CorrectionError("An emergency correction is yes or no.")
    slot = None
    if given.kind == "form_step":
        slot = (given.slot or "").strip()
        if slot not in domain.form_slots:
            raise CorrectionError("Pick which question of the form this answered.")
        if len(value) > 300:
            raise CorrectionError("The value is too long (300 characters at most).")
    return CorrectionInput(given.kind, value, slot)


def save_correction(
    db: Session,
    user: User,
    conversation: Conversation,
    event_id: int,
    given: CorrectionInput,
    domain: DomainInfo,
    articles: dict[str, Article],
    ip: str = "",
) -> MessageCorrection:
    """Creates or replaces one kind of correction of one message (audited).

    Raises:
        LookupError: the message is not a resident message of the conversation.
        CorrectionError: the value is not valid for its kind.
    """
    turn = _message(conversation, event_id)
    clean = _validate(given, domain, articles)
    correction = db.scalar(
        select(MessageCorrection).where(
            MessageCorrection.conversation_id == conversation.conversation_id,
            MessageCorrection.event_id == event_id,
            MessageCorrection.kind == clean.kind,
        )
    )
    previous = correction.value if correction else None
    if correction is None:
        correction = MessageCorrection(
            conversation_id=conversation.conversation_id, event_id=event_id, kind=clean.kind
        )
        db.add(correction)
    correction.text_sha256 = text_hash(turn.text)
    correction.language = turn.language or conversation.language
    correction.predicted = _predicted(turn, clean.kind)
    correction.value = clean.value
    correction.slot = clean.slot
    correction.user_id = user.id
    correction.updated_at = utcnow()
    correction.staged_job_id = None
    correction.status = "pending"
    record(
        db, user, "correction.save", target=f"conversation:{conversation.conversation_id}",
        ip=ip, event_id=event_id, kind=clean.kind, slot=clean.slot,
        # a form step's value may be an address: only its length is logged
        value=clean.value if clean.kind != "form_step" else f"({len(clean.value)} characters)",
        previous=previous if clean.kind != "form_step" else None,
    )
    db.commit()
    return correction


def _predicted(turn: Turn, kind: str) -> str | None:
    if kind == "intent":
        return turn.intent
    if kind == "emergency":
        return "yes" if (turn.danger or {}).get("detected") else "no"
    if kind == "form_step":
        return turn.requested_slot
    return None


def delete_correction(
    db: Session, user: User, conversation_id: int, event_id: int, kind: str, ip: str = ""
) -> bool:
    """Removes one correction (audited); ``False`` when there was none."""
    correction = db.scalar(
        select(MessageCorrection).where(
            MessageCorrection.conversation_id == conversation_id,
            MessageCorrection.event_id == event_id,
            MessageCorrection.kind == kind,
        )
    )
    if correction is None:
        return False
    record(db, user, "correction.delete", target=f"conversation:{conversation_id}", ip=ip,
           event_id=event_id, kind=kind)
    db.delete(correction)
    db.commit()
    return True


def corrections_for(db: Session, conversation_id: int) -> dict[int, dict[str, MessageCorrection]]:
    """A conversation's corrections: ``{event_id: {kind: correction}}``."""
    found: dict[int, dict[str, MessageCorrection]] = {}
    for correction in db.scalars(
        select(MessageCorrection).where(MessageCorrection.conversation_id == conversation_id)
    ):
        found.setdefault(correction.event_id, {})[correction.kind] = correction
    return found
