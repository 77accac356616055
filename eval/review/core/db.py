"""Database engines: the app's own database (read-write) and Rasa's tracker store (read only).

The tracker store is opened read only at the driver level where the driver allows it
(SQLite ``mode=ro``, PostgreSQL read-only transactions), so a bug here cannot change what Rasa
wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from connectors.files import private_file
from connectors.storage import hold_schema_lock
from eval.review.core.config import Settings
from eval.review.models import Base

__all__ = ["create_review_engine", "create_tracker_engine", "session_factory"]


def create_review_engine(settings: Settings) -> Engine:
    """The app's database, with its tables created if missing."""
    url = settings.review_db_url()
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            private_file(Path(url.database))  # password hashes and sessions: owner only
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        Base.metadata.create_all(engine)
        return engine
    # Two instances starting together on an empty database: one creates the tables at a time.
    with engine.begin() as connection:
        hold_schema_lock(connection)
        Base.metadata.create_all(connection)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the retrain thread write its log while pages read.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_tracker_engine(settings: Settings) -> Engine:
    """Rasa's tracker store, opened read only."""
    url = settings.tracker_url()
    if url.get_backend_name() == "sqlite":
        ro = URL.create(
            "sqlite", database=f"file:{url.database}", query={"mode": "ro", "uri": "true"}
        )
        return create_engine(ro, connect_args={"check_same_thread": False, "timeout": 30})
    engine = create_engine(url, pool_pre_ping=True)
    if url.get_backend_name() == "postgresql":
        return engine.execution_options(postgresql_readonly=True)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on the app's database that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
