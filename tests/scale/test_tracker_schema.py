"""Rasa replicas started together on an empty PostgreSQL database all come up.

Four processes in the Rasa environment run :func:`bot.tracker_schema.prepare` at the same
moment on a fresh database (real PostgreSQL), then open Rasa's own ``SQLTrackerStore`` on it
and save a conversation, as a replica does when it starts and takes its first message. The
test holds the schema lock first: no replica may create a table while another holds it (that
is what keeps two ``create_all`` apart; the collision itself depends on timing).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from bot.tracker_schema import LOCK_KEY
from eval.stack import RASA_PYTHON, ROOT, fresh_database

REPLICA = """
import json, sys, time
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config
from bot import tracker_schema

path, start_at, sender = sys.argv[1], float(sys.argv[2]), sys.argv[3]
time.sleep(max(0.0, start_at - time.time()))
prepared = tracker_schema.prepare(path)
store = TrackerStore.create(read_endpoint_config(path, "tracker_store"), Domain.empty())
tracker = DialogueStateTracker(sender, [])
tracker.update(UserUttered("hello"))
import asyncio
asyncio.run(store.save(tracker))
print(json.dumps({"prepared": prepared, "saved": sender}))
"""

ENDPOINTS = """
tracker_store:
  type: SQL
  dialect: postgresql
  url: 127.0.0.1
  port: 5432
  username: postgres
  db: {db}
"""


def test_four_replicas_starting_together_on_an_empty_database_all_come_up(
    tmp_path: Path,
) -> None:
    with fresh_database("schema_race") as name:
        endpoints = tmp_path / "endpoints.yml"
        endpoints.write_text(ENDPOINTS.format(db=name), encoding="utf-8")
        import psycopg

        holder = psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={name}")
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        start_at = time.time() + 8  # every process has imported Rasa by then
        env = {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin",
               "HOME": os.environ.get("HOME", "/tmp")}
        replicas = [
            subprocess.Popen([str(RASA_PYTHON), "-c", REPLICA, str(endpoints), str(start_at),
                              f"resident-{i}"], cwd=ROOT, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for i in range(4)
        ]
        time.sleep(12)
        with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={name}") as conn:
            tables = conn.execute("SELECT to_regclass('public.events')").fetchone()
        assert [replica.poll() for replica in replicas] == [None] * 4  # all wait for the lock
        assert tables == (None,)
        holder.commit()  # the lock is released; they go one after the other
        holder.close()
        results = []
        for replica in replicas:
            out, err = replica.communicate(timeout=180)
            assert replica.returncode == 0, err[-2000:]
            assert "Could not create tables" not in err, err[-2000:]
            results.append(json.loads(out.strip().splitlines()[-1]))
        assert [r["prepared"] for r in results] == [True] * 4
        assert sorted(r["saved"] for r in results) == [f"resident-{i}" for i in range(4)]
        with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={name}") as conn:
            senders = {row[0] for row in conn.execute("SELECT DISTINCT sender_id FROM events")}
        assert senders == {f"resident-{i}" for i in range(4)}
