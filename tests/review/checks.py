"""Checks shared by the SQLite and the PostgreSQL tests: same conversations, same answers.

Expectations come from Rasa's own HTTP API (``Conversations.expected``), never from the
review app's code, so they hold whatever the current model predicts.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from eval.review.redaction import redact
from eval.review.tracker.inbox import SCORE_WEIGHTS, SIGNALS
from tests.review.conftest import Conversations


def inbox(client: TestClient, **params: Any) -> list[int]:
    """Conversation ids of every inbox page, in order."""
    ids: list[int] = []
    page = 1
    while True:
        reply = client.get("/api/conversations", params={**params, "page": page})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        ids += [item["conversation_id"] for item in body["items"]]
        if page >= body["pages"]:
            return ids
        page += 1


def scenario_names(ids: list[int], conversations: Conversations) -> list[str]:
    """The scenario names among ``ids``, in order."""
    names = {conversations.conversation_id(n): n for n in conversations.senders}
    return [names[i] for i in ids if i in names]


def check_signals_and_filters(client: TestClient, conversations: Conversations) -> None:
    """Each signal and filter finds exactly the scenarios Rasa's tracker says it should."""
    everyone = set(conversations.senders)

    def found(**params: Any) -> set[str]:
        return set(scenario_names(inbox(client, **params), conversations))

    assert found() == everyone
    for signal in SIGNALS:
        expected = {n for n in everyone if signal in conversations.expected(n)["signals"]}
        assert found(signal=signal) == expected, signal
    both = {n for n in everyone
            if {"handoff", "request_failed"} & conversations.expected(n)["signals"]}
    assert found(signal=["handoff", "request_failed"]) == both
    for language in ("en", "es"):
        expected = {n for n in everyone if conversations.expected(n)["language"] == language}
        assert found(language=language) == expected, language
    assert found(channel="web") == everyone and found(channel="sms") == set()
    today = date.today()
    assert found(start=str(today - timedelta(days=1)), end=str(today + timedelta(days=1))) == (
        everyone
    )
    assert found(end=str(today - timedelta(days=2))) == set()
    assert found(start=str(today + timedelta(days=2))) == set()


def check_order(client: TestClient, conversations: Conversations) -> None:
    """Higher review score first, newest first within a score."""
    def key(name: str) -> tuple[int, float]:
        expected = conversations.expected(name)
        score = sum(w for s, w in SCORE_WEIGHTS.items() if s in expected["signals"])
        return -score, -expected["last"]

    order = scenario_names(inbox(client), conversations)
    assert order == sorted(conversations.senders, key=key)
    page = client.get("/api/conversations").json()
    scores = [item["score"] for item in page["items"]]
    assert scores == sorted(scores, reverse=True)


def check_transcript(client: TestClient, conversations: Conversations, name: str) -> dict[str, Any]:
    """Each resident message with its intent and confidence, redacted; the filed requests."""
    expected = conversations.expected(name)
    view = client.get(f"/api/conversations/{conversations.conversation_id(name)}").json()
    users = [t for t in view["turns"] if t["kind"] == "user"]
    assert [(u["text"], u["intent"]) for u in users] == [
        (redact(text), intent) for text, intent, _ in expected["users"]
    ]
    for turn, (_, _, confidence) in zip(users, expected["users"], strict=True):
        assert abs(turn["confidence"] - confidence) < 1e-9
        assert turn["low_confidence"] == (confidence < 0.6)
    assert [r["request_id"] for r in view["requests"]] == expected["requests"]
    assert view["language"] == expected["language"] and view["channel"] == "web"
    for request in view["requests"]:
        assert re.fullmatch(r"(1-\d+|Q-[A-Z0-9]+)", request["request_id"])
    return view
