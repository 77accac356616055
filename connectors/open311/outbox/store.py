"""The ``outbox`` table, on SQLite (embedded default) or PostgreSQL (production profile).

Every method is blocking and short; :class:`~connectors.open311.outbox.core.Outbox` runs them in
a thread. Both databases run the same SQL through :class:`connectors.storage.Database`. Rows are
claimed with one ``UPDATE … WHERE claimed_until < now``: on SQLite inside ``BEGIN IMMEDIATE``,
on PostgreSQL over a ``SELECT … FOR UPDATE SKIP LOCKED``, so two workers (threads, processes or
machines) never get the same row at once and never wait for each other.

A row is keyed by its idempotency key: inserting a draft under a key that exists returns the
existing row instead (:meth:`OutboxStore.insert`), which is how a replayed confirmation reuses
the request it already filed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from connectors.storage import Database

__all__ = ["LOCAL_REF_ALPHABET", "OutboxStore", "Row", "new_local_ref"]

Row = dict[str, Any]

# No 0/O, 1/I/L or U: easy to read aloud and to type from an SMS.
LOCAL_REF_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
_LOCAL_REF_LENGTH = 6

# DOUBLE PRECISION: epoch seconds need more than PostgreSQL's 4-byte REAL (SQLite: REAL).
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
    next_attempt_at DOUBLE PRECISION,
    claim_id TEXT,
    claimed_until DOUBLE PRECISION,
    last_error TEXT,
    error_json TEXT,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_request_id ON outbox (service_request_id);
CREATE INDEX IF NOT EXISTS outbox_token ON outbox (token)
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
    """The ``outbox`` table of one database (a SQLite file is created with its folders).

    Args:
        url: ``sqlite:///path`` or ``postgresql://…``.
        lease_seconds: How long a claim reserves a row.
    """

    def __init__(self, url: str, *, lease_seconds: float) -> None:
        self.db = Database(url)
        self.lease_seconds = lease_seconds
        self.db.create(_SCHEMA)

    def insert(
        self, key: str, service_code: str, draft_json: str, claim: str, now: float
    ) -> tuple[Row, bool]:
        """Commit a new pending row claimed by ``claim``, unless ``key`` already has one.

        Returns:
            The row and whether it was created now (``False``: the row stored earlier under
            ``key``, whatever its state).
        """
        params = {
            "key": key, "code": service_code, "draft": draft_json, "now": now, "claim": claim,
            "until": now + self.lease_seconds,
        }
        for _ in range(20):
            params["ref"] = new_local_ref()
            try:
                created = self.db.rows(
                    "INSERT INTO outbox (local_ref, idempotency_key, service_code, draft_json, "
                    "status, next_attempt_at, claim_id, claimed_until, created_at, updated_at) "
                    "VALUES (:ref, :key, :code, :draft, 'pending', :now, :claim, :until, :now, "
                    ":now) ON CONFLICT (idempotency_key) DO NOTHING RETURNING *",
                    params,
                )
            except IntegrityError:
                continue  # local_ref collision: draw another one
            if created:
                return created[0], True
            existing = self.db.rows("SELECT * FROM outbox WHERE idempotency_key = :key", params)
            if existing:
                return existing[0], False
        raise RuntimeError("could not allocate a unique local reference")

    def claim_row(self, local_ref: str, claim: str, now: float) -> bool:
        """Claim one pending row that nobody holds; False when it is held or not pending."""
        return bool(
            self.db.execute(
                "UPDATE outbox SET claim_id = :claim, claimed_until = :until "
                "WHERE local_ref = :ref AND status = 'pending' "
                "AND (claimed_until IS NULL OR claimed_until < :now)",
                {"claim": claim, "until": now + self.lease_seconds, "ref": local_ref, "now": now},
            )
        )

    def get(self, local_ref: str) -> Row | None:
        """The row of ``local_ref``."""
        rows = self.db.rows("SELECT * FROM outbox WHERE local_ref = :ref", {"ref": local_ref})
        return rows[0] if rows else None

    def claim_due(self, claim: str, now: float, limit: int) -> list[Row]:
        """Claim up to ``limit`` due rows for ``claim`` and return them."""
        params = {"claim": claim, "now": now, "until": now + self.lease_seconds, "limit": limit}
        with self.db.transaction(write=True) as conn:
            conn.execute(
                text(
                    "UPDATE outbox SET claim_id = :claim, claimed_until = :until "
                    f"WHERE local_ref IN (SELECT local_ref FROM outbox WHERE {_DUE} "
                    f"ORDER BY next_attempt_at LIMIT :limit {self.db.skip_locked()})"
                ),
                params,
            )
            rows = conn.execute(
                text("SELECT * FROM outbox WHERE claim_id = :claim ORDER BY next_attempt_at"),
                params,
            )
            return [dict(row._mapping) for row in rows]

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
        self.db.execute(
            "UPDATE outbox SET status = 'filed', service_request_id = :id, token = :token, "
            "service_notice = :notice, attempts = 0, next_attempt_at = :next, claim_id = NULL, "
            "claimed_until = NULL, last_error = NULL, updated_at = :now "
            "WHERE local_ref = :ref AND status != 'filed'",
            {"id": service_request_id, "token": token, "notice": service_notice,
             "next": next_attempt_at, "now": now, "ref": local_ref},
        )

    def mark_retry(
        self, local_ref: str, claim: str, error: str, now: float, delay: Callable[[int], float]
    ) -> None:
        """Count a failed attempt, schedule the next one after ``delay(attempts)``, release."""
        params: dict[str, Any] = {"ref": local_ref, "claim": claim}
        with self.db.transaction(write=True) as conn:
            row = conn.execute(
                text("SELECT attempts FROM outbox WHERE local_ref = :ref AND claim_id = :claim"),
                params,
            ).first()
            if row is None:
                return  # claim lost (lease expired and another worker took over)
            attempts = int(row[0]) + 1
            conn.execute(
                text(
                    "UPDATE outbox SET attempts = :attempts, next_attempt_at = :next, "
                    "last_error = :error, claim_id = NULL, claimed_until = NULL, "
                    "updated_at = :now "
                    "WHERE local_ref = :ref AND claim_id = :claim AND status = 'pending'"
                ),
                {**params, "attempts": attempts, "next": now + delay(attempts),
                 "error": error[:1000], "now": now},
            )

    def mark_failed(
        self, local_ref: str, claim: str, error: str, error_json: str, now: float
    ) -> None:
        """Mark a refused row as failed for good."""
        self.db.execute(
            "UPDATE outbox SET status = 'failed', attempts = attempts + 1, "
            "next_attempt_at = NULL, last_error = :error, error_json = :details, "
            "claim_id = NULL, claimed_until = NULL, updated_at = :now "
            "WHERE local_ref = :ref AND claim_id = :claim AND status = 'pending'",
            {"error": error[:1000], "details": error_json, "now": now, "ref": local_ref,
             "claim": claim},
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
        params: dict[str, Any] = {"ref": local_ref, "claim": claim}
        with self.db.transaction(write=True) as conn:
            row = conn.execute(
                text("SELECT attempts FROM outbox WHERE local_ref = :ref AND claim_id = :claim"),
                params,
            ).first()
            if row is None:
                return
            attempts = int(row[0]) + (request_id is None)
            conn.execute(
                text(
                    "UPDATE outbox SET service_request_id = COALESCE(:id, service_request_id), "
                    "attempts = :attempts, next_attempt_at = :next, claim_id = NULL, "
                    "claimed_until = NULL, updated_at = :now "
                    "WHERE local_ref = :ref AND claim_id = :claim"
                ),
                {**params, "id": request_id, "attempts": attempts, "now": now,
                 "next": None if request_id is not None else now + delay(attempts + 1)},
            )

    def find(self, text_: str) -> Row | None:
        """The newest row whose local reference (upper-cased), id or token is ``text_``."""
        rows = self.db.rows(
            "SELECT * FROM outbox WHERE local_ref = :ref OR service_request_id = :text "
            "OR token = :text ORDER BY created_at DESC LIMIT 1",
            {"ref": text_.upper(), "text": text_},
        )
        return rows[0] if rows else None

    def pending_count(self) -> int:
        """Number of pending rows."""
        rows = self.db.rows("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'")
        return int(rows[0]["n"])

    def oldest_pending_age(self, now: float) -> float | None:
        """Seconds since the oldest pending row was stored (``None``: nothing pending)."""
        rows = self.db.rows("SELECT MIN(created_at) AS oldest FROM outbox WHERE status = 'pending'")
        oldest = rows[0]["oldest"]
        return None if oldest is None else now - float(oldest)
