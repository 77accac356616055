"""Compatibility layer over the location service (:mod:`connectors.geo`).

New code calls ``connectors.geo.get_location_service().resolve(text)``, which also says where
a place outside the City is, asks about split ZIP codes, and knows landmarks and pins. This
module keeps the older exception-based interface for callers that only need an address line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.geo import Place, SplitZip, get_location_service


class LocationError(ValueError):
    """A location the assistant cannot use.

    Attributes:
        reason: ``"not_understood"``, ``"outside_city"`` or ``"split_zip"``.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason


@dataclass(frozen=True)
class Location:
    """A location in the City of Los Angeles, ready for an Open311 ``address_string``.

    Attributes:
        address_string: The normalised location, e.g. "200 N Spring St, Los Angeles, CA 90012".
        kind: ``"address"``, ``"intersection"``, ``"landmark"`` or ``"pin"``.
        parts: Kept for callers of the older interface; always empty.
        place: The location service's full answer.
    """

    address_string: str
    kind: str
    parts: dict[str, str] = field(default_factory=dict)
    place: Place | None = None

    @property
    def zipcode(self) -> str | None:
        """The ZIP code typed or observed at that address, if any."""
        return self.place.zip_code if self.place else None


def parse_location(text: str) -> Location:
    """Reads a resident's location in the City of Los Angeles.

    Raises:
        LocationError: ``outside_city`` (the detail names the place), ``split_zip`` or
            ``not_understood``.
    """
    result = get_location_service().resolve(text)
    if isinstance(result, SplitZip):
        raise LocationError("split_zip", result.zip_code)
    if isinstance(result, Place) and not result.in_city:
        raise LocationError("outside_city", result.jurisdiction.community
                            or result.jurisdiction.name)
    if isinstance(result, Place) and result.precise:
        return Location(result.text, result.kind, place=result)
    raise LocationError("not_understood")
