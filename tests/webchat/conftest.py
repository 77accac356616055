"""Fixtures of the web chat tests: the app started for real, and a headless Chromium.

The browser is the session's ``chromium`` (tests/conftest.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, Service, Stack, free_port
from tests.webchat.widget import Widget

SCREENSHOTS = ROOT / "eval" / "screenshots"


def webchat_service(
    rasa_url: str, token: str, log: Path, port: int | None = None, rest_token: str = "",
    **extra_env: str,
) -> Service:
    """The web chat (``python -m connectors.webchat``) as a restartable process."""
    port = port or free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "WEBCHAT_HOST": "127.0.0.1",
        "WEBCHAT_PORT": str(port),
        "RASA_URL": rasa_url,
        "RASA_AUTH_TOKEN": token,
        "WEBCHAT_REST_TOKEN": rest_token or "unset",
        **extra_env,
    }
    return Service(
        "webchat",
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "connectors.webchat"],
        f"http://127.0.0.1:{port}/",
        env,
        log,
        startup_timeout=30,
    )


def base_url(service: Service) -> str:
    """The root URL of a web chat service."""
    return service.health_url.rstrip("/")


@pytest.fixture(scope="session")
def webchat(rasa_stack: Stack) -> Iterator[Service]:
    """The web chat app, pointing at the real assistant stack."""
    log = rasa_stack.workdir / "webchat.log"
    service = webchat_service(rasa_stack.rasa_url, rasa_stack.token, log,
                              rest_token=rasa_stack.rest_tokens["web"])
    service.start()
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture
def new_widget(chromium: Any) -> Iterator[Any]:
    """Opens the page in a fresh browser context.

    ``new_widget(url, routes={pattern: handler}, **context_options)``: ``routes`` are
    Playwright route handlers installed before the page loads.
    """
    contexts: list[Any] = []

    def open_widget(url: str, routes: dict[str, Any] | None = None, **options: Any) -> Widget:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("locale", "en-US")
        context = chromium.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        for pattern, handler in (routes or {}).items():
            page.route(pattern, handler)
        widget = Widget(page, url)
        widget.open()
        return widget

    yield open_widget
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the screenshots of the web chat go."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
