"""One location service for every test of the package (its data loads in about a second)."""

from __future__ import annotations

import pytest

from connectors.geo.offline import OfflineLocationService


@pytest.fixture(scope="session")
def service() -> OfflineLocationService:
    return OfflineLocationService()
