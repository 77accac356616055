"""SQLite state of the SMS channel: opt-outs, processed messages, last numbered options.

One file (``SMS_DB``, default ``var/sms.db``) holds three tables:

* ``opt_outs``: one row per phone number that sent STOP (or PARA), with the keyword's
  language; START removes the row.
* ``deliveries``: one row per provider message id. The first delivery of a message *claims*
  the id with an INSERT (atomic in SQLite, so of two concurrent deliveries exactly one wins),
  processes it and stores the HTTP reply; any later delivery of that id gets the stored reply.
* ``options``: the numbered choices last sent to each number, so "2" can be mapped back.

Every call opens its own short connection, so one :class:`SMSStore` may be shared by all
requests; WAL mode lets readers and the single writer proceed together.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from connectors.files import private_file
from connectors.sms.errors import SMSStoreError

DEFAULT_DB_PATH = "var/sms.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS opt_outs (
    phone TEXT PRIMARY KEY,
    language TEXT NOT NULL,
    opted_out_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    message_id TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('processing', 'done')),
    claimed_at REAL NOT NULL,
    status INTEGER,
    content_type TEXT,
    body TEXT
);
CREATE TABLE IF NOT EXISTS options (
    phone TEXT PRIMARY KEY,
    options TEXT NOT NULL,
    saved_at REAL NOT NULL
);
"""


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
    """Persistent state of the SMS channel in one SQLite file.

    Args:
        path: the database file; None reads ``SMS_DB`` (default ``var/sms.db``). Parent
            directories are created.
        stale_after: seconds after which an unfinished claim (a crash mid-processing) may be
            claimed again by a new delivery.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, stale_after: float = 120.0):
        self.path = Path(path) if path is not None else db_path_from_env()
        self.stale_after = stale_after
        private_file(self.path)  # phone numbers: owner only
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise SMSStoreError(f"cannot open {self.path}: {exc}") from exc
        try:
            yield conn
        except sqlite3.Error as exc:
            raise SMSStoreError(f"{self.path}: {exc}") from exc
        finally:
            conn.close()

    # -- opt-out -------------------------------------------------------------------------

    def opt_out(self, phone: str, language: str = "en") -> None:
        """Record STOP (or PARA) from a phone number.

        Args:
            phone: the number, as the provider sends it (E.164).
            language: the language of the keyword, remembered for the START confirmation.
        """
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO opt_outs (phone, language, opted_out_at) VALUES (?, ?, ?)"
                " ON CONFLICT (phone) DO UPDATE SET language = excluded.language",
                (phone, language, time.time()),
            )

    def opt_in(self, phone: str) -> str | None:
        """Record START from a phone number.

        Args:
            phone: the number.

        Returns:
            The language of the number's opt-out, or None when it had not opted out.
        """
        with self._connect() as conn:
            row = conn.execute(
                "DELETE FROM opt_outs WHERE phone = ? RETURNING language", (phone,)
            ).fetchone()
        return None if row is None else str(row[0])

    def is_opted_out(self, phone: str) -> bool:
        """Whether a phone number has opted out and not opted back in.

        Args:
            phone: the number.

        Returns:
            True when no reply may be sent to it.
        """
        with self._connect() as conn:
            row = conn.execute("SELECT 1 FROM opt_outs WHERE phone = ?", (phone,)).fetchone()
        return row is not None

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
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO deliveries (message_id, state, claimed_at) VALUES (?, 'processing', ?)"
                " ON CONFLICT (message_id) DO UPDATE SET claimed_at = excluded.claimed_at"
                " WHERE deliveries.state = 'processing' AND deliveries.claimed_at < ?",
                (message_id, now, now - self.stale_after),
            )
            return cursor.rowcount == 1

    def complete(self, message_id: str, reply: StoredReply) -> None:
        """Store the reply of a claimed message id; later deliveries get it.

        Args:
            message_id: the claimed id.
            reply: the HTTP reply that was returned.
        """
        with self._connect() as conn:
            conn.execute(
                "UPDATE deliveries SET state = 'done', status = ?, content_type = ?, body = ?"
                " WHERE message_id = ?",
                (reply.status, reply.content_type, reply.body, message_id),
            )

    def release(self, message_id: str) -> None:
        """Drop an unfinished claim so a redelivery processes the message again.

        Args:
            message_id: the claimed id.
        """
        with self._connect() as conn:
            conn.execute(
                "DELETE FROM deliveries WHERE message_id = ? AND state = 'processing'",
                (message_id,),
            )

    def stored_reply(self, message_id: str) -> StoredReply | None:
        """The reply stored for a processed message id.

        Args:
            message_id: the id.

        Returns:
            The reply, or None while the message is unknown or still being processed.
        """
        with self._connect() as conn:
            row = conn.execute(
                "SELECT status, content_type, body FROM deliveries"
                " WHERE message_id = ? AND state = 'done'",
                (message_id,),
            ).fetchone()
        if row is None:
            return None
        return StoredReply(status=int(row[0]), content_type=str(row[1]), body=str(row[2]))

    # -- numbered options ------------------------------------------------------------------

    def save_options(self, phone: str, options: Sequence[tuple[str, str]]) -> None:
        """Replace the numbered options last sent to a number (an empty list clears them).

        Args:
            phone: the number.
            options: (title, payload) pairs, in the order they were numbered.
        """
        with self._connect() as conn:
            if not options:
                conn.execute("DELETE FROM options WHERE phone = ?", (phone,))
                return
            conn.execute(
                "INSERT INTO options (phone, options, saved_at) VALUES (?, ?, ?)"
                " ON CONFLICT (phone) DO UPDATE SET options = excluded.options,"
                " saved_at = excluded.saved_at",
                (phone, json.dumps([list(pair) for pair in options]), time.time()),
            )

    def load_options(self, phone: str, max_age: float | None = None) -> list[tuple[str, str]]:
        """The numbered options last sent to a number.

        Args:
            phone: the number.
            max_age: ignore options saved more than this many seconds ago.

        Returns:
            (title, payload) pairs; empty when none (or too old).
        """
        with self._connect() as conn:
            row = conn.execute(
                "SELECT options, saved_at FROM options WHERE phone = ?", (phone,)
            ).fetchone()
        if row is None or (max_age is not None and time.time() - float(row[1]) > max_age):
            return []
        return [(str(title), str(payload)) for title, payload in json.loads(row[0])]
