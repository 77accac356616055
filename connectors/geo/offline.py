"""The location service working from the data shipped in ``connectors/geo/data``.

``resolve`` reads the street part (:mod:`connectors.geo.text`), scores every reading against
the gazetteer (:mod:`connectors.geo.gazetteer`), places it, and decides the jurisdiction from
what the resident typed and where the point falls (:mod:`connectors.geo.jurisdiction`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from connectors.geo.areas import DATA_DIR, Areas, TypedPlace
from connectors.geo.gazetteer import (
    Fix,
    Gazetteer,
    Street,
    display_name,
    display_suffix,
)
from connectors.geo.jurisdiction import Evidence, decide, place_text
from connectors.geo.models import Jurisdiction, LocationResult, NotAPlace, Place, SplitZip
from connectors.geo.names import LEAD_WORDS, fold
from connectors.geo.text import (
    StreetText,
    address_candidates,
    drop_units,
    intersection_candidates,
    parse_street,
    split_tail,
    street_prefixes,
    tokenize,
)

MIN_KNOWN_SCORE = 0.55
UNKNOWN_WITH_SUFFIX = 0.35


@dataclass(frozen=True)
class _Reading:
    """One way of reading a street phrase, scored."""

    score: float
    text: StreetText
    street: Street | None
    words: int
    edits: int = 0

    @property
    def exact(self) -> bool:
        return self.street is not None and self.score >= 0.9

    def display(self, direction: str = "", as_typed: bool = False) -> str:
        """The street as the City writes it, or (``as_typed``) as the resident typed it."""
        known = self.street if self.street is not None and not as_typed else None
        name = display_name(known.name if known else self.text.name)
        suffix = known.suffix if known else self.text.suffix or self.text.type_hint
        direction = self.text.direction if as_typed else direction or self.text.direction
        parts = [direction, name, display_suffix(suffix), self.text.post_direction]
        return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class _Landmark:
    name: str
    address: str
    lat: float
    lon: float
    place: str
    state: str


class OfflineLocationService:
    """Location service over the shipped gazetteer and boundaries (no network).

    Args:
        data_dir: Where the built data lives (``python -m connectors.geo.build``).
    """

    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        self.areas = Areas(data_dir)
        self.gazetteer = Gazetteer(data_dir)
        self._landmarks: dict[str, _Landmark] = {}
        with open(data_dir / "landmarks.yml", encoding="utf-8") as handle:
            for item in yaml.safe_load(handle):
                landmark = _Landmark(
                    name=str(item["name"]), address=str(item.get("address") or item["name"]),
                    lat=float(item["lat"]), lon=float(item["lon"]),
                    place=str(item.get("place") or ""), state=str(item.get("state") or ""),
                )
                for alias in item["aliases"]:
                    self._landmarks[fold(str(alias))] = landmark
        self._longest_alias = max(len(a.split()) for a in self._landmarks)

    # --- interface ----------------------------------------------------------------------------
    def resolve(self, text: str) -> LocationResult:
        """See :meth:`connectors.geo.service.LocationService.resolve`."""
        tokens = drop_units(tokenize(text or ""))
        if not tokens:
            return NotAPlace("empty")
        core, tail = split_tail(tokens, self._is_place)
        typed = [self.areas.places[p] for p in tail.places]
        bare = [t for t in core if t not in LEAD_WORDS and t != ","]
        if bare and not tail.places and self._is_place(" ".join(bare)):
            typed.append(self.areas.places[" ".join(bare)])
            core, bare = [], []
        if len(bare) == 1 and len(tokens) == 1 and bare[0].isdigit() and len(bare[0]) == 5:
            tail = type(tail)(zip_code=bare[0], state=tail.state, places=tail.places)
            core, bare = [], []
        zip_code = tail.zip_code

        address = self._best_address(core, zip_code)
        crossing = self._best_intersection(core, zip_code)
        if address is not None and not (
            # "10 casas … de la 6 y San Pedro": a typo-corrected "10 Cass Ave" loses to two
            # streets read exactly on either side of "y".
            address[1].edits > 0 and crossing is not None
            and all(r.street is not None and r.edits == 0 for r in crossing)
        ):
            number, reading = address
            return self._address(number, reading, typed, tail.state, zip_code)
        landmark = self._landmark(tokens)
        if crossing is not None and (
            landmark is None or all(r.score >= UNKNOWN_WITH_SUFFIX for r in crossing)
        ):
            return self._intersection(crossing[0], crossing[1], typed, tail.state, zip_code)
        if landmark is not None:
            return self._landmark_place(landmark, typed, tail.state, zip_code)
        street = self._street_only(bare, zip_code)
        evidence = Evidence(typed=tuple(typed), state=tail.state, zip_code=zip_code)
        if street is not None:
            return self._finish("street", street.display(), None, evidence, (), ())
        if typed or zip_code or tail.state:
            return self._finish("area", "", None, evidence, (), ())
        return NotAPlace("not_understood" if bare else "no_street")

    def from_point(self, lat: float, lon: float, accuracy_m: float | None = None) -> Place:
        """See :meth:`connectors.geo.service.LocationService.from_point`."""
        if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
            raise ValueError("lat must be within ±90 and lon within ±180")
        jurisdiction = self.areas.jurisdiction_at(lat, lon)
        confirmed = ["point"]
        unconfirmed: list[str] = []
        if accuracy_m is not None and accuracy_m > self.areas.metres_to_city_edge(lat, lon):
            unconfirmed.append("jurisdiction")
        elif jurisdiction.in_city:
            confirmed.append("point_in_city")
        near = self.gazetteer.nearest_address(lat, lon, within=150.0)
        if near is not None:
            number, direction, name, suffix, _ = near
            short = " ".join(
                p for p in (str(number), direction, display_name(name), display_suffix(suffix))
                if p
            )
            text = f"Near {short}, {place_text(jurisdiction, '')}"
        else:
            short = f"{lat:.5f}, {lon:.5f}"
            text = f"{short} ({place_text(jurisdiction, '')})"
        if accuracy_m is None or accuracy_m <= 50:
            confidence = 0.95
        else:
            confidence = 0.85 if accuracy_m <= 200 else 0.6 if accuracy_m <= 1000 else 0.3
        return Place(
            text=text, short=short, kind="pin", jurisdiction=jurisdiction, lat=lat, lon=lon,
            confidence=confidence, confirmed=tuple(confirmed), unconfirmed=tuple(unconfirmed),
        )

    # --- reading ------------------------------------------------------------------------------
    def _is_place(self, phrase: str) -> bool:
        return phrase in self.areas.places

    def _read(self, words: list[str], zip_code: str, bare: bool = False) -> _Reading | None:
        """Scores one reading of a street phrase against the gazetteer.

        A name the gazetteer knows only with another suffix than the one typed is kept as
        typed (the gazetteer is partial). ``bare`` also accepts an unknown name without a
        suffix (the other side of an intersection whose first street is known).
        """
        text = parse_street(words)
        if text is None:
            return None
        queries = [(text.name, text.suffix or text.type_hint)]
        if text.prefixed_name:
            queries.insert(0, (text.prefixed_name, text.suffix))
        if text.name.startswith("AVE "):
            queries.append(("AVENUE " + text.name[4:], text.suffix))
        best = None
        for name, suffix in queries:
            matches = self.gazetteer.match(name, suffix, zip_code)
            if matches and (best is None or matches[0].score > best.score):
                best = matches[0]
        if best is not None and best.score >= MIN_KNOWN_SCORE and not (
            text.suffix and text.suffix != best.street.suffix
        ):
            bonus = 0.05 if text.suffix else 0.0
            return _Reading(best.score + bonus, text, best.street, len(words), best.edits)
        if text.suffix and text.name.replace(" ", "").isalnum():
            return _Reading(UNKNOWN_WITH_SUFFIX, text, None, len(words))
        if bare and 1 <= len(words) <= 2 and all(
            w.isalpha() and len(w) >= 4 and w not in LEAD_WORDS for w in words
        ):
            return _Reading(0.15, text, None, len(words))
        return None

    @staticmethod
    def _pick(readings: list[_Reading]) -> _Reading | None:
        """The reading of one street phrase to keep, among its lengths.

        A reading that reaches a typed suffix beats a shorter one that stops before it ("e
        cato st" is not "E St"); an exact match beats an unknown name, and an unknown name
        that is longer beats a typo-corrected shorter one ("royal hills dr" is not "Hill Dr").
        """
        if not readings:
            return None
        if any(r.text.suffix for r in readings):
            readings = [r for r in readings if r.text.suffix]
        exact = [r for r in readings if r.street is not None and r.edits == 0]
        if exact:
            return max(exact, key=lambda r: (r.score, r.words))
        fuzzy = [r for r in readings if r.street is not None]
        unknown = [r for r in readings if r.street is None]
        if fuzzy and unknown and max(u.words for u in unknown) > max(f.words for f in fuzzy):
            return max(unknown, key=lambda r: (r.words, r.score))
        return max(readings, key=lambda r: (r.score, r.words))

    def _best_address(self, core: list[str], zip_code: str) -> tuple[int, _Reading] | None:
        best: tuple[tuple[float, int], int, _Reading] | None = None
        for number, run in address_candidates(core):
            readings = [
                r for r in (self._read(words, zip_code) for words in street_prefixes(run)) if r
            ]
            reading = self._pick(readings)
            if reading is None:
                continue
            rank = (reading.score, reading.words)
            if best is None or rank > best[0]:
                best = (rank, number, reading)
        return (best[1], best[2]) if best else None

    def _best_intersection(
        self, core: list[str], zip_code: str
    ) -> tuple[_Reading, _Reading] | None:
        best: tuple[tuple[float, int], _Reading, _Reading] | None = None
        cache: dict[tuple[str, ...], _Reading | None] = {}

        def read(words: list[str]) -> _Reading | None:
            key = tuple(words)
            if key not in cache:
                cache[key] = self._read(words, zip_code, bare=True)
            return cache[key]

        for lefts, rights in intersection_candidates(core):
            left = self._pick([r for r in map(read, lefts) if r])
            right = self._pick([r for r in map(read, rights) if r])
            if left is None or right is None:
                continue
            known = [r for r in (left, right) if r.street is not None and r.edits == 0]
            suffixed = left.text.suffix and right.text.suffix
            bare = [r for r in (left, right) if r.score < UNKNOWN_WITH_SUFFIX]
            if not (known or suffixed) or (bare and not known):
                continue
            if left.street is not None and left.street == right.street:
                continue
            rank = (left.score + right.score, left.words + right.words)
            if best is None or rank > best[0]:
                best = (rank, left, right)
        return (best[1], best[2]) if best else None

    def _street_only(self, bare: list[str], zip_code: str) -> _Reading | None:
        if not bare or len(bare) > 6:
            return None
        reading = self._read(bare, zip_code)
        if reading is None:
            return None
        if reading.street is None or reading.text.suffix or (
            reading.exact and len(reading.street.name) >= 5
        ):
            return reading
        return None

    def _landmark(self, tokens: list[str]) -> _Landmark | None:
        words = [t for t in tokens if t != ","]
        for size in range(min(self._longest_alias, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                found = self._landmarks.get(" ".join(words[start:start + size]))
                if found is not None:
                    return found
        return None

    # --- places -------------------------------------------------------------------------------
    def _address(
        self, number: int, reading: _Reading, typed: list[TypedPlace], state: str, zip_code: str
    ) -> LocationResult:
        confirmed: list[str] = []
        unconfirmed: list[str] = []
        fix: Fix | None = None
        direction = reading.text.direction
        zips = frozenset({zip_code}) if zip_code else frozenset().union(
            *(self.areas.community_zips(t.name) for t in typed if t.cls == "city")
        )
        if reading.street is not None and not reading.text.suffix:
            # "19800 W Nordhoff": the suffix whose numbers reach 19800 (Pl, not St).
            options = []
            for street in self.gazetteer.by_name[reading.street.name]:
                found = self.gazetteer.locate_address(number, street, direction, zips)
                if found is not None:
                    options.append((found.gap, -street.observations, street))
            if options:
                reading = _Reading(reading.score, reading.text, min(options)[2], reading.words,
                                   reading.edits)
        if reading.street is not None:
            confirmed.append("street")
            fix = self.gazetteer.locate_address(number, reading.street, direction, zips)
            if fix is not None:
                direction = direction or fix.direction
                known = self.gazetteer.number_range(reading.street)
                if fix.exact or fix.confidence >= 0.8:
                    confirmed.append("house_number")
                else:
                    unconfirmed.append("house_number")
                if known and not known[0] - 100 <= number <= known[1] + 100:
                    fix = Fix(fix.lat, fix.lon, min(fix.confidence, 0.5), fix.direction)
        else:
            unconfirmed.append("street")
        short = f"{number} {reading.display(direction)}"
        evidence = Evidence(
            typed=tuple(typed), state=state, zip_code=zip_code or (fix.zip_code if fix else ""),
            fix=fix, typed_zip=bool(zip_code),
        )
        return self._finish("address", short, fix, evidence, confirmed, unconfirmed,
                            as_typed=f"{number} {reading.display(as_typed=True)}")

    def _intersection(
        self, left: _Reading, right: _Reading, typed: list[TypedPlace], state: str, zip_code: str
    ) -> LocationResult:
        confirmed: list[str] = []
        unconfirmed: list[str] = []
        fix: Fix | None = None
        a, b = left, right
        if left.street is not None and right.street is not None:
            confirmed.append("street")
            a, b, fix = self._meeting(left, right, zip_code)
            if fix is not None and (fix.observed or fix.confidence >= 0.8):
                confirmed.append("intersection")
            else:
                unconfirmed.append("intersection")
        else:
            unconfirmed.append("street")
        short = f"{a.display()} & {b.display()}"
        evidence = Evidence(
            typed=tuple(typed), state=state, zip_code=zip_code, fix=fix, typed_zip=bool(zip_code)
        )
        return self._finish(
            "intersection", short, fix, evidence, confirmed, unconfirmed,
            as_typed=f"{left.display(as_typed=True)} & {right.display(as_typed=True)}",
        )

    def _meeting(
        self, left: _Reading, right: _Reading, zip_code: str
    ) -> tuple[_Reading, _Reading, Fix | None]:
        """The suffixes that make the two streets meet ("vermont" + "41st" → Ave + St)."""
        def options(reading: _Reading) -> list[_Reading]:
            if reading.text.suffix or reading.street is None:
                return [reading]
            found = self.gazetteer.match(reading.street.name, "", zip_code)
            return [
                _Reading(m.score, reading.text, m.street, reading.words)
                for m in found if m.street.name == reading.street.name
            ][:4] or [reading]

        best: tuple[float, _Reading, _Reading, Fix | None] | None = None
        for a in options(left):
            for b in options(right):
                assert a.street is not None and b.street is not None
                fix = self.gazetteer.locate_intersection(a.street, b.street)
                # Streets that meet are equal; then the usual suffix wins.
                meets = fix is not None and (fix.observed or fix.confidence >= 0.8)
                apart = 0.0 if fix is None or meets else fix.metres_apart
                cost = (5000.0 if fix is None else apart) - 100 * (a.score + b.score)
                if best is None or cost < best[0]:
                    best = (cost, a, b, fix)
        assert best is not None
        return best[1], best[2], best[3]

    def _landmark_place(
        self, landmark: _Landmark, typed: list[TypedPlace], state: str, zip_code: str
    ) -> LocationResult:
        fix = Fix(landmark.lat, landmark.lon, 0.9, exact=True)
        if landmark.place:
            typed = [*typed, TypedPlace(landmark.place, "other_state" if landmark.state
                                        else "outside_county", landmark.state or None)]
        evidence = Evidence(typed=tuple(typed), state=state or landmark.state,
                            zip_code=zip_code, fix=fix)
        if landmark.address != landmark.name:
            short = f"{landmark.name} ({landmark.address})"
            line = f"{landmark.address}, {{tail}} ({landmark.name})"
        else:
            short, line = landmark.name, ""
        return self._finish("landmark", short, fix, evidence, ["landmark"], [], line=line)

    def _finish(
        self,
        kind: str,
        short: str,
        fix: Fix | None,
        evidence: Evidence,
        confirmed: list[str] | tuple[str, ...],
        unconfirmed: list[str] | tuple[str, ...],
        as_typed: str = "",
        line: str = "",
    ) -> LocationResult:
        """Decides the jurisdiction and writes the place's text.

        Outside the City the street is written as typed: the City's gazetteer says nothing
        about another city's streets (no suffix or direction is "corrected" from it).
        """
        decision = decide(self.areas, evidence)
        if isinstance(decision, SplitZip):
            return SplitZip(decision.zip_code, decision.share_in_city, decision.others, short)
        jurisdiction: Jurisdiction = decision.jurisdiction
        confirmed = [*confirmed, *decision.confirmed]
        unconfirmed = [*unconfirmed, *decision.unconfirmed]
        if not jurisdiction.in_city and as_typed:
            short = as_typed
            confirmed = [c for c in confirmed if c not in ("street", "house_number",
                                                           "intersection")]
        zip_code = evidence.zip_code if evidence.typed_zip or jurisdiction.in_city else ""
        tail = place_text(jurisdiction, zip_code, decision.place_name)
        if line:
            text = line.format(tail=tail)
        else:
            text = f"{short}, {tail}" if short else tail
        confidence = decision.confidence
        if fix is not None:
            confidence = min(confidence, fix.confidence)
        return Place(
            text=text, short=short, kind=kind,  # type: ignore[arg-type]
            jurisdiction=jurisdiction,
            lat=round(fix.lat, 6) if fix and decision.use_point else None,
            lon=round(fix.lon, 6) if fix and decision.use_point else None,
            confidence=round(confidence, 2), confirmed=tuple(dict.fromkeys(confirmed)),
            unconfirmed=tuple(dict.fromkeys(unconfirmed)),
            typed_place=evidence.typed[0].name if evidence.typed else None,
            zip_code=zip_code or None,
        )
