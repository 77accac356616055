"""Signals that a conversation went wrong, computed from its turns (pure, no I/O).

Each signal says, in plain words, what happened; the inbox orders conversations by how likely
they need a human look. That likelihood combines the signals as independent pieces of evidence
(a "noisy OR")::

    need = 1 − Π (1 − weight of each signal present)

A weight is the share of conversations with that signal alone that a reviewer would want to
see (set by hand from the kinds of failures staff reported; the README gives each signal's
measured precision on the seeded conversations in ``tests/review/data/``).

Signals and what they look at:

* ``complaint``: the resident said the answer was wrong ("that's not what I asked", "no",
  "eso no es lo que pregunté") right after an answer that was not a yes/no question.
* ``rephrased``: the resident asked nearly the same thing again (word overlap ≥ 0.5).
* ``kb_followup``: a knowledge answer followed by a request for a person, a repeat or a
  complaint.
* ``not_sure``: the assistant said it was not sure or did not understand.
* ``form_repeat``: the same form question asked two or more times.
* ``danger``: the danger detector fired (or the assistant gave the "call 911" reply);
  ``danger_near``: it came close (probability ≥ 0.3) or the message has danger words but no
  emergency reply followed; both get a reviewer's look (issue 10).
* ``low_margin``: the top two intents were within ``margin`` of each other: the classifier
  hesitated between two meanings (not the fallback threshold).
* ``language_switch``: the conversation changed language.
* ``fallback``, ``handoff``, ``request_failed``: as before; ``request_filed`` is information
  only (weight 0).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.text import fold
from eval.review.tracker.conversation import Conversation, Turn

__all__ = [
    "KB_ANSWER",
    "NOT_UNDERSTOOD",
    "SIGNALS",
    "Signal",
    "SignalFinding",
    "compute_signals",
    "need_score",
]


@dataclass(frozen=True)
class Signal:
    """One kind of evidence: a key, a label, an explanation for staff, and a weight."""

    key: str
    label: str
    explanation: str
    weight: float


SIGNALS: dict[str, Signal] = {
    s.key: s
    for s in (
        Signal("danger", "Emergency detected",
               "The assistant detected danger (it told the resident to call 911).", 0.9),
        Signal("danger_near", "Possible emergency",
               "The message looked like danger (detector close to firing, or words like "
               "gas, fire, smoke) but no emergency reply followed.", 0.8),
        Signal("complaint", "Resident said it was wrong",
               "Right after an answer the resident said “no”, “that's not what I asked” or "
               "similar.", 0.75),
        Signal("kb_followup", "Answer did not help",
               "After a City-information answer the resident asked for a person, asked again "
               "or complained.", 0.75),
        Signal("form_repeat", "Question asked again",
               "The assistant asked the same question of a request form two or more times.",
               0.7),
        Signal("not_sure", "Assistant unsure",
               "The assistant said it was not sure or did not understand.", 0.6),
        Signal("rephrased", "Resident repeated",
               "The resident wrote nearly the same message twice (word overlap of at least "
               "half).", 0.55),
        Signal("fallback", "Not understood",
               "The language model was not confident enough to pick a meaning.", 0.45),
        Signal("handoff", "Asked for a person", "The resident asked to talk to a person.", 0.45),
        Signal("request_failed", "Request not sent",
               "A service request was refused or only queued (the City's system was down).",
               0.4),
        Signal("low_margin", "Two close meanings",
               "The two likeliest meanings of a message were almost tied.", 0.35),
        Signal("language_switch", "Language changed",
               "The conversation switched between languages.", 0.3),
        Signal("request_filed", "Request filed",
               "A service request was filed (information only).", 0.0),
    )
}

KB_ANSWER = "utter_kb_answer"
NOT_SURE = frozenset({"utter_kb_not_sure", "utter_clarify", "utter_default"})
# Replies that mean the assistant did not understand an answer to its question.
NOT_UNDERSTOOD = frozenset(
    {"utter_address_not_understood", "utter_invalid_number", "utter_invalid_choice",
     "utter_invalid_contact"}
)
EMERGENCY = frozenset({"utter_emergency", "action_emergency"})
HANDOFF = frozenset({"action_human_handoff", "utter_handoff"})
# Questions that expect "no" as a normal answer.
YES_NO_QUESTIONS = frozenset(
    {"utter_anything_else", "utter_ask_service_request_form_confirm_request",
     "utter_ask_service_request_form_blocking_traffic", "utter_continue_request"}
)
_COMPLAINT = re.compile(
    r"\b(?:not what i (?:asked|meant|said|wanted)|that'?s not (?:it|right|what)|wrong answer|"
    r"you(?:'re| are) not (?:helping|listening)|that'?s wrong|no that'?s|didn'?t ask|"
    r"i asked (?:about|for)|useless|doesn'?t help|does not help|"
    r"no es lo que (?:pregunt|ped|quer)|eso no|no entend(?:iste|i[oó])|no me (?:ayuda|sirve)|"
    r"te pregunt[eé]|respuesta equivocada|est[aá] mal|no es eso)",
    re.IGNORECASE,
)
_PLAIN_NO = re.compile(r"^\s*(?:no+|nope|nah|no,? no|no\s+gracias)\W*$", re.IGNORECASE)
_DANGER_WORDS = re.compile(
    r"\b(?:gas|smell(?:s|ing)? (?:of )?gas|fire|smoke|burning|explosi\w*|sparks?|live wires?|"
    r"downed (?:power )?lines?|power lines? down|bleeding|unconscious|not breathing|gun|"
    r"shoot\w*|stab\w*|olor a gas|huele a gas|fuego|incendio|humo|cables? ca[ií]dos?|"
    r"chispas|sangr\w*|inconsciente|no respira|pistola|disparos?|balazos?)\b",
    re.IGNORECASE,
)
_NEAR_DANGER_PROBABILITY = 0.3


@dataclass(frozen=True)
class SignalFinding:
    """A signal found in a conversation, with the message that shows it (if any)."""

    key: str
    event_id: int | None


def _words(text: str) -> set[str]:
    folded = fold(text, compatibility=True, casefold=True)
    return {w for w in re.findall(r"[a-z0-9]+", folded) if len(w) > 2}


def _overlap(a: str, b: str) -> float:
    wa, wb = _words(a), _words(b)
    if len(wa) < 2 or len(wb) < 2:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


def _top_two_margin(turn: Turn) -> float | None:
    scores = [c for name, c in turn.ranking if name != "nlu_fallback"]
    if len(scores) < 2:
        return None
    return scores[0] - scores[1]


def compute_signals(  # noqa: C901 - one pass that reads better as one function
    conversation: Conversation, margin: float = 0.1
) -> list[SignalFinding]:
    """The signals of one conversation, each with the first message that shows it."""
    found: dict[str, int | None] = {}

    def add(key: str, event_id: int | None) -> None:
        found.setdefault(key, event_id)

    turns = conversation.turns
    last_user: Turn | None = None
    last_reply: str | None = None  # utter_action (or action) of the last bot turn
    kb_answered = False
    emergency_replied = False
    asked: Counter[str] = Counter()
    languages: list[str] = []
    pending_danger_words: Turn | None = None
    for turn in turns:
        if turn.kind == "user":
            text = turn.text
            answering_form = last_reply is not None and last_reply.startswith("utter_ask_")
            if (
                last_user is not None and not answering_form
                and _overlap(last_user.text, text) >= 0.5
            ):
                add("rephrased", turn.event_id)
                if kb_answered:
                    add("kb_followup", turn.event_id)
            complaint = bool(_COMPLAINT.search(text)) or (
                bool(_PLAIN_NO.match(text)) and last_reply is not None
                and last_reply not in YES_NO_QUESTIONS
                and not last_reply.startswith("utter_ask_")
            )
            if complaint and last_reply is not None:
                add("complaint", turn.event_id)
                if kb_answered:
                    add("kb_followup", turn.event_id)
            if turn.intent == "human_handoff" and kb_answered:
                add("kb_followup", turn.event_id)
            if turn.fallback:
                add("fallback", turn.event_id)
            gap = _top_two_margin(turn)
            if gap is not None and gap < margin:
                add("low_margin", turn.event_id)
            danger = turn.danger or {}
            if danger.get("detected"):
                add("danger", turn.event_id)
            elif float(danger.get("probability") or 0.0) >= _NEAR_DANGER_PROBABILITY:
                add("danger_near", turn.event_id)
            if _DANGER_WORDS.search(text) and turn.danger is None:
                # words only where the detector gave no assessment (an older model)
                pending_danger_words = turn
            language = turn.language
            if language and (not languages or languages[-1] != language):
                languages.append(language)
            last_user = turn
            kb_answered = False
            last_reply = None
        elif turn.kind == "bot":
            name = turn.name or ""
            last_reply = name or "bot"
            if name == KB_ANSWER:
                kb_answered = True
            if name in NOT_SURE or name in NOT_UNDERSTOOD:
                add("not_sure", last_user.event_id if last_user else turn.event_id)
            if name in EMERGENCY:
                emergency_replied = True
                add("danger", last_user.event_id if last_user else turn.event_id)
                pending_danger_words = None
            if name.startswith("utter_ask_") and name not in YES_NO_QUESTIONS:
                asked[name] += 1
                if asked[name] >= 2:
                    add("form_repeat", last_user.event_id if last_user else turn.event_id)
            if name in NOT_UNDERSTOOD:
                # "I could not understand the address" twice is the question asked twice,
                # whether or not the question itself was repeated.
                asked[name] += 1
                if asked[name] >= 2:
                    add("form_repeat", last_user.event_id if last_user else turn.event_id)
        elif turn.kind == "action":
            name = turn.name or ""
            if name in EMERGENCY:
                emergency_replied = True
                add("danger", last_user.event_id if last_user else turn.event_id)
                pending_danger_words = None
            if name in HANDOFF and kb_answered and last_user is not None:
                add("kb_followup", last_user.event_id)
        elif turn.kind == "slot" and turn.name == "language" and turn.value:
            value = str(turn.value)
            if not languages or languages[-1] != value:
                languages.append(value)
    if pending_danger_words is not None and not emergency_replied:
        add("danger_near", pending_danger_words.event_id)
    if len(set(languages)) > 1:
        add("language_switch", None)
    if conversation.handoff:
        add("handoff", None)
    if conversation.requests:
        add("request_filed", None)
    if conversation.failed:
        add("request_failed", None)
    return [SignalFinding(key, found[key]) for key in SIGNALS if key in found]


def need_score(keys: Sequence[str]) -> float:
    """How likely the conversation needs a human look, from its signals (0 to 1)."""
    keep = 1.0
    for key in set(keys):
        signal = SIGNALS.get(key)
        if signal is not None:
            keep *= 1.0 - signal.weight
    return round(1.0 - keep, 4)
