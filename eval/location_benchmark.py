"""Location benchmark: in/out of the City, street recognition, distance, latency.

Reads ``eval/data/location_benchmark_*.yml``:

* ``…_real.yml`` — real MyLA311 addresses and intersections held out of the shipped gazetteer,
  typed the many ways residents type them (generated, seeded: ``python -m eval.location_cases``);
* ``…_outside_generated.yml`` and ``…_outside.yml`` — places outside the City (generated
  from real streets and the ZIP crosswalk; and written by hand);
* ``…_nonplaces.yml`` — answers that are not places.

Prints, overall and per variant:

* in/out accuracy over every place (an answer is "in" when the service returns a place in the
  City; a question about a split ZIP counts as wrong for a City record and as not accepted for
  an outside one), and the number of outside places accepted as inside (must be 0);
* outside places whose answer names the right place;
* non-places accepted as a place (must be 0);
* street recognition on the real records (every street of the record named in the answer);
* distance from the answer's point to the record's own coordinates (median, p90) and how
  many answers had no point;
* latency of ``resolve`` after loading (p50, p95, max) and the load time.

Usage: ``python -m eval.location_benchmark [--show-errors]``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

from connectors.geo import NotAPlace, Place, SplitZip
from connectors.geo.offline import OfflineLocationService

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "eval" / "data"
TARGETS = {"in_out": 0.98, "street": 0.95, "median_m": 150.0}


def load_cases() -> dict[str, list[dict[str, Any]]]:
    """The benchmark's cases by part: ``real``, ``outside``, ``nonplaces``."""
    def read(name: str) -> Any:
        return yaml.safe_load((DATA / f"location_benchmark_{name}.yml").read_text("utf-8"))

    outside = [
        {**case, "source": "generated"} for case in read("outside_generated")
    ] + [{**case, "expect": "out", "source": "hand"} for case in read("outside")]
    return {
        "real": read("real"),
        "outside": outside,
        "nonplaces": [{"text": str(text), "expect": "none"} for text in read("nonplaces")],
    }


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def _words(text: str) -> str:
    return " " + " ".join(text.upper().replace(",", " ").replace("&", " ").split()) + " "


def _names_street(result: Place, street: str) -> bool:
    """Whether the answer names the record's street ("WILSHIRE BLVD") as the City writes it."""
    return f" {street} " in _words(result.short)


def _names_place(result: Any, place: str) -> bool:
    if not isinstance(result, Place):
        return False
    j = result.jurisdiction
    said = " ".join(str(x) for x in (j.name, j.community, result.text, result.typed_place) if x)
    return place.lower() in said.lower()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run(show_errors: bool = False) -> dict[str, float]:
    """Scores the service on every case and prints the report; returns the headline figures."""
    started = time.perf_counter()
    service = OfflineLocationService()
    load_s = time.perf_counter() - started
    cases = load_cases()
    latencies: list[float] = []
    results: dict[str, list[tuple[dict[str, Any], Any]]] = {}
    for part, items in cases.items():
        results[part] = []
        for case in items:
            t = time.perf_counter()
            result = service.resolve(case["text"])
            latencies.append((time.perf_counter() - t) * 1000)
            results[part].append((case, result))

    errors: list[str] = []
    in_out_right = in_out_total = outside_as_inside = asked = 0
    by_variant: dict[str, Counter[str]] = defaultdict(Counter)
    for part in ("real", "outside"):
        for case, result in results[part]:
            accepted = isinstance(result, Place) and result.in_city
            expect_in = case["expect"] == "in"
            right = accepted == expect_in
            asked += isinstance(result, SplitZip)
            if expect_in and isinstance(result, SplitZip):
                right = False
            if not expect_in and accepted:
                outside_as_inside += 1
            in_out_total += 1
            in_out_right += right
            variant = str(case.get("variant", case.get("source", "hand"))).split(":")[0]
            by_variant[f"{part}:{variant}"]["n"] += 1
            by_variant[f"{part}:{variant}"]["in_out"] += right
            if not right:
                errors.append(f"IN/OUT  {case['text']!r} → {_short(result)}")

    named = sum(_names_place(r, c["place"]) for c, r in results["outside"])
    for case, result in results["outside"]:
        if not _names_place(result, case["place"]):
            errors.append(f"PLACE   {case['text']!r} (want {case['place']}) → {_short(result)}")
    nonplace_accepted = 0
    for case, result in results["nonplaces"]:
        if isinstance(result, Place) and result.usable:
            nonplace_accepted += 1
            errors.append(f"NONE    {case['text']!r} → {_short(result)}")

    street_right = 0
    distances: list[float] = []
    no_point = 0
    for case, result in results["real"]:
        ok = isinstance(result, Place) and all(_names_street(result, s) for s in case["street"])
        street_right += ok
        variant = f"real:{str(case['variant']).split(':')[0]}"
        by_variant[variant]["street"] += ok
        if not ok:
            errors.append(f"STREET  {case['text']!r} (want {case['street']}) → {_short(result)}")
        if isinstance(result, Place) and result.has_point:
            assert result.lat is not None and result.lon is not None
            distance = _haversine(result.lat, result.lon, case["lat"], case["lon"])
            distances.append(distance)
            if distance > 1000:
                errors.append(f"FAR     {case['text']!r} {distance:.0f} m → {_short(result)}")
        else:
            no_point += 1

    n_real = len(results["real"])
    figures = {
        "in_out": in_out_right / in_out_total,
        "outside_as_inside": float(outside_as_inside),
        "nonplace_accepted": float(nonplace_accepted),
        "street": street_right / n_real,
        "median_m": statistics.median(distances),
        "p90_m": _percentile(distances, 0.9),
    }
    n_out = len(results["outside"])
    print(f"cases: {n_real} real City records (held out of the gazetteer), {n_out} outside the "
          f"City ({sum(c['source'] == 'hand' for c in cases['outside'])} by hand), "
          f"{len(results['nonplaces'])} non-places")
    print(f"in/out of City accuracy      {figures['in_out']:.3f}  ({in_out_right}/{in_out_total};"
          f" split-ZIP questions asked: {asked})   target ≥ {TARGETS['in_out']}")
    print(f"outside accepted as inside   {outside_as_inside}   target 0")
    print(f"outside: right place named   {named}/{n_out}")
    print(f"non-places accepted          {nonplace_accepted}/{len(results['nonplaces'])}"
          "   target 0")
    print(f"street recognition           {figures['street']:.3f}  ({street_right}/{n_real})"
          f"   target ≥ {TARGETS['street']}")
    print(f"distance to record's point   median {figures['median_m']:.0f} m, p90 "
          f"{figures['p90_m']:.0f} m over {len(distances)} answers ({no_point} without a "
          f"point)   target median ≤ {TARGETS['median_m']:.0f} m")
    print(f"resolve latency              p50 {_percentile(latencies, 0.5):.2f} ms, p95 "
          f"{_percentile(latencies, 0.95):.2f} ms, max {max(latencies):.1f} ms "
          f"(after loading the data once: {load_s:.2f} s)")
    print("\nper variant                  n   in/out  street")
    for key in sorted(by_variant):
        row = by_variant[key]
        street = f"{row['street'] / row['n']:.3f}" if key.startswith("real:") else "   -"
        print(f"  {key:<26} {row['n']:>3}   {row['in_out'] / row['n']:.3f}   {street}")
    if show_errors:
        print("\n" + "\n".join(errors))
    return figures


def _short(result: Any) -> str:
    if isinstance(result, Place):
        return (f"{result.kind} {result.text!r} [{result.jurisdiction.kind}"
                f"{' ' + result.jurisdiction.name if not result.in_city else ''}]")
    if isinstance(result, SplitZip):
        return f"ask which side of {result.zip_code}"
    if isinstance(result, NotAPlace):
        return f"not a place ({result.reason})"
    return repr(result)


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m eval.location_benchmark [--show-errors]``."""
    parser = argparse.ArgumentParser(description="Score the location service.")
    parser.add_argument("--show-errors", action="store_true", help="list every miss")
    run(parser.parse_args(argv).show_errors)


if __name__ == "__main__":
    main()
