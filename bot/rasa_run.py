"""``rasa run`` with the HTTP API token taken from the environment, never from the command line.

``rasa run --auth-token T`` shows T to every local user in ``ps``. This wrapper reads
``RASA_AUTH_TOKEN`` from the environment (``.env`` through honcho, or ``eval/stack.py``) and hands
it to Rasa inside the process: the command line stays ``python -m bot.rasa_run <args>``.

Usage: ``python -m bot.rasa_run --enable-api --model models --endpoints ... --port 5005``
(every argument of ``rasa run`` except ``--auth-token``).

Before Rasa starts it also installs the action-response validator compiled once
(:mod:`bot.action_validation`) and bounds each custom-action call to ``ACTION_TIMEOUT_SECONDS``
(:mod:`bot.action_timeout`).
"""

from __future__ import annotations

import os
import sys


def rasa_argv(args: list[str], token: str) -> list[str]:
    """The argument vector Rasa's own entry point is given.

    Raises:
        SystemExit: The token is missing, or ``--auth-token`` was passed on the command line.
    """
    if any(arg == "--auth-token" or arg.startswith("--auth-token=") for arg in args):
        raise SystemExit("pass the token as RASA_AUTH_TOKEN, not --auth-token (ps shows it)")
    if not token.strip():
        raise SystemExit("RASA_AUTH_TOKEN is not set")
    # One argument: a token that starts with "-" (token_urlsafe gives 1 in 64) is not an option.
    return ["rasa", "run", f"--auth-token={token.strip()}", *args]


def main() -> None:
    """Runs Rasa's command line with the token added in memory."""
    sys.argv = rasa_argv(sys.argv[1:], os.environ.get("RASA_AUTH_TOKEN", ""))
    from rasa.__main__ import main as rasa_main

    from bot import action_timeout, action_validation

    action_validation.install()
    action_timeout.install()

    rasa_main()


if __name__ == "__main__":
    main()
