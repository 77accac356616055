"""Read a resident's location as a street address or an intersection in the City of Los Angeles.

Residents type "200 n spring st", "it's at 3600 W. 6th Street, LA 90020", "Sunset and Vine" or
"esquina de Whittier y Soto". :func:`parse_location` strips the words around the address,
parses it into parts with usaddress (a CRF address parser), and refuses what is clearly outside
the City: another state, a ZIP code of another city, or one of the separate cities inside Los
Angeles County (Santa Monica, Beverly Hills, Culver City …).

Without a geocoder the check is a list, not a boundary: an unknown place name in California is
accepted and left to the City's own address validation. A deployment with a geocoder replaces
:func:`check_in_city`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import usaddress

# Separate cities in and around Los Angeles County, and California cities residents name.
OTHER_CITIES = frozenset(
    """
    santa monica|beverly hills|west hollywood|culver city|pasadena|burbank|glendale|long beach|
    inglewood|compton|torrance|carson|gardena|hawthorne|el segundo|manhattan beach|
    hermosa beach|redondo beach|malibu|alhambra|downey|whittier|pomona|lancaster|palmdale|
    santa clarita|san fernando|calabasas|hidden hills|vernon|huntington park|south gate|
    lynwood|bell|bell gardens|maywood|commerce|montebello|monterey park|san gabriel|arcadia|
    monrovia|el monte|south el monte|west covina|covina|azusa|glendora|claremont|la verne|
    san dimas|diamond bar|walnut|industry|city of industry|la puente|baldwin park|rosemead|
    temple city|san marino|south pasadena|sierra madre|la canada flintridge|la cañada flintridge|
    paramount|bellflower|lakewood|cerritos|norwalk|artesia|hawaiian gardens|signal hill|
    lomita|rancho palos verdes|palos verdes estates|rolling hills|rolling hills estates|
    lawndale|cudahy|pico rivera|santa fe springs|la mirada|la habra heights|irwindale|
    duarte|bradbury|agoura hills|westlake village|avalon|san diego|san francisco|san jose|
    sacramento|fresno|oakland|anaheim|irvine|santa ana|riverside|san bernardino|
    ventura|oxnard|thousand oaks|simi valley|orange|huntington beach|costa mesa|fullerton|
    east los angeles|east la|marina del rey|altadena|la crescenta|topanga|ladera heights|
    view park|west athens|willowbrook|florence|walnut park|hacienda heights|rowland heights
    """.replace("\n", "").split("|")
)
OTHER_CITIES = frozenset(c.strip() for c in OTHER_CITIES if c.strip())

# ZIP codes of the separate cities above that residents most often give.
OTHER_CITY_ZIPS = frozenset(
    """
    90401 90402 90403 90404 90405 90209 90210 90211 90212 90213 90230 90231 90232 90233
    91101 91102 91103 91104 91105 91106 91107 91501 91502 91503 91504 91505 91506 91201
    91202 91203 91204 91205 91206 91207 91208 91209 91210 90801 90802 90803 90804 90805
    90806 90807 90808 90810 90813 90814 90815 90301 90302 90303 90304 90305 90220 90221
    90222 90501 90502 90503 90504 90505 90245 90266 90254 90277 90278 90265 90040 90022
    90063 90201 90255 90262 90270 90280 90240 90241 90242 90250 91801 91803 91754 91755
    """.split()
)

_STATES_OK = {"ca", "ca.", "calif", "california"}
_LEAD_IN = re.compile(
    r"^\s*(?:(?:no|nope|sorry|perd[oó]n)[,.!]?\s+)?"
    r"(?:(?:it'?s|it\s+is|its|the\s+address\s+is|address|location|"
    r"est[aá]|es|la\s+direcci[oó]n\s+es|direcci[oó]n|ubicaci[oó]n)\s*:?\s+)?"
    r"(?:(?:at|on|in|en|near|cerca\s+de|frente\s+a|in\s+front\s+of|on\s+the)\s+)?"
    r"(?:(?:the\s+)?(?:corner|intersection)\s+of\s+|(?:la\s+)?esquina\s+(?:de\s+)?|"
    r"el\s+cruce\s+de\s+|entre\s+)?",
    re.IGNORECASE,
)
_JOINER = re.compile(r"\s+(?:and|&|y|at|con|/|@)\s+|\s*[&/@]\s*", re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_MAX_SIDE_WORDS = 4
# Words that do not occur in LA street names but do in item lists ("a couch and two chairs").
_NOT_STREET_WORDS = frozenset(
    "a an the my our some two three four five un una unos unas el la los las mi mis dos tres "
    "old new viejo vieja is are es son it".split()
)


class LocationError(ValueError):
    """A location the assistant cannot use.

    Attributes:
        reason: ``"not_understood"`` or ``"outside_city"``.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason


@dataclass(frozen=True)
class Location:
    """A location in the City of Los Angeles, ready for an Open311 ``address_string``.

    Attributes:
        address_string: The normalised location, e.g. "200 N Spring St, Los Angeles, CA".
        kind: ``"address"`` or ``"intersection"``.
        parts: The usaddress components (``AddressNumber``, ``StreetName`` …).
    """

    address_string: str
    kind: str
    parts: dict[str, str] = field(default_factory=dict)

    @property
    def zipcode(self) -> str | None:
        """The ZIP code the resident gave, if any."""
        return self.parts.get("ZipCode")


def _normalise_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ,.;:!?¡¿\"'")


def check_in_city(parts: dict[str, str]) -> None:
    """Raises ``LocationError("outside_city")`` when the parts name another city or state."""
    state = parts.get("StateName", "").strip().lower()
    if state and state not in _STATES_OK:
        raise LocationError("outside_city", f"state {state}")
    place = _normalise_spaces(parts.get("PlaceName", "")).lower()
    if place in OTHER_CITIES:
        raise LocationError("outside_city", f"city {place}")
    zipcode = parts.get("ZipCode", "").strip()[:5]
    if zipcode and (zipcode in OTHER_CITY_ZIPS or not zipcode.startswith(("900", "902", "913",
                                                                           "914", "916", "917",
                                                                           "910", "911", "912",
                                                                           "915", "918"))):
        raise LocationError("outside_city", f"zip {zipcode}")


def _tag(text: str) -> tuple[dict[str, str], str]:
    try:
        tagged, kind = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        raise LocationError("not_understood", "repeated labels") from None
    return {k: str(v) for k, v in tagged.items()}, str(kind)


def _tail(parts: dict[str, str]) -> str:
    place = parts.get("PlaceName", "Los Angeles")
    state = parts.get("StateName", "CA")
    zipcode = parts.get("ZipCode")
    return f"{place}, {state}" + (f" {zipcode}" if zipcode else "")


def _street_address(parts: dict[str, str]) -> Location:
    keys = (
        "AddressNumber", "StreetNamePreDirectional", "StreetNamePreType", "StreetName",
        "StreetNamePostType", "StreetNamePostDirectional", "OccupancyType",
        "OccupancyIdentifier",
    )
    street = " ".join(parts[k] for k in keys if parts.get(k))
    return Location(f"{street}, {_tail(parts)}", "address", parts)


def _intersection_from_sides(left: str, right: str, parts: dict[str, str]) -> Location:
    return Location(f"{left} & {right}, {_tail(parts)}", "intersection", parts)


def parse_location(text: str) -> Location:
    """Parses a resident's location.

    Args:
        text: What the resident wrote, e.g. "it's at 200 N Spring St" or "Sunset y Vine".

    Returns:
        The location, normalised for the City backend.

    Raises:
        LocationError: ``reason="outside_city"`` for another city or state,
            ``reason="not_understood"`` when no street address or intersection is found.
    """
    candidate = _normalise_spaces(_LEAD_IN.sub("", (text or "")[:300]))
    if len(_LETTERS.findall(candidate)) < 2:
        raise LocationError("not_understood", "no street name")
    parts, kind = _tag(candidate)
    check_in_city(parts)
    if kind == "Street Address" and parts.get("AddressNumber") and parts.get("StreetName"):
        if not re.fullmatch(r"\d{1,6}[A-Za-z]?(-\d{1,4})?", parts["AddressNumber"]):
            raise LocationError("not_understood", "house number")
        return _street_address(parts)
    if kind == "Intersection" and parts.get("StreetName") and parts.get("SecondStreetName"):
        left = " ".join(
            parts[k] for k in ("StreetNamePreDirectional", "StreetName", "StreetNamePostType")
            if parts.get(k)
        )
        right = " ".join(
            parts[k]
            for k in ("SecondStreetNamePreDirectional", "SecondStreetName",
                      "SecondStreetNamePostType")
            if parts.get(k)
        )
        return _intersection_from_sides(left, right, parts)
    # "Sunset and Vine", "Whittier y Soto": usaddress calls these ambiguous.
    sides = _JOINER.split(candidate.split(",")[0], maxsplit=1)
    if len(sides) == 2:
        left, right = (_normalise_spaces(s) for s in sides)
        if all(
            left_or_right and len(left_or_right.split()) <= _MAX_SIDE_WORDS
            and len(_LETTERS.findall(left_or_right)) >= 2
            and not _NOT_STREET_WORDS & set(left_or_right.lower().split())
            for left_or_right in (left, right)
        ):
            tail_parts = {k: v for k, v in parts.items()
                          if k in ("PlaceName", "StateName", "ZipCode")}
            return _intersection_from_sides(left.title(), right.title(), tail_parts)
    raise LocationError("not_understood", f"usaddress kind {kind}")
