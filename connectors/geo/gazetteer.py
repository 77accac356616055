"""Street names, address points and intersections of the City: recognise, place, describe.

Built from what the City's own records have seen (``connectors/geo/data``: MyLA311 addresses,
LADOT meter block faces, observed "X AT Y" intersections). It is **partial**: a street it does
not know is reported as unconfirmed, never refused for that reason alone.

* :meth:`Gazetteer.match` — a typed street name to known streets, with typo tolerance
  ("wilshre" → WILSHIRE BLVD) and the suffix filled in when it was left out;
* :meth:`Gazetteer.locate_address` — a house number placed by interpolation between the nearest
  known numbers on the same street and side of the direction prefix;
* :meth:`Gazetteer.locate_intersection` — an observed intersection, or the streets' closest
  approach;
* :meth:`Gazetteer.nearest_address` — the known address nearest a dropped pin.
"""

from __future__ import annotations

import csv
import gzip
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import process
from rapidfuzz.distance import OSA

from connectors.geo.names import split_suffix

DATA_DIR = Path(__file__).resolve().parent / "data"
_Y = 111_320.0  # metres per degree of latitude
_X = _Y * math.cos(math.radians(34.05))  # metres per degree of longitude at Los Angeles
_GRID = 250.0  # metres per cell of the pin index
MEET_METRES = 120.0  # closest approach under which two streets are taken to meet
ALIASES = {
    "MLK": "MARTIN LUTHER KING JR", "M L K": "MARTIN LUTHER KING JR",
    "MARTIN LUTHER KING": "MARTIN LUTHER KING JR", "M L KING JR": "MARTIN LUTHER KING JR",
    "MLK JR": "MARTIN LUTHER KING JR", "CESAR CHAVEZ": "CESAR E CHAVEZ",
    "PCH": "PACIFIC COAST", "PACIFIC COAST": "PACIFIC COAST",
}
_SMALL_WORDS = {"OF", "THE", "DE", "DEL"}


@dataclass(frozen=True)
class Street:
    """A street the data knows: name and suffix as the City writes them."""

    name: str
    suffix: str
    observations: int
    directions: frozenset[str]
    zips: frozenset[str]


@dataclass(frozen=True)
class StreetMatch:
    """A known street a typed name may mean, and how well it fits (0–1)."""

    street: Street
    score: float
    edits: int


@dataclass(frozen=True)
class Fix:
    """A point found for an address or intersection."""

    lat: float
    lon: float
    confidence: float
    direction: str = ""
    zip_code: str = ""
    exact: bool = False
    observed: bool = False
    metres_apart: float = 0.0
    gap: float = 0.0  # house numbers between the one asked and the nearest known


def _to_xy(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.column_stack((lon * _X, lat * _Y))


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres between two nearby points (equirectangular)."""
    return math.hypot((lat1 - lat2) * _Y, (lon1 - lon2) * _X)


def display_name(name: str) -> str:
    """A street name as it is written on signs.

    ``"23RD"`` → ``"23rd"``, ``"MCCADDEN"`` → ``"McCadden"``, ``"AVENUE OF THE STARS"`` →
    ``"Avenue of the Stars"``.
    """
    words = []
    for i, word in enumerate(name.split()):
        if word[:1].isdigit():
            words.append(word.lower())
        elif word.startswith("MC") and len(word) > 3:
            words.append("Mc" + word[2:].capitalize())
        elif word in _SMALL_WORDS and 0 < i < len(name.split()) - 1 and word != "DE":
            words.append(word.lower())
        else:
            words.append(word.capitalize())
    return " ".join(words)


def display_suffix(suffix: str) -> str:
    """``"BLVD"`` → ``"Blvd"``."""
    return suffix.capitalize()


class Gazetteer:
    """The street gazetteer, loaded once from ``data_dir``."""

    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        streets: dict[tuple[str, str], Street] = {}
        with gzip.open(data_dir / "streets.csv.gz", "rt", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                key = (self._clean(row["name"]), row["suffix"])
                previous = streets.get(key)
                streets[key] = Street(
                    name=key[0],
                    suffix=key[1],
                    observations=int(row["n"]) + (previous.observations if previous else 0),
                    directions=frozenset(d for d in row["dirs"].split("|") if d)
                    | (previous.directions if previous else frozenset()),
                    zips=frozenset(z for z in row["zips"].split("|") if z)
                    | (previous.zips if previous else frozenset()),
                )
        # A name seen without a suffix and with one ("CESAR E CHAVEZ" / "… AVE") is one street.
        self._merge_to: dict[tuple[str, str], tuple[str, str]] = {}
        by_name: dict[str, list[Street]] = defaultdict(list)
        for street in streets.values():
            by_name[street.name].append(street)
        for name, group in by_name.items():
            with_suffix = [s for s in group if s.suffix]
            if with_suffix and len(group) > len(with_suffix):
                main = max(with_suffix, key=lambda s: s.observations)
                self._merge_to[(name, "")] = (name, main.suffix)
                by_name[name] = with_suffix
        self.by_name: dict[str, list[Street]] = {
            n: sorted(g, key=lambda s: -s.observations) for n, g in by_name.items()
        }
        self._names = sorted(self.by_name)
        self._nospace = {n.replace(" ", ""): n for n in self._names}
        self._load_points(data_dir)
        self._load_intersections(data_dir)

    @staticmethod
    def _clean(name: str) -> str:
        return " ".join(name.replace(",", " ").replace(".", " ").upper().split())

    def _key(self, name: str, suffix: str) -> tuple[str, str]:
        key = (self._clean(name), suffix)
        return self._merge_to.get(key, key)

    def _load_points(self, data_dir: Path) -> None:
        groups: dict[tuple[str, str, str], list[tuple[int, float, float, str]]] = defaultdict(list)
        with gzip.open(data_dir / "address_points.csv.gz", "rt", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                name, suffix = self._key(row["name"], row["suffix"])
                groups[(name, suffix, row["dir"])].append(
                    (int(row["number"]), float(row["lat"]), float(row["lon"]), row["zip"])
                )
        self._groups: dict[tuple[str, str, str], tuple[NDArray[np.int64], NDArray[np.float64],
                                                      NDArray[np.float64], list[str]]] = {}
        self._street_dirs: dict[tuple[str, str], list[str]] = defaultdict(list)
        all_lat, all_lon, labels = [], [], []
        for (name, suffix, direction), rows in groups.items():
            rows.sort()
            self._groups[(name, suffix, direction)] = (
                np.array([r[0] for r in rows], dtype=np.int64),
                np.array([r[1] for r in rows]),
                np.array([r[2] for r in rows]),
                [r[3] for r in rows],
            )
            self._street_dirs[(name, suffix)].append(direction)
            for number, lat, lon, _ in rows:
                all_lat.append(lat)
                all_lon.append(lon)
                labels.append((number, direction, name, suffix))
        self._pin_lat = np.array(all_lat)
        self._pin_lon = np.array(all_lon)
        self._pin_labels = labels
        self._grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        xy = _to_xy(self._pin_lat, self._pin_lon)
        for i, (x, y) in enumerate(xy):
            self._grid[(int(x // _GRID), int(y // _GRID))].append(i)

    def _load_intersections(self, data_dir: Path) -> None:
        self._observed: dict[frozenset[tuple[str, str]], tuple[float, float, str]] = {}
        extra: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
        with gzip.open(data_dir / "intersections.csv.gz", "rt", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                a = self._key(*split_suffix(row["street_a"]))
                b = self._key(*split_suffix(row["street_b"]))
                point = (float(row["lat"]), float(row["lon"]))
                self._observed[frozenset((a, b))] = (*point, row["zip"])
                extra[a].append(point)
                extra[b].append(point)
        # Each street's points (address points + its observed intersections), in metres.
        clouds: dict[tuple[str, str], list[NDArray[np.float64]]] = defaultdict(list)
        for (name, suffix, _), (_, lat, lon, _) in self._groups.items():
            clouds[(name, suffix)].append(_to_xy(lat, lon))
        for key, points in extra.items():
            array = np.array(points)
            clouds[key].append(_to_xy(array[:, 0], array[:, 1]))
        self._clouds = {k: np.vstack(v) for k, v in clouds.items()}

    # --- names --------------------------------------------------------------------------------
    def match(self, name: str, suffix: str = "", zip_code: str = "") -> list[StreetMatch]:
        """Known streets the typed name may mean, best first.

        Args:
            name: The street name in upper case without direction or suffix ("WILSHRE").
            suffix: The typed suffix as the City writes it ("BLVD"), or "".
            zip_code: A ZIP code the resident typed, to prefer streets seen there.

        Returns:
            Up to eight matches; empty when nothing is close enough.
        """
        return list(_match_cached(self, self._clean(name), suffix, zip_code))

    def _name_candidates(self, name: str) -> list[tuple[str, int]]:
        name = ALIASES.get(name, name)
        if name in self.by_name:
            return [(name, 0)]
        squeezed = name.replace(" ", "")
        if squeezed in self._nospace:
            return [(self._nospace[squeezed], 0)]
        if any(ch.isdigit() for ch in name) or len(name) < 4:
            return []
        limit = 1 if len(name) < 10 else 2  # edits, a swap of two letters counting as one
        found = process.extract(
            name, self._names, scorer=OSA.distance, score_cutoff=limit, limit=6
        )
        return [(str(candidate), int(edits)) for candidate, edits, _ in found]

    def street(self, name: str, suffix: str) -> Street | None:
        """The known street with exactly this name and suffix."""
        for street in self.by_name.get(self._clean(name), []):
            if street.suffix == suffix:
                return street
        return None

    # --- addresses ----------------------------------------------------------------------------
    def locate_address(
        self, number: int, street: Street, direction: str = "",
        zip_codes: frozenset[str] = frozenset(),
    ) -> Fix | None:
        """Places a house number on a known street.

        Interpolates between the nearest lower and higher known numbers of the same
        direction prefix (and ZIP codes, when the resident typed a ZIP or a community); uses
        the nearest number when only one side is known or when the two neighbours are too far
        apart to be one stretch of street.

        Returns:
            The point, or ``None`` when the street has no address points.
        """
        directions = self._street_dirs.get((street.name, street.suffix), [])
        if direction and direction in directions:
            wanted = [direction] + ([""] if "" in directions else [])
        else:
            wanted = directions
        best: tuple[float, Fix] | None = None
        for d in wanted:
            numbers, lat, lon, zips = self._groups[(street.name, street.suffix, d)]
            if zip_codes:
                keep = np.array([z in zip_codes for z in zips])
                if not keep.any():
                    keep = np.array([not z for z in zips])
                if keep.any() and not keep.all():
                    numbers, lat, lon = numbers[keep], lat[keep], lon[keep]
                    zips = [z for z, k in zip(zips, keep, strict=True) if k]
            fix, gap = _interpolate(number, numbers, lat, lon, zips)
            fix = Fix(fix.lat, fix.lon, fix.confidence, d or direction, fix.zip_code, fix.exact,
                      gap=gap)
            rank = gap + (0 if d == direction else 0.5)
            if best is None or rank < best[0]:
                best = (rank, fix)
        return best[1] if best else None

    def number_range(self, street: Street) -> tuple[int, int] | None:
        """Lowest and highest house number the data has seen on a street."""
        low, high = None, None
        for d in self._street_dirs.get((street.name, street.suffix), []):
            numbers = self._groups[(street.name, street.suffix, d)][0]
            low = int(numbers[0]) if low is None else min(low, int(numbers[0]))
            high = int(numbers[-1]) if high is None else max(high, int(numbers[-1]))
        return (low, high) if low is not None and high is not None else None

    # --- intersections ------------------------------------------------------------------------
    def locate_intersection(self, a: Street, b: Street) -> Fix | None:
        """Where two known streets meet: observed, else their closest approach.

        Returns:
            The point with ``observed=True`` for a recorded intersection; otherwise the
            midpoint of the closest pair of points, ``metres_apart`` telling how close the
            streets come. ``None`` when either street has no points or they never come near.
        """
        observed = self._observed.get(frozenset(((a.name, a.suffix), (b.name, b.suffix))))
        if observed:
            return Fix(observed[0], observed[1], 0.95, zip_code=observed[2], observed=True)
        cloud_a = self._clouds.get((a.name, a.suffix))
        cloud_b = self._clouds.get((b.name, b.suffix))
        if cloud_a is None or cloud_b is None:
            return None
        pair = _closest_pair(cloud_a, cloud_b)
        if pair is None:
            return None
        distance, p, q = pair
        if distance <= 60:
            x, y = (p + q) / 2
            return Fix(float(y / _Y), float(x / _X), 0.9, metres_apart=distance)
        crossing = _line_crossing(cloud_a, cloud_b, p, q)
        if crossing is not None:
            x, y = crossing
            return Fix(float(y / _Y), float(x / _X), 0.8 if distance <= 600 else 0.6,
                       metres_apart=distance)
        x, y = (p + q) / 2
        return Fix(float(y / _Y), float(x / _X), 0.5, metres_apart=distance)

    # --- pins ---------------------------------------------------------------------------------
    def nearest_address(self, lat: float, lon: float, within: float = 300.0) -> tuple[
        int, str, str, str, float
    ] | None:
        """The known address nearest a point: ``(number, dir, name, suffix, metres)``."""
        x, y = lon * _X, lat * _Y
        cx, cy = int(x // _GRID), int(y // _GRID)
        reach = int(within // _GRID) + 1
        best: tuple[float, int] | None = None
        for i in range(cx - reach, cx + reach + 1):
            for j in range(cy - reach, cy + reach + 1):
                for index in self._grid.get((i, j), ()):
                    d = metres(lat, lon, float(self._pin_lat[index]), float(self._pin_lon[index]))
                    if d <= within and (best is None or d < best[0]):
                        best = (d, index)
        if best is None:
            return None
        number, direction, name, suffix = self._pin_labels[best[1]]
        return number, direction, name, suffix, best[0]


@lru_cache(maxsize=8192)
def _match_cached(
    gazetteer: Gazetteer, name: str, suffix: str, zip_code: str
) -> tuple[StreetMatch, ...]:
    matches: list[StreetMatch] = []
    for candidate, edits in gazetteer._name_candidates(name):
        streets = gazetteer.by_name[candidate]
        top = streets[0].observations
        for street in streets:
            score = 1.0 - 0.1 * edits
            if suffix and street.suffix != suffix:
                score -= 0.2 if edits == 0 else 0.45  # a typo *and* another suffix: no
            else:
                score -= 0.05 * (1 - street.observations / top)
                if street.suffix == "ST" and name[:1].isdigit():
                    score += 0.03  # "41st" alone is 41st Street

            if zip_code and zip_code in street.zips:
                score += 0.05
            matches.append(StreetMatch(street, round(score, 4), edits))
    matches.sort(key=lambda m: (-m.score, -m.street.observations))
    return tuple(matches[:8])


def _interpolate(
    number: int,
    numbers: NDArray[np.int64],
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
    zips: list[str],
) -> tuple[Fix, float]:
    """A point for ``number`` from a sorted run of known numbers.

    Also returns how far (in house numbers) the nearest known number is, to compare direction
    groups.
    """
    hi = int(np.searchsorted(numbers, number, side="left"))
    if hi < len(numbers) and numbers[hi] == number:
        same = numbers == number
        zip_code = next((z for z, s in zip(zips, same, strict=True) if s and z), "")
        return Fix(float(lat[same].mean()), float(lon[same].mean()), 0.95, zip_code=zip_code,
                   exact=True), 0.0
    lo = hi - 1
    if lo >= 0 and hi < len(numbers):
        n_lo, n_hi = int(numbers[lo]), int(numbers[hi])
        apart = metres(float(lat[lo]), float(lon[lo]), float(lat[hi]), float(lon[hi]))
        if apart <= 300 + 4 * (n_hi - n_lo):
            t = (number - n_lo) / (n_hi - n_lo)
            gap = float(min(number - n_lo, n_hi - number))
            zip_code = zips[lo] if zips[lo] == zips[hi] else ""
            confidence = 0.9 if n_hi - n_lo <= 400 else 0.8
            return Fix(
                float(lat[lo] + t * (lat[hi] - lat[lo])),
                float(lon[lo] + t * (lon[hi] - lon[lo])),
                confidence, zip_code=zip_code,
            ), gap
    # One side only, or a break in the street: the nearest known number.
    candidates = [i for i in (lo, hi) if 0 <= i < len(numbers)]
    nearest = min(candidates, key=lambda i: abs(int(numbers[i]) - number))
    gap = float(abs(int(numbers[nearest]) - number))
    confidence = 0.85 if gap <= 200 else 0.7 if gap <= 1000 else 0.5
    return Fix(float(lat[nearest]), float(lon[nearest]), confidence,
               zip_code=zips[nearest] if gap <= 100 else ""), gap


def _closest_pair(
    a: NDArray[np.float64], b: NDArray[np.float64], margin: float = 600.0
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]] | None:
    """Smallest distance between two point clouds (metres) and the two points."""
    lo_b, hi_b = b.min(axis=0) - margin, b.max(axis=0) + margin
    a = a[np.all((a >= lo_b) & (a <= hi_b), axis=1)]
    if not len(a):
        return None
    lo_a, hi_a = a.min(axis=0) - margin, a.max(axis=0) + margin
    b = b[np.all((b >= lo_a) & (b <= hi_a), axis=1)]
    if not len(b):
        return None
    best: tuple[float, NDArray[np.float64], NDArray[np.float64]] | None = None
    for start in range(0, len(a), 512):
        chunk = a[start:start + 512]
        d = np.hypot(chunk[:, None, 0] - b[None, :, 0], chunk[:, None, 1] - b[None, :, 1])
        i, j = np.unravel_index(int(d.argmin()), d.shape)
        if best is None or d[i, j] < best[0]:
            best = (float(d[i, j]), chunk[i], b[j])
    return best


def _local_line(
    cloud: NDArray[np.float64], near: NDArray[np.float64], reach: float = 700.0
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """A straight line (centroid, unit direction) through a street's points near ``near``."""
    local = cloud[np.hypot(*(cloud - near).T) <= reach]
    if len(local) < 2:
        return None
    centre = local.mean(axis=0)
    _, spread, axes = np.linalg.svd(local - centre, full_matrices=False)
    if spread[0] < 30.0 * math.sqrt(len(local)) ** 0.5 or (
        len(spread) > 1 and spread[1] > 0.5 * spread[0]
    ):
        return None  # a clump, not a line
    return centre, axes[0]


def _line_crossing(
    a: NDArray[np.float64], b: NDArray[np.float64],
    p: NDArray[np.float64], q: NDArray[np.float64],
) -> tuple[float, float] | None:
    """Where the two streets' local lines cross, when they cross near the closest pair.

    Sparse streets (a handful of points a few blocks apart) rarely have a point at the corner;
    the crossing of lines fitted to each street's nearby points is a better guess than the
    midpoint of the closest pair. A street with one nearby point is its foot on the other line.
    """
    line_a, line_b = _local_line(a, p), _local_line(b, q)
    if line_a is not None and line_b is not None:
        (c1, d1), (c2, d2) = line_a, line_b
        cross = d1[0] * d2[1] - d1[1] * d2[0]
        if abs(cross) < math.sin(math.radians(20)):
            return None  # parallel: they do not meet here
        t = ((c2[0] - c1[0]) * d2[1] - (c2[1] - c1[1]) * d2[0]) / cross
        point = c1 + t * d1
    elif line_b is not None:
        c, d = line_b
        point = c + float(np.dot(p - c, d)) * d
    elif line_a is not None:
        c, d = line_a
        point = c + float(np.dot(q - c, d)) * d
    else:
        return None
    if max(np.hypot(*(point - p)), np.hypot(*(point - q))) > 800:
        return None
    return float(point[0]), float(point[1])
