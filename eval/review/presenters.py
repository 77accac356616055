"""What pages and the JSON API show of a conversation: redacted unless an admin revealed it.

Entity spans are shown in the offsets of the text on screen, and offsets a reviewer sends
back (from a selection in the redacted text) are mapped to the original message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from connectors.senders import local_id
from eval.review.annotations import EntitySpan
from eval.review.models import Correction
from eval.review.redaction import Redacted, redact_with_offsets
from eval.review.tracker.conversation import Conversation, Turn
from eval.review.tracker.inbox import ConversationSummary

__all__ = [
    "EntityInput",
    "Redactor",
    "local_time",
    "spans_from_view",
    "summary_view",
    "transcript_view",
]


@dataclass(frozen=True)
class Redactor:
    """Redacts text for display, or passes it through for an admin's audited reveal."""

    public_phones: frozenset[str]
    revealed: bool = False

    def mapped(self, text: str) -> Redacted:
        """The text as shown, with its offset mapping (identity when revealed)."""
        if self.revealed:
            return Redacted(text, ())
        return redact_with_offsets(text, self.public_phones)

    def __call__(self, value: Any) -> str:
        """A value as shown."""
        return self.mapped("" if value is None else str(value)).text


def local_time(timestamp: float | None, zone: str) -> str:
    """``2026-11-21 14:05`` in the review time zone."""
    if timestamp is None:
        return ""
    return datetime.fromtimestamp(timestamp, ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def _entities_shown(
    entities: list[dict[str, Any]], shown: Redacted, redactor: Redactor
) -> list[dict[str, Any]]:
    rows = []
    for entity in entities:
        start, end = entity.get("start"), entity.get("end")
        row = {
            "entity": str(entity.get("entity", "")),
            "value": redactor(entity.get("value")),
            "extractor": entity.get("extractor"),
            "start": None,
            "end": None,
        }
        if isinstance(start, int) and isinstance(end, int):
            row["start"] = shown.new_offset(start)
            row["end"] = shown.new_offset(end, is_end=True)
        rows.append(row)
    return rows


def _user_turn(
    turn: Turn, correction: Correction | None, redactor: Redactor, zone: str
) -> dict[str, Any]:
    shown = redactor.mapped(turn.text)
    view: dict[str, Any] = {
        "kind": "user",
        "event_id": turn.event_id,
        "time": local_time(turn.timestamp, zone),
        "text": shown.text,
        "channel": turn.channel,
        "intent": turn.intent,
        "confidence": turn.confidence,
        "top_intent": turn.top_intent,
        "ranking": turn.ranking,
        "fallback": turn.fallback,
        "low_confidence": turn.low_confidence,
        "entities": [
            e for e in _entities_shown(turn.entities, shown, redactor)
            if e["extractor"] != "LanguageDetector"
        ],
        "language": next(
            (str(e.get("value")) for e in turn.entities if e.get("entity") == "language"), None
        ),
        "correction": None,
    }
    if correction is not None:
        view["correction"] = {
            "intent": correction.intent,
            "entities": _entities_shown(correction.entities or [], shown, redactor),
            "by": correction.user.username,
            "updated": correction.updated_at.isoformat(timespec="seconds"),
            "export_file": correction.export_file,
            "exported": correction.exported_at is not None,
        }
    return view


def transcript_view(
    conversation: Conversation,
    corrections: dict[int, Correction],
    redactor: Redactor,
    zone: str,
) -> dict[str, Any]:
    """The conversation as pages and the JSON API show it."""
    turns: list[dict[str, Any]] = []
    for turn in conversation.turns:
        if turn.kind == "user":
            turns.append(_user_turn(turn, corrections.get(turn.event_id), redactor, zone))
            continue
        turns.append(
            {
                "kind": turn.kind,
                "event_id": turn.event_id,
                "time": local_time(turn.timestamp, zone),
                "text": redactor(turn.text) if turn.kind == "bot" else "",
                "name": turn.name,
                "value": redactor(turn.value) if turn.kind == "slot" else None,
                "policy": turn.policy,
            }
        )
    return {
        "conversation_id": conversation.conversation_id,
        "sender": redactor(local_id(conversation.sender_id)),
        "channel": conversation.channel,
        "language": conversation.language,
        "started": local_time(conversation.started, zone),
        "last": local_time(conversation.last, zone),
        "handoff": conversation.handoff,
        "fallback": conversation.fallback,
        "low_confidence": conversation.low_confidence,
        "failed": conversation.failed,
        "requests": [
            {
                "request_id": r.request_id,
                "service_code": r.service_code,
                "queued": r.queued,
                "time": local_time(r.timestamp, zone),
            }
            for r in conversation.requests
        ],
        "turns": turns,
        "revealed": redactor.revealed,
    }


def summary_view(
    item: ConversationSummary, redactor: Redactor, zone: str, reviewed: bool, tags: list[str]
) -> dict[str, Any]:
    """One inbox row as pages and the JSON API show it."""
    return {
        "conversation_id": item.conversation_id,
        "sender": redactor(local_id(item.sender_id)),
        "started": local_time(item.started, zone),
        "last": local_time(item.last, zone),
        "user_turns": item.user_turns,
        "channel": item.channel,
        "language": item.language,
        "signals": item.signals,
        "min_confidence": item.min_confidence,
        "score": item.score,
        "preview": redactor(item.preview),
        "reviewed": reviewed,
        "tags": tags,
    }


@dataclass(frozen=True)
class EntityInput:
    """An entity as a reviewer gives it: offsets in the text as shown (may be missing)."""

    entity: str
    value: str
    start: int | None
    end: int | None


def spans_from_view(text: str, rows: list[EntityInput], redactor: Redactor) -> list[EntitySpan]:
    """Entities given on the text as shown, mapped to the original message.

    A row without offsets is looked up by its value. The value stored is the original text of
    the span, unless the reviewer typed a different one (a synonym). ``ValueError`` on rows
    that cannot be placed.
    """
    shown = redactor.mapped(text)
    spans = []
    for row in rows:
        if not row.entity and not row.value:
            continue
        if not row.entity:
            raise ValueError("Choose an entity name for each value.")
        start, end = row.start, row.end
        if start is None or end is None:
            found = shown.text.find(row.value) if row.value else -1
            if found < 0:
                raise ValueError(f"{row.value!r} is not in the message: select it or give a span.")
            start, end = found, found + len(row.value)
        if not 0 <= start < end <= len(shown.text):
            raise ValueError(f"The span {start}-{end} is outside the message.")
        original_start = shown.old_offset(start)
        original_end = shown.old_offset(end, is_end=True)
        original = text[original_start:original_end]
        value = original if not row.value or row.value == shown.text[start:end] else row.value
        spans.append(EntitySpan(row.entity, original_start, original_end, value))
    return spans
