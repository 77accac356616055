"""Outbox worker: delivers pending rows every few seconds until told to stop.

With ``OUTBOX_PROBE_PORT`` set it also answers, on that port:

* ``GET /health``: 200 while the process runs (liveness);
* ``GET /ready``: 200 when the last delivery pass reached the database recently, 503 otherwise
  (readiness: a worker that cannot reach its database is taken out of rotation);
* ``GET /metrics``: Prometheus text: ``outbox_pending`` and ``outbox_oldest_pending_seconds``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from dataclasses import dataclass

from ...storage import state_db_url
from ..client import Open311Client
from ..settings import Open311Settings, get_settings
from .core import Outbox

__all__ = ["WorkerState", "run", "run_worker", "serve_probes"]

logger = logging.getLogger(__name__)


@dataclass
class WorkerState:
    """What the probes report: when the last delivery pass reached the database."""

    last_pass_ok: float | None = None  # time.monotonic()

    def ready(self, poll_seconds: float) -> bool:
        """Whether a pass succeeded within three poll intervals (at least 15 s)."""
        window = max(3 * poll_seconds, 15.0)
        return self.last_pass_ok is not None and time.monotonic() - self.last_pass_ok < window


async def run_worker(
    outbox: Outbox, poll_seconds: float, stop: asyncio.Event, state: WorkerState | None = None
) -> None:
    """Call :meth:`Outbox.deliver_pending` every ``poll_seconds`` until ``stop`` is set.

    Errors of one pass are logged and do not end the loop.
    """
    logger.info("outbox worker started (%s, every %ss)", outbox.where, poll_seconds)
    state = state or WorkerState()
    while not stop.is_set():
        try:
            filed = await outbox.deliver_pending()
            state.last_pass_ok = time.monotonic()
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
        state = WorkerState()
        probes = None
        if settings.outbox_probe_port is not None:
            probes = await serve_probes(
                outbox, state, settings.outbox_poll_seconds,
                settings.outbox_probe_host, settings.outbox_probe_port,
            )
        try:
            await run_worker(outbox, settings.outbox_poll_seconds, stop, state)
        finally:
            if probes is not None:
                probes.close()


async def serve_probes(
    outbox: Outbox, state: WorkerState, poll_seconds: float, host: str, port: int
) -> asyncio.Server:
    """Serve ``/health``, ``/ready`` and ``/metrics`` (plain HTTP/1.0, one request each)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), timeout=5)
            path = request_line.decode("latin-1").split(" ")[1] if request_line else ""
            status, body = await _probe(path, outbox, state, poll_seconds)
            writer.write(
                f"HTTP/1.0 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (OSError, IndexError, asyncio.TimeoutError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, host, port)
    logger.info("outbox probes on http://%s:%s/ready", host, port)
    return server


async def _probe(
    path: str, outbox: Outbox, state: WorkerState, poll_seconds: float
) -> tuple[str, bytes]:
    if path == "/health":
        return "200 OK", b"ok\n"
    if path == "/ready":
        if state.ready(poll_seconds):
            return "200 OK", b"ready\n"
        return "503 Service Unavailable", b"no delivery pass reached the database lately\n"
    if path == "/metrics":
        try:
            pending = await asyncio.to_thread(outbox.pending_count)
            oldest = await asyncio.to_thread(outbox.oldest_pending_age)
        except Exception as error:  # the database is down: say so, do not crash the probe
            return "503 Service Unavailable", f"database unavailable: {error}\n".encode()
        lines = [
            "# TYPE outbox_pending gauge",
            f"outbox_pending {pending}",
            "# TYPE outbox_oldest_pending_seconds gauge",
            f"outbox_oldest_pending_seconds {oldest or 0:.1f}",
        ]
        return "200 OK", ("\n".join(lines) + "\n").encode()
    return "404 Not Found", b"not found\n"
