"""The outbox and the SMS channel's state on the local PostgreSQL, shared by several processes.

What a resident or the City would notice: a confirmation replayed on another replica files
nothing new and answers with the same request number; two outbox workers never send one
request twice; a STOP received by one replica is honoured by every replica; a message the
provider delivers to two replicas at once is processed once; a slow turn's answer reaches the
message texted again on another replica; and a production process
without its shared database refuses to start instead of writing a local file.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from connectors.open311.client import Open311Client
from connectors.open311.outbox import Outbox, confirmation_key
from connectors.sms.store import SMSStore
from eval.stack import ROOT, database_url, fresh_database

from .support import Posts, RunningServer, free_port
from .test_open311_outbox import DRAFT, later, server_requests

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_database("state_test") as name:
        yield database_url(name)


async def test_a_replayed_confirmation_files_one_request_on_any_replica(
    pg_url: str, server: RunningServer, make_client: Callable[[str], Open311Client]
) -> None:
    replicas = [Outbox(pg_url, make_client(server.base_url)) for _ in range(2)]
    key = confirmation_key("sms:+12135550100", 7, DRAFT)
    first = await replicas[0].submit(DRAFT, key)
    again = await replicas[1].submit(DRAFT, key)  # the "yes" replayed after a lost turn
    assert first.status == again.status == "filed"
    assert again.service_request_id == first.service_request_id
    assert again.local_ref == first.local_ref
    assert len(server_requests(server)) == 1
    # a later request of the same conversation is a new one
    later_turn = await replicas[1].submit(DRAFT, confirmation_key("sms:+12135550100", 12, DRAFT))
    assert later_turn.service_request_id != first.service_request_id
    assert len(server_requests(server)) == 2


async def test_simultaneous_replays_while_the_backend_is_down_file_once(
    pg_url: str,
    start_server: Callable[..., RunningServer],
    make_client: Callable[[str], Open311Client],
    posts: Posts,
) -> None:
    port = free_port()
    down = f"http://127.0.0.1:{port}/open311/v2"
    replicas = [Outbox(pg_url, make_client(down)) for _ in range(3)]
    key = confirmation_key("web:abc", 5, DRAFT)
    results = await asyncio.gather(*(r.submit(DRAFT, key) for r in replicas))
    assert {r.status for r in results} == {"queued"}
    assert len({r.local_ref for r in results}) == 1  # one row, one reference to quote
    server = start_server(port=port)
    workers = [Outbox(pg_url, make_client(server.base_url)) for _ in range(2)]
    posts.count = 0
    filed = await asyncio.gather(*(w.deliver_pending(now=later(60)) for w in workers))
    assert sum(filed) == 1 and posts.count == 1
    assert len(server_requests(server)) == 1


async def test_two_workers_on_postgresql_send_each_row_once(
    pg_url: str,
    start_server: Callable[..., RunningServer],
    make_client: Callable[[str], Open311Client],
    posts: Posts,
) -> None:
    port = free_port()
    first = Outbox(pg_url, make_client(f"http://127.0.0.1:{port}/open311/v2"))
    queued = [await first.submit(DRAFT) for _ in range(12)]
    server = start_server(port=port)
    workers = [Outbox(pg_url, make_client(server.base_url), batch_size=4) for _ in range(2)]
    posts.count = 0
    for _ in range(4):
        await asyncio.gather(*(w.deliver_pending(now=later(60)) for w in workers))
    assert posts.count == 12
    assert first.pending_count() == 0
    ids = {first.lookup(r.local_ref).service_request_id for r in queued}  # type: ignore[union-attr]
    assert len(ids) == 12 and len(server_requests(server)) == 12


def test_stop_on_one_replica_holds_on_every_replica(pg_url: str) -> None:
    replicas = [SMSStore(pg_url) for _ in range(2)]
    replicas[0].opt_out("+12135550111", "es")
    assert replicas[1].is_opted_out("+12135550111")
    assert replicas[1].opt_in("+12135550111") == "es"
    assert not replicas[0].is_opted_out("+12135550111")


def test_a_message_delivered_to_two_replicas_at_once_is_processed_once(pg_url: str) -> None:
    replicas = [SMSStore(pg_url) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        claims = list(pool.map(lambda store: store.claim("SM-double-tap"), replicas))
    assert claims.count(True) == 1


def test_a_slow_turns_answer_reaches_the_resend_on_another_replica(pg_url: str) -> None:
    one, two = SMSStore(pg_url), SMSStore(pg_url)
    one.start_late("+12135550111", "bache en mi calle")
    waiting = two.late_turn("+12135550111", 600)
    assert waiting is not None and not waiting.done
    one.finish_late("+12135550111", "bache en mi calle", ["¿Dónde está el bache?"],
                    [("Sí", "/affirm")])
    done = two.late_turn("+12135550111", 600)
    assert done is not None and done.done
    assert (done.texts, done.options) == (["¿Dónde está el bache?"], [("Sí", "/affirm")])
    two.drop_late("+12135550111")
    assert one.late_turn("+12135550111", 600) is None


@pytest.mark.parametrize("module", ["connectors.open311.outbox"])
def test_production_process_without_shared_database_refuses_to_start(
    module: str, tmp_path: Path
) -> None:
    env = {
        key: value for key, value in os.environ.items()
        if key not in {"STATE_DB_URL", "OUTBOX_DB", "SMS_DB"}
    }
    env.update(APP_PROFILE="production", OPEN311_API_KEY="k", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", module], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "STATE_DB_URL" in result.stderr
    assert not any(tmp_path.rglob("*.db"))


def test_sms_store_without_shared_database_refuses_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from connectors.storage import StorageConfigError

    monkeypatch.setenv("APP_PROFILE", "production")
    monkeypatch.delenv("STATE_DB_URL", raising=False)
    with pytest.raises(StorageConfigError, match="STATE_DB_URL"):
        SMSStore()
