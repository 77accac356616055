"""``python -m connectors.guard``: serves the guard on GUARD_HOST:GUARD_PORT (127.0.0.1:5080)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Sequence

from connectors.guard.proxy import GuardSettings, serve


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m connectors.guard")
    parser.add_argument("--host", default=os.environ.get("GUARD_HOST") or "127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("GUARD_PORT") or 5080))
    parser.add_argument("--upstream", help="the Rasa server (GUARD_UPSTREAM)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = GuardSettings.from_env(upstream=args.upstream)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
