"""A reviewer's session in a real browser: sign in, find a low-confidence conversation, correct
it, export, and the export is valid Rasa data. Screenshots go to eval/screenshots/review-*.png.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
import yaml

from eval.stack import ROOT, free_port
from tests.review.conftest import REVIEWER, Conversations, ReviewApp, rasa_validate

pytestmark = [pytest.mark.browser, pytest.mark.integration]

SCREENSHOTS = ROOT / "eval" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def live_app(review_app: ReviewApp) -> Iterator[str]:
    """The review app served by uvicorn on a free port."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(review_app.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_a_reviewer_corrects_a_low_confidence_message_and_exports_it(
    live_app: str, review_app: ReviewApp, sqlite_conversations: Conversations
) -> None:
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    conversation = sqlite_conversations.conversation_id("fallback")
    filed = sqlite_conversations.conversation_id("filed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        page.goto(live_app + "/")
        expect(page).to_have_url(live_app + "/login?next=/")
        page.get_by_label("User name").fill(REVIEWER[0])
        page.get_by_label("Password").fill(REVIEWER[1])
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Inbox")).to_be_visible()

        # the inbox, filtered to low-confidence conversations
        page.get_by_label("Low confidence").check()
        page.get_by_role("button", name="Filter").click()
        expect(page).to_have_url(re.compile(r".*[?&]signal=low_confidence(&|$)"))
        row = page.locator(f"a[data-conversation='{conversation}']")
        expect(row).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "review-inbox.png"), full_page=True)
        row.click()

        # the transcript: the gibberish message fell back; correct it to out_of_scope
        expect(page.get_by_role("heading", name=f"Conversation {conversation}")).to_be_visible()
        message = page.locator("li.turn.user", has_text="blorp zzkx qwerty")
        expect(message.locator(".nlu")).to_contain_text("nlu_fallback")
        expect(page.locator("li.turn.user", has_text="<script>alert(1)</script>")).to_be_visible()
        message.locator("select[name=intent]").select_option("out_of_scope")
        page.screenshot(path=str(SCREENSHOTS / "review-transcript.png"), full_page=True)
        message.get_by_role("button", name="Save correction").click()
        corrected = page.locator("li.turn.user", has_text="blorp zzkx qwerty")
        expect(corrected.locator(".corrected")).to_contain_text("Corrected to out_of_scope")

        # an entity marked by selecting it in the (redacted) message
        page.goto(f"{live_app}/conversations/{filed}")
        first = page.locator("li.turn.user").first
        text = first.locator(".message-text")
        expect(text).to_have_text("someone tagged my garage at [number] N Spring St")
        text.evaluate(
            """el => {
                const node = el.firstChild, start = node.textContent.indexOf("[number]");
                const range = document.createRange();
                range.setStart(node, start); range.setEnd(node, node.textContent.length);
                const selection = window.getSelection();
                selection.removeAllRanges(); selection.addRange(range);
                el.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
            }"""
        )
        first.locator("details.correct summary").click()
        blank = first.locator(".entity-row.blank")
        blank.get_by_role("button", name="Use selection").click()
        expect(blank.locator("input[name=value]")).to_have_value("[number] N Spring St")
        blank.locator("select[name=entity]").select_option("address")
        first.locator("select[name=intent]").select_option("report_graffiti")
        first.get_by_role("button", name="Save correction").click()
        expect(page.locator("li.turn.user").first.locator(".corrected")).to_contain_text(
            "Corrected to report_graffiti"
        )

        # export
        page.get_by_role("link", name="Export").click()
        page.get_by_role("button", name="Export 2 corrections").click()
        expect(page.locator("#export-summary")).to_contain_text("2 new examples written")
        page.screenshot(path=str(SCREENSHOTS / "review-export.png"), full_page=True)
        yaml_text = page.locator("pre.yaml").first.inner_text()

        page.get_by_role("link", name="Dashboard").click()
        expect(page.locator("svg[role=img]").first).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "review-dashboard.png"), full_page=True)
        browser.close()

    assert errors == []
    [exported] = list(review_app.export_dir.glob("*.yml"))
    assert yaml_text.strip() in exported.read_text()
    data = yaml.safe_load(exported.read_text())
    assert {item["intent"]: item["examples"] for item in data["nlu"]} == {
        "out_of_scope": "- blorp zzkx qwerty\n",
        "report_graffiti": "- someone tagged my garage at [100 N Spring St](address)\n",
    }
    validated = rasa_validate(review_app.export_dir)
    assert validated.returncode == 0, validated.stdout[-3000:] + validated.stderr[-3000:]
    for name in ("inbox", "transcript", "export", "dashboard"):
        assert (SCREENSHOTS / f"review-{name}.png").stat().st_size > 10_000
    assert isinstance(exported, Path)
