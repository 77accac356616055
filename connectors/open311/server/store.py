"""SQLite storage of the embedded Open311 server (standard library ``sqlite3``).

One short-lived connection per operation, WAL journal, ``BEGIN IMMEDIATE`` for writes: safe from
the threads of the ASGI server and from the admin CLI running at the same time.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..sqlite import initialise, transaction

__all__ = [
    "FIRST_SEQUENCE",
    "IdempotencyConflict",
    "NewRequest",
    "RequestFilter",
    "RequestStore",
    "StoredRequest",
]

FIRST_SEQUENCE = 1_000_001
ZIPCODE = re.compile(r"\b(9\d{4})(?:-\d{4})?\b")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS service_requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    service_request_id TEXT NOT NULL UNIQUE,
    token TEXT NOT NULL UNIQUE,
    idempotency_key TEXT UNIQUE,
    fingerprint TEXT,
    jurisdiction_id TEXT,
    service_code TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    status_notes TEXT,
    description TEXT,
    agency_responsible TEXT,
    service_notice TEXT,
    requested_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    expected_at REAL,
    address_string TEXT,
    address_id TEXT,
    zipcode TEXT,
    lat REAL,
    long REAL,
    email TEXT,
    device_id TEXT,
    account_id TEXT,
    first_name TEXT,
    last_name TEXT,
    phone TEXT,
    media_url TEXT,
    attributes_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS service_requests_requested_at ON service_requests (requested_at);
"""


class IdempotencyConflict(Exception):
    """The idempotency key was already used for a different request."""


@dataclass(frozen=True)
class NewRequest:
    """A validated service request, ready to store."""

    service_code: str
    jurisdiction_id: str | None = None
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    address_string: str | None = None
    address_id: str | None = None
    lat: float | None = None
    long: float | None = None
    email: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    media_url: str | None = None
    attributes: dict[str, str | list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredRequest:
    """A service request as stored (timestamps are UNIX seconds)."""

    service_request_id: str
    token: str
    service_code: str
    status: str
    status_notes: str | None
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_at: float
    updated_at: float
    expected_at: float | None
    address_string: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None
    account_id: str | None
    attributes: dict[str, str | list[str]]


@dataclass(frozen=True)
class RequestFilter:
    """Filters of GET ``requests.json`` (all optional, combined with AND).

    ``requested_after``/``requested_before`` are UNIX seconds, inclusive.
    """

    service_request_ids: Sequence[str] = ()
    service_codes: Sequence[str] = ()
    statuses: Sequence[str] = ()
    requested_after: float | None = None
    requested_before: float | None = None
    limit: int = 1000


class RequestStore:
    """Service requests in one SQLite file (created with its parent folders).

    Args:
        path: The SQLite file.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        conn = initialise(self.path, _SCHEMA)
        try:
            conn.execute(
                "INSERT INTO sqlite_sequence (name, seq) SELECT 'service_requests', ? "
                "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'service_requests')",
                (FIRST_SEQUENCE - 1,),
            )
        finally:
            conn.close()

    def _connect(self, *, write: bool = False) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self.path, write=write)

    def create(
        self,
        new: NewRequest,
        *,
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
    ) -> tuple[StoredRequest, bool]:
        """Store a new request, or return the one already stored under ``idempotency_key``.

        Returns:
            The request and whether it was created now (``False`` for a replay).

        Raises:
            IdempotencyConflict: The key was used with a different ``fingerprint``.
        """
        now = time.time()
        with self._connect(write=True) as conn:
            if idempotency_key is not None:
                row = conn.execute(
                    "SELECT * FROM service_requests WHERE idempotency_key = ?", (idempotency_key,)
                ).fetchone()
                if row is not None:
                    if row["fingerprint"] != fingerprint:
                        raise IdempotencyConflict(idempotency_key)
                    return _to_stored(row), False
            token = secrets.token_hex(8)
            zipcode = _zipcode(new.address_string)
            cursor = conn.execute(
                "INSERT INTO service_requests (service_request_id, token, idempotency_key, "
                "fingerprint, jurisdiction_id, service_code, description, agency_responsible, "
                "service_notice, requested_at, updated_at, address_string, address_id, zipcode, "
                "lat, long, email, device_id, account_id, first_name, last_name, phone, "
                "media_url, attributes_json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    f"new-{token}",
                    token,
                    idempotency_key,
                    fingerprint,
                    new.jurisdiction_id,
                    new.service_code,
                    new.description,
                    new.agency_responsible,
                    new.service_notice,
                    now,
                    now,
                    new.address_string,
                    new.address_id,
                    zipcode,
                    new.lat,
                    new.long,
                    new.email,
                    new.device_id,
                    new.account_id,
                    new.first_name,
                    new.last_name,
                    new.phone,
                    new.media_url,
                    json.dumps(new.attributes, ensure_ascii=False),
                ),
            )
            seq = cursor.lastrowid
            conn.execute(
                "UPDATE service_requests SET service_request_id = printf('1-%07d', seq) "
                "WHERE seq = ?",
                (seq,),
            )
            row = conn.execute("SELECT * FROM service_requests WHERE seq = ?", (seq,)).fetchone()
            return _to_stored(row), True

    def get(self, service_request_id: str) -> StoredRequest | None:
        """Return the request with this id, or ``None``."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT * FROM service_requests WHERE service_request_id = ?",
                (service_request_id,),
            ).fetchone()
        return None if row is None else _to_stored(row)

    def by_token(self, token: str) -> StoredRequest | None:
        """Return the request created with this token, or ``None``."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT * FROM service_requests WHERE token = ?", (token,)
            ).fetchone()
        return None if row is None else _to_stored(row)

    def search(self, query: RequestFilter) -> list[StoredRequest]:
        """Return the requests matching ``query``, newest first."""
        clauses: list[str] = []
        params: list[Any] = []
        for column, values in (
            ("service_request_id", query.service_request_ids),
            ("service_code", query.service_codes),
            ("status", query.statuses),
        ):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        if query.requested_after is not None:
            clauses.append("requested_at >= ?")
            params.append(query.requested_after)
        if query.requested_before is not None:
            clauses.append("requested_at <= ?")
            params.append(query.requested_before)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        params.append(query.limit)
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT * FROM service_requests {where} ORDER BY seq DESC LIMIT ?", params
            ).fetchall()
        return [_to_stored(row) for row in rows]

    def count(self) -> int:
        """Number of stored requests."""
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM service_requests").fetchone()[0])

    def set_status(
        self, service_request_id: str, status: str, notes: str | None
    ) -> StoredRequest | None:
        """Open or close a request and set its ``status_notes``.

        Returns:
            The updated request, or ``None`` when the id is unknown.

        Raises:
            ValueError: ``status`` is not ``"open"`` or ``"closed"``.
        """
        if status not in ("open", "closed"):
            raise ValueError("status must be 'open' or 'closed'")
        with self._connect(write=True) as conn:
            cursor = conn.execute(
                "UPDATE service_requests SET status = ?, status_notes = ?, updated_at = ? "
                "WHERE service_request_id = ?",
                (status, notes, time.time(), service_request_id),
            )
            if cursor.rowcount == 0:
                return None
            row = conn.execute(
                "SELECT * FROM service_requests WHERE service_request_id = ?",
                (service_request_id,),
            ).fetchone()
        return _to_stored(row)


def _zipcode(address: str | None) -> str | None:
    matches = ZIPCODE.findall(address or "")
    return str(matches[-1]) if matches else None


def _to_stored(row: sqlite3.Row) -> StoredRequest:
    return StoredRequest(
        service_request_id=row["service_request_id"],
        token=row["token"],
        service_code=row["service_code"],
        status=row["status"],
        status_notes=row["status_notes"],
        description=row["description"],
        agency_responsible=row["agency_responsible"],
        service_notice=row["service_notice"],
        requested_at=row["requested_at"],
        updated_at=row["updated_at"],
        expected_at=row["expected_at"],
        address_string=row["address_string"],
        address_id=row["address_id"],
        zipcode=row["zipcode"],
        lat=row["lat"],
        long=row["long"],
        media_url=row["media_url"],
        account_id=row["account_id"],
        attributes=json.loads(row["attributes_json"]),
    )
