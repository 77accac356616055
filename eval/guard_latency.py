"""What the guard in front of Rasa's channels costs a request: the same calls direct and through it.

Starts the stack (``eval/stack.py``) and times, one at a time, the REST channel's health route
and a resident's greeting, straight to Rasa and through the guard, interleaved so that load from
other processes falls on both alike.

Usage: ``python -m eval.guard_latency [--rounds 200]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from eval.stack import Stack, new_sender, start_stack


def _timed(call: Callable[[str], httpx.Response], base: str) -> float:
    started = time.perf_counter()
    reply = call(base)
    elapsed = (time.perf_counter() - started) * 1000
    assert reply.status_code == 200, reply.text
    return elapsed


def _summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"p50 {statistics.median(ordered):6.1f} ms  p95 {p95:6.1f} ms"


def measure(stack: Stack, rounds: int) -> dict[str, dict[str, list[float]]]:
    """Times for ``health`` and ``greeting``, ``direct`` and ``guard``."""
    results: dict[str, dict[str, list[float]]] = {
        "health": {"direct": [], "guard": []}, "greeting": {"direct": [], "guard": []}}
    auth = stack.rest_auth()

    def health(base: str) -> httpx.Response:
        return httpx.get(f"{base}/webhooks/rest/", timeout=10)

    def greeting(base: str) -> httpx.Response:
        body = {"sender": new_sender("lat"), "message": "hello"}
        return httpx.post(f"{base}/webhooks/rest/webhook", json=body, headers=auth, timeout=60)

    routes = (("direct", stack.rasa_url), ("guard", stack.public_url))
    for _ in range(rounds):
        for route, base in routes:
            results["health"][route].append(_timed(health, base))
    for _ in range(max(10, rounds // 4)):
        for route, base in routes:
            results["greeting"][route].append(_timed(greeting, base))
    return results


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m eval.guard_latency")
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, start_stack(Path(tmp)) as stack:
        results = measure(stack, args.rounds)
    for call, routes in results.items():
        for route, samples in routes.items():
            print(f"{call:<9} {route:<7} {_summary(samples)}  ({len(samples)} calls)")
        extra = statistics.median(routes["guard"]) - statistics.median(routes["direct"])
        print(f"{call:<9} guard adds {extra:.1f} ms at the median")


if __name__ == "__main__":
    main()
