"""One storage layer for the state our own processes keep: SQLite embedded, PostgreSQL shared.

The outbox (:mod:`connectors.open311.outbox`) and the SMS channel's state
(:mod:`connectors.sms.store`) run the same SQL on either database through SQLAlchemy Core
(1.4 in the Rasa environment, 2.x in the app environment):

* **embedded default**: one SQLite file per store (``var/outbox.db``, ``var/sms.db``), WAL,
  write transactions taking the lock up front (``BEGIN IMMEDIATE``) so two processes
  claiming rows serialise;
* **production profile**: every replica and worker on one PostgreSQL database
  (``STATE_DB_URL=postgresql://user:password@host:5432/db``); workers claim rows with
  ``FOR UPDATE SKIP LOCKED`` (:meth:`Database.skip_locked`), so they never wait for each other.

With ``APP_PROFILE=production`` a store refuses to start without ``STATE_DB_URL``
(:class:`StorageConfigError`) instead of quietly writing a local file that no other replica
sees (a STOP recorded on one replica only, a request filed twice).
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine

from connectors.files import private_file

__all__ = ["Database", "StorageConfigError", "hold_schema_lock", "production_profile",
           "state_db_url"]

BUSY_TIMEOUT_SECONDS = 15


class StorageConfigError(RuntimeError):
    """The production profile is selected but its shared database is not configured."""


def production_profile() -> bool:
    """Whether this process runs the production profile (``APP_PROFILE=production``)."""
    return os.environ.get("APP_PROFILE", "").strip().lower() == "production"


def state_db_url(sqlite_file: str | os.PathLike[str], what: str) -> str:
    """The database of a store: ``STATE_DB_URL``, else the SQLite file of the embedded default.

    Args:
        sqlite_file: The store's own SQLite file in the embedded default.
        what: What the store holds, for the error message.

    Raises:
        StorageConfigError: ``APP_PROFILE=production`` and ``STATE_DB_URL`` is not set.
    """
    url = os.environ.get("STATE_DB_URL", "").strip()
    if url:
        return url
    if production_profile():
        raise StorageConfigError(
            f"APP_PROFILE=production needs STATE_DB_URL (postgresql://user:password@host/db) "
            f"for {what}: every replica must share it; refusing to use the local file "
            f"{sqlite_file}"
        )
    return f"sqlite:///{sqlite_file}"


def _with_driver(url: str) -> str:
    """``postgresql://`` with the PostgreSQL driver this environment has (psycopg 3 or 2)."""
    if not re.match(r"postgres(ql)?://", url):
        return url
    rest = url.split("://", 1)[1]
    driver = "psycopg" if importlib.util.find_spec("psycopg") else "psycopg2"
    return f"postgresql+{driver}://{rest}"


# pg_advisory_xact_lock key held while a schema is created (any constant no other lock uses).
SCHEMA_LOCK_KEY = 311_0002


def hold_schema_lock(conn: Connection) -> None:
    """Serialises schema creation on PostgreSQL until ``conn``'s transaction ends.

    ``CREATE TABLE IF NOT EXISTS`` (and SQLAlchemy's ``create_all``) is not safe against itself
    there: two sessions creating one table at the same moment make one fail on a duplicate key
    in the catalogue, and replicas starting together on an empty database do exactly that.
    """
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})


class Database:
    """A SQLite file or a PostgreSQL database, with short transactions.

    Args:
        url: ``sqlite:///path`` or ``postgresql://…`` (a driver suffix may be given).
        pool_size: Connections kept open to PostgreSQL per process (plus as many on demand).
    """

    def __init__(self, url: str, *, pool_size: int = 2) -> None:
        self.url = _with_driver(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            path = self.url.split("///", 1)[1]
            private_file(path)  # residents' data: owner only
            self.engine: Engine = create_engine(
                self.url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS}
            )
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.engine = create_engine(
                self.url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                pool_recycle=300,
            )

    @property
    def where(self) -> str:
        """The database without its password, for logs."""
        return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", self.url)

    def create(self, schema: str) -> None:
        """Apply ``schema`` (statements separated by ``;``, each idempotent).

        On PostgreSQL under :func:`hold_schema_lock`.
        """
        with self.transaction(write=True) as conn:
            if not self.is_sqlite:
                hold_schema_lock(conn)
            for statement in filter(None, (part.strip() for part in schema.split(";"))):
                conn.execute(text(statement))

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back on error.

        ``write=True`` on SQLite takes the write lock up front (``BEGIN IMMEDIATE``).
        """
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn.info["begin"] = "BEGIN IMMEDIATE" if write else "BEGIN"
            with conn.begin():
                yield conn

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        """Run one statement in its own write transaction; return the affected row count."""
        with self.transaction(write=True) as conn:
            return int(conn.execute(text(sql), dict(params or {})).rowcount)

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of a query (or of a statement with ``RETURNING``) as dictionaries."""
        with self.transaction(write=not sql.lstrip().upper().startswith("SELECT")) as conn:
            return [dict(row._mapping) for row in conn.execute(text(sql), dict(params or {}))]

    def skip_locked(self) -> str:
        """``FOR UPDATE SKIP LOCKED`` on PostgreSQL; nothing on SQLite (its lock is global)."""
        return "" if self.is_sqlite else "FOR UPDATE SKIP LOCKED"

    def ping(self) -> None:
        """Raise when the database cannot be reached (readiness checks)."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()


def _sqlite_connect(dbapi_connection: Any, _: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun explicitly below
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql(conn.info.get("begin", "BEGIN"))
