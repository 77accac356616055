"""Create or complete the git-ignored ``.env`` with generated secrets and local defaults.

Run on every ``make run``/``make test``: existing values are never changed; keys that a newer
version of the project needs are appended, secrets generated with :mod:`secrets`. The file is
created 0600 (never readable by other users, not even for a moment) and an existing one is set
back to 0600.

Usage: ``python -m bot.setup_env .env``
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

SECRETS = (
    "RASA_AUTH_TOKEN",
    "OPEN311_API_KEY",
    "SMS_AUTH_TOKEN",
    "REVIEW_SECRET_KEY",
    "MODEL_SERVER_TOKEN",
    "ACTION_SERVER_TOKEN",  # the Rasa server's credential at the action server
    "WEBCHAT_REST_TOKEN",  # the web chat proxy's credential at the REST channel (web:<id>)
    "REST_API_TOKEN",  # other REST clients (eval, curl); leave empty in production: REST off
)
DEFAULTS = {
    "RASA_ENDPOINTS": "bot/endpoints.yml",
    "MODEL_SERVER_URL": "http://127.0.0.1:8001/model-server/current.tar.gz",
    "ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",
    "TRACKER_SQLITE_PATH": "var/tracker.db",
    "OPEN311_BASE_URL": "http://127.0.0.1:8311/open311/v2",
    "OPEN311_JURISDICTION_ID": "lacity.org",
    "OPEN311_SERVER_DB": "var/open311.db",
    "OUTBOX_DB": "var/outbox.db",
    "SMS_DB": "var/sms.db",
    "SANIC_HOST": "127.0.0.1",
    # The embedded default is served over http://127.0.0.1: a Secure cookie would never be sent.
    "REVIEW_COOKIE_SECURE": "false",
    "RATE_LIMIT_STORAGE": "memory://",
}


def read_keys(path: Path) -> set[str]:
    """The keys already set in an env file."""
    if not path.exists():
        return set()
    keys = set()
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            keys.add(line.split("=", 1)[0].strip())
    return keys


def complete(path: Path) -> list[str]:
    """Appends every missing key to ``path``; returns the keys it added."""
    present = read_keys(path)
    lines: list[str] = []
    added: list[str] = []
    for key in SECRETS:
        if key not in present:
            lines.append(f"{key}={secrets.token_urlsafe(32)}")
            added.append(key)
    for key, value in DEFAULTS.items():
        if key not in present:
            lines.append(f"{key}={value}")
            added.append(key)
    header = [] if path.exists() else ["# Local settings and secrets (generated; not in git)."]
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a") as env:
        os.fchmod(descriptor, 0o600)
        if lines:
            env.write("\n".join(header + lines) + "\n")
    return added


def main() -> None:
    """Command-line entry point."""
    path = Path(sys.argv[1] if len(sys.argv) > 1 else ".env")
    added = complete(path)
    if added:
        print(f"{path}: added {', '.join(added)}")


if __name__ == "__main__":
    main()
