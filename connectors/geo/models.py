"""What the location service answers: a place, a question about a split ZIP, or "not a place".

Pure data (frozen dataclasses, no I/O), shared by every implementation of
:class:`connectors.geo.service.LocationService` and by its callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

JurisdictionKind = Literal[
    "city_of_la",  # inside the City of Los Angeles (confirmed by a point or the resident's words)
    "assumed_city",  # nothing says otherwise, but nothing confirmed it either
    "other_city",  # one of the 87 other cities of Los Angeles County
    "unincorporated",  # unincorporated Los Angeles County
    "outside_county",  # elsewhere in California
    "other_state",  # another state
]
PlaceKind = Literal["address", "intersection", "landmark", "pin", "street", "area"]

IN_CITY_KINDS: frozenset[str] = frozenset({"city_of_la", "assumed_city"})


@dataclass(frozen=True)
class Jurisdiction:
    """Who is responsible for a place.

    Attributes:
        kind: See :data:`JurisdictionKind`.
        name: "City of Los Angeles", "Santa Monica", "Unincorporated Los Angeles County",
            "Nevada" … (for ``outside_county`` the California city when it is known).
        council_district: 1–15 inside the City when a point is known.
        neighborhood_council: The certified Neighborhood Council's name.
        neighborhood_council_url: Its website, from the City's data.
        community: "Downtown", "Sherman Oaks", "East Los Angeles" … when known.
    """

    kind: JurisdictionKind
    name: str
    council_district: int | None = None
    neighborhood_council: str | None = None
    neighborhood_council_url: str | None = None
    community: str | None = None

    @property
    def in_city(self) -> bool:
        """Whether LA 311 can take a request here (confirmed or assumed City)."""
        return self.kind in IN_CITY_KINDS


CITY_OF_LA = "City of Los Angeles"
UNINCORPORATED = "Unincorporated Los Angeles County"


@dataclass(frozen=True)
class Place:
    """A place the resident described or pinned.

    Attributes:
        text: The normalised location for a 311 backend, e.g.
            ``"200 N Spring St, Los Angeles, CA 90012"`` or
            ``"Vermont Ave & W 41st St, Los Angeles, CA"``.
        short: The same without city/state/ZIP: ``"200 N Spring St"``.
        kind: address, intersection, landmark, pin, street (no number or cross street) or
            area (a city or community only).
        jurisdiction: Where it is.
        lat: WGS84 latitude when a point is known.
        lon: WGS84 longitude when a point is known.
        confidence: 0–1, how sure the point and the jurisdiction are.
        confirmed: What the data confirmed (codes, e.g. ``"street"``, ``"house_number"``,
            ``"point_in_city"``, ``"typed_city"``).
        unconfirmed: What it could not (``"street"``, ``"house_number"``, ``"point"`` …).
        typed_place: The city, community, ZIP or state the resident typed, as typed (folded).
        zip_code: The ZIP typed or, when certain, observed at that address.
    """

    text: str
    short: str
    kind: PlaceKind
    jurisdiction: Jurisdiction
    lat: float | None = None
    lon: float | None = None
    confidence: float = 0.0
    confirmed: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()
    typed_place: str | None = None
    zip_code: str | None = None

    @property
    def in_city(self) -> bool:
        """Whether the place is (or is taken to be) in the City of Los Angeles."""
        return self.jurisdiction.in_city

    @property
    def precise(self) -> bool:
        """Whether a crew could find it: an address, intersection, landmark or pin."""
        return self.kind in ("address", "intersection", "landmark", "pin")

    @property
    def usable(self) -> bool:
        """Whether LA 311 can file a request here as it is."""
        return self.in_city and self.precise

    @property
    def has_point(self) -> bool:
        """Whether latitude and longitude are known."""
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class SplitZip:
    """The ZIP typed is only partly in the City, and nothing else settles which side.

    The caller asks a precise question ("Which city or community is it in?") rather than guess.

    Attributes:
        zip_code: The ZIP code, e.g. ``"90001"``.
        share_in_city: Share of the ZIP's area inside the City (0–1), e.g. 0.28.
        others: Who holds the rest, largest first: ``("Unincorporated Los Angeles County",
            "Huntington Park")``.
        short: The street part the resident typed, normalised (may be empty).
    """

    zip_code: str
    share_in_city: float
    others: tuple[str, ...]
    short: str = ""


@dataclass(frozen=True)
class NotAPlace:
    """Nothing in the text reads as a place ("a couch and two chairs", "idk", "😀").

    Attributes:
        reason: ``"empty"``, ``"no_street"`` or ``"not_understood"``.
    """

    reason: str = "not_understood"


LocationResult = Place | SplitZip | NotAPlace
"""What :meth:`LocationService.resolve` returns."""

__all__ = [
    "CITY_OF_LA",
    "IN_CITY_KINDS",
    "UNINCORPORATED",
    "Jurisdiction",
    "JurisdictionKind",
    "LocationResult",
    "NotAPlace",
    "Place",
    "PlaceKind",
    "SplitZip",
]
