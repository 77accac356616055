"""The same review app on the production profile: a PostgreSQL tracker store written by a real
Rasa server (Redis lock store), read with the same queries as SQLite."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.review.checks import check_order, check_signals_and_filters, check_transcript
from tests.review.conftest import ADMIN, REVIEWER, Conversations, ReviewApp, build_review_app

pytestmark = [pytest.mark.postgres, pytest.mark.integration]


@pytest.fixture
def pg_app(tmp_path: Path, postgres_conversations: Conversations) -> ReviewApp:
    return build_review_app(tmp_path, postgres_conversations.tracker_url)


def test_rasa_wrote_the_conversations_to_postgresql(
    postgres_conversations: Conversations, postgres_database: str
) -> None:
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={postgres_database}") as conn:
        senders = {row[0] for row in conn.execute("SELECT DISTINCT sender_id FROM events")}
    assert set(postgres_conversations.senders.values()) <= senders


def test_signals_filters_and_order_on_postgresql(
    pg_app: ReviewApp, postgres_conversations: Conversations
) -> None:
    client, _ = pg_app.signed_in(REVIEWER)
    assert "handoff" in postgres_conversations.expected("handoff")["signals"]
    assert "request_filed" in postgres_conversations.expected("filed")["signals"]
    check_signals_and_filters(client, postgres_conversations)
    check_order(client, postgres_conversations)


def test_transcripts_reveal_and_corrections_on_postgresql(
    pg_app: ReviewApp, postgres_conversations: Conversations
) -> None:
    client, token = pg_app.signed_in(ADMIN)
    view = check_transcript(client, postgres_conversations, "filed")
    assert view["requests"][0]["request_id"].startswith("1-")
    check_transcript(client, postgres_conversations, "handoff")

    handoff = postgres_conversations.conversation_id("handoff")
    page = client.get(f"/conversations/{handoff}").text
    assert "Juan Perez" not in page and "me llamo [name]" in page
    revealed = client.post(f"/conversations/{handoff}/reveal", data={"csrf_token": token}).text
    assert "Juan Perez" in revealed

    fallback = postgres_conversations.conversation_id("fallback")
    page = client.get(f"/conversations/{fallback}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page

    turns = client.get(f"/api/conversations/{handoff}").json()["turns"]
    message = [t for t in turns if t["kind"] == "user"][1]
    assert client.put(
        f"/api/conversations/{handoff}/messages/{message['event_id']}/corrections",
        json={"kind": "intent", "value": "inform"}, headers={"X-CSRF-Token": token},
    ).status_code == 200
    corrected = client.get("/api/conversations", params={"corrected": "yes"}).json()
    assert [i["conversation_id"] for i in corrected["items"]] == [handoff]

    dashboard = client.get("/api/dashboard").json()
    assert dashboard["conversations"] == 3 and dashboard["requests"] == 1
