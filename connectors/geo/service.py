"""The location service's interface and the cached factory the action server uses.

Callers depend on :class:`LocationService` only. The offline implementation
(:class:`connectors.geo.offline.OfflineLocationService`) works from the data shipped in the
repository; a deployment with the City's own geocoder or full street centerline provides
another class with the same two methods and returns it from :func:`get_location_service`
(``LOCATION_SERVICE=module:Class``).
"""

from __future__ import annotations

import importlib
import os
from functools import lru_cache
from typing import Protocol, runtime_checkable

from connectors.geo.models import LocationResult, Place


@runtime_checkable
class LocationService(Protocol):
    """Turns what a resident typed or pinned into a place and its jurisdiction."""

    def resolve(self, text: str) -> LocationResult:
        """Reads a location from free text.

        Args:
            text: What the resident wrote: "it's at 3600 W. 6th Street, LA 90020",
                "vermont and 41st", "esquina de Whittier y Soto", "near the Staples Center",
                "1550 Ocean Ave, Santa Monica". Words around the location are ignored.

        Returns:
            A :class:`~connectors.geo.models.Place` (check ``usable`` / ``in_city``), a
            :class:`~connectors.geo.models.SplitZip` when a ZIP split by the City boundary is
            all that places it, or :class:`~connectors.geo.models.NotAPlace`.
        """
        ...

    def from_point(self, lat: float, lon: float, accuracy_m: float | None = None) -> Place:
        """Describes a point the resident shared (browser geolocation, a map pin).

        Args:
            lat: WGS84 latitude.
            lon: WGS84 longitude.
            accuracy_m: The device's accuracy radius in metres, if it gave one.

        Returns:
            A place of kind ``"pin"``: its jurisdiction, and as text the nearest known address.

        Raises:
            ValueError: When the coordinates are not finite or out of range.
        """
        ...


@lru_cache(maxsize=1)
def get_location_service() -> LocationService:
    """The process's location service, created (and its data loaded) on first use.

    ``LOCATION_SERVICE=package.module:ClassName`` selects another implementation; its
    constructor takes no arguments.
    """
    target = os.environ.get("LOCATION_SERVICE", "").strip()
    if target:
        module_name, _, class_name = target.partition(":")
        service: LocationService = getattr(importlib.import_module(module_name), class_name)()
        return service
    from connectors.geo.offline import OfflineLocationService

    return OfflineLocationService()
