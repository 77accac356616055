"""The learning loop in a real browser, as staff and residents live it.

Residents talk to a Rasa server that takes its model from the review app's model server, as in
production (``models:`` in bot/endpoints.yml); the review app runs as ``make run`` starts it
(``python -m eval.review serve``) and reads that Rasa's tracker store. In Chromium, a reviewer
whose browser asks for Spanish corrects three real failures: a wrong meaning, a wrong knowledge
answer, and a form question that was asked again. The reviewer cannot build or approve a
candidate. An admin builds one (bot/train.py, the one trainer, with the epochs override) and
approves it, and the assistant then answers the corrected messages as corrected; the admin
rolls back, and the assistant answers as before. Restarting the app keeps whichever model is
current. Screenshots of the main pages go to eval/screenshots/review-*.png.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import expect

from connectors.senders import conversation_id
from eval.stack import ROOT, Stack, latest_model, new_sender
from tests.review.conftest import (
    ADMIN,
    REVIEWER,
    Conversations,
    build_review_app,
    rasa_api,
    rasa_server,
    rest_chat,
    review_server,
    run_scripts,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

SCREENSHOTS = ROOT / "eval" / "screenshots"
MODEL_TOKEN = "model-server-token-for-the-test"
# A candidate is trained and evaluated with the full pipeline: three languages since Korean,
# 7–8 min with other jobs on both cores (it was 3 min for two); on the 2026-12-08 machine a full
# training alone took 929 s and the job outlasted a 15-min wait, so the wait is 25 min.
JOB_TIMEOUT_MS = 1_500_000

# Three failures of the current model, as residents typed them.
CRATER = "a huge crater on olympic blvd ate my tire"  # understood as a fallen tree
GREEN_BIN = "when does the green bin get picked up"  # answered with what goes in the bin
WHERE = "what do you mean, its at 5th St and Main St"  # read as "help": the address asked again
SCRIPTS = {
    "crater": [CRATER, "Olympic Blvd and Union Ave"],
    "green_bin": [GREEN_BIN, "that's not what i asked"],
    "where": ["there's graffiti on my garage", WHERE],
}
TREE_QUESTION = "Is the tree blocking traffic?"
DESCRIBE = "Please describe the problem"
ASK_ADDRESS = "Where is it?"


def wait_for_model(rasa_url: str, token: str, name: str, timeout: float = 120) -> None:
    """Waits until Rasa has pulled and loaded ``name`` from the model server."""
    deadline = time.monotonic() + timeout
    loaded = None
    while time.monotonic() < deadline:
        status = httpx.get(f"{rasa_url}/status", params={"token": token}, timeout=10)
        loaded = status.json().get("model_file") if status.status_code == 200 else None
        if loaded == name:
            return
        time.sleep(1)
    raise AssertionError(f"Rasa still runs {loaded}, not {name}")


@dataclass
class Replay:
    """A resident's new conversation: its sender and the assistant's replies to each line."""

    sender: str
    replies: list[list[str]]

    def conversation_id(self, tracker_db: Path) -> int:
        """The review app's id of this conversation."""
        return Conversations(
            f"sqlite:///{tracker_db}", {"c": conversation_id("web", self.sender)}
        ).conversation_id("c")


def replay(chat: Any, script: list[str]) -> Replay:
    sender = new_sender("replay")
    return Replay(sender, [[r.get("text", "") for r in chat(sender, line)] for line in script])


def served_model(url: str) -> str:
    """The model the review app's model server hands to Rasa (its ETag)."""
    reply = httpx.get(f"{url}/model-server/current.tar.gz", params={"token": MODEL_TOKEN},
                      timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.headers["etag"] + ".tar.gz"


def read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def sign_in(context: Any, url: str, who: tuple[str, str]) -> Any:
    page = context.new_page()
    page.goto(url + "/")
    page.get_by_label("User name").fill(who[0])
    page.get_by_label("Password").fill(who[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    return page


def correction_form(page: Any, message: str) -> Any:
    """The "Correct this message" group of one resident message, opened."""
    group = page.get_by_role("group", name=re.compile(re.escape(message)))
    if group.get_attribute("open") is None:
        group.get_by_text("Correct this message").click()
    return group


def test_a_reviewers_corrections_reach_residents_only_through_an_admin_and_roll_back(
    rasa_stack: Stack, chromium: Any, tmp_path: Path
) -> None:
    started = time.monotonic()
    models = tmp_path / "models"
    models.mkdir()
    original = shutil.copy2(latest_model(), models)  # the model in use before any correction
    original_name = Path(original).name
    tracker_db = tmp_path / "rasa" / "tracker.db"
    tracker_db.parent.mkdir()
    (tmp_path / "review").mkdir()
    review = build_review_app(
        tmp_path / "review", f"sqlite:///{tracker_db}", models_dir=models,
        model_server_token=MODEL_TOKEN, train_epochs=1,
        # One added example can move one held-out message: measured -0.022 on en
        # report_dead_animal (20 messages) with the defaults (0.0 and 0.02), which refuse the
        # candidate as they should (test_retrain.py tests the refusals). Stated tolerances
        # here let this candidate through; the corrected messages must still be understood.
        promote_tolerance=0.01, intent_tolerance=0.06,
    )
    server = review_server(review, tmp_path / "review.log")
    url = f"http://127.0.0.1:{review.settings.port}"
    rasa = rasa_server(
        rasa_stack, tracker_db.parent, "bot/endpoints.yml", pinned=False,
        TRACKER_SQLITE_PATH=str(tracker_db),
        MODEL_SERVER_URL=f"{url}/model-server/current.tar.gz", MODEL_SERVER_TOKEN=MODEL_TOKEN,
    )
    rasa_url, rasa_token = rasa_api(rasa)
    chat = rest_chat(rasa_url, rasa_stack.rest_auth("web"))
    contexts: list[Any] = []
    errors: list[str] = []

    def browser(locale: str) -> Any:
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
        contexts.append(context)
        context.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        context.on("weberror", lambda e: errors.append(str(e.error)))
        return context

    server.start()
    try:
        rasa.start()
        wait_for_model(rasa_url, rasa_token, original_name)
        run_scripts(chat, SCRIPTS, "loop")

        # --- a reviewer (Spanish browser) corrects three failures ---------------------------
        reviewer = sign_in(browser("es-US"), url, REVIEWER)
        SCREENSHOTS.mkdir(exist_ok=True)
        reviewer.screenshot(path=str(SCREENSHOTS / "review-inbox.png"), full_page=True)

        # the meaning: nothing in the conversation says it went wrong; a search finds it
        reviewer.get_by_label("Search").fill("crater")
        reviewer.get_by_role("button", name="Filter").click()
        expect(reviewer.get_by_text("1 conversation", exact=True)).to_be_visible()
        reviewer.get_by_role("link", name=CRATER).click()
        expect(reviewer.get_by_text(TREE_QUESTION)).to_be_visible()  # the failure, as it was
        form = correction_form(reviewer, CRATER)
        form.get_by_label("The resident meant").select_option(label="Bache")
        form.get_by_role("button", name="Save meaning").click()
        expect(reviewer.get_by_text(re.compile(r"Corrected: Bache .*pending"))).to_be_visible()

        # the knowledge answer: the resident said so, and the inbox's filter finds it
        reviewer.goto(url + "/")
        reviewer.get_by_label("Resident said it was wrong").check()
        reviewer.get_by_role("button", name="Filter").click()
        expect(reviewer.get_by_text("1 conversation", exact=True)).to_be_visible()
        reviewer.get_by_role("link", name=GREEN_BIN).click()
        expect(reviewer.locator("li.turn.bot").first).to_contain_text("The green bin is for")
        form = correction_form(reviewer, GREEN_BIN)
        form.get_by_label("The right answer is the article").select_option(
            label="Su día de recolección de basura")
        form.get_by_role("button", name="Save article").click()
        expect(reviewer.get_by_text(re.compile("Corrected: Su día de recolección"))).to_be_visible()

        # the form step: the inbox flags it as a question asked again
        reviewer.goto(url + "/")
        row = reviewer.locator("table.inbox tbody tr", has_text="there's graffiti on my garage")
        expect(row).to_contain_text("Question asked again")
        row.get_by_role("link", name="there's graffiti on my garage").click()
        expect(reviewer.locator("li.turn.bot", has_text="I can: 1) file")).to_be_visible()
        expect(reviewer.locator("li.turn.bot").last).to_contain_text(ASK_ADDRESS)  # asked again
        expect(reviewer.locator("li.turn.bot", has_text=ASK_ADDRESS)).to_have_count(2)
        form = correction_form(reviewer, WHERE)
        form.get_by_label("This answered the question").select_option(
            label="Dirección o cruce de calles")
        form.get_by_label("and should have been understood as").fill("5th St and Main St")
        form.get_by_role("button", name="Save form step").click()
        expect(reviewer.get_by_text(
            "Corrected: Dirección o cruce de calles: 5th St and Main St")).to_be_visible()
        reviewer.screenshot(path=str(SCREENSHOTS / "review-transcript.png"), full_page=True)

        # a reviewer cannot build a candidate
        reviewer.get_by_role("link", name="Improve the assistant").click()
        expect(reviewer.get_by_text("Only an admin can build, approve")).to_be_visible()
        build = reviewer.get_by_role("button", name=re.compile("Build a candidate"))
        expect(build).to_have_count(0)

        # --- an admin builds a candidate: it passes the checks ---------------------------------
        admin = sign_in(browser("en-US"), url, ADMIN)
        admin.get_by_role("link", name="Improve the assistant").click()
        expect(admin.locator("#model-in-use")).to_have_text(original_name)
        admin.get_by_role("button", name="Build a candidate from the corrections").click()
        status = admin.locator("#job-status")
        expect(status).to_have_attribute("data-status", re.compile("ready|rejected|failed"),
                                         timeout=JOB_TIMEOUT_MS)
        log = admin.locator("#job-log").text_content()
        assert status.get_attribute("data-status") == "ready", (
            admin.locator("main").inner_text()[:3000], (log or "")[-3000:])
        job_url = admin.url
        expect(admin.get_by_text("Learned from 3 corrections: 2 training messages, "
                                 "1 knowledge questions, 1 form steps.")).to_be_visible()
        understood = admin.locator("tr.better")
        expect(understood.filter(has_text=CRATER)).to_contain_text("Pothole")
        expect(understood.filter(has_text=WHERE)).to_contain_text(
            "Answer to the assistant's question")

        # the reviewer sees the candidate but cannot approve it: no button, and refused
        reviewer.goto(job_url)
        expect(reviewer.locator("#job-status")).to_have_attribute("data-status", "ready")
        expect(reviewer.get_by_role("button", name=re.compile("Approve"))).to_have_count(0)
        before = len(errors)
        refused = reviewer.evaluate(
            """url => fetch(url + '/approve', {method: 'POST', headers: {'X-CSRF-Token':
                 document.querySelector('meta[name=csrf-token]').content}}).then(r => r.status)""",
            job_url.replace("/jobs/", "/api/jobs/"),
        )
        assert refused == 403
        assert [e for e in errors[before:] if "403" not in e] == []
        del errors[before:]  # the browser's console reports the refusal

        # --- the admin approves: residents get the corrected answers ---------------------------
        admin.get_by_role("button", name="Approve: the assistant uses this model").click()
        expect(status).to_have_text("In use by the assistant")
        admin.screenshot(path=str(SCREENSHOTS / "review-candidate.png"), full_page=True)
        admin.get_by_role("link", name="All candidates").click()
        candidate = admin.locator("#model-in-use").inner_text()
        assert candidate != original_name
        wait_for_model(rasa_url, rasa_token, candidate)
        crater = replay(chat, SCRIPTS["crater"])
        assert not any("tree" in t for t in crater.replies[1]), crater.replies  # a pothole now
        where = replay(chat, SCRIPTS["where"])
        assert len(where.replies[1]) == 1 and where.replies[1][0].startswith(DESCRIBE), (
            where.replies)  # the address was taken: no help text, not asked again
        admin.goto(f"{url}/conversations/{crater.conversation_id(tracker_db)}")
        expect(admin.locator("li.turn.user", has_text=CRATER).locator(".nlu")).to_contain_text(
            "Understood as Pothole")
        questions = review.settings.reviewed_eval_dir / "retrieval.yml"
        assert [(q["question"], q["article"]) for q in read_yaml(questions)["questions"]] == [
            (GREEN_BIN, "sanitation-collection-day")]

        # a restart keeps the approved model
        server.stop()
        server.start()
        admin.goto(f"{url}/jobs")
        expect(admin.locator("#model-in-use")).to_have_text(candidate)
        assert served_model(url) == candidate

        # --- the admin rolls back: residents get the previous answers again --------------------
        admin.goto(job_url)
        admin.get_by_role("button", name="Roll back to the previous model").click()
        expect(status).to_have_text("Rolled back")
        admin.get_by_role("link", name="All candidates").click()
        expect(admin.locator("#model-in-use")).to_have_text(original_name)
        wait_for_model(rasa_url, rasa_token, original_name)
        crater = replay(chat, SCRIPTS["crater"])
        assert TREE_QUESTION in crater.replies[1], crater.replies
        assert read_yaml(questions)["questions"] == []
        server.stop()
        server.start()
        admin.reload()
        expect(admin.locator("#model-in-use")).to_have_text(original_name)
        assert served_model(url) == original_name

        admin.get_by_role("link", name="Dashboard").click()
        admin.screenshot(path=str(SCREENSHOTS / "review-dashboard.png"), full_page=True)
    finally:
        for context in contexts:
            context.close()
        rasa.stop()
        server.stop()
    assert errors == []
    print(f"browser loop: {time.monotonic() - started:.0f} s")
