"""One message per conversation at a time, across every Rasa replica: a fair lock in Redis.

Rasa 3.6's ``RedisLockStore`` reads a conversation's ticket lock, adds a ticket and writes it
back in three separate commands, so two replicas that take a message of the same conversation
at the same moment can both believe they hold it, and one message is lost (RasaHQ/rasa#9213;
the fix was reverted). Here every step is one Lua script, which Redis runs atomically:

* a message **takes a ticket** (``INCR``) and queues it in a sorted set, first come first
  served; it holds the conversation when its ticket is the first of the queue;
* each ticket has a **lease** (``lease_seconds``, default 6 s) renewed every
  ``lease_seconds / 4`` while the message waits or is being processed; the ticket of a replica
  that was killed stops being renewed, and the next message goes ahead when its lease runs out
  (6 s, well under an SMS gateway's 15 s), not after Rasa's 60 s lock lifetime;
* **releasing** removes the ticket only if it is still the caller's (a random token), so a
  slow holder can never release someone else's turn.

A second message of the same conversation therefore waits for the first one's reply and is
then processed on the conversation the first one left; it is never dropped. A message that
waits more than ``wait_seconds`` (default 20 s: a turn is bounded at 12 s) gets
:class:`LockTimeout`, which the channels answer with the "having trouble" reply.

Messages of one conversation on one replica also queue on a process-local lock first, so a
replica never asks Redis for a turn it could not have. When Redis cannot be reached for
``outage_grace`` seconds the local lock alone is kept and the message is processed (logged as a
warning): during a Redis outage residents still get replies, and only two replicas serving the
same conversation in that window could overlap.

The module needs only ``redis`` (``redis.asyncio``), so the app environment's tests use it
directly; :mod:`bot.lock_store` adapts it to Rasa's ``LockStore`` interface.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from connectors.metrics import METRICS

__all__ = ["ConversationLocks", "LockTimeout", "LockSettings"]

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)

# KEYS: queue (sorted set token -> ticket), leases (hash token -> expiry ms), counter.
# ARGV: token, lease in ms, "1" to queue the token when it is not queued.
# Returns the token's place in the queue after expired heads are dropped (0: it holds the
# conversation), or -1 when it is not queued and ARGV[3] is not "1".
_TAKE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local token, lease = ARGV[1], tonumber(ARGV[2])
if not redis.call('ZSCORE', KEYS[1], token) then
  if ARGV[3] ~= '1' then return -1 end
  redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[3]), token)
end
redis.call('HSET', KEYS[2], token, now + lease)
while true do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if head == nil or head == token then break end
  if tonumber(redis.call('HGET', KEYS[2], head) or '0') >= now then break end
  redis.call('ZREM', KEYS[1], head)
  redis.call('HDEL', KEYS[2], head)
end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], lease * 4) end
return redis.call('ZRANK', KEYS[1], token)
"""

# KEYS as above; ARGV: token. Removes the token; the keys go when nobody is left.
_RELEASE = """
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3]) end
return removed
"""


class LockTimeout(Exception):
    """A message waited longer than ``wait_seconds`` for its conversation."""


@dataclass(frozen=True)
class LockSettings:
    """Timing of the conversation lock.

    Attributes:
        lease_seconds: How long a ticket stays valid without renewal: how long a killed
            replica's conversation waits before the next message goes ahead.
        wait_seconds: How long a message may wait for its turn before :class:`LockTimeout`.
        poll_seconds: Pause between two checks of a waiting message.
        outage_grace: How long Redis may be unreachable before the local lock alone is used.
        key_prefix: Prefix of the Redis keys.
    """

    lease_seconds: float = 6.0
    wait_seconds: float = 20.0
    poll_seconds: float = 0.05
    outage_grace: float = 2.0
    key_prefix: str = "rasa-lock"


@dataclass
class _Local:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class ConversationLocks:
    """Per-conversation locks shared by every process that uses the same Redis.

    Args:
        client: An asyncio Redis client (``redis.asyncio.Redis``).
        settings: Timing and key prefix.
    """

    def __init__(self, client: aioredis.Redis, settings: LockSettings | None = None) -> None:
        self.client = client
        self.settings = settings or LockSettings()
        self._take = client.register_script(_TAKE)
        self._release = client.register_script(_RELEASE)
        self._local: dict[str, _Local] = {}
        self.waits = 0  # messages that found their conversation busy (a metric)
        self._skip_redis_until = 0.0  # after an outage: local lock only until then

    @classmethod
    def from_url(cls, url: str, settings: LockSettings | None = None) -> ConversationLocks:
        """Locks on the Redis at ``url`` (``redis://host:port/db``)."""
        return cls(aioredis.Redis.from_url(url, **_TIMEOUTS), settings)

    def keys(self, conversation_id: str) -> list[str]:
        """The Redis keys of a conversation's lock (one hash slot: cluster-safe)."""
        base = f"{self.settings.key_prefix}:{{{conversation_id}}}"
        return [f"{base}:queue", f"{base}:leases", f"{base}:counter"]

    @contextlib.asynccontextmanager
    async def hold(self, conversation_id: str) -> AsyncIterator[None]:
        """Hold ``conversation_id`` for the duration of the block.

        Raises:
            LockTimeout: The conversation stayed busy for ``wait_seconds``.
        """
        started = time.monotonic()
        deadline = started + self.settings.wait_seconds
        local = self._local.setdefault(conversation_id, _Local())
        local.users += 1
        try:
            remaining = deadline - time.monotonic()
            busy_here = local.lock.locked()  # another message of it runs on this replica
            try:
                await asyncio.wait_for(local.lock.acquire(), remaining)
            except asyncio.TimeoutError as exc:
                METRICS.lock_timeout()
                raise LockTimeout(conversation_id) from exc
            try:
                async with self._redis_turn(conversation_id, deadline, started, busy_here):
                    yield
            finally:
                local.lock.release()
        finally:
            local.users -= 1
            if local.users == 0:
                self._local.pop(conversation_id, None)

    @contextlib.asynccontextmanager
    async def _redis_turn(
        self, conversation_id: str, deadline: float, started: float, waited: bool
    ) -> AsyncIterator[None]:
        token = secrets.token_hex(16)
        keys = self.keys(conversation_id)
        waits = self.waits
        try:
            held = await self._wait_for_turn(conversation_id, keys, token, deadline)
        except LockTimeout:
            METRICS.lock_timeout()
            await asyncio.shield(self._give_back(keys, token))
            raise
        except BaseException:  # the client went away: leave the queue now
            await asyncio.shield(self._give_back(keys, token))
            raise
        if waited or self.waits > waits:  # it found its conversation busy, here or elsewhere
            METRICS.lock_wait(time.monotonic() - started)
        stop = asyncio.Event()
        renewer = (
            asyncio.create_task(self._renew(conversation_id, keys, token, stop)) if held else None
        )
        try:
            yield
        finally:
            if renewer is not None:  # stopped between two renewals, never inside a command
                stop.set()
                await renewer
            await self._give_back(keys, token)

    async def _wait_for_turn(
        self, conversation_id: str, keys: list[str], token: str, deadline: float
    ) -> bool:
        """Queue ``token`` and wait until it is first; False when Redis is out of reach."""
        lease_ms = int(self.settings.lease_seconds * 1000)
        unreachable_since: float | None = None
        counted = False
        if time.monotonic() < self._skip_redis_until:
            return False  # Redis was just found out of reach: do not make every message wait
        while True:
            try:
                place = int(await self._take(keys=keys, args=[token, lease_ms, "1"]))
                unreachable_since = None
            except UNREACHABLE as exc:
                now = time.monotonic()
                unreachable_since = unreachable_since or now
                if now - unreachable_since >= self.settings.outage_grace:
                    self._skip_redis_until = time.monotonic() + self.settings.outage_grace
                    logger.warning(
                        "lock store unreachable (%s): %s goes ahead on this replica's lock",
                        exc, conversation_id,
                    )
                    return False
                place = -1
            if place == 0:
                return True
            if place > 0 and not counted:
                counted = True
                self.waits += 1
            if time.monotonic() >= deadline:
                raise LockTimeout(conversation_id)
            await asyncio.sleep(self.settings.poll_seconds)

    async def _renew(
        self, conversation_id: str, keys: list[str], token: str, stop: asyncio.Event
    ) -> None:
        """Keep the lease of the held ticket alive until ``stop`` is set."""
        lease_ms = int(self.settings.lease_seconds * 1000)
        while True:
            try:
                await asyncio.wait_for(stop.wait(), self.settings.lease_seconds / 4)
                return
            except asyncio.TimeoutError:
                pass
            try:
                place = int(await self._take(keys=keys, args=[token, lease_ms, "0"]))
            except UNREACHABLE as exc:
                logger.warning("lock of %s not renewed: %s", conversation_id, exc)
                continue
            if place != 0:
                logger.warning("lock of %s expired while held (place %s)", conversation_id, place)

    async def _give_back(self, keys: list[str], token: str) -> None:
        try:
            await self._release(keys=keys, args=[token])
        except UNREACHABLE as exc:  # the lease runs out by itself
            logger.warning("lock not released (%s); its lease expires", exc)

    async def busy(self, conversation_id: str) -> bool:
        """Whether any message of ``conversation_id`` holds or waits for it now."""
        return bool(await self.client.exists(self.keys(conversation_id)[0]))


# Short timeouts and no client-side retries: the lock's own loop decides how long to try.
_TIMEOUTS: dict[str, Any] = {
    "socket_timeout": 1.0,
    "socket_connect_timeout": 1.0,
    "retry": Retry(NoBackoff(), 0),
}


def client_from_parts(
    host: str, port: int, db: int, password: str | None = None, use_ssl: bool = False
) -> aioredis.Redis:
    """An asyncio Redis client with short timeouts (an outage must not stall a turn)."""
    return aioredis.Redis(
        host=host, port=int(port), db=int(db), password=password or None, ssl=use_ssl, **_TIMEOUTS
    )
