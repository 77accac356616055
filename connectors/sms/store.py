"""State of the SMS channel: opt-outs, processed messages, last numbered options.

One database holds three tables: a SQLite file in the embedded default (``SMS_DB``, default
``var/sms.db``), PostgreSQL shared by every Rasa replica in the production profile
(``STATE_DB_URL``; with ``APP_PROFILE=production`` it is required, see
:mod:`connectors.storage`). A STOP received by one replica is then honoured by all of them,
and a message delivered twice to two replicas is processed once.

* ``opt_outs``: one row per phone number that sent STOP (or PARA), with the keyword's
  language; START removes the row.
* ``deliveries``: one row per provider message id. The first delivery of a message *claims*
  the id with an INSERT (atomic on both databases, so of two concurrent deliveries exactly one
  wins), processes it and stores the HTTP reply; any later delivery of that id gets the stored
  reply.
* ``options``: the numbered choices last sent to each number, so "2" can be mapped back.
* ``late_turns``: per number, the message whose turn outlasted the channel's budget (the
  resident was told "taking longer, text again") and, once it finished, the SMS it produced,
  so that the resent message gets that answer instead of being read as the next one.

Every call is one short transaction, so one :class:`SMSStore` may be shared by all requests.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.languages import default_language
from connectors.sms.errors import SMSStoreError
from connectors.storage import Database, state_db_url

DEFAULT_DB_PATH = "var/sms.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS opt_outs (
    phone TEXT PRIMARY KEY,
    language TEXT NOT NULL,
    opted_out_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    message_id TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('processing', 'done')),
    claimed_at DOUBLE PRECISION NOT NULL,
    status INTEGER,
    content_type TEXT,
    body TEXT
);
CREATE TABLE IF NOT EXISTS options (
    phone TEXT PRIMARY KEY,
    options TEXT NOT NULL,
    saved_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS late_turns (
    phone TEXT PRIMARY KEY,
    message TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('processing', 'done')),
    started_at DOUBLE PRECISION NOT NULL,
    texts TEXT,
    options TEXT
)
"""


@dataclass(frozen=True)
class LateTurn:
    """A turn that outlasted the SMS budget: the message, and its SMS once it finished."""

    message: str
    done: bool
    started_at: float
    texts: list[str]
    options: list[tuple[str, str]]


@dataclass(frozen=True)
class StoredReply:
    """An HTTP reply kept for a processed message id."""

    status: int
    content_type: str
    body: str


def db_path_from_env() -> Path:
    """The database path: env ``SMS_DB``, else ``var/sms.db`` (relative to the working dir).

    Returns:
        The path.
    """
    return Path(os.environ.get("SMS_DB") or DEFAULT_DB_PATH)


class SMSStore:
    """Persistent state of the SMS channel.

    Args:
        path: the SQLite file; None reads ``STATE_DB_URL`` (shared database), else ``SMS_DB``
            (default ``var/sms.db``). A URL (``postgresql://…``, ``sqlite:///…``) is used as it
            is. Parent directories of a SQLite file are created.
        stale_after: seconds after which an unfinished claim may be claimed again by a new
            delivery. A live replica finishes every message within the channel's 12 s turn
            budget (a slow turn is answered "taking longer" and completed), so a claim still
            unfinished after 13 s belongs to a replica that died mid-turn.

    Raises:
        connectors.storage.StorageConfigError: ``APP_PROFILE=production`` without
            ``STATE_DB_URL``.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, stale_after: float = 13.0):
        if path is None:
            url = state_db_url(db_path_from_env(), "the SMS channel's opt-outs and deliveries")
        else:
            url = str(path) if "://" in str(path) else f"sqlite:///{path}"
        self.path = Path(url.split("///", 1)[1]) if url.startswith("sqlite") else None
        self.stale_after = stale_after
        try:
            self.db = Database(url)
            self.db.create(_SCHEMA)
        except SQLAlchemyError as exc:
            raise SMSStoreError(f"cannot open the SMS store: {exc}") from exc

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            raise SMSStoreError(f"SMS store ({self.db.where}): {exc}") from exc

    def _execute(self, sql: str, params: dict[str, Any]) -> int:
        with self._errors():
            return self.db.execute(sql, params)

    def _rows(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._errors():
            return self.db.rows(sql, params)

    # -- opt-out -------------------------------------------------------------------------

    def opt_out(self, phone: str, language: str | None = None) -> None:
        """Record STOP (or PARA) from a phone number.

        Args:
            phone: the number, as the provider sends it (E.164).
            language: the language of the keyword, remembered for the START confirmation
                (default: the default language).
        """
        language = language or default_language()
        self._execute(
            "INSERT INTO opt_outs (phone, language, opted_out_at) VALUES (:phone, :lang, :now)"
            " ON CONFLICT (phone) DO UPDATE SET language = excluded.language",
            {"phone": phone, "lang": language, "now": time.time()},
        )

    def opt_in(self, phone: str) -> str | None:
        """Record START from a phone number.

        Args:
            phone: the number.

        Returns:
            The language of the number's opt-out, or None when it had not opted out.
        """
        rows = self._rows(
            "DELETE FROM opt_outs WHERE phone = :phone RETURNING language", {"phone": phone}
        )
        return str(rows[0]["language"]) if rows else None

    def is_opted_out(self, phone: str) -> bool:
        """Whether a phone number has opted out and not opted back in.

        Args:
            phone: the number.

        Returns:
            True when no reply may be sent to it.
        """
        return bool(self._rows("SELECT 1 FROM opt_outs WHERE phone = :phone", {"phone": phone}))

    # -- deliveries ------------------------------------------------------------------------

    def claim(self, message_id: str) -> bool:
        """Claim a message id for processing.

        Exactly one of any number of concurrent callers gets True for a given id. A claim
        left unfinished for ``stale_after`` seconds can be taken over.

        Args:
            message_id: the provider's message id (Twilio MessageSid).

        Returns:
            True when the caller must process the message; False when it was processed or is
            being processed (see :meth:`stored_reply`).
        """
        now = time.time()
        return (
            self._execute(
                "INSERT INTO deliveries (message_id, state, claimed_at)"
                " VALUES (:id, 'processing', :now)"
                " ON CONFLICT (message_id) DO UPDATE SET claimed_at = excluded.claimed_at"
                " WHERE deliveries.state = 'processing' AND deliveries.claimed_at < :stale",
                {"id": message_id, "now": now, "stale": now - self.stale_after},
            )
            == 1
        )

    def complete(self, message_id: str, reply: StoredReply) -> None:
        """Store the reply of a claimed message id; later deliveries get it.

        Args:
            message_id: the claimed id.
            reply: the HTTP reply that was returned.
        """
        self._execute(
            "UPDATE deliveries SET state = 'done', status = :status, content_type = :type,"
            " body = :body WHERE message_id = :id",
            {"status": reply.status, "type": reply.content_type, "body": reply.body,
             "id": message_id},
        )

    def release(self, message_id: str) -> None:
        """Drop an unfinished claim so a redelivery processes the message again.

        Args:
            message_id: the claimed id.
        """
        self._execute(
            "DELETE FROM deliveries WHERE message_id = :id AND state = 'processing'",
            {"id": message_id},
        )

    def stored_reply(self, message_id: str) -> StoredReply | None:
        """The reply stored for a processed message id.

        Args:
            message_id: the id.

        Returns:
            The reply, or None while the message is unknown or still being processed.
        """
        rows = self._rows(
            "SELECT status, content_type, body FROM deliveries"
            " WHERE message_id = :id AND state = 'done'",
            {"id": message_id},
        )
        if not rows:
            return None
        row = rows[0]
        return StoredReply(
            status=int(row["status"]), content_type=str(row["content_type"]), body=str(row["body"])
        )

    # -- numbered options ------------------------------------------------------------------

    def save_options(self, phone: str, options: Sequence[tuple[str, str]]) -> None:
        """Replace the numbered options last sent to a number (an empty list clears them).

        Args:
            phone: the number.
            options: (title, payload) pairs, in the order they were numbered.
        """
        if not options:
            self._execute("DELETE FROM options WHERE phone = :phone", {"phone": phone})
            return
        self._execute(
            "INSERT INTO options (phone, options, saved_at) VALUES (:phone, :options, :now)"
            " ON CONFLICT (phone) DO UPDATE SET options = excluded.options,"
            " saved_at = excluded.saved_at",
            {"phone": phone, "options": json.dumps([list(pair) for pair in options]),
             "now": time.time()},
        )

    def load_options(self, phone: str, max_age: float | None = None) -> list[tuple[str, str]]:
        """The numbered options last sent to a number.

        Args:
            phone: the number.
            max_age: ignore options saved more than this many seconds ago.

        Returns:
            (title, payload) pairs; empty when none (or too old).
        """
        rows = self._rows(
            "SELECT options, saved_at FROM options WHERE phone = :phone", {"phone": phone}
        )
        if not rows or (max_age is not None and time.time() - float(rows[0]["saved_at"]) > max_age):
            return []
        return [(str(title), str(payload)) for title, payload in json.loads(rows[0]["options"])]

    # -- turns that outlasted the budget ---------------------------------------------------

    def start_late(self, phone: str, message: str) -> None:
        """Record that the turn of ``message`` goes on after the resident was told to wait.

        Args:
            phone: the number.
            message: the text the assistant is still working on.
        """
        self._execute(
            "INSERT INTO late_turns (phone, message, state, started_at)"
            " VALUES (:phone, :message, 'processing', :now)"
            " ON CONFLICT (phone) DO UPDATE SET message = excluded.message, state = 'processing',"
            " started_at = excluded.started_at, texts = NULL, options = NULL",
            {"phone": phone, "message": message, "now": time.time()},
        )

    def finish_late(self, phone: str, message: str, texts: Sequence[str],
                    options: Sequence[tuple[str, str]]) -> None:
        """Keep the SMS a late turn produced (empty when it failed) for the resent message.

        Args:
            phone: the number.
            message: the message of the turn (a newer late turn of the number is left alone).
            texts: the SMS bodies.
            options: the numbered options among them.
        """
        self._execute(
            "UPDATE late_turns SET state = 'done', texts = :texts, options = :options"
            " WHERE phone = :phone AND message = :message AND state = 'processing'",
            {"phone": phone, "message": message, "texts": json.dumps(list(texts)),
             "options": json.dumps([list(pair) for pair in options])},
        )

    def late_turn(self, phone: str, max_age: float) -> LateTurn | None:
        """The number's late turn, if it started less than ``max_age`` seconds ago.

        Args:
            phone: the number.
            max_age: seconds after which a late turn is forgotten.

        Returns:
            The late turn, or None.
        """
        rows = self._rows(
            "SELECT message, state, started_at, texts, options FROM late_turns"
            " WHERE phone = :phone AND started_at > :oldest",
            {"phone": phone, "oldest": time.time() - max_age},
        )
        if not rows:
            return None
        row = rows[0]
        return LateTurn(
            message=str(row["message"]), done=row["state"] == "done",
            started_at=float(row["started_at"]),
            texts=[str(text) for text in json.loads(row["texts"] or "[]")],
            options=[(str(t), str(p)) for t, p in json.loads(row["options"] or "[]")],
        )

    def drop_late(self, phone: str) -> None:
        """Forget the number's late turn (its answer was sent, or the resident moved on).

        Args:
            phone: the number.
        """
        self._execute("DELETE FROM late_turns WHERE phone = :phone", {"phone": phone})
