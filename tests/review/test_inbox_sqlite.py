"""The inbox and transcripts over conversations a real Rasa server wrote to SQLite."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.senders import conversation_id
from eval.review.models import AuditEntry
from tests.review.checks import (
    check_order,
    check_signals_and_filters,
    check_transcript,
    inbox,
    scenario_names,
)
from tests.review.conftest import ADMIN, REVIEWER, Conversations, ReviewApp, build_review_app

pytestmark = pytest.mark.integration


def test_signals_and_filters_find_the_right_real_conversations(
    review_app: ReviewApp, sqlite_conversations: Conversations
) -> None:
    client, _ = review_app.signed_in(REVIEWER)
    c = sqlite_conversations
    # what the scripts were written to produce, whatever the model's exact confidences
    assert "fallback" in c.expected("fallback")["signals"]
    assert "handoff" in c.expected("handoff")["signals"]
    assert c.expected("handoff")["language"] == "es"
    assert "request_filed" in c.expected("filed")["signals"]
    assert {"request_filed", "request_failed"} <= c.expected("queued")["signals"]
    assert not {"handoff", "request_filed"} & c.expected("plain")["signals"]
    check_signals_and_filters(client, c)


def test_the_most_useful_conversations_come_first(
    review_app: ReviewApp, sqlite_conversations: Conversations
) -> None:
    client, _ = review_app.signed_in(REVIEWER)
    check_order(client, sqlite_conversations)
    order = scenario_names(inbox(client), sqlite_conversations)
    assert order.index("fallback") < order.index("plain")
    assert order.index("handoff") < order.index("plain")


def test_the_tracker_store_writes_each_reply_once(sqlite_conversations: Conversations) -> None:
    """Once the assistant listens, the next message in the store is the resident's: a reply
    written twice (the embedded store once wrote every conversation's first reply twice)
    would show staff a question asked again that residents saw once."""
    with sqlite3.connect(sqlite_conversations.tracker_url.removeprefix("sqlite:///")) as db:
        for name, sender in sqlite_conversations.senders.items():
            kinds = [kind for (kind,) in db.execute(
                "SELECT CASE WHEN type_name = 'action' THEN action_name ELSE type_name END"
                " FROM events WHERE sender_id = ? ORDER BY id", (sender,))]
            said = [k for k in kinds if k in ("user", "bot", "action_listen")]
            after_listening = [said[i + 1] for i, k in enumerate(said[:-1]) if k == "action_listen"]
            assert set(after_listening) == {"user"}, (name, said)


def test_the_transcript_shows_what_the_assistant_understood_and_did(
    review_app: ReviewApp, sqlite_conversations: Conversations
) -> None:
    client, _ = review_app.signed_in(REVIEWER)
    view = check_transcript(client, sqlite_conversations, "filed")
    first = next(t for t in view["turns"] if t["kind"] == "user")
    assert first["text"] == "someone tagged my garage at [number] N Spring St"
    assert first["understood"] == "Graffiti"
    actions = [t["details"]["action"] for t in view["turns"] if t["kind"] == "action"]
    assert "action_submit_service_request" in actions
    bots = " ".join(t["text"] for t in view["turns"] if t["kind"] == "bot")
    assert "Where: [number] N Spring St" in bots and "200 N" not in bots
    [filed] = view["requests"]
    assert filed["request_id"].startswith("1-")

    conversation = sqlite_conversations.conversation_id("filed")
    page = client.get(f"/conversations/{conversation}").text
    assert "Graffiti" in page and filed["request_id"] in page
    assert "200 N Spring" not in page

    queued = check_transcript(client, sqlite_conversations, "queued")
    assert queued["requests"][0]["request_id"].startswith("Q-")
    assert queued["requests"][0]["queued"]
    check_transcript(client, sqlite_conversations, "handoff")


def test_a_message_with_a_script_tag_renders_as_text(
    review_app: ReviewApp, sqlite_conversations: Conversations
) -> None:
    client, _ = review_app.signed_in(REVIEWER)
    conversation = sqlite_conversations.conversation_id("fallback")
    page = client.get(f"/conversations/{conversation}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    # the only script element is the app's own file
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/review.js" defer>']


def test_reviewers_correct_tag_and_mark_conversations_and_every_change_is_audited(
    review_app: ReviewApp, sqlite_conversations: Conversations
) -> None:
    client, token = review_app.signed_in(REVIEWER)
    conversation = sqlite_conversations.conversation_id("fallback")
    view = client.get(f"/api/conversations/{conversation}").json()
    gibberish = next(t for t in view["turns"] if t.get("text") == "blorp zzkx qwerty")

    reply = client.post(
        f"/conversations/{conversation}/messages/{gibberish['event_id']}/corrections",
        data={"csrf_token": token, "kind": "intent", "value": "out_of_scope"},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    assert client.post(f"/conversations/{conversation}/tags",
                       data={"csrf_token": token, "tag": "Gibberish"}).status_code == 200
    assert client.post(f"/conversations/{conversation}/reviewed",
                       data={"csrf_token": token, "reviewed": "1"}).status_code == 200

    page = client.get(f"/conversations/{conversation}").text
    assert "Corrected: Not a City service (out of scope) — by rey-reviewer" in page
    assert "Reviewed by rey-reviewer" in page and "gibberish" in page

    def ids(**params: object) -> list[int]:
        return [r["conversation_id"] for r in inbox(client, **params)]

    assert conversation in ids(reviewed="yes")
    assert conversation not in ids(reviewed="no")
    assert ids(tag="gibberish") == [conversation]
    assert ids(tag="gibberish", reviewed="no") == []

    bad = client.post(
        f"/conversations/{conversation}/messages/{gibberish['event_id']}/corrections",
        data={"csrf_token": token, "kind": "intent", "value": "not_an_intent"},
    )
    assert bad.status_code == 400 and "Unknown meaning" in bad.text

    with review_app.app.state.sessions() as db:
        audit = [(a.username, a.action, a.target) for a in db.scalars(select(AuditEntry))]
    target = f"conversation:{conversation}"
    assert (REVIEWER[0], "correction.save", target) in audit
    assert (REVIEWER[0], "tag.add", target) in audit
    assert (REVIEWER[0], "review.mark", target) in audit


def test_the_channel_filter_tells_sms_from_web(
    tmp_path: Path, sqlite_conversations: Conversations
) -> None:
    """One real web conversation is copied as an SMS one (sender id and input channel as the
    SMS connector writes them)."""
    source = Path(sqlite_conversations.tracker_url.removeprefix("sqlite:///"))
    copy = tmp_path / "tracker.db"
    # SQLite's online backup: the live database keeps recent writes in its WAL file (the
    # tracker store keeps its connections open), which a plain file copy would leave behind.
    with sqlite3.connect(source) as live, sqlite3.connect(copy) as target:
        live.backup(target)
    sender = sqlite_conversations.senders["handoff"]
    with sqlite3.connect(copy) as db:
        rows = db.execute(
            "SELECT type_name, timestamp, intent_name, action_name, data FROM events "
            "WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
        for type_name, timestamp, intent, action, data in rows:
            if type_name == "user":
                data = data.replace('"channel": "web"', '"channel": "sms"').replace(
                    '"input_channel": "rest"', '"input_channel": "sms"')
            db.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name,"
                " data) VALUES (?, ?, ?, ?, ?, ?)",
                (conversation_id("sms", "+12135550199"), type_name, timestamp, intent, action,
                 data),
            )
        copied = db.execute("SELECT min(id) FROM events WHERE sender_id = ?",
                            (conversation_id("sms", "+12135550199"),)).fetchone()[0]
    app = build_review_app(tmp_path / "app", f"sqlite:///{copy}")
    client, _ = app.signed_in(ADMIN)
    sms = client.get("/api/conversations", params={"channel": "sms"}).json()["items"]
    # Other tests of the session may text the stack by SMS first: theirs count as SMS too.
    assert copied in {i["conversation_id"] for i in sms}
    assert {i["channel"] for i in sms} == {"SMS"} and "+1213" not in str(sms)
    web = client.get("/api/conversations", params={"channel": "web"}).json()["items"]
    assert all(i["channel"] == "Web chat" for i in web) and len(web) >= 5


def test_the_dashboard_counts_real_conversations_and_draws_charts(
    review_app: ReviewApp, sqlite_conversations: Conversations
) -> None:
    client, _ = review_app.signed_in(REVIEWER)
    today = date.today()
    params = {"start": (today - timedelta(days=1)).isoformat(),
              "end": (today + timedelta(days=1)).isoformat()}
    data = client.get("/api/dashboard", params=params).json()
    assert data["conversations"] >= 5
    assert 0 < data["containment"] < 1 and 0 < data["fallback_rate"] < 1
    charts = {c["title"]: {b["label"]: b["value"] for b in c["bars"]} for c in data["charts"]}
    assert charts["Requests filed by type"]["graffiti-removal"] >= 2
    fallbacks = sum(
        intent == "nlu_fallback"
        for name in sqlite_conversations.senders
        for _, intent, _ in sqlite_conversations.expected(name)["users"]
    )
    assert charts["Top intents"].get("nlu_fallback", 0) >= fallbacks >= 1
    assert set(charts["Language split"]) >= {"en", "es"}
    assert sum(charts["Conversations per day"].values()) == data["conversations"]

    page = client.get("/dashboard", params=params).text
    for title in ("Conversations per day", "Containment and fallbacks per day", "Top intents",
                  "Requests filed by type", "Language split"):
        assert f">{title}</title>" in page
    assert page.count('<svg role="img"') == 5
    assert "graffiti-removal" in page and "<polyline" in page
