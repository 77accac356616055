"""Files that hold residents' data or secrets are readable by their owner only.

:func:`private_file` creates a file 0600 (and missing folders 0700) before anything writes to
it, and sets an existing one back to 0600, with SQLite's ``-wal``/``-shm``/``-journal`` files
(SQLite gives new ones the database's mode). Every SQLite database of the project (tracker
store, Open311 server, outbox, SMS state, review app) is opened through it; ``make run`` and
``eval/stack.py`` also run every process with umask 077.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["private_file"]

_SIDECARS = ("-wal", "-shm", "-journal")


def private_file(path: str | os.PathLike[str]) -> Path:
    """Makes ``path`` exist with mode 0600, creating missing parent folders with 0700.

    Args:
        path: The file; ``":memory:"`` and "" (SQLite's in-memory databases) are left alone.

    Returns:
        The path.
    """
    target = Path(path)
    if str(path) in ("", ":memory:"):
        return target
    if not target.parent.exists():
        os.makedirs(target.parent, mode=0o700, exist_ok=True)
    descriptor = os.open(target, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
    finally:
        os.close(descriptor)
    for suffix in _SIDECARS:
        sidecar = target.with_name(target.name + suffix)
        if sidecar.exists():
            sidecar.chmod(0o600)
    return target
