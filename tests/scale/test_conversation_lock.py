"""The conversation lock of the production profile, on the real Redis of this machine.

Two ``ConversationLocks`` on one Redis stand for two Rasa replicas. What a resident would
notice: two messages of one conversation never run at once (one would be lost), the second
one runs after the first instead of being dropped, a killed replica's conversation goes on
within the lease, and a Redis outage does not leave anyone without a reply.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time

import pytest
from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from bot.conversation_lock import ConversationLocks, LockSettings, LockTimeout
from connectors.metrics import METRICS
from eval.stack import ROOT, free_port

REDIS_URL = os.environ.get("SCALE_REDIS_URL", "redis://127.0.0.1:6379/14")
FAST = LockSettings(lease_seconds=1.0, wait_seconds=5.0, poll_seconds=0.01, outage_grace=0.3)


def replicas(count: int = 2, settings: LockSettings = FAST) -> list[ConversationLocks]:
    return [ConversationLocks.from_url(REDIS_URL, settings) for _ in range(count)]


def conversation() -> str:
    return f"sms:+1213555{secrets.randbelow(10**4):04d}-{secrets.token_hex(3)}"


async def test_simultaneous_messages_on_two_replicas_take_turns() -> None:
    first, second = replicas()
    conv = conversation()
    running: list[int] = []
    overlaps = 0
    order: list[str] = []

    async def message(locks: ConversationLocks, name: str) -> None:
        nonlocal overlaps
        async with locks.hold(conv):
            running.append(1)
            overlaps += len(running) > 1
            order.append(name)
            await asyncio.sleep(0.05)
            running.pop()

    names = [f"m{i}" for i in range(20)]
    before = _lock_waits()
    await asyncio.gather(*(message((first, second)[i % 2], name) for i, name in enumerate(names)))
    assert overlaps == 0
    assert sorted(order) == sorted(names)  # every message ran: none dropped
    assert not await first.busy(conv)  # the keys are gone once everyone is served
    assert _lock_waits() - before == 19  # what an operator's dashboard shows: 19 waited


def _lock_waits() -> int:
    """``la311_lock_waits_total`` as the process's metrics page shows it."""
    line = next(line for line in METRICS.render().splitlines()
                if line.startswith("la311_lock_waits_total "))
    return int(line.split()[-1])


async def test_other_conversations_are_not_held_up() -> None:
    first, second = replicas()
    busy, free = conversation(), conversation()
    async with first.hold(busy):
        started = time.monotonic()
        async with second.hold(free):
            assert time.monotonic() - started < 0.5


async def test_a_killed_holder_frees_the_conversation_within_its_lease() -> None:
    conv = conversation()
    script = (
        "import asyncio, sys\n"
        "from bot.conversation_lock import ConversationLocks, LockSettings\n"
        "async def main():\n"
        f"    locks = ConversationLocks.from_url({REDIS_URL!r}, LockSettings(lease_seconds=1.0))\n"
        f"    async with locks.hold({conv!r}):\n"
        "        print('held', flush=True)\n"
        "        await asyncio.sleep(60)\n"
        "asyncio.run(main())\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        (locks,) = replicas(1)
        await asyncio.sleep(2.5)  # renewed while alive: still held after two leases
        with pytest.raises(LockTimeout):
            async with ConversationLocks.from_url(
                REDIS_URL, LockSettings(lease_seconds=1.0, wait_seconds=0.3)
            ).hold(conv):
                pass
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        started = time.monotonic()
        async with locks.hold(conv):
            waited = time.monotonic() - started
        assert waited < FAST.lease_seconds + 0.5
    finally:
        holder.kill()
        holder.wait()


async def test_a_message_that_waits_too_long_leaves_the_queue() -> None:
    first, second = replicas(2, LockSettings(lease_seconds=1.0, wait_seconds=0.3))
    conv = conversation()
    async with first.hold(conv):
        with pytest.raises(LockTimeout):
            async with second.hold(conv):
                pass
    # the timed-out message left no ticket behind: the next one goes straight in
    started = time.monotonic()
    async with second.hold(conv):
        assert time.monotonic() - started < 0.2


async def test_a_cancelled_waiter_does_not_hold_up_the_next_message() -> None:
    first, second = replicas()
    conv = conversation()
    async with first.hold(conv):
        async def wait() -> None:
            async with second.hold(conv):
                pass

        waiter = asyncio.create_task(wait())
        await asyncio.sleep(0.1)
        waiter.cancel()  # the client hung up while its message waited
        with pytest.raises(asyncio.CancelledError):
            await waiter
    started = time.monotonic()
    async with first.hold(conv):
        assert time.monotonic() - started < 0.2


async def test_redis_out_of_reach_still_serves_one_message_at_a_time_per_replica() -> None:
    unreachable = aioredis.Redis(
        host="127.0.0.1", port=free_port(), socket_timeout=0.2, socket_connect_timeout=0.2,
        retry=Retry(NoBackoff(), 0),
    )
    locks = ConversationLocks(unreachable, FAST)
    conv = conversation()
    running: list[int] = []
    overlaps = 0
    served = 0

    async def message() -> None:
        nonlocal overlaps, served
        async with locks.hold(conv):
            running.append(1)
            overlaps += len(running) > 1
            await asyncio.sleep(0.01)
            running.pop()
            served += 1

    started = time.monotonic()
    await asyncio.gather(message(), message(), message())
    assert served == 3 and overlaps == 0
    assert time.monotonic() - started < FAST.outage_grace + 1.0  # one wait, not one each
