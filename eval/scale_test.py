"""The scale test of issue 14: replicas behind HAProxy under load, then killed.

Usage: ``.venv/bin/python -m eval.scale_test [--seconds 40] [--quick]``

Starts :func:`eval.cluster.start_cluster` — HAProxy round-robin in front of 2 Rasa replicas and
2 action servers, 2 outbox workers, one fresh PostgreSQL database, a Redis of its own and the
embedded Open311 server as the City's backend — then runs, each for a bounded time:

1. **10 residents**, then **30 residents**, a third of them by SMS, each filing graffiti
   requests one after another and sending the greeting and the "yes" twice at the same moment;
2. **faults** under 30 residents: ``kill -9`` of a Rasa replica, an action server and an
   outbox worker (each restarted 20 s later), a Redis restart, the Open311 backend stopped for
   20 s; then STOP by SMS through the balancer, and a message from that phone to every replica;
3. **throughput**, 20 residents exchanging short messages, with 2 replicas and then with 1.

It prints a table and writes ``var/scale/results.json``. What counts (per phase): messages
Rasa lost (answered but not stored), empty replies, apologies, the longest a conversation was
stuck (first failed attempt to the next reply), confirmed requests delivered exactly once,
duplicates, and confirmed requests never delivered.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Any

import httpx

from eval.cluster import Cluster, Resident, Tally, crowd, start_cluster, write_haproxy_config
from eval.stack import ROOT, Service, free_port, latest_model

OUT = ROOT / "var" / "scale"


async def load_phase(cluster: Cluster, residents: int, seconds: float) -> dict[str, Any]:
    """``residents`` residents filing requests for ``seconds``."""
    tally = Tally()
    started = time.monotonic()
    requests = await crowd(cluster, tally, residents, 1 / 3, started + seconds)
    duration = time.monotonic() - started
    return {"residents": residents, "requests_started": requests,
            **tally.summary(cluster, duration)}


async def fault_phase(cluster: Cluster, residents: int, seconds: float) -> dict[str, Any]:
    """Residents filing requests while processes are killed and dependencies stop."""
    tally = Tally()
    started = time.monotonic()
    log: list[str] = []


    async def faults() -> None:
        steps: list[tuple[float, str, Any]] = [
            (5, "kill -9 rasa1", lambda: cluster.kill("rasa1")),
            (9, "kill -9 actions1", lambda: cluster.kill("actions1")),
            (13, "kill -9 outbox1", lambda: cluster.kill("outbox1")),
            (17, "restart redis", lambda: cluster.restart("redis")),
            (21, "stop open311", lambda: cluster.services["open311"].stop()),
            (25, "restart rasa1 (loads its model)", lambda: cluster.start("rasa1")),
            (29, "restart actions1", lambda: cluster.start("actions1")),
            (33, "restart outbox1", lambda: cluster.start("outbox1")),
            (41, "start open311 (20 s down)", lambda: cluster.start("open311")),
        ]
        running = []
        for offset, what, action in steps:  # a restart waits for readiness in the background
            await asyncio.sleep(max(0.0, started + offset - time.monotonic()))
            log.append(f"{time.monotonic() - started:.0f}s {what}")
            running.append(asyncio.create_task(asyncio.to_thread(action)))
        await asyncio.gather(*running)

    requests, _ = await asyncio.gather(
        crowd(cluster, tally, residents, 1 / 3, started + seconds), faults()
    )
    duration = time.monotonic() - started
    summary = tally.summary(cluster, duration, delivered_within=120)
    tally.dump(cluster.workdir / "fault-turns.jsonl")
    silent, reached = await stop_holds(cluster)
    stop = f"{silent}/{len(cluster.rasa_urls)} replicas silent after STOP, {reached} reached Rasa"
    return {"residents": residents, "requests_started": requests, **summary,
            "stop_holds_on_replicas": stop, "faults": log}


async def stop_holds(cluster: Cluster) -> tuple[int, int]:
    """STOP by SMS through the balancer, then a message from that phone to each replica.

    Returns:
        How many replicas stayed silent, and how many messages reached Rasa after STOP.
    """
    async with httpx.AsyncClient() as http:
        phone = Resident(cluster, http, Tally(), sms=True)
        await phone.say("hello")
        await phone.say("STOP", retry=False)
        before = cluster.user_messages(phone.conversation)
        silent = 0
        for url in cluster.rasa_urls.values():
            turn = await phone.say("hello again", url=url, retry=False)
            silent += turn.empty == 1 and not turn.reply
        return silent, cluster.user_messages(phone.conversation) - before


async def throughput(cluster: Cluster, url: str, residents: int, seconds: float) -> dict[str, Any]:
    """Short exchanges (greeting, a City-service question) through ``url`` for ``seconds``."""
    tally = Tally()
    until = time.monotonic() + seconds
    started = time.monotonic()

    async def one() -> None:
        async with httpx.AsyncClient() as http:
            while time.monotonic() < until:
                # a new resident (conversation) per exchange: one conversation sending as fast
                # as the replies come hits the channel's 20 messages/minute limit (429) within
                # seconds, which measured the limit, not the replicas
                resident = Resident(cluster, http, tally)
                await resident.say("hello", url)
                await resident.say("when is bulky item pickup in my area?", url)

    await asyncio.gather(*(one() for _ in range(residents)))
    duration = time.monotonic() - started
    latencies = sorted(tally.latencies()) or [0.0]
    return {
        "messages": len(latencies),
        "throughput_msg_s": round(len(latencies) / duration, 2),
        "p50_s": round(latencies[len(latencies) // 2], 3),
        "p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 3),
        "unanswered": sum(not t.ok for t in tally.turns),
    }


def single_replica_front(cluster: Cluster) -> Service:
    """A second HAProxy with only rasa1 behind it (the 1-replica side of the comparison)."""
    port, actions = free_port(), free_port()
    rasa1 = int(cluster.rasa_urls["rasa1"].rsplit(":", 1)[1])
    config = write_haproxy_config(cluster.workdir / "haproxy-one.cfg", port, actions, [rasa1], [])
    service = Service("haproxy-one", [shutil.which("haproxy") or "/usr/sbin/haproxy", "-db",
                                      "-f", str(config)],
                      f"http://127.0.0.1:{port}/webhooks/rest/", cluster.env,
                      cluster.workdir / "haproxy-one.log")
    cluster.services[service.name] = service
    service.start()
    return service


def wait_ready(cluster: Cluster, timeout: float = 300) -> None:
    """Wait until every Rasa replica has a model again (after the fault phase)."""
    deadline = time.monotonic() + timeout
    for url in cluster.rasa_urls.values():
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/webhooks/rest/ready", timeout=3).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)


def table(results: dict[str, Any]) -> str:
    """The figures as a text table, one column per phase."""
    phases = [name for name in ("load10", "load30", "faults") if name in results]
    rows = ["conversations", "messages", "answered", "lost", "empty_replies", "apologies",
            "unanswered", "longest_stuck_s", "slowest_turn_s", "confirmed", "delivered",
            "duplicates", "not_delivered", "throughput_msg_s", "p50_s", "p95_s"]
    lines = [f"{'':22}" + "".join(f"{name:>12}" for name in phases)]
    for row in rows:
        lines.append(f"{row:22}" + "".join(f"{results[p].get(row, ''):>12}" for p in phases))
    if "faults" in results:
        lines.append(f"STOP: {results['faults']['stop_holds_on_replicas']}")
        lines += ["faults: " + "; ".join(results["faults"]["faults"])]
    if "throughput" in results:
        lines.append("")
        lines.append(f"{'throughput':22}{'2 replicas':>14}{'1 replica':>14}")
        two, one = results["throughput"]["2"], results["throughput"]["1"]
        for row in ("messages", "throughput_msg_s", "p50_s", "p95_s", "unanswered"):
            lines.append(f"{row:22}{two[row]:>14}{one[row]:>14}")
    return "\n".join(lines)


def main() -> None:
    """Run every phase and print the table."""
    parser = argparse.ArgumentParser(prog="python -m eval.scale_test")
    parser.add_argument("--seconds", type=float, default=40, help="length of each load phase")
    parser.add_argument("--quick", action="store_true", help="10 residents and faults only")
    parser.add_argument("--model", type=Path, default=None, help="model (default: newest)")
    parser.add_argument("--rasa-lock-store", action="store_true",
                        help="Rasa's own redis lock store instead of bot.lock_store (control)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    workdir = OUT / f"run-{time.strftime('%Y%m%d-%H%M%S')}"
    results: dict[str, Any] = {"model": str(args.model or latest_model())}
    begun = time.monotonic()
    results["lock_store"] = "rasa redis" if args.rasa_lock_store else "bot.lock_store"
    with start_cluster(workdir, model=args.model, rasa_lock_store=args.rasa_lock_store) as cluster:
        print(f"cluster up in {time.monotonic() - begun:.0f} s ({workdir})", flush=True)
        results["load10"] = asyncio.run(load_phase(cluster, 10, args.seconds))
        print(json.dumps(results["load10"]), flush=True)
        if not args.quick:
            results["load30"] = asyncio.run(load_phase(cluster, 30, args.seconds))
            print(json.dumps(results["load30"]), flush=True)
        results["faults"] = asyncio.run(
            fault_phase(cluster, 10 if args.quick else 30, max(args.seconds, 50))
        )
        print(json.dumps(results["faults"]), flush=True)
        if not args.quick:
            wait_ready(cluster)
            one = single_replica_front(cluster)
            results["throughput"] = {
                "2": asyncio.run(throughput(cluster, cluster.public_url, 20, args.seconds / 2)),
                "1": asyncio.run(throughput(cluster, one.health_url.removesuffix(
                    "/webhooks/rest/"), 20, args.seconds / 2)),
            }
    target = OUT / ("results-rasa-lock-store.json" if args.rasa_lock_store else "results.json")
    target.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(table(results))
    print(f"\nwritten to {target}")


if __name__ == "__main__":
    main()
