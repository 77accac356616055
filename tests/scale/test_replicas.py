"""The small form of the scale test (``eval/scale_test.py``): two Rasa replicas behind HAProxy
round-robin, on the real PostgreSQL and a Redis of its own, with residents who tap twice.

What a resident would notice: no message of theirs is dropped, none is answered with nothing,
each confirmed request reaches the City once, a STOP sent through one replica holds on the
other, and a replica killed mid-conversation does not stop anyone for more than 15 s.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import httpx
import pytest

from eval.cluster import HAPROXY, REDIS_SERVER, Cluster, Resident, Tally, start_cluster
from eval.scale_test import stop_holds

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    for program in (HAPROXY, REDIS_SERVER):
        if not os.path.exists(program):
            pytest.fail(f"{program} is missing: make test installs HAProxy (make haproxy)")
    with start_cluster(tmp_path_factory.mktemp("replicas"), rasa=2, actions=1, outbox=1) as up:
        yield up


def file_requests(cluster: Cluster, tally: Tally, residents: int, sms: int,
                  kill: str | None = None) -> list[str | None]:
    """``residents`` residents filing at once (the first ``sms`` by SMS); ``kill`` -9 mid-way."""

    async def run() -> list[str | None]:
        async with httpx.AsyncClient() as http:
            people = [Resident(cluster, http, tally, sms=i < sms) for i in range(residents)]

            async def killer() -> None:
                if kill:
                    await asyncio.sleep(3)
                    await asyncio.to_thread(cluster.kill, kill)

            *markers, _ = await asyncio.gather(*(p.file_request() for p in people), killer())
            return markers

    return asyncio.run(run())


def test_double_taps_on_two_replicas_lose_nothing_and_file_each_request_once(
    cluster: Cluster,
) -> None:
    tally = Tally()
    markers = file_requests(cluster, tally, residents=4, sms=1)
    summary = tally.summary(cluster, duration=1.0)
    assert all(markers), [t.reply for t in tally.turns][-6:]  # everyone got a request number
    assert summary["lost"] == 0
    assert summary["empty_replies"] == 0 and summary["apologies"] == 0
    assert summary["duplicates"] == 0 and summary["not_delivered"] == 0
    assert summary["delivered"] == 4


def test_stop_on_one_replica_holds_on_the_other(cluster: Cluster) -> None:
    silent, reached = asyncio.run(stop_holds(cluster))
    assert silent == len(cluster.rasa_urls) and reached == 0


def test_a_replica_killed_mid_conversation_stops_nobody_for_long(cluster: Cluster) -> None:
    tally = Tally()
    markers = file_requests(cluster, tally, residents=3, sms=0, kill="rasa1")
    summary = tally.summary(cluster, duration=1.0)
    assert all(markers)
    assert summary["longest_stuck_s"] <= 15
    assert summary["lost"] == 0 and summary["empty_replies"] == 0
    assert summary["duplicates"] == 0 and summary["not_delivered"] == 0
