"""A conversation built from its tracker events.

What the resident said, how the assistant understood it, and what it did: pure functions over
rows already read from the store.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from connectors.senders import channel_of

__all__ = [
    "FAILED_UTTERANCES",
    "NOTABLE_SLOTS",
    "Conversation",
    "EventRow",
    "FiledRequest",
    "Turn",
    "build_conversation",
    "parse_data",
]

# Bot responses that mean a request was not filed (rejected) or only queued.
FAILED_UTTERANCES = ("utter_request_rejected", "utter_request_queued")
# Slots shown in the transcript; the others are form bookkeeping.
NOTABLE_SLOTS = ("language", "handoff_requested", "service_code", "last_request_id")
_HIDDEN_ACTIONS = frozenset({"action_listen", "action_session_start"})

EventRow = tuple[int, str, float | None, str | None, str | None, str | None]
"""(id, type_name, timestamp, intent_name, action_name, data) of one ``events`` row."""


def parse_data(data: str | None) -> dict[str, Any]:
    """The event's JSON, or an empty dict when it is missing or not an object."""
    try:
        value = json.loads(data or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass
class Turn:
    """One line of the transcript.

    ``kind`` is ``user`` (a resident message), ``bot`` (a reply), ``action`` (an action the
    assistant ran), ``slot`` (a notable slot set) or ``session`` (a new session started).
    """

    event_id: int
    kind: str
    timestamp: float
    text: str = ""
    intent: str | None = None
    confidence: float | None = None
    top_intent: str | None = None
    ranking: list[tuple[str, float]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    channel: str = "web"
    name: str | None = None
    value: Any = None
    policy: str | None = None
    low_confidence: bool = False
    language: str | None = None
    danger: dict[str, Any] | None = None
    requested_slot: str | None = None

    @property
    def fallback(self) -> bool:
        """Whether the assistant fell back (the classifier was not confident enough)."""
        return self.intent == "nlu_fallback"


@dataclass
class FiledRequest:
    """A request the conversation filed (or queued while the backend was down)."""

    request_id: str
    service_code: str | None
    timestamp: float

    @property
    def queued(self) -> bool:
        """Queued locally ("Q-…") rather than filed with the City."""
        return self.request_id.startswith("Q-")


@dataclass
class Conversation:
    """Everything the transcript page shows about one conversation (one ``sender_id``)."""

    conversation_id: int
    sender_id: str
    turns: list[Turn]
    requests: list[FiledRequest]
    language: str | None
    channel: str
    handoff: bool
    failed: bool
    started: float | None
    last: float | None
    last_event_id: int = 0

    @property
    def user_turns(self) -> list[Turn]:
        """The resident's messages."""
        return [t for t in self.turns if t.kind == "user"]

    @property
    def fallback(self) -> bool:
        """Whether any message fell back."""
        return any(t.fallback for t in self.user_turns)

    @property
    def low_confidence(self) -> bool:
        """Whether any message was understood with low confidence."""
        return any(t.low_confidence for t in self.user_turns)


def _user_turn(event_id: int, timestamp: float, data: dict[str, Any], low: float) -> Turn:
    parse = data.get("parse_data") or {}
    intent = parse.get("intent") or {}
    name = intent.get("name")
    confidence = intent.get("confidence")
    ranking = [
        (str(r.get("name")), float(r.get("confidence") or 0.0))
        for r in parse.get("intent_ranking") or []
        if isinstance(r, dict) and r.get("name")
    ]
    classifier = [r for r in ranking if r[0] != "nlu_fallback"]
    # Rasa's input_channel is set by the channel; the message's metadata is not evidence.
    channel = "sms" if data.get("input_channel") == "sms" else "web"
    conf = float(confidence) if isinstance(confidence, int | float) else None
    entities = [e for e in parse.get("entities") or [] if isinstance(e, dict)]
    language = next(
        (str(e.get("value")) for e in entities if e.get("entity") == "language"), None
    )
    danger = parse.get("danger_assessment")
    if not isinstance(danger, dict):
        danger = None
    if any(e.get("entity") == "danger" for e in entities):
        danger = {**(danger or {}), "detected": True}
    return Turn(
        event_id=event_id,
        kind="user",
        timestamp=timestamp,
        text=str(data.get("text") or ""),
        intent=name,
        confidence=conf,
        top_intent=classifier[0][0] if classifier else name,
        ranking=ranking[:5],
        entities=entities,
        channel=channel,
        low_confidence=conf is not None and conf < low,
        language=language,
        danger=danger,
    )


def build_conversation(
    conversation_id: int, sender_id: str, rows: Iterable[EventRow], low_confidence: float = 0.6
) -> Conversation:
    """Turns, filed requests and signals of one conversation, from its rows in ``id`` order."""
    turns: list[Turn] = []
    requests: list[FiledRequest] = []
    language: str | None = None
    channel = "sms" if channel_of(sender_id) == "sms" else "web"
    handoff = failed = False
    service_code: str | None = None
    started: float | None = None
    last: float | None = None
    requested: str | None = None
    last_event_id = conversation_id
    for event_id, type_name, timestamp, _intent, action_name, raw in rows:
        last_event_id = max(last_event_id, event_id)
        ts = float(timestamp or 0.0)
        started = ts if started is None else min(started, ts)
        last = ts if last is None else max(last, ts)
        data = parse_data(raw)
        if type_name == "user":
            turn = _user_turn(event_id, ts, data, low_confidence)
            turn.requested_slot = requested
            channel = "sms" if turn.channel == "sms" else channel
            turns.append(turn)
        elif type_name == "bot":
            utter = (data.get("metadata") or {}).get("utter_action")
            failed = failed or utter in FAILED_UTTERANCES
            turns.append(
                Turn(event_id, "bot", ts, text=str(data.get("text") or ""), name=utter)
            )
        elif (
            type_name == "action"
            and action_name not in _HIDDEN_ACTIONS
            and not (action_name or "").startswith("utter_")  # the bot turn shows it
        ):
            turns.append(
                Turn(event_id, "action", ts, name=action_name, policy=data.get("policy"),
                     confidence=data.get("confidence"))
            )
        elif type_name == "session_started":
            turns.append(Turn(event_id, "session", ts))
        elif type_name == "slot" and action_name == "requested_slot":
            value = data.get("value")
            requested = str(value) if value else None
        elif type_name == "active_loop" and not data.get("name"):
            requested = None
        elif type_name == "slot" and action_name in NOTABLE_SLOTS:
            value = data.get("value")
            if action_name == "service_code" and value:
                service_code = str(value)
            if value is None:
                continue
            if action_name == "language":
                if value == language:
                    continue  # set again on every message; shown only when it changes
                language = str(value)
            if action_name == "handoff_requested" and value is True:
                handoff = True
            if action_name == "last_request_id":
                requests.append(FiledRequest(str(value), service_code, ts))
                failed = failed or str(value).startswith("Q-")
            turns.append(Turn(event_id, "slot", ts, name=action_name, value=value))
    return Conversation(
        conversation_id=conversation_id,
        sender_id=sender_id,
        turns=turns,
        requests=requests,
        language=language,
        channel=channel,
        handoff=handoff,
        failed=failed,
        started=started,
        last=last,
        last_event_id=last_event_id,
    )
