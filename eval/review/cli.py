"""Command line: ``python -m eval.review serve`` and ``python -m eval.review create-user``.

Usage::

    python -m eval.review serve
    python -m eval.review create-user NAME --role reviewer|admin [--password-stdin]
"""

from __future__ import annotations

import argparse
import getpass
import sys

from pydantic import ValidationError

from eval.review.auth import create_user, validate_password
from eval.review.core.config import get_settings
from eval.review.core.db import create_review_engine, session_factory
from eval.review.models import Role

__all__ = ["main"]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    validate_password(first)
    if getpass.getpass("Password (again): ") != first:
        raise ValueError("The passwords do not match.")
    return first


def _create_user(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        password = _read_password(args.password_stdin)
        sessions = session_factory(create_review_engine(settings))
        with sessions() as db:
            user = create_user(db, args.name, password, args.role)
            db.commit()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Created {user.role} {user.username!r}.")
    return 0


def _serve(_args: argparse.Namespace) -> int:
    import uvicorn

    from eval.review.main import create_app

    settings = get_settings()
    trusted = settings.trusted_proxies.strip()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        # X-Forwarded-For names the client (for sign-in limits) only from a trusted proxy.
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        server_header=False,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parses the command line and runs the command."""
    parser = argparse.ArgumentParser(
        prog="python -m eval.review", description="Staff review app of the LA 311 assistant."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the review app (REVIEW_HOST:REVIEW_PORT)")
    create = commands.add_parser("create-user", help="add a staff account")
    create.add_argument("name")
    create.add_argument("--role", choices=Role.ALL, required=True)
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    args = parser.parse_args(argv)
    handlers = {"serve": _serve, "create-user": _create_user}
    try:
        return handlers[args.command](args)
    except ValidationError as error:  # a setting missing or wrong: say which, no traceback
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"]) or "settings"
            print(f"error: {where}: {problem['msg']}", file=sys.stderr)
        return 2
