"""Rasa lock store backed by :mod:`bot.conversation_lock` (atomic, fair, short leases).

Select it in an endpoints file (``bot/endpoints.production.yml``)::

    lock_store:
      type: bot.lock_store.AtomicRedisLockStore
      url: ${REDIS_HOST}
      port: ${REDIS_PORT}
      db: ${REDIS_DB}
      lease_seconds: 6      # a killed replica's conversations wait at most this long
      wait_seconds: 20      # a message waits at most this long for its turn

Rasa builds a custom lock store as ``AtomicRedisLockStore(endpoint_config=...)`` and enters
``lock_store.lock(conversation_id)`` around every message (``Agent.handle_message``) and every
HTTP API call that changes a conversation. Rasa's ``lock_lifetime`` argument (60 s by default)
is not used: the lease is renewed while a message is processed, so it can be short.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.conversation_lock import ConversationLocks, LockSettings, LockTimeout, client_from_parts

logger = logging.getLogger(__name__)


class AtomicRedisLockStore(LockStore):
    """One message per conversation at a time across replicas (see :mod:`bot.conversation_lock`).

    Args:
        endpoint_config: The ``lock_store`` section: ``url`` (host), ``port``, ``db``,
            ``password``, ``use_ssl``, ``key_prefix``, ``lease_seconds``, ``wait_seconds``.
    """

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        options: dict[str, Any] = {**(endpoint_config.kwargs if endpoint_config else {}), **kwargs}
        host = (endpoint_config.url if endpoint_config else None) or options.pop("host", None)
        defaults = LockSettings()
        settings = LockSettings(
            lease_seconds=float(options.get("lease_seconds") or defaults.lease_seconds),
            wait_seconds=float(options.get("wait_seconds") or defaults.wait_seconds),
            key_prefix=str(options.get("key_prefix") or defaults.key_prefix),
        )
        client = client_from_parts(
            host=str(host or "localhost"),
            port=int(options.get("port") or 6379),
            db=int(options.get("db") or 1),
            password=options.get("password"),
            use_ssl=str(options.get("use_ssl", "")).lower() in {"1", "true", "yes"},
        )
        self.locks = ConversationLocks(client, settings)
        super().__init__()

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold ``conversation_id`` for the block; waits its turn behind earlier messages.

        Raises:
            LockError: The conversation stayed busy for ``wait_seconds``.
        """
        try:
            async with self.locks.hold(conversation_id):
                yield TicketLock(conversation_id)
        except LockTimeout as exc:
            raise LockError(
                f"Conversation '{conversation_id}' stayed busy for "
                f"{self.locks.settings.wait_seconds:.0f} s."
            ) from exc

    # Rasa's ticket-lock bookkeeping is replaced by the Redis queue: nothing is stored here.
    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """Not used: the queue lives in Redis (:meth:`lock`)."""
        return None

    def delete_lock(self, conversation_id: str) -> None:
        """Not used: a conversation's keys go when its last message releases them."""

    def save_lock(self, lock: TicketLock) -> None:
        """Not used: tickets are taken atomically in Redis."""
