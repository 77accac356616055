"""Deciding where a place is from everything known: the words typed and the point found.

The resident's own words are never dropped. In order:

1. another state (typed, or a ZIP code of another state) → that state;
2. a city or community typed: another city, an unincorporated area or a place elsewhere in
   California → there; a community of the City ("Van Nuys", "San Pedro") → the City;
3. a ZIP code typed: entirely outside the City → whoever holds it; (almost) entirely inside →
   the City; split by the boundary → the point decides when it is sure and well away from the
   boundary, otherwise the resident is asked (:class:`~connectors.geo.models.SplitZip`);
4. the point alone (inside the official boundary, or within 100 m of it: a boundary street);
5. nothing at all → assumed to be in the City, and said to be unconfirmed.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.geo.areas import Areas, TypedPlace
from connectors.geo.gazetteer import Fix
from connectors.geo.models import CITY_OF_LA, UNINCORPORATED, Jurisdiction, SplitZip
from connectors.geo.names import zip_state

IN_CITY_SHARE = 0.95  # a ZIP this much inside the City is taken as the City
EDGE_METRES = 150.0  # a point this close to the boundary does not settle a split ZIP
BOUNDARY_STREET_METRES = 100.0  # a point this close outside is a boundary street of the City


@dataclass(frozen=True)
class Evidence:
    """What is known about a location besides its street part."""

    typed: tuple[TypedPlace, ...] = ()
    state: str = ""
    zip_code: str = ""
    fix: Fix | None = None
    typed_zip: bool = False


@dataclass(frozen=True)
class Decision:
    """The jurisdiction decided, how sure, and whether the point belongs to the answer."""

    jurisdiction: Jurisdiction
    confidence: float
    confirmed: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()
    use_point: bool = True
    place_name: str = ""


def place_text(jurisdiction: Jurisdiction, zip_code: str, place_name: str = "") -> str:
    """The city/state part of an address line: ``"Los Angeles, CA 90012"``."""
    zip_part = f" {zip_code}" if zip_code else ""
    kind = jurisdiction.kind
    if kind in ("city_of_la", "assumed_city"):
        return f"Los Angeles, CA{zip_part}"
    if kind == "other_city":
        return f"{jurisdiction.name}, CA{zip_part}"
    if kind == "unincorporated":
        return f"{jurisdiction.community or place_name or UNINCORPORATED}, CA{zip_part}"
    if kind == "outside_county":
        return f"{place_name}, CA{zip_part}" if place_name else f"California{zip_part}"
    name = place_name if place_name and place_name != jurisdiction.name else ""
    return f"{name + ', ' if name else ''}{jurisdiction.name}{zip_part}"


def _outside(typed: TypedPlace) -> Decision | None:
    if typed.cls == "other_state":
        state = typed.state or typed.name
        return Decision(Jurisdiction("other_state", state), 0.9, ("typed_place",), (), False,
                        typed.name if typed.name != state else "")
    if typed.cls == "outside_county":
        return Decision(Jurisdiction("outside_county", typed.name), 0.9, ("typed_place",), (),
                        False, typed.name)
    if typed.cls == "other_city":
        return Decision(Jurisdiction("other_city", typed.name), 0.9, ("typed_place",), (),
                        False, typed.name)
    if typed.cls == "unincorporated":
        return Decision(Jurisdiction("unincorporated", UNINCORPORATED, community=typed.name),
                        0.9, ("typed_place",), (), False, typed.name)
    return None


def _named(areas: Areas, name: str) -> Jurisdiction:
    """A jurisdiction from a name in the ZIP crosswalk ("Santa Monica", "Unincorporated …")."""
    if name == UNINCORPORATED:
        return Jurisdiction("unincorporated", UNINCORPORATED)
    typed = areas.places.get(name.lower())
    if typed is not None and typed.cls == "unincorporated":
        return Jurisdiction("unincorporated", UNINCORPORATED, community=typed.name)
    if typed is not None and typed.cls == "outside_county":
        return Jurisdiction("outside_county", typed.name)
    return Jurisdiction("other_city", name)


def _city(areas: Areas, fix: Fix | None, community: str | None) -> Jurisdiction:
    if fix is not None and areas.in_city(fix.lat, fix.lon):
        found = areas.jurisdiction_at(fix.lat, fix.lon)
        if community and not found.community:
            return Jurisdiction(
                "city_of_la", CITY_OF_LA, found.council_district, found.neighborhood_council,
                found.neighborhood_council_url, community,
            )
        return found
    return Jurisdiction("city_of_la", CITY_OF_LA, community=community)


def decide(areas: Areas, evidence: Evidence) -> Decision | SplitZip:
    """Where the place is; see the module's docstring for the order of the rules."""
    fix = evidence.fix
    state = evidence.state
    if not state and evidence.typed_zip:
        state = zip_state(evidence.zip_code) or ""
    if state and state != "California":
        place = next((t.name for t in evidence.typed if t.cls == "other_state"), "")
        return Decision(Jurisdiction("other_state", state), 0.95, ("typed_state",), (), False,
                        place if place != state else "")
    community: str | None = None
    said_la = False
    for typed in evidence.typed:
        outside = _outside(typed)
        if outside is not None:
            return outside
        if typed.cls == "city":
            community = typed.name
        elif typed.cls == "ambiguous":
            community = community or typed.name
        elif typed.cls == "la_alias":
            said_la = True
    in_point = fix is not None and areas.in_city(fix.lat, fix.lon)
    if community and any(t.cls == "city" for t in evidence.typed):
        return Decision(_city(areas, fix, community), 0.85, ("typed_city",), (), in_point)

    if evidence.typed_zip:
        info = areas.zip_info(evidence.zip_code)
        if info is None:
            return Decision(Jurisdiction("outside_county", "outside Los Angeles County"), 0.8,
                            ("zip",), (), False)
        if info.share_in_city is None:  # a PO box or unique ZIP: only its USPS city is known
            usps = areas.places.get(info.usps_city.lower())
            if usps is not None and usps.cls not in ("city", "la_alias", "ambiguous"):
                outside = _outside(usps)
                if outside is not None:
                    return outside
        elif info.share_in_city >= IN_CITY_SHARE:
            return Decision(_city(areas, fix, community), 0.9, ("zip_in_city",), (), in_point)
        elif info.share_in_city < 0.01:
            name = info.others[0] if info.others else info.usps_city
            jurisdiction = _named(areas, name)
            return Decision(jurisdiction, 0.9, ("zip",), (), False, jurisdiction.name)
        else:
            sure = fix is not None and fix.confidence >= 0.8 and (
                areas.metres_to_city_edge(fix.lat, fix.lon) >= EDGE_METRES
            )
            if fix is not None and sure:
                if in_point:
                    return Decision(_city(areas, fix, community), fix.confidence,
                                    ("point_in_city",), ())
                return Decision(areas.jurisdiction_at(fix.lat, fix.lon), fix.confidence,
                                ("point",), ())
            return SplitZip(info.zip_code, info.share_in_city, info.others)

    if fix is not None:
        if in_point:
            return Decision(_city(areas, fix, community), fix.confidence, ("point_in_city",))
        if areas.metres_to_city_edge(fix.lat, fix.lon) <= BOUNDARY_STREET_METRES:
            return Decision(_city(areas, None, community), fix.confidence * 0.8,
                            ("boundary_street",), ("jurisdiction",), True)
        if said_la or community:
            return Decision(_city(areas, None, community), 0.5,
                            ("typed_city",), ("point",), False)
        return Decision(areas.jurisdiction_at(fix.lat, fix.lon), fix.confidence, ("point",))
    if said_la or community:
        return Decision(Jurisdiction("city_of_la", CITY_OF_LA, community=community), 0.7,
                        ("typed_city",), ("point",))
    return Decision(Jurisdiction("assumed_city", CITY_OF_LA), 0.4, (), ("jurisdiction", "point"))
