"""Command line: ``python -m connectors.webchat`` serves the chat on WEBCHAT_HOST:WEBCHAT_PORT."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when omitted.

    Returns:
        The exit status.
    """
    parser = argparse.ArgumentParser(prog="python -m connectors.webchat")
    parser.add_argument("--host", help="default: WEBCHAT_HOST (127.0.0.1)")
    parser.add_argument("--port", type=int, help="default: WEBCHAT_PORT (8000)")
    args = parser.parse_args(argv)

    import uvicorn

    from .app import create_app
    from .settings import WebchatSettings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # httpx logs every request URL at INFO, and the tracker API's carries RASA_AUTH_TOKEN.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = WebchatSettings.from_env()
    except ValidationError as error:
        missing = ", ".join(str(e["loc"][0]) for e in error.errors())
        print(f"web chat settings are invalid or missing: {missing}", file=sys.stderr)
        return 2
    uvicorn.run(
        create_app(settings),
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level="info",
        # X-Forwarded-For names the client only when the peer is a trusted proxy.
        proxy_headers=bool(settings.trusted_proxies.strip()),
        forwarded_allow_ips=settings.trusted_proxies.strip() or None,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
