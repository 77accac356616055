"""The audit log: every change, reveal, export, retrain and account change, with who and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from eval.review.models import AuditEntry, User

__all__ = ["record"]


def record(
    db: Session,
    user: User | None,
    action: str,
    target: str = "",
    ip: str = "",
    **detail: Any,
) -> AuditEntry:
    """Adds an audit entry to ``db`` (committed with the change it describes)."""
    entry = AuditEntry(
        user_id=user.id if user else None,
        username=user.username if user else str(detail.get("username", "")),
        action=action,
        target=target,
        detail=detail,
        ip=ip,
    )
    db.add(entry)
    return entry
