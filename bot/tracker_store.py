"""Tracker store of the embedded default: SQLite with a write-through in-memory cache.

Rasa's SQL tracker store reads every event of a conversation back from the database and
rebuilds the tracker on each message. In the embedded default one Rasa process owns the SQLite
file, so the tracker it saved last is still correct: this store keeps recently active
conversations in memory (least recently used first out) and still writes every event to SQLite,
so conversations survive a restart and the staff review app reads them. SQLite runs in WAL mode
so the review app's reads never block the assistant's writes. Connections stay open, so
recent writes may sit in ``tracker.db-wal``: copy the database with SQLite's backup
(``sqlite3 var/tracker.db ".backup copy.db"``), never with a plain file copy.

Not for several Rasa processes sharing one database: the production profile
(``bot/endpoints.production.yml``) uses Rasa's plain SQL tracker store on PostgreSQL.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from connectors.files import private_file


def _sqlite_pragmas(connection: Any, _: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class CachedSQLiteTrackerStore(SQLTrackerStore):
    """SQLite tracker store that serves active conversations from memory."""

    def __init__(self, *args: Any, cache_size: int = 2000, **kwargs: Any) -> None:
        if kwargs.get("dialect") == "sqlite" and kwargs.get("db"):
            private_file(str(kwargs["db"]))  # residents' conversations: owner only
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens and closes a file database's connection for every session
            # (NullPool): with WAL pragmas on each connect that was ~⅛ of the Rasa process's
            # CPU per message (eval/throughput_benchmark.py --profile). Keep connections open.
            url = self.engine.url
            self.engine.dispose()
            self.engine = create_engine(
                url, poolclass=QueuePool, pool_size=2, max_overflow=4,
                connect_args={"check_same_thread": False},
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sessionmaker(bind=self.engine)
        self._cache: OrderedDict[str, DialogueStateTracker] = OrderedDict()
        self._cache_size = int(cache_size)
        self._stored: dict[str, int] = {}  # events of each cached tracker already in SQLite

    def _remember(self, tracker: DialogueStateTracker) -> None:
        self._cache[tracker.sender_id] = tracker
        self._cache.move_to_end(tracker.sender_id)
        self._stored[tracker.sender_id] = len(tracker.events)
        while len(self._cache) > self._cache_size:
            evicted, _ = self._cache.popitem(last=False)
            self._stored.pop(evicted, None)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Any]:
        """The tracker's events not written yet.

        Rasa skips as many of the tracker's events as the database holds since the latest
        session start, which fits a tracker read back from the database (it begins at that
        session) but not one kept here, which also holds the events before the session started:
        the first reply of every conversation was written twice. A cached tracker's written
        events are counted here instead.
        """
        stored = self._stored.get(tracker.sender_id)
        if stored is None or self._cache.get(tracker.sender_id) is not tracker:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, None)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation's tracker, from memory when it is active."""
        cached = self._cache.get(sender_id)
        if cached is not None:
            self._cache.move_to_end(sender_id)
            return cached
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._remember(tracker)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Writes the new events to SQLite, then keeps the tracker in memory."""
        await super().save(tracker)
        self._remember(tracker)
