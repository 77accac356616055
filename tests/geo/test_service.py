"""The location service's interface and its cached factory."""

from __future__ import annotations

import pytest

from connectors.geo import LocationService, NotAPlace, Place, get_location_service
from connectors.geo.offline import OfflineLocationService


class FixedService:
    """Another implementation: a deployment's own geocoder would look like this."""

    def resolve(self, text: str) -> NotAPlace:
        return NotAPlace("not_understood")

    def from_point(self, lat: float, lon: float, accuracy_m: float | None = None) -> Place:
        raise ValueError("no pins here")


def test_the_offline_service_implements_the_interface(service: OfflineLocationService) -> None:
    assert isinstance(service, LocationService)


def test_the_factory_loads_once_and_can_be_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    get_location_service.cache_clear()
    monkeypatch.setenv("LOCATION_SERVICE", f"{__name__}:FixedService")
    try:
        replaced = get_location_service()
        assert isinstance(replaced, FixedService)
        assert get_location_service() is replaced
        assert isinstance(replaced.resolve("200 N Spring St"), NotAPlace)
    finally:
        get_location_service.cache_clear()

