"""Street names, house numbers and intersections from the shipped gazetteer."""

from __future__ import annotations

import pytest

from connectors.geo.gazetteer import Gazetteer, display_name, metres
from connectors.geo.offline import OfflineLocationService


@pytest.fixture(scope="module")
def gazetteer(service: OfflineLocationService) -> Gazetteer:
    return service.gazetteer


@pytest.mark.parametrize(
    ("typed", "suffix", "name", "street_suffix"),
    [
        ("WILSHRE", "BLVD", "WILSHIRE", "BLVD"),
        ("FLORENSE", "AVE", "FLORENCE", "AVE"),
        ("VERMONT", "", "VERMONT", "AVE"),
        ("MLK", "", "MARTIN LUTHER KING JR", "BLVD"),
        ("LABREA", "", "LA BREA", "AVE"),
        ("SANPEDRO", "ST", "SAN PEDRO", "ST"),
    ],
)
def test_names_are_matched_with_typos(
    gazetteer: Gazetteer, typed: str, suffix: str, name: str, street_suffix: str
) -> None:
    best = gazetteer.match(typed, suffix)[0].street
    assert (best.name, best.suffix) == (name, street_suffix)


@pytest.mark.parametrize("typed", ["COUCH", "HELLO", "5TTH", "XQZ"])
def test_words_that_are_not_streets_match_nothing(gazetteer: Gazetteer, typed: str) -> None:
    assert gazetteer.match(typed, "ST") == [] or gazetteer.match(typed, "ST")[0].score < 0.55


def test_a_house_number_is_interpolated_between_known_numbers(gazetteer: Gazetteer) -> None:
    street = gazetteer.street("SPRING", "ST")
    assert street is not None
    fix = gazetteer.locate_address(200, street, "N")
    assert fix is not None and fix.direction == "N"
    assert metres(fix.lat, fix.lon, 34.0537, -118.2428) < 150  # City Hall


def test_the_direction_is_inferred_from_the_numbers(gazetteer: Gazetteer) -> None:
    street = gazetteer.street("MAGNOLIA", "BLVD")
    assert street is not None
    fix = gazetteer.locate_address(12030, street)
    assert fix is not None and fix.direction == "W"


def test_an_observed_intersection_is_used(gazetteer: Gazetteer) -> None:
    a, b = gazetteer.street("VERMONT", "AVE"), gazetteer.street("6TH", "ST")
    assert a is not None and b is not None
    fix = gazetteer.locate_intersection(a, b)
    assert fix is not None and fix.observed


def test_parallel_streets_do_not_meet(gazetteer: Gazetteer) -> None:
    a, b = gazetteer.street("5TH", "ST"), gazetteer.street("6TH", "ST")
    assert a is not None and b is not None
    fix = gazetteer.locate_intersection(a, b)
    assert fix is None or fix.confidence < 0.8


def test_the_nearest_address_of_a_pin(gazetteer: Gazetteer) -> None:
    found = gazetteer.nearest_address(34.0537, -118.2428, within=150)
    assert found is not None and found[4] < 150


@pytest.mark.parametrize(
    ("name", "shown"),
    [("23RD", "23rd"), ("MCCADDEN", "McCadden"), ("AVENUE OF THE STARS", "Avenue of the Stars"),
     ("DE SOTO", "De Soto"), ("MARTIN LUTHER KING JR", "Martin Luther King Jr")],
)
def test_display_names(name: str, shown: str) -> None:
    assert display_name(name) == shown
