"""Bound how long Rasa waits for one custom action (Rasa 3.6 waits 300 s).

Rasa 3.6 calls the action server with ``timeout=DEFAULT_REQUEST_TIMEOUT`` (5 minutes, a module
constant of ``rasa.core.actions.action``; neither ``endpoints.yml`` nor an option sets it).
A resident's SMS turn has 12 s before the channel answers "taking longer" (the provider gives
up at 15 s) and the conversation lock's lease is renewed while a turn runs, so one stuck action
server call would hold the conversation for five minutes. :func:`install` sets that constant to
``ACTION_TIMEOUT_SECONDS`` (default 8): a call that takes longer fails the way Rasa fails a
call to an action server that is down (the action's events are dropped, the error is logged,
and the channel answers with its "something went wrong" reply instead of silence).

A filing is never lost by this: the action server stores the request in the outbox before it
answers, with an idempotency key derived from the confirming turn, so a timed-out confirmation
is delivered once and "status of my last request" finds it.

It survives Rasa upgrades: when the module no longer has the constant, nothing is changed,
:func:`install` returns False and ``tests/bot/test_action_timeout.py`` fails.
"""

from __future__ import annotations

import logging
import os

logger = logging.getLogger(__name__)

DEFAULT_SECONDS = 8.0


def configured_seconds(environ: dict[str, str] | None = None) -> float:
    """``ACTION_TIMEOUT_SECONDS`` (default 8).

    Raises:
        SystemExit: The value is not a number between 1 and 300.
    """
    raw = (environ if environ is not None else dict(os.environ)).get("ACTION_TIMEOUT_SECONDS", "")
    if not raw.strip():
        return DEFAULT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        raise SystemExit(f"ACTION_TIMEOUT_SECONDS={raw!r} is not a number of seconds") from None
    if not 1 <= seconds <= 300:
        raise SystemExit(f"ACTION_TIMEOUT_SECONDS={raw!r}: use 1 to 300 seconds")
    return seconds


def install(seconds: float | None = None) -> bool:
    """Makes every custom-action call give up after ``seconds``.

    Returns:
        True when set, False when this Rasa has no such constant.
    """
    import rasa.core.actions.action as action_module

    if not hasattr(action_module, "DEFAULT_REQUEST_TIMEOUT"):
        logger.warning("rasa.core.actions.action has no DEFAULT_REQUEST_TIMEOUT: custom actions "
                       "keep Rasa's own timeout")
        return False
    action_module.DEFAULT_REQUEST_TIMEOUT = seconds or configured_seconds()
    return True
