"""The ``events`` table that Rasa's ``SQLTrackerStore`` writes, and JSON access to its rows.

Each row is one event; ``data`` is the JSON text of the whole event (``event.as_dict()``),
``intent_name`` is set on user events and ``action_name`` on action and slot events (for a
slot event it is the slot's name). The app never creates or changes this table.

JSON fields are read in SQL with one small shim per dialect (SQLite's JSON1 functions,
PostgreSQL's ``jsonb`` operators), so every query is the same code on both.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    cast,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

__all__ = ["JsonFields", "events"]

metadata = MetaData()

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


class JsonFields:
    """Reads fields of an event's JSON ``data`` in SQL, for one dialect.

    Args:
        document: The ``data`` column (or a subquery column made by :meth:`document`).
        dialect: ``"sqlite"`` or ``"postgresql"``.
    """

    def __init__(self, document: ColumnElement[Any], dialect: str) -> None:
        self._doc = document
        self._pg = dialect == "postgresql"

    @staticmethod
    def document(data: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
        """``data`` parsed once per row (PostgreSQL) or as is (SQLite parses on each read)."""
        return cast(data, JSONB) if dialect == "postgresql" else data

    def text(self, *path: str) -> ColumnElement[Any]:
        """A string field (``None`` when missing)."""
        if self._pg:
            return func.jsonb_extract_path_text(self._doc, *path)
        return func.json_extract(self._doc, "$." + ".".join(path))

    def number(self, *path: str) -> ColumnElement[Any]:
        """A numeric field as a float."""
        if self._pg:
            return cast(self.text(*path), Float)
        return func.json_extract(self._doc, "$." + ".".join(path))

    def is_true(self, *path: str) -> ColumnElement[bool]:
        """Whether a field is JSON ``true``."""
        if self._pg:
            return self.text(*path) == "true"
        return func.json_type(self._doc, "$." + ".".join(path)) == "true"
