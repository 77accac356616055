"""``python -m connectors.open311.outbox``: run the outbox worker until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging

from .worker import run

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(run())
