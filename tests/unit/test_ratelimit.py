"""The in-process moving window counts like limits' moving window (what residents notice: a
flood is refused with a wait, a pause lets them back in, other conversations are not touched)."""

from __future__ import annotations

import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from connectors.ratelimit import LocalMovingWindow, RateLimiter


def test_same_decisions_as_limits_moving_window() -> None:
    item = parse("5/second")
    ours, theirs = LocalMovingWindow(), MovingWindowRateLimiter(storage_from_string("memory://"))
    pattern = [0.0, 0.0, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 0.6, 0.6, 0.6]
    verdicts = []
    for pause in pattern:
        time.sleep(pause)
        verdicts.append((ours.hit(item, "ns", "a"), theirs.hit(item, "ns", "a")))
    assert [o for o, _ in verdicts] == [t for _, t in verdicts]
    assert [o for o, _ in verdicts].count(False) >= 1  # the flood was refused at least once


def test_flood_refused_with_a_wait_then_let_back_in() -> None:
    limiter = RateLimiter("memory://", "test")
    decisions = [limiter.hit("3/second", "conversation-1") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1].retry_after >= 1
    assert "1" in decisions[-1].message()["en"]
    assert limiter.hit("3/second", "conversation-2").allowed  # another conversation
    assert not limiter.check("3/second", "conversation-1")
    time.sleep(1.05)
    assert limiter.hit("3/second", "conversation-1").allowed


def test_every_rule_counts_and_old_keys_are_swept() -> None:
    window = LocalMovingWindow(sweep_every=3)
    minute, hour = parse("2/minute"), parse("3/hour")
    assert window.hit(minute, "k1") and window.hit(hour, "k1")
    assert window.hit(minute, "k1") and window.hit(hour, "k1")
    assert not window.hit(minute, "k1")
    reset, left = window.get_window_stats(minute, "k1")
    assert left == 0 and 55 < reset - time.time() <= 60
    window._hits[minute.key_for("gone")] = type(window._hits[minute.key_for("k1")])()
    for n in range(4):
        window.hit(minute, f"other-{n}")
    assert minute.key_for("gone") not in window._hits
