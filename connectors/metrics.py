"""Counters of one Rasa process, in Prometheus' text format (``GET /webhooks/rest/metrics``).

What a City operator watches on each replica: messages per channel, how long residents wait
for a reply (a histogram), turns that ended without a reply, and the conversation lock —
messages that found their conversation busy, how long they waited, and those that gave up.
The outbox worker serves its own (``outbox_pending``, ``outbox_oldest_pending_seconds``).

Written by hand (a few lines of the text exposition format) rather than with
``prometheus_client``: neither pinned environment ships it, and Rasa's environment should not
gain a dependency for one endpoint. Counters are per process, as Prometheus expects: it sums
the replicas. The route is not among the guard's public ones.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import defaultdict

__all__ = ["METRICS", "Metrics"]

BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)  # seconds; 15 s is the SMS webhook limit


class Metrics:
    """Thread-safe counters and a latency histogram per channel."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: dict[str, int] = defaultdict(int)
        self._silent: dict[str, int] = defaultdict(int)
        self._buckets: dict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self._sum: dict[str, float] = defaultdict(float)
        self._lock_waits = 0
        self._lock_wait_seconds = 0.0
        self._lock_timeouts = 0

    def turn(self, channel: str, seconds: float, replied: bool) -> None:
        """One resident message answered (or not) after ``seconds``."""
        with self._lock:
            self._messages[channel] += 1
            if not replied:
                self._silent[channel] += 1
            index = bisect_left(BUCKETS, seconds)
            if index < len(BUCKETS):
                self._buckets[channel][index] += 1
            self._sum[channel] += seconds

    def lock_wait(self, seconds: float) -> None:
        """A message found its conversation busy and got its turn after ``seconds``."""
        with self._lock:
            self._lock_waits += 1
            self._lock_wait_seconds += seconds

    def lock_timeout(self) -> None:
        """A message gave up waiting for its conversation."""
        with self._lock:
            self._lock_timeouts += 1

    def render(self) -> str:
        """The text exposition format."""
        with self._lock:
            lines = ["# HELP la311_messages_total Resident messages handled, by channel.",
                     "# TYPE la311_messages_total counter"]
            lines += [f'la311_messages_total{{channel="{c}"}} {n}'
                      for c, n in sorted(self._messages.items())]
            lines += ["# HELP la311_silent_turns_total Turns that produced no reply (the "
                      "channel then apologises).", "# TYPE la311_silent_turns_total counter"]
            lines += [f'la311_silent_turns_total{{channel="{c}"}} {self._silent.get(c, 0)}'
                      for c in sorted(self._messages)]
            lines += ["# HELP la311_reply_seconds Time from a message to its reply.",
                      "# TYPE la311_reply_seconds histogram"]
            for channel in sorted(self._messages):
                running = 0
                for bound, count in zip(BUCKETS, self._buckets[channel], strict=True):
                    running += count
                    lines.append(f'la311_reply_seconds_bucket{{channel="{channel}",le="{bound}"}}'
                                 f" {running}")
                lines.append(f'la311_reply_seconds_bucket{{channel="{channel}",le="+Inf"}} '
                             f"{self._messages[channel]}")
                lines.append(f'la311_reply_seconds_sum{{channel="{channel}"}} '
                             f"{self._sum[channel]:.3f}")
                lines.append(f'la311_reply_seconds_count{{channel="{channel}"}} '
                             f"{self._messages[channel]}")
            lines += ["# HELP la311_lock_waits_total Messages that found their conversation "
                      "busy.", "# TYPE la311_lock_waits_total counter",
                      f"la311_lock_waits_total {self._lock_waits}",
                      "# HELP la311_lock_wait_seconds_total Time those messages waited.",
                      "# TYPE la311_lock_wait_seconds_total counter",
                      f"la311_lock_wait_seconds_total {self._lock_wait_seconds:.3f}",
                      "# HELP la311_lock_timeouts_total Messages that gave up waiting.",
                      "# TYPE la311_lock_timeouts_total counter",
                      f"la311_lock_timeouts_total {self._lock_timeouts}"]
        return "\n".join(lines) + "\n"


METRICS = Metrics()
