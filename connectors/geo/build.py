"""Rebuild the location service's data (``connectors/geo/data/``) from ``shared/geo``.

Run ``python -m connectors.geo.build [--source /work/shared/geo]``. It writes small gzipped
files the service loads at run time, so a fresh clone needs nothing outside the repository:

* ``city.geojson.gz`` — the official City boundary (unsimplified: it decides in/out);
* ``council_districts.geojson.gz``, ``neighborhood_councils.geojson.gz``,
  ``jurisdictions.geojson.gz`` (88 cities + unincorporated County) and ``communities.geojson.gz``
  (Countywide Statistical Areas) — simplified by about 5 m, used only to *name* a place;
* ``census_places.geojson.gz`` — Census 2018 places (cities and CDPs such as "Marina del
  Rey"), generalised: names an unincorporated point the statistical areas leave unnamed;
* ``zip_crosswalk.csv.gz`` — share of each ZIP inside the City and who holds the rest;
* ``address_points.csv.gz``, ``intersections.csv.gz``, ``streets.csv.gz`` — the street
  gazetteer, rebuilt from the address points and observed intersections.

**Hold-out.** The location benchmark (``eval/location_benchmark.py``) scores real MyLA311
records that the gazetteer must not contain. A record is held out when the SHA-256 of its
normalised key — ``"3127 S BEVERLY DR"`` for an address, the two street names sorted and
joined by ``" AT "`` for an intersection — falls in the first :data:`ADDRESS_HOLDOUT_PER_MILLE`
(intersections: :data:`INTERSECTION_HOLDOUT_PER_MILLE`) of 1000 buckets. Every address point
and intersection with a held-out key is left out, whatever its source (MyLA311 or LADOT, and
for an LADOT block face before and after its direction is inferred), and
the street table is recomputed from what is left, so a street seen only in held-out records is
unknown to the service, as a street missing from the partial gazetteer would be.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from connectors.geo.names import split_suffix

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_SOURCE = Path("/work/shared/geo")
ADDRESS_HOLDOUT_PER_MILLE = 40
INTERSECTION_HOLDOUT_PER_MILLE = 150
SIMPLIFY_DEGREES = 0.00005  # about 5 m: enough to name a district, never used for in/out


def _bucket(key: str) -> int:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 1000


def address_key(number: str, direction: str, name: str, suffix: str) -> str:
    """The hold-out key of an address: ``"3127 S BEVERLY DR"`` (upper case, single spaces)."""
    return " ".join(p.strip().upper() for p in (number, direction, name, suffix) if p.strip())


def intersection_key(street_a: str, street_b: str) -> str:
    """The hold-out key of an intersection: both streets, sorted, joined by ``" AT "``."""
    a, b = sorted(" ".join(s.upper().split()) for s in (street_a, street_b))
    return f"{a} AT {b}"


def is_held_out_address(key: str) -> bool:
    """Whether the benchmark holds this address out of the gazetteer."""
    return _bucket(key) < ADDRESS_HOLDOUT_PER_MILLE


def is_held_out_intersection(key: str) -> bool:
    """Whether the benchmark holds this intersection out of the gazetteer."""
    return _bucket(key) < INTERSECTION_HOLDOUT_PER_MILLE


def _read_csv(path: Path) -> Iterator[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _write_csv_gz(path: Path, header: list[str], rows: Iterable[list[Any]]) -> int:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    # mtime=0 keeps the file byte-identical between rebuilds
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(buffer.getvalue().encode("utf-8"))
    return count


def _write_json_gz(path: Path, data: Any) -> None:
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(text.encode("utf-8"))


def _load_geojson(path: Path) -> dict[str, Any]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def _features(
    path: Path, keep: dict[str, str], simplify: bool = True
) -> dict[str, Any]:
    """A FeatureCollection with only the ``keep`` properties (renamed), optionally simplified."""
    from shapely.geometry import mapping, shape

    features = []
    for feature in _load_geojson(path)["features"]:
        geometry = shape(feature["geometry"])
        if simplify:
            geometry = geometry.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
        properties = {new: feature["properties"].get(old) for old, new in keep.items()}
        features.append(
            {"type": "Feature", "properties": properties, "geometry": _rounded(mapping(geometry))}
        )
    return {"type": "FeatureCollection", "features": features}


def _rounded(geometry: Any) -> Any:
    """Coordinates rounded to 6 decimals (about 10 cm)."""
    def walk(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            if value and isinstance(value[0], float):
                return [round(v, 6) for v in value]
            return [walk(v) for v in value]
        return value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def build(source: Path, target: Path = DATA_DIR) -> dict[str, int]:
    """Writes every data file of the service; returns row counts for the report."""
    target.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    _write_json_gz(
        target / "city.geojson.gz",
        _features(source / "la_city_boundary.geojson", {"name": "name"}, simplify=False),
    )
    _write_json_gz(
        target / "council_districts.geojson.gz",
        _features(source / "la_city_council_districts_2021.geojson", {"district": "district"}),
    )
    _write_json_gz(
        target / "neighborhood_councils.geojson.gz",
        _features(
            source / "la_city_neighborhood_councils.geojson.gz",
            {"nc_id": "nc_id", "name": "name", "website": "website"},
        ),
    )
    _write_json_gz(
        target / "jurisdictions.geojson.gz",
        _features(
            source / "la_county_jurisdictions_derived.geojson.gz",
            {"jurisdiction": "name", "type": "type"},
        ),
    )
    _write_json_gz(
        target / "communities.geojson.gz",
        _features(
            source / "la_county_csa_simplified.geojson",
            {"type": "type", "city": "city", "community": "community"},
            simplify=False,
        ),
    )
    _write_json_gz(
        target / "census_places.geojson.gz",
        _features(
            source / "la_county_census_places_2018.geojson", {"name": "name", "kind": "kind"}
        ),
    )
    counts["zips"] = _write_csv_gz(
        target / "zip_crosswalk.csv.gz",
        ["zip", "share_in_city", "status", "other_jurisdictions", "usps_city", "usps_other"],
        (
            [r["zip"], r["share_in_la_city"], r["la_city_status"], r["other_jurisdictions"],
             r["usps_city"], r["usps_acceptable_cities"]]
            for r in _read_csv(source / "la_zip_city_crosswalk.csv")
        ),
    )
    counts.update(_build_gazetteer(source, target))
    return counts


def _build_gazetteer(source: Path, target: Path) -> dict[str, int]:
    rows = list(_read_csv(source / "la_address_points_311_ladot.csv.gz"))
    original = [
        address_key(r["house_number"], r["dir"], r["street_name"], r["suffix"]) for r in rows
    ]
    _infer_directions(rows)
    points = []
    dropped_points = 0
    for row, before in zip(rows, original, strict=True):
        key = address_key(row["house_number"], row["dir"], row["street_name"], row["suffix"])
        if is_held_out_address(key) or is_held_out_address(before):
            dropped_points += 1
            continue
        points.append(row)
    intersections = []
    dropped_intersections = 0
    for row in _read_csv(source / "la_intersections_311.csv"):
        if is_held_out_intersection(intersection_key(row["street_a"], row["street_b"])):
            dropped_intersections += 1
            continue
        intersections.append(row)

    n_points = _write_csv_gz(
        target / "address_points.csv.gz",
        ["number", "dir", "name", "suffix", "zip", "lat", "lon"],
        sorted(
            (
                [int(p["house_number"]), p["dir"], p["street_name"], p["suffix"], p["zip"],
                 round(float(p["lat"]), 6), round(float(p["lon"]), 6)]
                for p in points
            ),
            key=lambda r: (r[2], r[3], r[1], r[0]),
        ),
    )
    n_intersections = _write_csv_gz(
        target / "intersections.csv.gz",
        ["street_a", "street_b", "lat", "lon", "n", "zip"],
        (
            [r["street_a"], r["street_b"], round(float(r["lat"]), 6),
             round(float(r["lon"]), 6), r["n_observations"], r["zip"]]
            for r in intersections
        ),
    )

    # Street table: every (name, suffix) seen in a kept point or intersection.
    seen: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"n": 0, "dirs": set(), "zips": set(), "lats": [], "lons": []}
    )
    for p in points:
        entry = seen[(p["street_name"], p["suffix"])]
        entry["n"] += 1
        if p["dir"]:
            entry["dirs"].add(p["dir"])
        if p["zip"]:
            entry["zips"].add(p["zip"])
        entry["lats"].append(float(p["lat"]))
        entry["lons"].append(float(p["lon"]))
    for r in intersections:
        for street in (r["street_a"], r["street_b"]):
            entry = seen[split_suffix(street)]
            entry["n"] += 1
            if r["zip"]:
                entry["zips"].add(r["zip"])
            entry["lats"].append(float(r["lat"]))
            entry["lons"].append(float(r["lon"]))
    n_streets = _write_csv_gz(
        target / "streets.csv.gz",
        ["name", "suffix", "n", "dirs", "zips", "lat", "lon"],
        (
            [name, suffix, e["n"], "|".join(sorted(e["dirs"])), "|".join(sorted(e["zips"])),
             round(statistics.median(e["lats"]), 6), round(statistics.median(e["lons"]), 6)]
            for (name, suffix), e in sorted(seen.items())
            if name
        ),
    )
    return {
        "address_points": n_points,
        "address_points_held_out": dropped_points,
        "intersections": n_intersections,
        "intersections_held_out": dropped_intersections,
        "streets": n_streets,
    }


def _infer_directions(points: list[dict[str, str]], max_metres: float = 400.0) -> None:
    """Gives LADOT block faces without a direction the nearest MyLA311 point's direction.

    ``"400 SPRING ST"`` becomes ``"400 S SPRING ST"`` when a MyLA311 point of the same street
    is within ``max_metres``.
    """
    import numpy as np

    by_street: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for p in points:
        by_street[(p["street_name"], p["suffix"])].append(p)
    for rows in by_street.values():
        known = [p for p in rows if p["dir"]]
        blank = [p for p in rows if not p["dir"]]
        if not known or not blank:
            continue
        k = np.array([[float(p["lat"]), float(p["lon"])] for p in known])
        for p in blank:
            d_lat = (k[:, 0] - float(p["lat"])) * 111_320.0
            d_lon = (k[:, 1] - float(p["lon"])) * 92_300.0
            distance = np.hypot(d_lat, d_lon)
            i = int(distance.argmin())
            if distance[i] <= max_metres:
                p["dir"] = known[i]["dir"]


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m connectors.geo.build [--source DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args(argv)
    counts = build(args.source)
    for name, count in counts.items():
        print(f"{name:>26}: {count}")


if __name__ == "__main__":
    main()
