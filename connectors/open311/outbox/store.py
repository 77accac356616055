"""SQLite table of the outbox (standard library ``sqlite3``, WAL, one connection per call).

Every method is blocking and short; :class:`~connectors.open311.outbox.core.Outbox` runs them in
a thread. Rows are claimed with one ``UPDATE … WHERE claimed_until < now`` inside
``BEGIN IMMEDIATE``, so two workers (threads or processes) never get the same row at once.
"""

from __future__ import annotations

import secrets
import sqlite3
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from ..sqlite import initialise, transaction

__all__ = ["LOCAL_REF_ALPHABET", "OutboxStore", "new_local_ref"]

# No 0/O, 1/I/L or U: easy to read aloud and to type from an SMS.
LOCAL_REF_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
_LOCAL_REF_LENGTH = 6

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    local_ref TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    service_code TEXT NOT NULL,
    draft_json TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'filed', 'failed')),
    service_request_id TEXT,
    token TEXT,
    service_notice TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL,
    claim_id TEXT,
    claimed_until REAL,
    last_error TEXT,
    error_json TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_request_id ON outbox (service_request_id);
CREATE INDEX IF NOT EXISTS outbox_token ON outbox (token);
"""

# Due: pending rows to send, and filed rows whose token still waits for an id.
_DUE = (
    "next_attempt_at <= :now AND (claimed_until IS NULL OR claimed_until < :now) AND "
    "(status = 'pending' OR (status = 'filed' AND service_request_id IS NULL "
    "AND token IS NOT NULL))"
)


def new_local_ref() -> str:
    """Return a fresh local reference such as ``"Q-7KX2PM"``."""
    return "Q-" + "".join(secrets.choice(LOCAL_REF_ALPHABET) for _ in range(_LOCAL_REF_LENGTH))


class OutboxStore:
    """The ``outbox`` table in one SQLite file (created with its parent folders).

    Args:
        path: The SQLite file.
        lease_seconds: How long a claim reserves a row.
    """

    def __init__(self, path: Path, *, lease_seconds: float) -> None:
        self.path = path
        self.lease_seconds = lease_seconds
        initialise(path, _SCHEMA).close()

    def _connect(self, *, write: bool = False) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self.path, write=write)

    def insert(self, service_code: str, draft_json: str, claim: str, now: float) -> tuple[str, str]:
        """Commit a new pending row, claimed by ``claim``; return ``(local_ref, key)``."""
        key = str(uuid.uuid4())
        for _ in range(20):
            local_ref = new_local_ref()
            try:
                with self._connect(write=True) as conn:
                    conn.execute(
                        "INSERT INTO outbox (local_ref, idempotency_key, service_code, draft_json, "
                        "status, next_attempt_at, claim_id, claimed_until, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)",
                        (
                            local_ref,
                            key,
                            service_code,
                            draft_json,
                            now,
                            claim,
                            now + self.lease_seconds,
                            now,
                            now,
                        ),
                    )
                return local_ref, key
            except sqlite3.IntegrityError:
                continue  # local_ref collision: draw another one
        raise RuntimeError("could not allocate a unique local reference")

    def claim_due(self, claim: str, now: float, limit: int) -> list[sqlite3.Row]:
        """Claim up to ``limit`` due rows for ``claim`` and return them."""
        params = {"claim": claim, "now": now, "until": now + self.lease_seconds}
        with self._connect(write=True) as conn:
            conn.execute(
                "UPDATE outbox SET claim_id = :claim, claimed_until = :until "
                f"WHERE local_ref IN (SELECT local_ref FROM outbox WHERE {_DUE} "
                "ORDER BY next_attempt_at LIMIT :limit)",
                {**params, "limit": limit},
            )
            rows = conn.execute(
                "SELECT * FROM outbox WHERE claim_id = :claim ORDER BY next_attempt_at", params
            ).fetchall()
        return list(rows)

    def mark_filed(
        self,
        local_ref: str,
        *,
        service_request_id: str | None,
        token: str | None,
        service_notice: str | None,
        next_attempt_at: float | None,
        now: float,
    ) -> None:
        """Record the backend's acceptance (not guarded by the claim: the answer is the truth)."""
        with self._connect(write=True) as conn:
            conn.execute(
                "UPDATE outbox SET status = 'filed', service_request_id = ?, token = ?, "
                "service_notice = ?, attempts = 0, next_attempt_at = ?, claim_id = NULL, "
                "claimed_until = NULL, last_error = NULL, updated_at = ? "
                "WHERE local_ref = ? AND status != 'filed'",
                (service_request_id, token, service_notice, next_attempt_at, now, local_ref),
            )

    def mark_retry(
        self, local_ref: str, claim: str, error: str, now: float, delay: Callable[[int], float]
    ) -> None:
        """Count a failed attempt, schedule the next one after ``delay(attempts)``, release."""
        with self._connect(write=True) as conn:
            row = conn.execute(
                "SELECT attempts FROM outbox WHERE local_ref = ? AND claim_id = ?",
                (local_ref, claim),
            ).fetchone()
            if row is None:
                return  # claim lost (lease expired and another worker took over)
            attempts = int(row["attempts"]) + 1
            conn.execute(
                "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ?, "
                "claim_id = NULL, claimed_until = NULL, updated_at = ? "
                "WHERE local_ref = ? AND claim_id = ? AND status = 'pending'",
                (attempts, now + delay(attempts), error[:1000], now, local_ref, claim),
            )

    def mark_failed(
        self, local_ref: str, claim: str, error: str, error_json: str, now: float
    ) -> None:
        """Mark a refused row as failed for good."""
        with self._connect(write=True) as conn:
            conn.execute(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, "
                "next_attempt_at = NULL, last_error = ?, error_json = ?, claim_id = NULL, "
                "claimed_until = NULL, updated_at = ? "
                "WHERE local_ref = ? AND claim_id = ? AND status = 'pending'",
                (error[:1000], error_json, now, local_ref, claim),
            )

    def mark_token(
        self,
        local_ref: str,
        claim: str,
        request_id: str | None,
        now: float,
        delay: Callable[[int], float],
    ) -> None:
        """Store the id a token resolved to, or schedule another resolution attempt."""
        with self._connect(write=True) as conn:
            row = conn.execute(
                "SELECT attempts FROM outbox WHERE local_ref = ? AND claim_id = ?",
                (local_ref, claim),
            ).fetchone()
            if row is None:
                return
            attempts = int(row["attempts"]) + (request_id is None)
            conn.execute(
                "UPDATE outbox SET service_request_id = COALESCE(?, service_request_id), "
                "attempts = ?, next_attempt_at = ?, claim_id = NULL, claimed_until = NULL, "
                "updated_at = ? WHERE local_ref = ? AND claim_id = ?",
                (
                    request_id,
                    attempts,
                    None if request_id is not None else now + delay(attempts + 1),
                    now,
                    local_ref,
                    claim,
                ),
            )

    def find(self, text: str) -> sqlite3.Row | None:
        """The newest row whose local reference (upper-cased), id or token is ``text``."""
        with self._connect() as conn:
            row: sqlite3.Row | None = conn.execute(
                "SELECT * FROM outbox WHERE local_ref = ? OR service_request_id = ? OR token = ? "
                "ORDER BY created_at DESC LIMIT 1",
                (text.upper(), text, text),
            ).fetchone()
        return row

    def pending_count(self) -> int:
        """Number of pending rows."""
        with self._connect() as conn:
            row = conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()
        return int(row[0])
