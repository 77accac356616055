"""Create the PostgreSQL tracker store's tables once, however many replicas start together.

Rasa's ``SQLTrackerStore`` runs ``create_all`` when it starts. Two replicas doing that at the
same moment on an empty PostgreSQL database collide in the catalogue (a duplicate key in
``pg_type``), and one of them fails its start. :func:`prepare` runs the same ``create_all``,
with Rasa's own table definitions, inside a transaction that first takes a PostgreSQL
transaction-level advisory lock: replicas create the tables one after the other (the second
finds them), and Rasa's own ``create_all`` afterwards has nothing to do. Other tracker stores
(the embedded SQLite one, in-memory) are left alone.
"""

from __future__ import annotations

import logging
import time
from typing import Any

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key: any constant that the project's other advisory locks do not use.
LOCK_KEY = 311_0001


def endpoints_file(argv: list[str]) -> str:
    """The ``--endpoints`` file of a ``rasa run`` argument list (Rasa's default otherwise)."""
    for index, arg in enumerate(argv):
        if arg == "--endpoints" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--endpoints="):
            return arg.split("=", 1)[1]
    return "endpoints.yml"


def _postgres_url(config: Any) -> Any:
    from rasa.core.tracker_store import SQLTrackerStore

    kwargs = dict(config.kwargs)
    if (config.type or "").lower() != "sql" or kwargs.get("dialect") != "postgresql":
        return None
    return SQLTrackerStore.get_db_url(
        "postgresql", config.url, kwargs.get("port"), kwargs.get("db", "rasa.db"),
        kwargs.get("username"), kwargs.get("password"), None, kwargs.get("query"),
    )


def prepare(path: str, wait_seconds: float = 120.0) -> bool:
    """Creates the tracker tables under an advisory lock when the tracker store is PostgreSQL.

    Waits up to ``wait_seconds`` for the database to answer (it may still be starting).

    Returns:
        True when the tables were checked or created here; False for another tracker store.

    Raises:
        SystemExit: The database did not answer in time.
    """
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    config = read_endpoint_config(path, "tracker_store")
    url = _postgres_url(config) if config is not None else None
    if url is None:
        return False
    engine = sa.create_engine(url)
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                with engine.begin() as connection:
                    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                                       {"key": LOCK_KEY})
                    SQLTrackerStore.Base.metadata.create_all(connection)
                return True
            except sa.exc.OperationalError as error:
                if time.monotonic() > deadline:
                    raise SystemExit(
                        f"the tracker store's database does not answer: {error}"
                    ) from error
                logger.warning("tracker store not reachable yet (%s); retrying", error)
                time.sleep(2)
    finally:
        engine.dispose()
