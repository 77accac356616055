"""Sign-in throttling beyond one user name: per client address, globally, one at a time.

:func:`eval.review.auth.authenticate` pauses a user name after failures from one address. That
alone let one address try every user name (password spraying) and let ten parallel sign-ins
queue a real one behind their password checks. :class:`SignInThrottle` adds, before any
password is checked:

* attempts per client address, whatever the user name (``login_limit_per_ip``);
* failed attempts across every address (``login_limit_global``), for sprays from many;
* one sign-in in progress per address: a second one at the same time gets 429 at once;
* at most as many password checks at once as there are CPU cores (argon2 is CPU-bound).

The client address is the peer's, or the one a trusted proxy forwarded (``TRUSTED_PROXIES``),
so behind a proxy one attacker cannot lock everybody out by sharing the proxy's address.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from connectors.ratelimit import RateLimiter
from eval.review.auth import RateLimited
from eval.review.core.config import Settings

__all__ = ["SignInThrottle"]


class SignInThrottle:
    """Admits sign-in attempts (the sign-in route runs in worker threads).

    Args:
        settings: The limits.
        limiter: Where attempts are counted (memory, or Redis shared by several processes).
    """

    def __init__(self, settings: Settings, limiter: RateLimiter) -> None:
        self.settings = settings
        self.limiter = limiter
        self._lock = threading.Lock()
        self._in_flight: set[str] = set()
        self._checks = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))

    @contextmanager
    def attempt(self, ip: str) -> Iterator[None]:
        """Holds one admitted attempt from ``ip``; raises :class:`RateLimited` otherwise."""
        with self._lock:
            if ip in self._in_flight:
                raise RateLimited("A sign-in from your address is already in progress.")
            self._in_flight.add(ip)
        try:
            if not self.limiter.hit(self.settings.login_limit_per_ip, "ip", ip).allowed:
                raise RateLimited("Too many sign-ins from your address. Wait a few minutes.")
            if not self.limiter.check(self.settings.login_limit_global, "global"):
                raise RateLimited("Too many failed sign-ins. Wait a few minutes and try again.")
            with self._checks:
                yield
        finally:
            with self._lock:
                self._in_flight.discard(ip)

    def failed(self) -> None:
        """Counts one failed sign-in against the global budget."""
        self.limiter.hit(self.settings.login_limit_global, "global")
