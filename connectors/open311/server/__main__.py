"""Command line of the embedded Open311 server.

Usage::

    python -m connectors.open311.server                  # serve on OPEN311_SERVER_HOST:PORT
    python -m connectors.open311.server serve --port 8311
    python -m connectors.open311.server set-status 1-1000001 closed "Picked up on Monday"
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from ..settings import Open311ServerSettings
from .store import RequestStore

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when omitted.

    Returns:
        The exit status.
    """
    parser = argparse.ArgumentParser(prog="python -m connectors.open311.server")
    parser.add_argument("--db", type=Path, help="SQLite file (default: OPEN311_SERVER_DB)")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="run the GeoReport v2 server (default)")
    serve.add_argument("--host", help="default: OPEN311_SERVER_HOST")
    serve.add_argument("--port", type=int, help="default: OPEN311_SERVER_PORT")
    status = commands.add_parser("set-status", help="open or close a request (staff use)")
    status.add_argument("service_request_id")
    status.add_argument("status", choices=["open", "closed"])
    status.add_argument("notes", nargs="?", default=None, help="status_notes shown to residents")
    args = parser.parse_args(argv)

    if args.command == "set-status":
        return _set_status(args.db, args.service_request_id, args.status, args.notes)
    return _serve(args.db, getattr(args, "host", None), getattr(args, "port", None))


def _set_status(db: Path | None, service_request_id: str, status: str, notes: str | None) -> int:
    path = db or Open311ServerSettings().db
    if not path.exists():
        print(f"no database at {path}", file=sys.stderr)
        return 1
    stored = RequestStore(path).set_status(service_request_id, status, notes)
    if stored is None:
        print(f"service request not found: {service_request_id}", file=sys.stderr)
        return 1
    summary = {
        "service_request_id": stored.service_request_id,
        "status": stored.status,
        "status_notes": stored.status_notes,
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def _serve(db: Path | None, host: str | None, port: int | None) -> int:
    import uvicorn

    from .app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Open311ServerSettings() if db is None else Open311ServerSettings(db=db)
    app = create_app(settings)
    uvicorn.run(app, host=host or settings.host, port=port or settings.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
