"""The durable outbox against the real embedded server (down, up, flaky, refusing)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from connectors.open311.client import Open311Client
from connectors.open311.errors import Open311ServiceError
from connectors.open311.outbox import LOCAL_REF_ALPHABET, Outbox, ServiceRequestDraft, run_worker

from .support import API_KEY, LostResponseProxy, Posts, RecordedServer, RunningServer, free_port

REPO = Path(__file__).resolve().parents[2]
LOCAL_REF = re.compile(rf"^Q-[{LOCAL_REF_ALPHABET}]{{6}}$")
DRAFT = ServiceRequestDraft(
    service_code="bulky-items",
    address_string="6100 Hollywood Blvd, Los Angeles, CA 90028",
    attributes={"item_description": "colchón y sofá", "item_count": "2"},
    first_name="María",
    phone="213-555-0100",
)


def server_requests(server: RunningServer) -> list[dict[str, object]]:
    reply = httpx.get(f"{server.base_url}/requests.json", timeout=5)
    reply.raise_for_status()
    items: list[dict[str, object]] = reply.json()
    return items


def later(seconds: float) -> float:
    return time.time() + seconds


async def test_filed_immediately_when_the_backend_is_up(
    tmp_path: Path, server: RunningServer, make_client: Callable[[str], Open311Client]
) -> None:
    outbox = Outbox(tmp_path / "var" / "outbox.db", make_client(server.base_url))
    result = await outbox.submit(DRAFT)
    assert result.status == "filed" and result.service_request_id == "1-1000001"
    assert LOCAL_REF.match(result.local_ref)
    entry = outbox.lookup(result.local_ref.lower())
    assert entry is not None and entry.status == "filed" and entry.draft == DRAFT
    assert outbox.lookup("1-1000001") == entry
    assert outbox.pending_count() == 0


async def test_a_backend_down_then_up(
    tmp_path: Path,
    start_server: Callable[..., RunningServer],
    make_client: Callable[[str], Open311Client],
    posts: Posts,
) -> None:
    port = free_port()  # nothing listens here yet
    outbox = Outbox(tmp_path / "outbox.db", make_client(f"http://127.0.0.1:{port}/open311/v2"))
    result = await outbox.submit(DRAFT)
    assert result.status == "queued" and result.service_request_id is None
    assert LOCAL_REF.match(result.local_ref)
    entry = outbox.lookup(result.local_ref)
    assert entry is not None and entry.status == "pending" and entry.attempts == 1
    assert entry.last_error and outbox.pending_count() == 1

    server = start_server(port=port)
    assert await outbox.deliver_pending(now=later(60)) == 1
    [created] = server_requests(server)
    entry = outbox.lookup(result.local_ref)
    assert entry is not None and entry.status == "filed"
    assert entry.service_request_id == created["service_request_id"]
    assert created["attributes"] == {"item_description": "colchón y sofá", "item_count": "2"}
    assert outbox.pending_count() == 0
    assert await outbox.deliver_pending(now=later(3600)) == 0
    assert posts.count == 2 and len(server_requests(server)) == 1


async def test_b_accepted_but_response_lost(
    tmp_path: Path,
    server: RunningServer,
    lost_response_proxy: Callable[[int], LostResponseProxy],
    make_client: Callable[[str], Open311Client],
) -> None:
    proxy = lost_response_proxy(server.port)
    via_proxy = Outbox(tmp_path / "outbox.db", make_client(proxy.base_url))
    result = await via_proxy.submit(DRAFT)
    assert result.status == "queued"
    assert proxy.forwarded == 1 and len(server_requests(server)) == 1  # the server did file it
    entry = via_proxy.lookup(result.local_ref)
    assert entry is not None and entry.status == "pending"

    direct = Outbox(tmp_path / "outbox.db", make_client(server.base_url))
    assert await direct.deliver_pending(now=later(60)) == 1
    [only] = server_requests(server)  # still exactly ONE request
    entry = direct.lookup(result.local_ref)
    assert entry is not None and entry.status == "filed"
    assert entry.service_request_id == only["service_request_id"] == "1-1000001"


async def test_c_refused_requests_are_not_retried(
    tmp_path: Path,
    start_server: Callable[..., RunningServer],
    make_client: Callable[[str], Open311Client],
    posts: Posts,
) -> None:
    port = free_port()
    server = start_server(port=port)
    outbox = Outbox(tmp_path / "outbox.db", make_client(server.base_url))
    incomplete = DRAFT.model_copy(update={"attributes": {"item_description": "sofa"}})
    with pytest.raises(Open311ServiceError) as caught:
        await outbox.submit(incomplete)
    assert caught.value.status_code == 400
    [entry] = [outbox.lookup(ref) for ref in _refs(outbox)]
    assert entry is not None and entry.status == "failed"
    assert entry.last_error and "item_count" in entry.last_error
    assert outbox.pending_count() == 0

    # Queued while the backend was down, refused once it is up: failed, never resent.
    server.stop()
    queued = await outbox.submit(DRAFT.model_copy(update={"service_code": "unicorns"}))
    assert queued.status == "queued"
    start_server(port=port, db=server.db)
    sent_before = posts.count
    assert await outbox.deliver_pending(now=later(60)) == 0
    assert await outbox.deliver_pending(now=later(7200)) == 0
    assert posts.count == sent_before + 1
    entry = outbox.lookup(queued.local_ref)
    assert entry is not None and entry.status == "failed" and entry.next_attempt_at is None


async def test_d_backoff_is_respected_and_doubles(
    tmp_path: Path,
    start_server: Callable[..., RunningServer],
    make_client: Callable[[str], Open311Client],
    posts: Posts,
) -> None:
    port = free_port()
    outbox = Outbox(tmp_path / "outbox.db", make_client(f"http://127.0.0.1:{port}/open311/v2"))
    assert [outbox.delay(n) for n in (1, 2, 3, 8, 30)] == [5, 10, 20, 600, 600]
    result = await outbox.submit(DRAFT)
    first = outbox.lookup(result.local_ref)
    assert first is not None and first.next_attempt_at is not None
    due = first.next_attempt_at.timestamp() + 0.001  # datetime keeps microseconds only
    assert 4 <= due - first.updated_at.timestamp() <= 6  # ~5 s after the first failure

    assert await outbox.deliver_pending(now=due - 1) == 0
    assert posts.count == 1  # not retried before its time
    assert await outbox.deliver_pending(now=due) == 0  # due: retried, backend still down
    second = outbox.lookup(result.local_ref)
    assert second is not None and second.attempts == 2 and second.next_attempt_at is not None
    assert second.next_attempt_at.timestamp() == pytest.approx(due + 10, abs=0.01)
    assert posts.count == 2

    server = start_server(port=port)
    assert await outbox.deliver_pending(now=due + 9) == 0
    assert posts.count == 2 and server_requests(server) == []
    assert await outbox.deliver_pending(now=due + 10) == 1
    assert len(server_requests(server)) == 1


async def test_e_two_workers_send_a_row_once(
    tmp_path: Path,
    start_server: Callable[..., RunningServer],
    make_client: Callable[[str], Open311Client],
    posts: Posts,
) -> None:
    port = free_port()
    db = tmp_path / "outbox.db"
    first = Outbox(db, make_client(f"http://127.0.0.1:{port}/open311/v2"))
    results = [await first.submit(DRAFT) for _ in range(3)]
    assert {r.status for r in results} == {"queued"}
    server = start_server(port=port)
    workers = [Outbox(db, make_client(server.base_url)) for _ in range(2)]
    posts.count = 0
    filed = await asyncio.gather(*(w.deliver_pending(now=later(60)) for w in workers))
    assert sum(filed) == 3
    assert posts.count == 3  # each row sent exactly once
    ids = {first.lookup(r.local_ref).service_request_id for r in results}  # type: ignore[union-attr]
    assert len(ids) == 3 and len(server_requests(server)) == 3


async def test_token_only_backend_is_resolved_later(
    tmp_path: Path,
    recorded_server: Callable[..., RecordedServer],
    make_client: Callable[[str], Open311Client],
) -> None:
    backend = recorded_server("token_only_post")
    outbox = Outbox(tmp_path / "outbox.db", make_client(backend.base_url))
    result = await outbox.submit(DRAFT)
    assert (result.status, result.service_request_id) == ("filed", None)
    assert result.token == "6f1b3c2e-94d7-4b36-9a43-0d2f4f5a7e11"
    assert outbox.lookup(result.token) is not None
    assert await outbox.deliver_pending(now=later(1)) == 0  # not due yet
    assert await outbox.deliver_pending(now=later(60)) == 0  # resolves; nothing newly filed
    entry = outbox.lookup(result.local_ref)
    assert entry is not None and entry.service_request_id == "638344"
    assert outbox.lookup("638344") == entry


async def test_worker_loop_delivers_and_stops(
    tmp_path: Path,
    start_server: Callable[..., RunningServer],
    make_client: Callable[[str], Open311Client],
) -> None:
    port = free_port()
    outbox = Outbox(
        tmp_path / "outbox.db", make_client(f"http://127.0.0.1:{port}/open311/v2"), base_delay=0.05
    )
    result = await outbox.submit(DRAFT)
    assert result.status == "queued"
    start_server(port=port)
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(outbox, 0.05, stop))
    for _ in range(200):
        entry = outbox.lookup(result.local_ref)
        if entry is not None and entry.status == "filed":
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(worker, 5)
    assert entry is not None and entry.status == "filed"


def test_worker_command_stops_on_sigterm(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "OPEN311_API_KEY": API_KEY,
        "OPEN311_BASE_URL": f"http://127.0.0.1:{free_port()}/open311/v2",
        "OUTBOX_DB": str(tmp_path / "outbox.db"),
        "OUTBOX_POLL_SECONDS": "0.1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "connectors.open311.outbox"],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    assert "outbox worker started" in line, line
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert "outbox worker stopped" in process.stderr.read()
    assert (tmp_path / "outbox.db").exists()


def _refs(outbox: Outbox) -> list[str]:
    import sqlite3

    with sqlite3.connect(outbox.db_path) as conn:
        return [row[0] for row in conn.execute("SELECT local_ref FROM outbox")]
