"""The location service: what a resident typed or pinned → a place and its jurisdiction.

    from connectors.geo import get_location_service, Place, SplitZip, NotAPlace

    result = get_location_service().resolve("it's at 3600 W. 6th Street, LA 90020")
    if isinstance(result, Place) and result.usable:
        ...  # result.text, result.lat, result.lon, result.jurisdiction.council_district

Nothing is loaded at import; the data is read once, on the first call of
:func:`get_location_service`. See :mod:`connectors.geo.service` for the interface and
:mod:`connectors.geo.build` for where the data comes from.
"""

from connectors.geo.models import (
    CITY_OF_LA,
    UNINCORPORATED,
    Jurisdiction,
    LocationResult,
    NotAPlace,
    Place,
    SplitZip,
)
from connectors.geo.service import LocationService, get_location_service

__all__ = [
    "CITY_OF_LA",
    "UNINCORPORATED",
    "Jurisdiction",
    "LocationResult",
    "LocationService",
    "NotAPlace",
    "Place",
    "SplitZip",
    "get_location_service",
]
