"""The location service on what residents type: every example quoted in issue 11 and more."""

from __future__ import annotations

import statistics
import time

import pytest

from connectors.geo import NotAPlace, Place, SplitZip
from connectors.geo.gazetteer import metres
from connectors.geo.offline import OfflineLocationService


def place(service: OfflineLocationService, text: str) -> Place:
    result = service.resolve(text)
    assert isinstance(result, Place), f"{text!r} → {result}"
    return result


# --- other cities were filed as Los Angeles -------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind", "name", "shown"),
    [
        ("1550 Ocean Ave, Santa Monica", "other_city", "Santa Monica",
         "1550 Ocean Ave, Santa Monica, CA"),
        ("3500 Las Vegas Blvd S, Las Vegas, NV 89109", "other_state", "Nevada",
         "3500 Las Vegas Blvd S, Las Vegas, Nevada 89109"),
        ("300 E Colorado Blvd, Pasadena", "other_city", "Pasadena",
         "300 E Colorado Blvd, Pasadena, CA"),
        ("9400 Culver Blvd, Culver City", "other_city", "Culver City",
         "9400 Culver Blvd, Culver City, CA"),
        ("455 N Rexford Dr, Beverly Hills", "other_city", "Beverly Hills",
         "455 N Rexford Dr, Beverly Hills, CA"),
        ("275 E Olive Ave, Burbank", "other_city", "Burbank", "275 E Olive Ave, Burbank, CA"),
        ("4801 Whittier Blvd, East LA", "unincorporated", "Unincorporated Los Angeles County",
         "4801 Whittier Blvd, East Los Angeles, CA"),
        ("500 Congress Ave, Austin, Texas", "other_state", "Texas", None),
        ("401 N Michigan Ave, Chicago IL", "other_state", "Illinois", None),
        ("está en Santa Mónica", "other_city", "Santa Monica", None),
        ("dejaron un sillón en la Whittier y Atlantic, en el Este de LA", "unincorporated",
         "Unincorporated Los Angeles County", None),  # "en el …" before the place
    ],
)
def test_other_cities_are_named_not_filed_as_los_angeles(
    service: OfflineLocationService, text: str, kind: str, name: str, shown: str | None
) -> None:
    result = place(service, text)
    assert result.jurisdiction.kind == kind
    assert result.jurisdiction.name == name
    assert not result.in_city and not result.usable
    assert result.lat is None  # the City's gazetteer says nothing about another city's streets
    if shown:
        assert result.text == shown


# --- intersections in either order ------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b", "lat", "lon"),
    [
        ("5th St", "Main St", 34.0461, -118.2482),
        ("6th St", "San Pedro St", 34.0423, -118.2453),
        ("4th St", "Soto St", 34.0406, -118.2118),
        ("Los Feliz Blvd", "Hillhurst Ave", 34.1120, -118.2875),
        ("Vermont Ave", "W 41st St", 34.0093, -118.2915),
        ("5th St", "San Julian St", 34.0443, -118.2445),
        ("Olympic Blvd", "San Pedro St", 34.0368, -118.2505),
    ],
)
@pytest.mark.parametrize("joiner", ["and", "&", "y", "at", "/"])
def test_intersections_in_either_order_are_in_the_city(
    service: OfflineLocationService, a: str, b: str, lat: float, lon: float, joiner: str
) -> None:
    for text in (f"{a} {joiner} {b}", f"{b} {joiner} {a}"):
        result = place(service, text)
        assert result.kind == "intersection"
        assert result.jurisdiction.kind == "city_of_la", text
        assert a in result.short and b in result.short
        assert result.lat is not None and result.lon is not None
        assert metres(result.lat, result.lon, lat, lon) < 150, text


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("vermont and 41st", "Vermont Ave & 41st St"),
        ("esquina de Whittier y Soto", "Whittier Blvd & Soto St"),
        ("en la esquina de 6th y San Pedro", "6th St & San Pedro St"),
        ("corner of Sunset and Vine", "Sunset Blvd & Vine St"),
        ("Hollywood & Highland", "Hollywood Blvd & Highland Ave"),
        ("olympic and san pedro", "Olympic Blvd & San Pedro St"),
        ("mattress dumped on the sidewalk at 5th n main", "5th St & Main St"),  # SMS "n"
        ("la Figueroa y la 42", "Figueroa St & 42nd St"),  # Spanish "la 42"
        ("hay como 10 casas de campaña en la banqueta de la 6 y San Pedro",
         "6th St & San Pedro St"),  # not "10 Cass Ave"
        ("pothole on Sepulveda Blvd right by Plummer St, northbound",
         "Sepulveda Blvd & Plummer St"),
        ("lights out on gaffey st starting at w 9th st going south", "Gaffey St & W 9th St"),
    ],
)
def test_intersections_without_suffixes_or_with_spanish_lead_ins(
    service: OfflineLocationService, text: str, short: str
) -> None:
    result = place(service, text)
    assert result.short == short
    assert result.usable and "intersection" in result.confirmed


# --- City addresses that were refused ---------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "short", "zip_code"),
    [
        ("it's at 3600 W. 6th Street, LA 90020", "3600 W 6th St", "90020"),
        ("1200 W 7th St, Los Angeles 90017", "1200 W 7th St", "90017"),
        ("14500 Ventura Blvd, Sherman Oaks 91423", "14500 W Ventura Blvd", "91423"),
        ("1000 S Gaffey St, San Pedro 90731", "1000 S Gaffey St", "90731"),
        ("400 N Avalon Blvd, Wilmington, CA 90744", "400 N Avalon Blvd", "90744"),
        ("1300 W 253rd St, Harbor City 90710", "1300 W 253rd St", "90710"),
        ("6200 Van Nuys Blvd, Van Nuys", "6200 N Van Nuys Blvd", None),
        ("2000 E 1st St, Boyle Heights", "2000 E 1st St", None),
        ("1600 Pacific Ave, Venice", "1600 S Pacific Ave", None),  # the City writes "S"
    ],
)
def test_city_addresses_with_city_zip_or_community_are_accepted(
    service: OfflineLocationService, text: str, short: str, zip_code: str | None
) -> None:
    result = place(service, text)
    assert result.usable and result.jurisdiction.kind == "city_of_la"
    assert result.short == short
    assert result.zip_code == zip_code or zip_code is None
    assert result.text.endswith("Los Angeles, CA" + (f" {zip_code}" if zip_code else "")) or \
        zip_code is None


def test_a_zip_partly_in_the_city_leads_to_a_question(service: OfflineLocationService) -> None:
    result = service.resolve("1234 E Firestone Blvd, Los Angeles, CA 90001")
    assert isinstance(result, SplitZip)
    assert result.zip_code == "90001"
    assert 0.2 < result.share_in_city < 0.3
    assert result.others[0] == "Unincorporated Los Angeles County"


def test_a_community_settles_a_split_zip(service: OfflineLocationService) -> None:
    result = place(service, "1234 E 103rd St, Watts 90002")
    assert result.jurisdiction.kind == "city_of_la"


# --- untidy records ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("3450 wilshre blvd", "3450 W Wilshire Blvd"),
        ("1843 w florense av", "1843 W Florence Ave"),
        ("1100 W 23Rd St", "1100 W 23rd St"),
        ("200 n spring street", "200 N Spring St"),
        ("1234 MCCADDEN PL", "1234 N McCadden Pl"),
        ("la dirección es 1200 w 7th st", "1200 W 7th St"),
        ("5000 West Sunset Boulevard, apt 3", "5000 W Sunset Blvd"),
        ("1234 1/2 S Hoover St", "1234 S Hoover St"),
    ],
)
def test_records_are_normalised(service: OfflineLocationService, text: str, short: str) -> None:
    result = place(service, text)
    assert result.short == short
    assert "street" in result.confirmed and result.usable


@pytest.mark.parametrize(
    ("text", "address", "district"),
    [
        ("the Walmart on Crenshaw", "3721 Crenshaw Blvd", 8),
        ("Union Station", "800 N Alameda St", 14),
        ("near the Staples Center", "1111 S Figueroa St", None),
        ("cerca de la estación Union", "800 N Alameda St", 14),
    ],
)
def test_landmarks_are_resolved(
    service: OfflineLocationService, text: str, address: str, district: int | None
) -> None:
    result = place(service, text)
    assert result.kind == "landmark" and result.usable
    assert result.text.startswith(address)
    assert result.jurisdiction.council_district is not None
    if district:
        assert result.jurisdiction.council_district == district


@pytest.mark.parametrize(
    ("text", "name"),
    [("the Santa Monica pier", "Santa Monica"), ("Rose Bowl", "Pasadena"),
     ("Disneyland", "Anaheim")],
)
def test_outside_landmarks_are_named(service: OfflineLocationService, text: str, name: str) -> None:
    result = place(service, text)
    assert not result.in_city and result.jurisdiction.name == name


# --- confirmation details -----------------------------------------------------------------------
def test_city_hall_has_its_district_council_and_community(
    service: OfflineLocationService,
) -> None:
    result = place(service, "200 N Spring St")
    assert result.text == "200 N Spring St, Los Angeles, CA 90012"
    j = result.jurisdiction
    assert (j.council_district, j.community) == (14, "Downtown")
    assert j.neighborhood_council == "Downtown Los Angeles"
    assert j.neighborhood_council_url and j.neighborhood_council_url.startswith("http")


def test_an_unknown_street_is_not_refused_but_unconfirmed(
    service: OfflineLocationService,
) -> None:
    result = place(service, "1234 Zzyzx Pl")
    assert result.usable and result.jurisdiction.kind == "assumed_city"
    assert "street" in result.unconfirmed and result.lat is None


@pytest.mark.parametrize(
    "text",
    ["a couch and two chairs", "idk", "😀", "my house", "next to the big tree", "", "yes",
     "3 couches", "1-1000023", "call me at 213-555-0100", "mi casa", "al lado del árbol grande"],
)
def test_non_places(service: OfflineLocationService, text: str) -> None:
    result = service.resolve(text)
    assert isinstance(result, NotAPlace) or not (isinstance(result, Place) and result.usable)


@pytest.mark.parametrize("text", ["Van Nuys", "Wilshire Blvd", "90012"])
def test_vague_places_are_not_usable(service: OfflineLocationService, text: str) -> None:
    result = place(service, text)
    assert result.in_city and not result.precise


# --- pins ---------------------------------------------------------------------------------------
def test_a_pin_in_the_city_gets_the_nearest_address(service: OfflineLocationService) -> None:
    result = service.from_point(34.05370, -118.24280, accuracy_m=20)
    assert result.kind == "pin" and result.usable
    assert result.jurisdiction.council_district == 14
    assert "Spring St" in result.short or "Main St" in result.short
    assert (result.lat, result.lon) == (34.05370, -118.24280)


def test_a_pin_outside_is_named(service: OfflineLocationService) -> None:
    result = service.from_point(34.0092, -118.4976)
    assert result.jurisdiction.name == "Santa Monica" and not result.usable


def test_a_vague_pin_near_the_boundary_is_unconfirmed(service: OfflineLocationService) -> None:
    result = service.from_point(34.0736, -118.4000, accuracy_m=5000)
    assert "jurisdiction" in result.unconfirmed


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 0.0), (0.0, 181.0), (float("nan"), 0.0)])
def test_bad_pins_are_refused(service: OfflineLocationService, lat: float, lon: float) -> None:
    with pytest.raises(ValueError):
        service.from_point(lat, lon)


def test_resolve_is_fast_after_loading(service: OfflineLocationService) -> None:
    texts = ["3450 wilshre blvd", "vermont and 41st", "1550 Ocean Ave, Santa Monica",
             "it's at 3600 W. 6th Street, LA 90020", "a couch and two chairs"] * 20
    times = []
    for text in texts:
        start = time.perf_counter()
        service.resolve(text)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.005


def test_a_community_picks_the_right_stretch_of_a_street(service: OfflineLocationService) -> None:
    venice = place(service, "1600 Pacific Ave, Venice")
    san_pedro = place(service, "1600 S Pacific Ave, San Pedro")
    assert venice.lat is not None and san_pedro.lat is not None
    assert venice.lat > 33.95 > san_pedro.lat
