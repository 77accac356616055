"""Heavy or shared resources of the action server, created once and reused by every action.

Each action takes its dependency as an optional constructor argument (tests pass their own)
and falls back to these cached factories. Nothing is created at import time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connectors.open311.client import Open311Client
    from connectors.open311.outbox import Outbox
    from knowledge_base.retriever import Retriever


@lru_cache(maxsize=1)
def get_open311_client() -> Open311Client:
    """The Open311 client configured from the environment (OPEN311_* settings)."""
    from connectors.open311.client import Open311Client

    return Open311Client.from_settings()


@lru_cache(maxsize=1)
def get_outbox() -> Outbox:
    """The durable outbox in front of the Open311 backend (``STATE_DB_URL``, else OUTBOX_DB)."""
    from connectors.open311.outbox import Outbox
    from connectors.open311.settings import get_settings
    from connectors.storage import state_db_url

    return Outbox(state_db_url(get_settings().outbox_db, "the outbox"), get_open311_client())


@lru_cache(maxsize=1)
def get_retriever() -> Retriever:
    """The knowledge-base retriever, loading the built index once."""
    from knowledge_base.retriever import Retriever

    return Retriever.load()
