"""What pages and the JSON API show of a conversation: plain words, local times, redacted.

Internals (code names, confidences, rankings, policies) are kept under ``details`` for the
"technical details" disclosure; sender ids are never shown. An admin's audited reveal shows
the resident's text unredacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from eval.review.knowledge import Article
from eval.review.labels import intent_label, language_name, slot_label
from eval.review.models import ConversationIndex, MessageCorrection
from eval.review.redaction import Redacted, redact_with_offsets
from eval.review.signals import SIGNALS, compute_signals
from eval.review.tracker.conversation import Conversation, Turn

__all__ = ["Redactor", "View", "local_time", "summary_view", "transcript_view"]

View = dict[str, object]


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

    def __call__(self, value: object) -> str:
        """A value as shown."""
        return self.mapped("" if value is None else str(value)).text


def local_time(timestamp: float | None, zone: str) -> str:
    """``2026-11-21 14:05 PST`` in the review time zone."""
    if timestamp is None:
        return ""
    return datetime.fromtimestamp(timestamp, ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def _certainty(confidence: float | None) -> str:
    if confidence is None:
        return ""
    if confidence >= 0.8:
        return "sure"
    if confidence >= 0.5:
        return "fairly sure"
    return "unsure"


def _user_turn(
    turn: Turn,
    corrections: dict[str, MessageCorrection],
    signals: list[str],
    redactor: Redactor,
    zone: str,
    ui: str,
    articles: dict[str, Article],
) -> View:
    danger = turn.danger or {}
    corrected: dict[str, View] = {}
    for kind, c in corrections.items():
        shown = c.value
        if kind == "intent":
            shown = intent_label(c.value, ui)
        elif kind == "knowledge":
            article = articles.get(c.value)
            shown = article.title(ui) if article else c.value
        elif kind == "form_step":
            shown = f"{slot_label(c.slot or '', ui)}: {redactor(c.value)}"
        elif kind == "emergency":
            shown = "Emergency" if c.value == "yes" else "Not an emergency"
        corrected[kind] = {"value": c.value if kind != "form_step" else redactor(c.value),
                           "slot": c.slot, "shown": shown, "by": c.user.username,
                           "status": c.status}
    return {
        "kind": "user",
        "event_id": turn.event_id,
        "time": local_time(turn.timestamp, zone),
        "text": redactor(turn.text),
        "understood": intent_label(turn.intent, ui),
        "certainty": _certainty(turn.confidence),
        "language": language_name(turn.language, ui),
        "emergency": bool(danger.get("detected")),
        "signals": [{"key": k, "label": SIGNALS[k].label, "explanation": SIGNALS[k].explanation}
                    for k in signals],
        "answering": slot_label(turn.requested_slot, ui) if turn.requested_slot else None,
        "requested_slot": turn.requested_slot,
        "corrections": corrected,
        "details": {
            "intent": turn.intent,
            "confidence": turn.confidence,
            "ranking": [{"intent": n, "confidence": round(c, 3)} for n, c in turn.ranking],
            "danger": {k: v for k, v in danger.items() if k in (
                "detected", "kind", "probability", "pattern")},
        },
    }


def transcript_view(
    conversation: Conversation,
    corrections: dict[int, dict[str, MessageCorrection]],
    redactor: Redactor,
    zone: str,
    ui: str,
    articles: dict[str, Article],
    margin: float = 0.1,
) -> View:
    """The conversation as pages and the JSON API show it (no sender id)."""
    findings = compute_signals(conversation, margin)
    by_message: dict[int, list[str]] = {}
    for finding in findings:
        if finding.event_id is not None:
            by_message.setdefault(finding.event_id, []).append(finding.key)
    turns: list[View] = []
    for turn in conversation.turns:
        time = local_time(turn.timestamp, zone)
        if turn.kind == "user":
            turns.append(_user_turn(turn, corrections.get(turn.event_id, {}),
                                    by_message.get(turn.event_id, []), redactor, zone, ui,
                                    articles))
        elif turn.kind == "bot":
            turns.append({"kind": "bot", "event_id": turn.event_id, "time": time,
                          "text": redactor(turn.text), "details": {"response": turn.name}})
        elif turn.kind == "slot" and turn.name == "language":
            turns.append({"kind": "note", "event_id": turn.event_id, "time": time,
                          "text": f"Language: {language_name(str(turn.value), ui)}"})
        elif turn.kind == "slot" and turn.name == "last_request_id":
            turns.append({"kind": "note", "event_id": turn.event_id, "time": time,
                          "text": f"Request number {turn.value}"})
        elif turn.kind == "slot" and turn.name == "handoff_requested":
            turns.append({"kind": "note", "event_id": turn.event_id, "time": time,
                          "text": "Asked for a person"})
        elif turn.kind == "session":
            turns.append({"kind": "note", "event_id": turn.event_id, "time": time,
                          "text": "New session"})
        elif turn.kind == "action":
            turns.append({"kind": "action", "event_id": turn.event_id, "time": time,
                          "text": "", "details": {"action": turn.name, "policy": turn.policy}})
    return {
        "conversation_id": conversation.conversation_id,
        "channel": "SMS" if conversation.channel == "sms" else "Web chat",
        "language": language_name(conversation.language, ui),
        "started": local_time(conversation.started, zone),
        "last": local_time(conversation.last, zone),
        "signals": [{"key": f.key, "label": SIGNALS[f.key].label,
                     "explanation": SIGNALS[f.key].explanation} for f in findings],
        "requests": [
            {"request_id": r.request_id, "kind": intent_label(r.service_code, ui)
             if r.service_code else "", "queued": r.queued,
             "time": local_time(r.timestamp, zone)}
            for r in conversation.requests
        ],
        "turns": turns,
        "revealed": redactor.revealed,
    }


def summary_view(
    row: ConversationIndex, zone: str, ui: str, reviewed: bool, tags: list[str],
    assignee: str | None, corrected: bool,
) -> View:
    """One inbox row (already redacted in the index)."""
    need = row.need
    return {
        "conversation_id": row.conversation_id,
        "started": local_time(row.started, zone),
        "last": local_time(row.last, zone),
        "user_turns": row.user_turns,
        "channel": "SMS" if row.channel == "sms" else "Web chat",
        "language": language_name(row.language, ui),
        "need": need,
        "need_label": "high" if need >= 0.85 else "medium" if need >= 0.5 else
        "low" if need > 0 else "none",
        "signals": [{"key": k, "label": SIGNALS[k].label, "explanation": SIGNALS[k].explanation}
                    for k in row.signals if k in SIGNALS],
        "preview": row.preview,
        "reviewed": reviewed,
        "tags": tags,
        "assignee": assignee,
        "corrected": corrected,
    }
