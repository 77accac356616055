"""Outbox worker: delivers pending rows every few seconds until told to stop."""

from __future__ import annotations

import asyncio
import logging
import signal

from ...storage import state_db_url
from ..client import Open311Client
from ..settings import Open311Settings, get_settings
from .core import Outbox

__all__ = ["run", "run_worker"]

logger = logging.getLogger(__name__)


async def run_worker(outbox: Outbox, poll_seconds: float, stop: asyncio.Event) -> None:
    """Call :meth:`Outbox.deliver_pending` every ``poll_seconds`` until ``stop`` is set.

    Errors of one pass are logged and do not end the loop.
    """
    logger.info("outbox worker started (%s, every %ss)", outbox.where, poll_seconds)
    while not stop.is_set():
        try:
            filed = await outbox.deliver_pending()
            if filed:
                logger.info(
                    "outbox: filed %d request(s), %d pending", filed, outbox.pending_count()
                )
        except Exception:
            logger.exception("outbox: delivery pass failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
        except asyncio.TimeoutError:
            pass
    logger.info("outbox worker stopped")


async def run(settings: Open311Settings | None = None) -> None:
    """Run the worker with settings from the environment until SIGTERM or SIGINT."""
    settings = settings or get_settings()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows
            signal.signal(signum, lambda *_: loop.call_soon_threadsafe(stop.set))
    async with Open311Client.from_settings(settings) as client:
        outbox = Outbox(state_db_url(settings.outbox_db, "the outbox"), client)
        await run_worker(outbox, settings.outbox_poll_seconds, stop)
