"""Rate limits shared by the channels, the web chat and the review app, on the ``limits`` library.

One :class:`RateLimiter` per process, on the storage named by ``RATE_LIMIT_STORAGE``:
``memory://`` in the embedded default (one process per service), ``redis://host:6379/1`` in
production so every process of a service shares the same counts. Windows are moving windows
(no burst at a window's edge). Rules are ``limits`` strings such as ``"20/minute;300/hour"``.

The Rasa environment pins an older ``limits`` (Rasa 3.6 holds ``packaging`` below 21), so only
the API both versions share is used: ``storage_from_string``, ``MovingWindowRateLimiter.hit``
and ``get_window_stats``. When the storage fails (Redis down) a request is let through and the
failure logged: residents keep being answered while the counts are unavailable.

``memory://`` is counted by :class:`LocalMovingWindow`, not by ``limits``' memory storage: the
version the Rasa environment pins (2.4) starts a thread every 10 ms that scans every hit kept
for the longest window (an hour), which cost the Rasa process ~5 % of its CPU under load
(``eval/throughput_benchmark.py --profile``). The same moving-window rule, expired lazily when a
key is touched.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from bot.languages import ui_texts

__all__ = ["Decision", "RateLimiter", "limiter_from_env"]

logger = logging.getLogger(__name__)



@dataclass(frozen=True)
class Decision:
    """Whether a request may go on.

    Attributes:
        allowed: False when a rule's budget is spent.
        retry_after: Seconds until the spent rule allows one more request (0 when allowed).
    """

    allowed: bool
    retry_after: int = 0

    def message(self) -> dict[str, str]:
        """The explanation of a refusal in every language (the packs' ``errors.rate_limited``)."""
        return ui_texts("errors", "rate_limited", seconds=max(1, self.retry_after))


class LocalMovingWindow:
    """Moving-window counts of one process (``limits``' limiter API: hit, test, window stats).

    Each key keeps the times of its hits inside the rule's window; older ones are dropped when
    the key is next touched, and keys left empty are swept every ``sweep_every`` hits.
    """

    def __init__(self, sweep_every: int = 10_000) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._sweep_every = sweep_every
        self._since_sweep = 0

    def _window(self, item: Any, keys: tuple[str, ...], now: float) -> deque[float]:
        hits = self._hits.setdefault(item.key_for(*keys), deque())
        start = now - item.get_expiry()
        while hits and hits[0] <= start:
            hits.popleft()
        return hits

    def _sweep(self, now: float) -> None:
        self._since_sweep += 1
        if self._since_sweep < self._sweep_every:
            return
        self._since_sweep = 0
        horizon = now - 24 * 3600  # no rule of this project has a longer window
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= horizon]:
            del self._hits[key]

    def hit(self, item: Any, *keys: str) -> bool:
        """Counts one hit when the rule allows it; False (nothing counted) when spent."""
        with self._lock:
            now = time.time()
            hits = self._window(item, keys, now)
            if len(hits) >= int(item.amount):
                return False
            hits.append(now)
            self._sweep(now)
            return True

    def test(self, item: Any, *keys: str) -> bool:
        """Whether one more hit would be allowed."""
        with self._lock:
            return len(self._window(item, keys, time.time())) < int(item.amount)

    def get_window_stats(self, item: Any, *keys: str) -> tuple[float, int]:
        """(when the oldest hit in the window leaves it, hits left)."""
        with self._lock:
            now = time.time()
            hits = self._window(item, keys, now)
            reset = (hits[0] + float(item.get_expiry())) if hits else now
            return reset, max(0, int(item.amount) - len(hits))


class RateLimiter:
    """Counts requests per key against rules, in memory or in Redis.

    Args:
        storage_uri: A ``limits`` storage URI (``memory://``, ``redis://host:port/db``).
        namespace: Prefix of every key, so services sharing one Redis do not mix counts.
    """

    def __init__(self, storage_uri: str = "memory://", namespace: str = "la311") -> None:
        self._in_memory = storage_uri.startswith("memory")
        self._limiter: Any
        if self._in_memory:
            self._limiter = LocalMovingWindow()
        else:
            # limits keeps only a weak reference to its storage: this object holds the strong
            # one.
            self._storage = storage_from_string(storage_uri)
            self._limiter = MovingWindowRateLimiter(self._storage)
        self.namespace = namespace

    def hit(self, rules: str, *key: str) -> Decision:
        """Counts one request for ``key`` against every rule of ``rules``.

        Args:
            rules: ``limits`` rule strings separated by ``;`` (empty: no limit).
            key: What is counted: a client IP, a phone number, a conversation id...

        Returns:
            The decision; a refused request is not counted against the later rules.
        """
        if not rules.strip():
            return Decision(True)
        items = parse_many(rules)  # a malformed rule is a configuration error: ValueError
        try:
            for item in items:
                if not self._limiter.hit(item, self.namespace, *key):
                    reset_time = self._limiter.get_window_stats(item, self.namespace, *key)[0]
                    return Decision(False, max(1, math.ceil(reset_time - time.time())))
        except Exception:  # the storage failed: answer residents, say so in the log
            logger.exception("Rate-limit storage failed; request let through")
        return Decision(True)

    def check(self, rules: str, *key: str) -> bool:
        """Whether one more request for ``key`` would pass every rule (nothing is counted)."""
        if not rules.strip():
            return True
        items = parse_many(rules)
        try:
            return all(self._limiter.test(item, self.namespace, *key) for item in items)
        except Exception:  # the storage failed: let the request through, as hit() does
            logger.exception("Rate-limit storage failed; request let through")
            return True

    async def ahit(self, rules: str, *key: str) -> Decision:
        """:meth:`hit` for async code: a Redis round trip runs in a thread, off the loop."""
        if self._in_memory:
            return self.hit(rules, *key)
        return await asyncio.to_thread(self.hit, rules, *key)


def limiter_from_env(namespace: str) -> RateLimiter:
    """The process's limiter on ``RATE_LIMIT_STORAGE`` (default ``memory://``)."""
    return RateLimiter(os.environ.get("RATE_LIMIT_STORAGE", "") or "memory://", namespace)
