"""Which jurisdiction a point or a typed place name is in: boundaries, ZIP codes, place names.

Polygons are the official City boundary (unsimplified: it decides in/out), the 15 council
districts, the 99 neighborhood councils, the 88 cities + unincorporated County and the County's
statistical areas (for community names). They are loaded once by :class:`Areas` from
``connectors/geo/data`` (see :mod:`connectors.geo.build`).
"""

from __future__ import annotations

import csv
import gzip
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import shapely
from shapely import STRtree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from connectors.geo.models import CITY_OF_LA, UNINCORPORATED, Jurisdiction
from connectors.geo.names import (
    CA_CITIES_OUTSIDE_COUNTY,
    CITY_ALIASES,
    OTHER_PLACE_ALIASES,
    US_CITIES,
    fold,
    zip_state,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
METRES_PER_DEGREE = 111_320.0
# Local equirectangular metres around Los Angeles (34° N): good to a few metres across the City.
_X_SCALE = METRES_PER_DEGREE * math.cos(math.radians(34.05))
PlaceClass = Literal["city", "la_alias", "other_city", "unincorporated", "outside_county",
                     "other_state", "ambiguous"]


@dataclass(frozen=True)
class TypedPlace:
    """A city, community or state name the resident typed, and what it means.

    Attributes:
        name: The canonical name ("Santa Monica", "Sherman Oaks", "Nevada").
        cls: ``city`` (a community of the City of LA), ``la_alias`` ("LA", "Los Angeles":
            USPS uses it for unincorporated areas too), ``other_city``, ``unincorporated``,
            ``outside_county`` (California), ``other_state`` or ``ambiguous`` (a name used both
            inside and outside the City).
        state: For ``other_state`` and US cities, the state's name.
    """

    name: str
    cls: PlaceClass
    state: str | None = None


@dataclass(frozen=True)
class ZipInfo:
    """One row of the ZIP → City crosswalk."""

    zip_code: str
    share_in_city: float | None  # None: PO box / unique ZIP without an area
    others: tuple[str, ...]
    usps_city: str
    usps_other: tuple[str, ...]


def _read_json_gz(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def _layer(path: Path) -> tuple[list[BaseGeometry], list[dict[str, Any]], STRtree]:
    features = _read_json_gz(path)["features"]
    geometries = [shape(f["geometry"]) for f in features]
    for geometry in geometries:
        shapely.prepare(geometry)
    return geometries, [f["properties"] for f in features], STRtree(geometries)


def _others(text: str) -> tuple[str, ...]:
    """``"Unincorporated Los Angeles County 68%; Huntington Park 4%"`` → names, largest first."""
    names = []
    for part in text.split(";"):
        name = part.strip().rsplit(" ", 1)[0].strip()
        if name:
            names.append(name)
    return tuple(names)


class Areas:
    """Boundaries, ZIP codes and place names, loaded once.

    Args:
        data_dir: Where the built data lives.
    """

    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        city = _read_json_gz(data_dir / "city.geojson.gz")["features"][0]
        self.city: BaseGeometry = shape(city["geometry"])
        shapely.prepare(self.city)
        self._city_edge = shapely.transform(
            self.city.boundary, lambda xy: xy * [_X_SCALE, METRES_PER_DEGREE]
        )
        self._districts = _layer(data_dir / "council_districts.geojson.gz")
        self._ncs = _layer(data_dir / "neighborhood_councils.geojson.gz")
        self._jurisdictions = _layer(data_dir / "jurisdictions.geojson.gz")
        self._communities = _layer(data_dir / "communities.geojson.gz")
        self._census = _layer(data_dir / "census_places.geojson.gz")
        self.zips: dict[str, ZipInfo] = {}
        with gzip.open(data_dir / "zip_crosswalk.csv.gz", "rt", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                share = row["share_in_city"]
                self.zips[row["zip"]] = ZipInfo(
                    zip_code=row["zip"],
                    share_in_city=float(share) if share else None,
                    others=_others(row["other_jurisdictions"]),
                    usps_city=row["usps_city"],
                    usps_other=tuple(n for n in row["usps_other"].split("|") if n),
                )
        self.places = self._place_names()

    # --- points -------------------------------------------------------------------------------
    def in_city(self, lat: float, lon: float) -> bool:
        """Whether the point is inside the official City boundary."""
        return bool(shapely.contains_xy(self.city, lon, lat))

    def metres_to_city_edge(self, lat: float, lon: float) -> float:
        """Distance from the point to the City boundary line, in metres (approximate)."""
        point = shapely.Point(lon * _X_SCALE, lat * METRES_PER_DEGREE)
        return float(self._city_edge.distance(point))

    def _first(
        self, layer: tuple[list[BaseGeometry], list[dict[str, Any]], STRtree],
        lat: float, lon: float,
    ) -> dict[str, Any] | None:
        geometries, properties, tree = layer
        point = shapely.Point(lon, lat)
        for index in tree.query(point, predicate="intersects"):
            return properties[int(index)]
        return None

    def jurisdiction_at(self, lat: float, lon: float) -> Jurisdiction:
        """Who is responsible for a point, with district, council and community in the City."""
        community = self._first(self._communities, lat, lon)
        community_name = community.get("community") if community else None
        if self.in_city(lat, lon):
            district = self._first(self._districts, lat, lon)
            nc = self._first(self._ncs, lat, lon)
            return Jurisdiction(
                kind="city_of_la",
                name=CITY_OF_LA,
                council_district=int(district["district"]) if district else None,
                neighborhood_council=str(nc["name"]) if nc else None,
                neighborhood_council_url=str(nc["website"]) if nc and nc.get("website") else None,
                community=community_name
                if community and community.get("city") == "Los Angeles" else None,
            )
        other = self._first(self._jurisdictions, lat, lon)
        if other is None or other.get("name") == "Los Angeles":
            return Jurisdiction(kind="outside_county", name="outside Los Angeles County")
        if other.get("type") == "city":
            return Jurisdiction(kind="other_city", name=str(other["name"]))
        if not (community and community.get("type") == "Unincorporated"):
            census = self._first(self._census, lat, lon)
            community_name = str(census["name"]) if census and census.get("kind") != \
                "incorporated city" else None
        return Jurisdiction(kind="unincorporated", name=UNINCORPORATED, community=community_name)

    def community_of(self, lat: float, lon: float) -> str | None:
        """The statistical-area community of a point, if any."""
        found = self._first(self._communities, lat, lon)
        return str(found["community"]) if found and found.get("community") else None

    # --- names --------------------------------------------------------------------------------
    def _place_names(self) -> dict[str, TypedPlace]:
        """Folded name → what it means; more specific sources override broader ones."""
        places: dict[str, TypedPlace] = {}
        for name, state in US_CITIES.items():
            places[fold(name)] = TypedPlace(name.title(), "other_state", state)
        for name in CA_CITIES_OUTSIDE_COUNTY:
            places[fold(name)] = TypedPlace(name, "outside_county")
        la_communities: set[str] = set()
        unincorporated: set[str] = set()
        for props in self._communities[1]:
            if props.get("city") == "Los Angeles" and props.get("community"):
                la_communities.add(str(props["community"]))
            elif props.get("type") == "Unincorporated" and props.get("community"):
                unincorporated.add(str(props["community"]))
        for name in unincorporated:
            places[fold(name)] = TypedPlace(name, "unincorporated")
        # USPS place names of ZIPs: a name used only for ZIPs mostly in the City is a community.
        usps: dict[str, list[float]] = {}
        for info in self.zips.values():
            for name in (info.usps_city, *info.usps_other):
                if info.share_in_city is not None:
                    usps.setdefault(name, []).append(info.share_in_city)
        for name, shares in usps.items():
            if name != "Los Angeles" and min(shares) >= 0.5 and fold(name) not in places:
                places[fold(name)] = TypedPlace(name, "city")
        for name in la_communities:
            cls: PlaceClass = "ambiguous" if name in unincorporated else "city"
            places[fold(name)] = TypedPlace(name, cls)
        for props in self._jurisdictions[1]:
            if props.get("type") == "city" and props.get("name") != "Los Angeles":
                places[fold(str(props["name"]))] = TypedPlace(str(props["name"]), "other_city")
        for alias, (name, kind) in OTHER_PLACE_ALIASES.items():
            places[fold(alias)] = TypedPlace(name, kind)
        for alias, name in CITY_ALIASES.items():
            places[fold(alias)] = TypedPlace(name, "city")
        for alias in ("la", "l a", "los angeles", "los angelos", "los angles",
                      "city of los angeles", "city of la", "ciudad de los angeles",
                      "los angeles city"):
            places[alias] = TypedPlace("Los Angeles", "la_alias")
        return places

    def community_zips(self, name: str) -> frozenset[str]:
        """ZIP codes whose USPS place name is ``name`` ("Sherman Oaks" → 91403, 91423 …)."""
        return frozenset(
            info.zip_code for info in self.zips.values()
            if name in (info.usps_city, *info.usps_other) and info.share_in_city
        )

    def zip_info(self, zip_code: str) -> ZipInfo | None:
        """The crosswalk row of a ZIP code in or around Los Angeles County."""
        return self.zips.get(zip_code[:5])

    @staticmethod
    def zip_state(zip_code: str) -> str | None:
        """The state of a ZIP code by its first three digits ("89109" → "Nevada")."""
        return zip_state(zip_code)
