"""Corrections become Rasa NLU data: redacted, de-duplicated, and valid for `rasa data validate`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from eval.review.export import existing_examples, normalise, plain_text
from eval.review.models import AuditEntry, Correction
from eval.stack import ROOT
from tests.review.conftest import REVIEWER, Conversations, ReviewApp, rasa_validate

pytestmark = pytest.mark.integration


def _user_turns(client: Any, conversation: int) -> list[dict[str, Any]]:
    view = client.get(f"/api/conversations/{conversation}").json()
    return [t for t in view["turns"] if t["kind"] == "user"]


def _correct(client: Any, token: str, conversation: int, event_id: int, intent: str,
             entities: list[dict[str, Any]] | None = None) -> None:
    reply = client.put(
        f"/api/conversations/{conversation}/messages/{event_id}/correction",
        json={"intent": intent, "entities": entities or []},
        headers={"X-CSRF-Token": token},
    )
    assert reply.status_code == 204, reply.text


def test_export_redacts_deduplicates_and_passes_rasa_data_validate(
    review_app: ReviewApp, sqlite_conversations: Conversations
) -> None:
    client, token = review_app.signed_in(REVIEWER)
    c = sqlite_conversations
    filed = _user_turns(client, c.conversation_id("filed"))
    handoff = _user_turns(client, c.conversation_id("handoff"))
    fallback = _user_turns(client, c.conversation_id("fallback"))
    plain = _user_turns(client, c.conversation_id("plain"))

    # a graffiti report with its address marked on the redacted text
    shown = filed[0]["text"]
    start = shown.index("[number]")
    _correct(client, token, c.conversation_id("filed"), filed[0]["event_id"], "report_graffiti",
             [{"entity": "address", "value": shown[start:], "start": start, "end": len(shown)}])
    # a Spanish message full of personal data
    _correct(client, token, c.conversation_id("handoff"), handoff[1]["event_id"], "inform")
    # gibberish the assistant could not place
    gibberish = next(t for t in fallback if t["text"] == "blorp zzkx qwerty")
    _correct(client, token, c.conversation_id("fallback"), gibberish["event_id"], "out_of_scope")
    # "hello" is already in nlu_data/en/core.yml
    _correct(client, token, c.conversation_id("plain"), plain[0]["event_id"], "greet")

    reply = client.post("/api/export", headers={"X-CSRF-Token": token})
    assert reply.status_code == 200, reply.text
    result = reply.json()
    assert result["examples"] == 3 and result["duplicates"] == 1
    assert result["by_intent"] == {"report_graffiti": 1, "inform": 1, "out_of_scope": 1}
    files = sorted(Path(f) for f in result["files"])
    assert [f.parent for f in files] == [review_app.export_dir] * 2
    assert [f.name.rsplit("-", 1)[1] for f in files] == ["en.yml", "es.yml"]

    text = "\n".join(f.read_text() for f in files)
    for personal in ("Juan", "Perez", "213-555-0199", "juan.perez@example.org", "200 N"):
        assert personal not in text
    english, spanish = (yaml.safe_load(f.read_text()) for f in files)
    assert english["version"] == "3.1" and spanish["version"] == "3.1"
    examples = {item["intent"]: item["examples"] for item in english["nlu"] + spanish["nlu"]}
    assert examples["report_graffiti"] == (
        "- someone tagged my garage at [100 N Spring St](address)\n"
    )
    assert examples["inform"] == (
        "- me llamo Alex, mi teléfono es (213) 555-0100 y mi correo resident@example.com\n"
    )
    assert examples["out_of_scope"] == "- blorp zzkx qwerty\n"

    validated = rasa_validate(review_app.export_dir)
    assert validated.returncode == 0, validated.stdout[-3000:] + validated.stderr[-3000:]

    # Exported, and audited with who did it
    with review_app.app.state.sessions() as db:
        corrections = db.scalars(select(Correction)).all()
        exports = db.scalars(select(AuditEntry).where(AuditEntry.action == "export")).all()
    assert all(c.exported_at is not None for c in corrections)
    assert [(e.username, e.detail["examples"], e.detail["duplicates"]) for e in exports] == [
        (REVIEWER[0], 3, 1)
    ]

    # Edited again, the same example is not written twice: the earlier export has it
    _correct(client, token, c.conversation_id("fallback"), gibberish["event_id"], "out_of_scope")
    again = client.post("/api/export", headers={"X-CSRF-Token": token}).json()
    assert again["examples"] == 0 and again["duplicates"] == 1 and again["files"] == []
    assert sorted(review_app.export_dir.iterdir()) == files

    # the page shows what was written
    page = client.post("/export", data={"csrf_token": token}).text
    assert "Export finished" in page


def test_existing_examples_cover_every_nlu_file_ignoring_case_spacing_and_annotations(
    tmp_path: Path,
) -> None:
    seen = existing_examples([ROOT / "nlu_data"])
    assert normalise("HELLO") in seen and normalise("  Hello ") in seen
    extra = tmp_path / "more.yml"
    extra.write_text(
        'version: "3.1"\nnlu:\n- intent: report_graffiti\n  examples: |\n'
        "    - Graffiti at [100 Main St](address)\n- synonym: x\n  examples: |\n    - y\n"
    )
    more = existing_examples([extra])
    assert more == {"graffiti at 100 main st"}
    assert plain_text('[LA]{"entity": "city", "value": "Los Angeles"} rocks') == "LA rocks"
