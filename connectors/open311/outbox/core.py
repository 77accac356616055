"""Durable outbox of service requests.

A draft is committed *before* anything is sent, under an idempotency key and a short local
reference the resident can quote ("Q-7KX2PM"). The caller passes a key derived from what
identifies the confirmation (:func:`confirmation_key`: the conversation, the confirming turn and
the request), so a replayed confirmation — a retried "yes" after a timeout, a disconnect or a
crash, on any replica — finds the row it stored the first time and never files a second request.
Sending is then tried once; if the backend cannot be reached the row stays ``pending`` and
:meth:`Outbox.deliver_pending` retries it with exponential backoff and the SAME idempotency
key, so the backend never files it twice.

Row states::

    pending ──POST ok──▶ filed (service_request_id, or token → resolved later to an id)
       │  ▲
       │  └─ transport error / 5xx: attempts += 1, next attempt after 5 s, 10 s, … 10 min
       └──── 4xx error array ──▶ failed (never retried)

Rows are claimed before sending (see :mod:`.store`), so two workers never send the same row at
the same moment; a crashed worker's claim expires after ``lease_seconds`` (30 s). The table
lives in a SQLite file (embedded default) or in PostgreSQL (``STATE_DB_URL``, production).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from ..client import Open311Client
from ..errors import Open311ServiceError, Open311TransportError
from ..models import ServiceRequestDraft, SubmitResponse
from .store import OutboxStore, Row

__all__ = ["Outbox", "OutboxEntry", "SubmitResult", "confirmation_key"]

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
        db: A SQLite file (created with its parent folders) or a database URL
            (``sqlite:///…``, ``postgresql://…``).
        client: Client of the Open311 backend.
        submit_timeout: Timeout of the immediate attempt in :meth:`submit`, in seconds.
        base_delay: Delay before the first retry; doubles after each failure.
        max_delay: Upper bound of the retry delay.
        lease_seconds: How long a claimed row is reserved for the worker sending it.
        batch_size: Rows sent per :meth:`deliver_pending` pass at most.
    """

    def __init__(
        self,
        db: Path | str,
        client: Open311Client,
        *,
        submit_timeout: float = 5.0,
        base_delay: float = 5.0,
        max_delay: float = 600.0,
        lease_seconds: float = 30.0,
        batch_size: int = 50,
    ) -> None:
        url = str(db) if "://" in str(db) else f"sqlite:///{db}"
        self.db_path = Path(url.split("///", 1)[1]) if url.startswith("sqlite") else None
        self.client = client
        self.submit_timeout = submit_timeout
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.batch_size = batch_size
        self._store = OutboxStore(url, lease_seconds=lease_seconds)
        self.where = self._store.db.where

    async def submit(
        self, draft: ServiceRequestDraft, idempotency_key: str | None = None
    ) -> SubmitResult:
        """Store ``draft`` durably, then try to send it once.

        Args:
            draft: The request.
            idempotency_key: What identifies this confirmation (:func:`confirmation_key`);
                a fresh random key when ``None``. Submitting again under a key that has a row
                sends nothing new: the stored outcome is returned (the same City request).

        Returns:
            ``filed`` with the backend's id (or token), or ``queued`` when the backend could not
            be reached: the row is kept and :meth:`deliver_pending` will send it.

        Raises:
            Open311ServiceError: The backend refused the request (4xx). The row is marked
                ``failed`` and is not retried; tell the resident what to fix.
        """
        claim = uuid.uuid4().hex
        key = idempotency_key or str(uuid.uuid4())
        row, created = await asyncio.to_thread(
            self._store.insert, key, draft.service_code, draft.model_dump_json(), claim,
            time.time(),
        )
        local_ref = str(row["local_ref"])
        if not created:
            logger.info("outbox %s: confirmation replayed, reusing its row", local_ref)
            return await self._replayed(row, claim)
        outcome = await self._attempt(
            local_ref, key, draft, claim, time.time(), self.submit_timeout
        )
        return _result(local_ref, outcome)

    async def _replayed(self, row: Row, claim: str) -> SubmitResult:
        """The outcome of a row stored by an earlier submission of the same confirmation.

        A pending row nobody is sending is sent now; one another process is sending is
        awaited for up to ``submit_timeout`` seconds, then reported as queued.
        """
        local_ref = str(row["local_ref"])
        deadline = time.monotonic() + self.submit_timeout
        while row["status"] == "pending":
            if await asyncio.to_thread(self._store.claim_row, local_ref, claim, time.time()):
                draft = ServiceRequestDraft.model_validate_json(row["draft_json"])
                outcome = await self._attempt(
                    local_ref, row["idempotency_key"], draft, claim, time.time(),
                    max(deadline - time.monotonic(), 1.0),
                )
                return _result(local_ref, outcome)
            if time.monotonic() >= deadline:
                return SubmitResult(status="queued", local_ref=local_ref)
            await asyncio.sleep(0.2)
            latest = await asyncio.to_thread(self._store.get, local_ref)
            row = latest if latest is not None else row
        if row["status"] == "failed":
            details = json.loads(row["error_json"] or "{}")
            raise Open311ServiceError(
                int(details.get("status_code") or 400),
                [(int(code), str(text)) for code, text in details.get("errors") or []],
            )
        return SubmitResult(
            status="filed",
            local_ref=local_ref,
            service_request_id=row["service_request_id"],
            token=row["token"],
            service_notice=row["service_notice"],
        )

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

    def oldest_pending_age(self) -> float | None:
        """Seconds the oldest row not yet accepted has waited (``None``: none waits)."""
        return self._store.oldest_pending_age(time.time())

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

    async def _resolve_token(self, row: Row, claim: str, now: float) -> None:
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


def confirmation_key(conversation_id: str, turn: int, draft: ServiceRequestDraft) -> str:
    """The idempotency key of one confirmation of one request in one conversation.

    Args:
        conversation_id: The conversation ("sms:+1213…", "web:…").
        turn: Which user turn confirmed it (the number of user messages the conversation had
            stored before the confirming one): a "yes" replayed after its turn was lost has
            the same number, a later request in the same conversation another one.
        draft: The request, so that a changed request is never mistaken for the same one.

    Returns:
        A UUID-shaped key, the same on every replica and action server.
    """
    digest = hashlib.sha256(
        "\n".join([conversation_id, str(turn), draft.model_dump_json()]).encode("utf-8")
    ).hexdigest()
    return str(uuid.UUID(digest[:32]))


def _result(
    local_ref: str, outcome: SubmitResponse | Open311ServiceError | Open311TransportError
) -> SubmitResult:
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


def _entry(row: Row) -> OutboxEntry:
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
