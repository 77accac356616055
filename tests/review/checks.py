"""Checks shared by the SQLite and the PostgreSQL tests: same conversations, same answers.

Expectations come from Rasa's own HTTP API (``Conversations.expected``), never from the
review app's code, so they hold whatever the current model predicts.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from eval.review.redaction import redact
from tests.review.conftest import Conversations


def inbox(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    """Rows of every inbox page, in order."""
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        reply = client.get("/api/conversations", params={**params, "page": page})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        rows += body["items"]
        if page >= body["pages"]:
            return rows
        page += 1


def scenario_names(rows: list[dict[str, Any]], conversations: Conversations) -> list[str]:
    """The scenario names among ``rows``, in order."""
    names = {conversations.conversation_id(n): n for n in conversations.senders}
    return [names[r["conversation_id"]] for r in rows if r["conversation_id"] in names]


def check_signals_and_filters(client: TestClient, conversations: Conversations) -> None:
    """Each scenario is found, with the signals Rasa's tracker shows; filters keep the rest."""
    everyone = set(conversations.senders)

    def found(**params: Any) -> set[str]:
        return set(scenario_names(inbox(client, **params), conversations))

    assert found() == everyone
    for name in everyone:
        expected = conversations.expected(name)["signals"]
        for key in ("fallback", "handoff", "request_filed", "request_failed"):
            assert (name in found(signal=key)) == (key in expected), (name, key)
    for language in ("en", "es"):
        wanted = {n for n in everyone if conversations.expected(n)["language"] == language}
        assert found(language=language) == wanted, language
    assert found(channel="web") == everyone and found(channel="sms") == set()
    today = date.today()
    assert found(start=str(today - timedelta(days=1)), end=str(today + timedelta(days=1))) == (
        everyone
    )
    assert found(end=str(today - timedelta(days=2))) == set()


def check_order(client: TestClient, conversations: Conversations) -> None:
    """Most likely to need a look first; a plain conversation comes after a failed one."""
    rows = inbox(client)
    needs = [r["need"] for r in rows]
    assert needs == sorted(needs, reverse=True)
    order = scenario_names(rows, conversations)
    if "plain" in order:
        assert order.index("fallback") < order.index("plain")


def check_transcript(client: TestClient, conversations: Conversations, name: str) -> dict[str, Any]:
    """Each resident message redacted with what Rasa understood; requests; no sender id."""
    expected = conversations.expected(name)
    view = client.get(f"/api/conversations/{conversations.conversation_id(name)}").json()
    users = [t for t in view["turns"] if t["kind"] == "user"]
    assert [(u["text"], u["details"]["intent"]) for u in users] == [
        (redact(text), intent) for text, intent, _ in expected["users"]
    ]
    for turn, (_, _, confidence) in zip(users, expected["users"], strict=True):
        assert abs(turn["details"]["confidence"] - confidence) < 1e-9
    assert [r["request_id"] for r in view["requests"]] == expected["requests"]
    assert conversations.senders[name] not in str(view) and "sender" not in view
    bots = [t["event_id"] for t in view["turns"] if t["kind"] == "bot"]
    assert len(bots) == len(set(bots))
    return view
