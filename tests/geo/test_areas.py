"""The official boundary and the names of places inside and outside the City."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from connectors.geo.areas import DATA_DIR, Areas
from connectors.geo.offline import OfflineLocationService


@pytest.fixture(scope="module")
def areas(service: OfflineLocationService) -> Areas:
    return service.areas


# The checks shared/geo/README.md lists, with points of each place.
@pytest.mark.parametrize(
    ("lat", "lon", "name"),
    [
        (34.0537, -118.2428, "City of Los Angeles"),  # 200 N Spring St
        (33.7361, -118.2922, "City of Los Angeles"),  # San Pedro
        (34.3070, -118.4490, "City of Los Angeles"),  # Sylmar
        (33.9850, -118.4695, "City of Los Angeles"),  # Venice
        (33.9416, -118.4085, "City of Los Angeles"),  # LAX
        (33.7808, -118.2620, "City of Los Angeles"),  # Wilmington
        (33.8600, -118.2950, "City of Los Angeles"),  # Harbor Gateway strip
        (34.1016, -118.3267, "City of Los Angeles"),  # Hollywood & Vine
        (34.0092, -118.4976, "Santa Monica"),  # the pier
        (34.1478, -118.1436, "Pasadena"),  # City Hall
        (34.2819, -118.4390, "San Fernando"),
        (34.0736, -118.3999, "Beverly Hills"),
        (34.0900, -118.3617, "West Hollywood"),
        (34.0211, -118.3965, "Culver City"),
        (33.3428, -118.3281, "Avalon"),
    ],
)
def test_points_fall_in_the_right_jurisdiction(
    areas: Areas, lat: float, lon: float, name: str
) -> None:
    assert areas.jurisdiction_at(lat, lon).name == name


@pytest.mark.parametrize(
    ("lat", "lon", "community"),
    [(33.9770, -118.4480, "Marina del Rey"), (34.1381, -118.3534, "Universal City"),
     (34.0239, -118.1720, "East Los Angeles")],
)
def test_unincorporated_places_are_named(
    areas: Areas, lat: float, lon: float, community: str
) -> None:
    found = areas.jurisdiction_at(lat, lon)
    assert found.kind == "unincorporated" and found.community == community


def test_the_zip_crosswalk_knows_the_harbor(areas: Areas) -> None:
    for zip_code in ("90731", "90744", "90710"):
        info = areas.zip_info(zip_code)
        assert info is not None and info.share_in_city and info.share_in_city > 0.7


@pytest.mark.parametrize(
    ("typed", "cls"),
    [("van nuys", "city"), ("boyle heights", "city"), ("san pedro", "city"),
     ("sherman oaks", "city"), ("venice", "city"), ("la", "la_alias"),
     ("santa monica", "other_city"), ("east la", "unincorporated"), ("altadena", "unincorporated"),
     ("anaheim", "outside_county"), ("las vegas", "other_state")],
)
def test_place_names(areas: Areas, typed: str, cls: str) -> None:
    assert areas.places[typed].cls == cls


def test_every_landmark_lies_where_the_data_says(service: OfflineLocationService) -> None:
    items = yaml.safe_load(Path(DATA_DIR / "landmarks.yml").read_text("utf-8"))
    assert len(items) >= 30
    for item in items:
        found = service.areas.jurisdiction_at(item["lat"], item["lon"])
        assert item["expect"] in (found.name, found.community or ""), item["name"]
        assert item["aliases"], item["name"]
