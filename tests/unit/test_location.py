"""The older ``parse_location`` interface, now answered by the location service."""

import pytest

from connectors.location import LocationError, parse_location


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("200 N Spring St", "200 N Spring St, Los Angeles, CA 90012"),
        ("it's at 3600 W. 6th Street, Los Angeles, CA 90020",
         "3600 W 6th St, Los Angeles, CA 90020"),
        ("corner of Sunset and Vine", "Sunset Blvd & Vine St, Los Angeles, CA"),
        ("esquina de Whittier y Soto", "Whittier Blvd & Soto St, Los Angeles, CA"),
    ],
)
def test_addresses_and_intersections_in_the_city(text: str, expected: str) -> None:
    assert parse_location(text).address_string == expected


@pytest.mark.parametrize(
    ("text", "place"),
    [("123 Main St, Santa Monica, CA 90401", "Santa Monica"),
     ("500 Congress Ave, Austin, TX", "Texas"),
     ("200 N Spring St, Beverly Hills 90210", "Beverly Hills")],
)
def test_places_outside_the_city_are_refused_with_their_name(text: str, place: str) -> None:
    with pytest.raises(LocationError) as error:
        parse_location(text)
    assert error.value.reason == "outside_city"
    assert str(error.value) == place


@pytest.mark.parametrize("text", ["hello there", "🏠🏠📍", "yes", "a couch and two chairs", ""])
def test_non_addresses_are_not_understood(text: str) -> None:
    with pytest.raises(LocationError) as error:
        parse_location(text)
    assert error.value.reason == "not_understood"
