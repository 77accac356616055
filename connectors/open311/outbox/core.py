"""Durable outbox of service requests.

A draft is committed to disk *before* anything is sent, under a fresh idempotency key and a
short local reference the resident can quote ("Q-7KX2PM"). Sending is then tried once; if the
backend cannot be reached the row stays ``pending`` and :meth:`Outbox.deliver_pending` retries
it with exponential backoff and the SAME idempotency key, so the backend never files it twice.

Row states::

    pending ──POST ok──▶ filed (service_request_id, or token → resolved later to an id)
       │  ▲
       │  └─ transport error / 5xx: attempts += 1, next attempt after 5 s, 10 s, … 10 min
       └──── 4xx error array ──▶ failed (never retried)

Rows are claimed before sending (see :mod:`.store`), so two workers never send the same row at
the same moment; a crashed worker's claim expires after ``lease_seconds``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from ..client import Open311Client
from ..errors import Open311ServiceError, Open311TransportError
from ..models import ServiceRequestDraft, SubmitResponse
from .store import OutboxStore

__all__ = ["Outbox", "OutboxEntry", "SubmitResult"]

logger = logging.getLogger(__name__)

EntryStatus = Literal["pending", "filed", "failed"]


@dataclass(frozen=True)
class SubmitResult:
    """What happened to a submitted draft.

    Attributes:
        status: ``"filed"``: the backend accepted it (``service_request_id`` or, for servers
            that queue, only ``token``); ``"queued"``: stored and will be retried.
        local_ref: Short reference for the resident ("Q-7KX2PM"), valid in both cases.
        service_request_id: The backend's id when known.
        token: The backend's token when it replied with a token only.
        service_notice: The backend's notice, if any.
    """

    status: Literal["filed", "queued"]
    local_ref: str
    service_request_id: str | None = None
    token: str | None = None
    service_notice: str | None = None


@dataclass(frozen=True)
class OutboxEntry:
    """One row of the outbox, to answer "what is the status of my request?".

    Attributes:
        local_ref: Short local reference.
        status: ``pending`` (not yet accepted), ``filed`` or ``failed`` (refused, see
            ``last_error``).
        service_code: Service type of the draft.
        service_request_id: The backend's id once known.
        token: The backend's token, for servers that reply with one.
        attempts: Failed delivery attempts so far.
        next_attempt_at: When the worker tries again (``None`` when done).
        last_error: Last error message.
        created_at: When the resident submitted it.
        updated_at: Last change.
        draft: The stored draft.
    """

    local_ref: str
    status: EntryStatus
    service_code: str
    service_request_id: str | None
    token: str | None
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    draft: ServiceRequestDraft


class Outbox:
    """Durable, retrying sender of service request drafts.

    Args:
        db_path: SQLite file (created with its parent folders).
        client: Client of the Open311 backend.
        submit_timeout: Timeout of the immediate attempt in :meth:`submit`, in seconds.
        base_delay: Delay before the first retry; doubles after each failure.
        max_delay: Upper bound of the retry delay.
        lease_seconds: How long a claimed row is reserved for the worker sending it.
        batch_size: Rows sent per :meth:`deliver_pending` pass at most.
    """

    def __init__(
        self,
        db_path: Path | str,
        client: Open311Client,
        *,
        submit_timeout: float = 5.0,
        base_delay: float = 5.0,
        max_delay: float = 600.0,
        lease_seconds: float = 120.0,
        batch_size: int = 50,
    ) -> None:
        self.db_path = Path(db_path)
        self.client = client
        self.submit_timeout = submit_timeout
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.batch_size = batch_size
        self._store = OutboxStore(self.db_path, lease_seconds=lease_seconds)

    async def submit(self, draft: ServiceRequestDraft) -> SubmitResult:
        """Store ``draft`` durably, then try to send it once.

        Returns:
            ``filed`` with the backend's id (or token), or ``queued`` when the backend could not
            be reached: the row is kept and :meth:`deliver_pending` will send it.

        Raises:
            Open311ServiceError: The backend refused the request (4xx). The row is marked
                ``failed`` and is not retried; tell the resident what to fix.
        """
        claim = uuid.uuid4().hex
        local_ref, key = await asyncio.to_thread(
            self._store.insert, draft.service_code, draft.model_dump_json(), claim, time.time()
        )
        outcome = await self._attempt(
            local_ref, key, draft, claim, time.time(), self.submit_timeout
        )
        if isinstance(outcome, SubmitResponse):
            return SubmitResult(
                status="filed",
                local_ref=local_ref,
                service_request_id=outcome.service_request_id,
                token=outcome.token,
                service_notice=outcome.service_notice,
            )
        if isinstance(outcome, Open311ServiceError):
            raise outcome
        return SubmitResult(status="queued", local_ref=local_ref)

    async def deliver_pending(self, now: datetime | float | None = None) -> int:
        """Send every pending row whose next attempt is due; resolve pending tokens.

        Args:
            now: The current time (tests pass a later time to skip backoff); real time if
                ``None``. A naive datetime is local time.

        Returns:
            How many rows were filed by this pass.
        """
        if now is None:
            moment = time.time()
        else:
            moment = now.timestamp() if isinstance(now, datetime) else float(now)
        claim = uuid.uuid4().hex
        rows = await asyncio.to_thread(self._store.claim_due, claim, moment, self.batch_size)
        filed = 0
        for row in rows:
            if row["status"] == "filed":
                await self._resolve_token(row, claim, moment)
                continue
            draft = ServiceRequestDraft.model_validate_json(row["draft_json"])
            outcome = await self._attempt(
                row["local_ref"], row["idempotency_key"], draft, claim, moment, None
            )
            filed += isinstance(outcome, SubmitResponse)
        return filed

    def lookup(self, local_ref_or_id: str) -> OutboxEntry | None:
        """Find a row by local reference ("Q-7KX2PM", case-insensitive), request id or token."""
        row = self._store.find(local_ref_or_id.strip())
        return None if row is None else _entry(row)

    def pending_count(self) -> int:
        """Number of rows not yet accepted by the backend."""
        return self._store.pending_count()

    def delay(self, attempts: int) -> float:
        """Seconds to wait after ``attempts`` failed attempts (5, 10, 20, … up to 600)."""
        return float(min(self.base_delay * 2 ** max(attempts - 1, 0), self.max_delay))

    async def _attempt(
        self,
        local_ref: str,
        key: str,
        draft: ServiceRequestDraft,
        claim: str,
        now: float,
        timeout: float | None,
    ) -> SubmitResponse | Open311ServiceError | Open311TransportError:
        store = self._store
        try:
            response = await self.client.submit(draft, key, timeout=timeout)
        except Open311TransportError as exc:
            logger.warning("outbox %s: backend unavailable, will retry: %s", local_ref, exc)
            await asyncio.to_thread(store.mark_retry, local_ref, claim, str(exc), now, self.delay)
            return exc
        except Open311ServiceError as exc:
            logger.warning("outbox %s: refused by backend, not retried: %s", local_ref, exc)
            details = json.dumps(
                {"status_code": exc.status_code, "errors": exc.errors}, ensure_ascii=False
            )
            await asyncio.to_thread(store.mark_failed, local_ref, claim, str(exc), details, now)
            return exc
        except Exception as exc:  # a bug must not lose the draft: keep it and retry later
            logger.exception("outbox %s: unexpected error, will retry", local_ref)
            await asyncio.to_thread(store.mark_retry, local_ref, claim, repr(exc), now, self.delay)
            return Open311TransportError(repr(exc))
        resolved = response.service_request_id is not None
        await asyncio.to_thread(
            store.mark_filed,
            local_ref,
            service_request_id=response.service_request_id,
            token=response.token,
            service_notice=response.service_notice,
            next_attempt_at=None if resolved else now + self.delay(1),
            now=now,
        )
        logger.info(
            "outbox %s: filed as %s", local_ref, response.service_request_id or response.token
        )
        return response

    async def _resolve_token(self, row: sqlite3.Row, claim: str, now: float) -> None:
        local_ref = row["local_ref"]
        try:
            request_id = await self.client.resolve_token(row["token"])
        except Exception as exc:  # any failure: try again later, the row is already filed
            logger.warning("outbox %s: token not resolved yet: %s", local_ref, exc)
            request_id = None
        await asyncio.to_thread(
            self._store.mark_token, local_ref, claim, request_id, now, self.delay
        )


def _datetime(seconds: Any) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(float(seconds), timezone.utc)


def _entry(row: sqlite3.Row) -> OutboxEntry:
    return OutboxEntry(
        local_ref=row["local_ref"],
        status=row["status"],
        service_code=row["service_code"],
        service_request_id=row["service_request_id"],
        token=row["token"],
        attempts=int(row["attempts"]),
        next_attempt_at=_datetime(row["next_attempt_at"]),
        last_error=row["last_error"],
        created_at=datetime.fromtimestamp(float(row["created_at"]), timezone.utc),
        updated_at=datetime.fromtimestamp(float(row["updated_at"]), timezone.utc),
        draft=ServiceRequestDraft.model_validate_json(row["draft_json"]),
    )
