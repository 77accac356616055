"""Embedded Open311 GeoReport v2 server (FastAPI + SQLite).

Run it with ``python -m connectors.open311.server`` (see :mod:`.__main__`).
"""

from .app import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]
