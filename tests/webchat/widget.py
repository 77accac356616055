"""Drives the chat widget in a real Chromium the way a resident does: keyboard first."""

from __future__ import annotations

import re
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUEST_NUMBER = re.compile(r"\b1-\d{7}\b")
REPLY_TIMEOUT_MS = 60_000


class Widget:
    """A page with the chat widget, plus what the browser reported while it ran."""

    def __init__(self, page: Any, url: str) -> None:
        self.page = page
        self.url = url
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    # --- navigation ----------------------------------------------------------------------------
    def open(self) -> None:
        self.page.goto(self.url)
        self.wait_ready()

    def reload(self) -> None:
        self.page.reload()
        self.wait_ready()

    def wait_ready(self) -> None:
        self.page.wait_for_selector('#webchat[data-state="ready"]', state="attached")

    # --- reading -------------------------------------------------------------------------------
    def texts(self, role: str | None = None) -> list[str]:
        """Message texts in order, of one role ("user", "bot") or all."""
        selector = f".msg--{role} .msg__text" if role else ".msg .msg__text"
        texts: list[str] = self.page.eval_on_selector_all(
            selector, "nodes => nodes.map(n => n.textContent)"
        )
        return texts

    def bot_count(self) -> int:
        return len(self.texts("bot"))

    def quick_replies(self) -> list[str]:
        titles: list[str] = self.page.eval_on_selector_all(
            "#webchat-quick button", "nodes => nodes.map(n => n.textContent)"
        )
        return titles

    def focused(self) -> dict[str, str]:
        """The focused element: its id, tag, text and class."""
        info: dict[str, str] = self.page.evaluate(
            """() => { const el = document.activeElement;
                return {id: el.id || '', tag: el.tagName.toLowerCase(),
                        text: (el.textContent || '').trim(), cls: el.className || ''}; }"""
        )
        return info

    def status(self) -> str:
        text: str = self.page.text_content("#webchat-status") or ""
        return text

    def lang(self) -> str:
        value: str = self.page.evaluate(
            "() => document.getElementById('webchat').lang + '|' + document.documentElement.lang"
        )
        return value

    # --- keyboard ------------------------------------------------------------------------------
    def tab(self, times: int = 1, *, shift: bool = False) -> dict[str, str]:
        for _ in range(times):
            self.page.keyboard.press("Shift+Tab" if shift else "Tab")
        return self.focused()

    def tab_until(self, text: str, limit: int = 12) -> None:
        """Presses Tab until the control with this text has the focus."""
        seen = []
        for _ in range(limit):
            focused = self.tab()
            seen.append(focused["text"] or focused["id"])
            if focused["text"] == text:
                return
        raise AssertionError(f"Tab never reached {text!r}; went through {seen}")

    def wait_reply(self, before: int) -> list[str]:
        """Waits for the assistant's answer to the last message; returns its new messages."""
        self.page.wait_for_function(
            """(n) => document.querySelectorAll('.msg--bot').length > n
                && document.getElementById('webchat').dataset.busy === 'false'""",
            arg=before,
            timeout=REPLY_TIMEOUT_MS,
        )
        return self.texts("bot")[before:]

    def say(self, text: str) -> list[str]:
        """Types into the focused message box and presses Enter; returns the bot's replies."""
        assert self.focused()["id"] == "webchat-input", self.focused()
        before = self.bot_count()
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")
        return self.wait_reply(before)

    def choose(self, title: str) -> list[str]:
        """From the message box, tabs to a quick reply and presses Enter on it."""
        before = self.bot_count()
        self.tab_until(title)
        self.page.keyboard.press("Enter")
        return self.wait_reply(before)
