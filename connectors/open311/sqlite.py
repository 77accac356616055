"""SQLite helpers shared by the outbox and the embedded server's request store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from connectors.files import private_file

BUSY_TIMEOUT_SECONDS = 15


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with named rows."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def initialise(path: Path, schema: str) -> sqlite3.Connection:
    """Creates the file and its folders, switches to WAL and applies ``schema``.

    Returns the open connection for any further set-up; the caller closes it.
    """
    private_file(path)  # residents' requests: owner only
    conn = connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(schema)
    return conn


@contextmanager
def transaction(path: Path, *, write: bool = False) -> Iterator[sqlite3.Connection]:
    """One transaction on a fresh connection: committed on success, rolled back on error.

    ``write=True`` takes the write lock up front (``BEGIN IMMEDIATE``), so two processes
    claiming the same rows serialise instead of failing half-way.
    """
    conn = connect(path)
    try:
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        conn.close()
