"""The shipped gazetteer holds the benchmark's records out, by the rule the builder documents."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import yaml

from connectors.geo.build import (
    DATA_DIR,
    address_key,
    intersection_key,
    is_held_out_address,
    is_held_out_intersection,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_hold_out_rule_is_deterministic() -> None:
    assert intersection_key("VERMONT AVE", "6TH ST") == intersection_key("6th st", "Vermont Ave")
    keys = [address_key(str(n), "W", "6TH", "ST") for n in range(100, 5100)]
    held = sum(map(is_held_out_address, keys))
    assert 0.02 < held / len(keys) < 0.06
    assert [is_held_out_address(k) for k in keys[:50]] == [is_held_out_address(k)
                                                            for k in keys[:50]]


def test_no_benchmark_record_is_in_the_shipped_data() -> None:
    with gzip.open(DATA_DIR / "address_points.csv.gz", "rt", encoding="utf-8") as handle:
        shipped = {address_key(r["number"], r["dir"], r["name"], r["suffix"])
                   for r in csv.DictReader(handle)}
    with gzip.open(DATA_DIR / "intersections.csv.gz", "rt", encoding="utf-8") as handle:
        crossings = {intersection_key(r["street_a"], r["street_b"])
                     for r in csv.DictReader(handle)}
    assert not any(map(is_held_out_address, shipped))
    assert not any(map(is_held_out_intersection, crossings))
    cases = yaml.safe_load(
        (ROOT / "eval" / "data" / "location_benchmark_real.yml").read_text("utf-8")
    )
    assert len(cases) >= 400
    for case in cases:
        if case["kind"] == "intersection":
            assert intersection_key(*case["street"]) not in crossings
