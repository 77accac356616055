"""Shared fixtures: the whole assistant stack started for real on 127.0.0.1.

``rasa_stack`` starts, once per test session, the embedded Open311 server, the action server,
the outbox worker and the Rasa server (with the latest trained model, the REST and SMS channels
and a SQLite tracker store) on free ports, each with its own temporary databases (see
``eval/stack.py``). Tests talk to them over HTTP exactly as a resident's browser or an SMS
gateway would.

In CI (``CI=true``) a skipped test is an error: tests that need a service must not silently
pass by skipping.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eval.stack import (
    ROOT,
    Service,
    Stack,
    free_port,
    latest_model,
    new_sender,
    start_stack,
    wait_http,
)
from tests.webchat.widget import CHROMIUM, CHROMIUM_ARGS

# Re-exported for test modules (they import these from tests.conftest).
__all__ = ["ROOT", "Service", "Stack", "free_port", "new_sender", "wait_http"]


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The running assistant, shared by every integration test of the session."""
    try:
        model = latest_model()
    except FileNotFoundError as error:
        pytest.fail(f"{error} (make test trains it first)")
    with start_stack(tmp_path_factory.mktemp("stack"), model) as stack:
        yield stack


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless Chromium for one test module: Debian's /usr/bin/chromium driven by
    Playwright (no browser download). Tests that need it are marked ``browser``; without
    Chromium they are skipped (an error under CI=true).

    Module scope, not session: Playwright's sync API keeps an event loop running in the main
    thread while it is open, and every later test that calls ``asyncio.run`` (the action and
    SMS handler tests) would fail with "cannot be called from a running event loop".
    """
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Chromium is not installed: `make browser`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test fails the run: nothing that needs a service may silently skip."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI", "").lower() == "true" and skipped:
        if reporter:
            reporter.write_line(f"CI=true: {skipped} skipped test(s) count as failures.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
