"""Replicas starting together on an empty PostgreSQL database all open their shared state.

``CREATE TABLE IF NOT EXISTS`` is not safe against itself in PostgreSQL: two sessions creating
the same table at the same moment make one fail on a duplicate key in the catalogue
(``pg_type_typname_nsp_index``). A scale-test run lost a Rasa replica that way (its SMS store
did not open). Eight stores on eight connections open at the same instant here: the SMS
store, the outbox and the review app's database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from connectors.open311.outbox.store import OutboxStore
from connectors.sms.store import SMSStore
from eval.stack import database_url, fresh_database

pytestmark = [pytest.mark.postgres]


def _outbox(url: str) -> object:
    return OutboxStore(url, lease_seconds=30)


def _review(url: str) -> object:
    from eval.review.core.config import Settings
    from eval.review.core.db import create_review_engine

    settings = Settings(_env_file=None, secret_key="a-test-secret-of-enough-length",  # type: ignore[call-arg]
                        db_url=url.replace("postgresql://", "postgresql+psycopg://"))
    return create_review_engine(settings)


def _open_at_once(open_store: Callable[[str], object], url: str) -> list[BaseException]:
    """Opens the store from eight threads released at the same instant; what each died of."""
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            open_store(url)
        except BaseException as error:  # what a replica's start-up would die of
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


@pytest.mark.parametrize("open_store", [SMSStore, _outbox, _review],
                         ids=["sms", "outbox", "review app"])
def test_eight_replicas_open_the_shared_state_at_once(open_store: Callable[[str], object]) -> None:
    for _attempt in range(3):  # the collision needs the same instant: give it three chances
        with fresh_database("schema_race") as name:
            assert _open_at_once(open_store, database_url(name)) == []
