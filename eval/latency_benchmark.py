"""Round-trip latency through the REST channel with 1 and 10 concurrent residents.

Starts the whole assistant on free ports (``eval/stack.py``), or uses a running one
(``--url``), then times complete HTTP round trips of POST /webhooks/rest/webhook:

* ``greet``: "hello" — NLU, policies and a templated reply;
* ``question``: City-service questions — NLU, the action server and knowledge-base retrieval.

Each simulated resident sends its messages one after another, in conversations of five
messages; N residents run at the same time. Prints p50/p95 per scenario and concurrency level and
exits non-zero if one resident's p50 misses its target (greet 40 ms, question 150 ms).

Usage: ``python -m eval.latency_benchmark [--url http://127.0.0.1:5005] [--rounds 40]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import nullcontext
from pathlib import Path

import httpx

from eval.stack import start_stack

QUESTIONS = [
    "what goes in the green bin?",
    "how do I contest a parking ticket",
    "¿cuáles son los días para regar?",
    "how do i get a library card",
    "¿qué hago si se va la luz?",
    "what is the 72 hour parking rule",
]
TARGET_P50_MS = {"greet": 40.0, "question": 150.0}
CONVERSATION_LENGTH = 5


async def resident(
    client: httpx.AsyncClient, url: str, messages: list[str], timings: list[float]
) -> None:
    """One resident sending ``messages`` in order, recording each round trip in ms.

    Every ``CONVERSATION_LENGTH`` messages the resident starts a new conversation, as real
    residents do (a tracker that grows without end would measure something else).
    """
    sender = ""
    for number, message in enumerate(messages):
        if number % CONVERSATION_LENGTH == 0:
            sender = f"bench-{uuid.uuid4().hex[:10]}"
        started = time.perf_counter()
        reply = await client.post(url, json={"sender": sender, "message": message})
        timings.append((time.perf_counter() - started) * 1000)
        reply.raise_for_status()
        assert reply.json(), f"no reply to {message!r}"


async def run(base_url: str, rounds: int, token: str) -> dict[tuple[str, int], list[float]]:
    """Timings per (scenario, concurrent residents); ``token`` is the REST channel's."""
    url = f"{base_url}/webhooks/rest/webhook"
    results: dict[tuple[str, int], list[float]] = {}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=60, headers=headers) as client:
        # Warm-up: load the retriever and every code path once.
        await resident(client, url, ["hello", *QUESTIONS], [])
        for scenario in ("greet", "question"):
            for concurrency in (1, 10):
                timings: list[float] = []
                per_resident = max(2, rounds // concurrency)
                messages = (
                    ["hello"] * per_resident
                    if scenario == "greet"
                    else [QUESTIONS[i % len(QUESTIONS)] for i in range(per_resident)]
                )
                await asyncio.gather(
                    *(resident(client, url, messages, timings) for _ in range(concurrency))
                )
                results[(scenario, concurrency)] = sorted(timings)
    return results


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile of sorted ``values`` (nearest rank)."""
    return values[min(len(values) - 1, int(round(share * (len(values) - 1))))]


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="REST round-trip latency benchmark.")
    parser.add_argument("--url", help="a running assistant's guard (default: start one)")
    parser.add_argument("--token", default=os.environ.get("REST_API_TOKEN", ""),
                        help="REST channel token for --url (default: REST_API_TOKEN)")
    parser.add_argument("--rounds", type=int, default=40, help="messages per scenario and level")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        context = nullcontext(None) if args.url else start_stack(Path(workdir))
        with context as stack:
            # Through the guard, as residents' traffic goes.
            base = args.url or stack.public_url  # type: ignore[union-attr]
            token = args.token if args.url else stack.rest_tokens["rest"]  # type: ignore[union-attr]
            results = asyncio.run(run(base, args.rounds, token))
    print(f"{'scenario':9} {'residents':>9} {'messages':>8} {'p50 ms':>8} {'p95 ms':>8}")
    failed = []
    for (scenario, concurrency), timings in results.items():
        p50 = statistics.median(timings)
        print(f"{scenario:9} {concurrency:9d} {len(timings):8d} {p50:8.1f} "
              f"{percentile(timings, 0.95):8.1f}")
        if concurrency == 1 and p50 > TARGET_P50_MS[scenario]:
            failed.append(f"{scenario} p50 {p50:.0f} ms > {TARGET_P50_MS[scenario]:.0f} ms")
    if failed:
        print("Below target: " + "; ".join(failed))
        sys.exit(1)
    print("Targets met: one resident's p50 ≤ 40 ms (greet) and ≤ 150 ms (question).")


if __name__ == "__main__":
    main()
