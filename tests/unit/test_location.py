import pytest

from connectors.location import LocationError, parse_location


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("200 N Spring St", "200 N Spring St, Los Angeles, CA"),
        ("it's at 3600 W. 6th Street, Los Angeles, CA 90020",
         "3600 W. 6th Street, Los Angeles, CA 90020"),
        ("no, its 3600 W 6th St", "3600 W 6th St, Los Angeles, CA"),
        ("la dirección es 1200 W 7th St", "1200 W 7th St, Los Angeles, CA"),
        ("corner of Vermont Ave and Santa Monica Blvd",
         "Vermont Ave & Santa Monica Blvd, Los Angeles, CA"),
        ("Sunset and Vine", "Sunset & Vine, Los Angeles, CA"),
        ("esquina de Whittier y Soto", "Whittier & Soto, Los Angeles, CA"),
        ("5th St & Main St", "5th St & Main St, Los Angeles, CA"),
    ],
)
def test_addresses_and_intersections_in_the_city(text: str, expected: str) -> None:
    assert parse_location(text).address_string == expected


@pytest.mark.parametrize(
    "text",
    [
        "123 Main St, Santa Monica, CA 90401",
        "500 Congress Ave, Austin, TX",
        "200 N Spring St, Beverly Hills 90210",
        "9500 Gilman Dr, San Diego, CA",
    ],
)
def test_places_outside_the_city_are_refused(text: str) -> None:
    with pytest.raises(LocationError) as error:
        parse_location(text)
    assert error.value.reason == "outside_city"


@pytest.mark.parametrize("text", ["hello there", "🏠🏠📍", "yes", "a couch and two chairs", ""])
def test_non_addresses_are_not_understood(text: str) -> None:
    with pytest.raises(LocationError) as error:
        parse_location(text)
    assert error.value.reason == "not_understood"
