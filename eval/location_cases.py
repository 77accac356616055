"""Writes the generated parts of the location benchmark (seeded, reproducible).

* ``eval/data/location_benchmark_real.yml`` — real MyLA311 addresses and intersections that
  ``connectors.geo.build`` holds out of the shipped gazetteer (same hash rule), each written one
  of the ways residents type them: lower case, a typo in the street name, the suffix or the
  direction left out, the suffix spelled out, a Spanish or English lead-in, the ZIP, "Los
  Angeles" / "LA" or the community appended; intersections in either order with "and", "&",
  "y", "at", "/", "corner of …", "esquina de … y …", suffixes left out.
* ``eval/data/location_benchmark_outside_generated.yml`` — addresses outside the City: a real
  street of each place (written by hand below) with a house number, the place's name and/or a
  ZIP code that lies entirely outside the City (from the ZIP crosswalk).

The rest of the benchmark (other states, landmarks, tricky outside places, non-places) is
written by hand in ``eval/data/location_benchmark_outside.yml`` and
``…_nonplaces.yml``.

Usage: ``python -m eval.location_cases [--source /work/shared/geo]`` (needs shared/geo).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import re
from pathlib import Path
from typing import Any

import yaml

from connectors.geo.areas import Areas
from connectors.geo.build import (
    DEFAULT_SOURCE,
    address_key,
    intersection_key,
    is_held_out_address,
    is_held_out_intersection,
)
from connectors.geo.gazetteer import display_name
from connectors.geo.names import CITY_SUFFIXES, split_suffix

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "eval" / "data" / "location_benchmark_real.yml"
OUTSIDE = ROOT / "eval" / "data" / "location_benchmark_outside_generated.yml"
SEED = 311
N_ADDRESSES = 440
N_INTERSECTIONS = 150
_ADDRESS = re.compile(
    r"^(\d{1,6}) (?:([NSEW]) )?([A-Z0-9 ]+?) ([A-Z]+)(?: (NORTH|SOUTH|EAST|WEST|[NSEW]))?, (\d{5})$"
)
_LONG = {"ST": "Street", "AVE": "Avenue", "BLVD": "Boulevard", "DR": "Drive", "PL": "Place",
         "RD": "Road", "LN": "Lane", "CT": "Court", "TER": "Terrace", "CIR": "Circle"}
_DIR_WORD = {"N": "North", "S": "South", "E": "East", "W": "West"}
LEAD_EN = ["it's at {}", "the address is {}", "at {}", "in front of {}", "{} please",
           "its on {}", "near {}"]
LEAD_ES = ["está en {}", "la dirección es {}", "queda en {}", "en {}", "frente a {}",
           "es en la {}", "cerca de {}"]
CORNER = ["{a} and {b}", "{a} & {b}", "{b} and {a}", "{a} y {b}", "{a} at {b}", "{a} / {b}",
          "corner of {a} and {b}", "esquina de {a} y {b}", "en la esquina de {b} y {a}",
          "{a} and {b}", "intersection of {b} and {a}", "{a}&{b}"]

# Real streets of places outside the City, written by hand (the County's and cities' main
# streets), with how residents name the place.
OUTSIDE_STREETS: dict[str, tuple[str, list[str]]] = {
    "Santa Monica": ("other_city", ["Ocean Ave", "Wilshire Blvd", "Montana Ave", "Main St",
                                    "Lincoln Blvd", "Pico Blvd", "Broadway"]),
    "Pasadena": ("other_city", ["E Colorado Blvd", "N Lake Ave", "S Fair Oaks Ave",
                                "Orange Grove Blvd"]),
    "Burbank": ("other_city", ["E Olive Ave", "W Magnolia Blvd", "N Glenoaks Blvd",
                               "N Victory Blvd"]),
    "Glendale": ("other_city", ["N Brand Blvd", "E Colorado St", "S Central Ave"]),
    "Long Beach": ("other_city", ["E Ocean Blvd", "Pine Ave", "Atlantic Ave", "E Anaheim St"]),
    "Inglewood": ("other_city", ["W Manchester Blvd", "S Market St", "S La Brea Ave",
                                 "W Century Blvd"]),
    "Culver City": ("other_city", ["Culver Blvd", "Washington Blvd", "Sepulveda Blvd",
                                   "Overland Ave"]),
    "Beverly Hills": ("other_city", ["N Rodeo Dr", "Wilshire Blvd", "N Canon Dr",
                                     "S Beverly Dr", "N Rexford Dr"]),
    "West Hollywood": ("other_city", ["Santa Monica Blvd", "Sunset Blvd", "Melrose Ave",
                                      "N La Cienega Blvd"]),
    "Compton": ("other_city", ["W Compton Blvd", "E Rosecrans Ave", "N Long Beach Blvd"]),
    "Torrance": ("other_city", ["Hawthorne Blvd", "Torrance Blvd", "Crenshaw Blvd"]),
    "Carson": ("other_city", ["Avalon Blvd", "E Carson St"]),
    "Downey": ("other_city", ["Firestone Blvd", "Lakewood Blvd"]),
    "Alhambra": ("other_city", ["W Main St", "S Garfield Ave"]),
    "El Monte": ("other_city", ["Valley Blvd", "Santa Anita Ave"]),
    "Whittier": ("other_city", ["Whittier Blvd", "Greenleaf Ave"]),
    "Lancaster": ("other_city", ["W Lancaster Blvd", "Sierra Hwy"]),
    "Palmdale": ("other_city", ["E Palmdale Blvd"]),
    "Santa Clarita": ("other_city", ["Valencia Blvd", "Soledad Canyon Rd"]),
    "Malibu": ("other_city", ["Pacific Coast Hwy"]),
    "Huntington Park": ("other_city", ["Pacific Blvd", "Florence Ave"]),
    "South Gate": ("other_city", ["Tweedy Blvd", "Firestone Blvd"]),
    "Lynwood": ("other_city", ["Long Beach Blvd"]),
    "Montebello": ("other_city", ["Whittier Blvd", "W Beverly Blvd"]),
    "San Fernando": ("other_city", ["Maclay Ave", "San Fernando Rd"]),
    "Hawthorne": ("other_city", ["Hawthorne Blvd", "W El Segundo Blvd"]),
    "Gardena": ("other_city", ["W Gardena Blvd", "S Western Ave"]),
    "Redondo Beach": ("other_city", ["Pacific Coast Hwy"]),
    "Manhattan Beach": ("other_city", ["Manhattan Beach Blvd"]),
    "El Segundo": ("other_city", ["Main St"]),
    "Vernon": ("other_city", ["S Santa Fe Ave"]),
    "East Los Angeles": ("unincorporated", ["Whittier Blvd", "E Cesar Chavez Ave",
                                            "S Atlantic Blvd"]),
    "Altadena": ("unincorporated", ["N Lake Ave", "E Altadena Dr"]),
    "Marina del Rey": ("unincorporated", ["Admiralty Way", "Via Marina"]),
    "Willowbrook": ("unincorporated", ["Wilmington Ave"]),
    "Topanga": ("unincorporated", ["Topanga Canyon Blvd"]),
    "Hacienda Heights": ("unincorporated", ["Colima Rd"]),
    "Ladera Heights": ("unincorporated", ["La Tijera Blvd"]),
}


def _typo(word: str, rng: random.Random) -> str:
    """One edit in a word of at least six letters (what a hurried thumb does)."""
    if len(word) < 6 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["drop", "swap", "double", "vowel"])
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    vowels = "aeiou"
    for j in range(i, len(word)):
        if word[j] in vowels:
            return word[:j] + rng.choice([v for v in vowels if v != word[j]]) + word[j + 1:]
    return word


def _street(direction: str, name: str, suffix: str, rng: random.Random,
            variant: str) -> str:
    shown = display_name(name)
    suffix_text = suffix.capitalize()
    if variant == "no_suffix":
        suffix_text = ""
    elif variant == "long_suffix":
        suffix_text = _LONG.get(suffix, suffix_text)
        direction = _DIR_WORD.get(direction, direction)
    elif variant == "typo":
        words = shown.split()
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        words[longest] = _typo(words[longest].lower(), rng)
        shown = " ".join(words)
    if variant == "no_direction":
        direction = ""
    return " ".join(p for p in (direction, shown, suffix_text) if p)


def _address_cases(rows: list[dict[str, str]], areas: Areas, rng: random.Random) -> list[Any]:
    seen: set[str] = set()
    picked = []
    for row in rows:
        match = _ADDRESS.match(row["address"])
        if not match or not row["latitude"]:
            continue
        number, direction, name, suffix, _, zip_code = match.groups()
        if suffix not in CITY_SUFFIXES or len(name.split()) > 4:
            continue
        key = address_key(number, direction or "", name, suffix)
        if key in seen or not is_held_out_address(key):
            continue
        seen.add(key)
        picked.append((row, number, direction or "", name, suffix, zip_code))
    rng.shuffle(picked)
    variants = ["plain", "lower", "typo", "no_suffix", "no_direction", "long_suffix",
                "lead_en", "lead_es", "zip", "full", "la_zip", "community", "typo_lower"]
    cases = []
    for i, (row, number, direction, name, suffix, zip_code) in enumerate(picked[:N_ADDRESSES]):
        variant = variants[i % len(variants)]
        street = _street(direction, name, suffix, rng,
                         "typo" if variant == "typo_lower" else variant)
        text = f"{number} {street}"
        lat, lon = float(row["latitude"]), float(row["longitude"])
        if variant in ("lower", "typo_lower"):
            text = text.lower()
        elif variant == "lead_en":
            text = rng.choice(LEAD_EN).format(text)
        elif variant == "lead_es":
            text = rng.choice(LEAD_ES).format(text)
        elif variant == "zip":
            text = f"{text}, {zip_code}"
        elif variant == "full":
            text = f"{text}, Los Angeles, CA {zip_code}"
        elif variant == "la_zip":
            text = f"{text}, LA {zip_code}"
        elif variant == "community":
            community = areas.community_of(lat, lon)
            text = f"{text}, {community}" if community else f"{text} Los Angeles"
        cases.append({
            "text": text, "expect": "in", "kind": "address", "variant": variant,
            "street": [f"{name} {suffix}"], "lat": lat, "lon": lon, "id": row["srnumber"],
        })
    return cases


def _intersection_cases(rows: list[dict[str, str]], rng: random.Random) -> list[Any]:
    seen: set[str] = set()
    picked = []
    for row in rows:
        if " AT " not in row["address"] or not row["latitude"]:
            continue
        streets, _, _ = row["address"].partition(",")
        a, _, b = streets.partition(" AT ")
        (name_a, suffix_a), (name_b, suffix_b) = split_suffix(a), split_suffix(b)
        if not suffix_a or not suffix_b or max(len(name_a.split()), len(name_b.split())) > 3:
            continue
        key = intersection_key(a, b)
        if key in seen or not is_held_out_intersection(key):
            continue
        seen.add(key)
        picked.append((row, name_a, suffix_a, name_b, suffix_b))
    rng.shuffle(picked)
    cases = []
    for i, (row, name_a, suffix_a, name_b, suffix_b) in enumerate(picked[:N_INTERSECTIONS]):
        variant = ["plain", "lower", "no_suffix", "typo", "plain", "no_suffix_lower"][i % 6]
        style = "no_suffix" if variant.startswith("no_suffix") else variant
        a = _street("", name_a, suffix_a, rng, style)
        b = _street("", name_b, suffix_b, rng, "plain" if style == "typo" else style)
        template = CORNER[i % len(CORNER)]
        text = template.format(a=a, b=b)
        if "lower" in variant:
            text = text.lower()
        cases.append({
            "text": text, "expect": "in", "kind": "intersection",
            "variant": f"{variant}:{template.split('{')[0].strip() or 'joiner'}",
            "street": [f"{name_a} {suffix_a}", f"{name_b} {suffix_b}"],
            "lat": float(row["latitude"]), "lon": float(row["longitude"]),
            "id": row["srnumber"],
        })
    return cases


def _outside_cases(areas: Areas, rng: random.Random) -> list[Any]:
    zips_of: dict[str, list[str]] = {}
    for info in areas.zips.values():
        if info.share_in_city == 0.0 and info.others:
            zips_of.setdefault(info.others[0], []).append(info.zip_code)
    cases = []
    for place, (cls, streets) in OUTSIDE_STREETS.items():
        zips = zips_of.get(place, []) if cls == "other_city" else []
        for street in streets:
            number = rng.randrange(100, 9999)
            style = rng.choice(["city", "city_zip", "zip", "lower", "no_comma", "in"])
            if style == "zip" and not zips:
                style = "city"
            zip_code = rng.choice(zips) if zips else ""
            text = {
                "city": f"{number} {street}, {place}",
                "city_zip": f"{number} {street}, {place}, CA {zip_code}".rstrip(),
                "zip": f"{number} {street}, {zip_code}",
                "lower": f"{number} {street.lower()}, {place.lower()}",
                "no_comma": f"{number} {street} {place}",
                "in": f"{number} {street} in {place}",
            }[style]
            cases.append({"text": text, "expect": "out", "place": place, "variant": style})
    return cases


def main(argv: list[str] | None = None) -> None:
    """Writes the generated YAML files of the location benchmark."""
    parser = argparse.ArgumentParser(description="Generate the location benchmark's cases.")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args(argv)
    with gzip.open(args.source / "myla311_sample_2017_2018_2020.csv.gz", "rt") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: r["srnumber"])
    areas = Areas()
    rng = random.Random(SEED)
    real = _address_cases(rows, areas, rng) + _intersection_cases(rows, rng)
    header = ("# Generated by `python -m eval.location_cases` (seed {seed}) — do not edit.\n"
              "# {what}\n")
    REAL.write_text(
        header.format(seed=SEED, what="Held-out MyLA311 records (not in the shipped "
                      "gazetteer), typed the ways residents type them.")
        + yaml.safe_dump(real, allow_unicode=True, sort_keys=False, width=120),
        encoding="utf-8",
    )
    outside = _outside_cases(areas, random.Random(SEED + 1))
    OUTSIDE.write_text(
        header.format(seed=SEED + 1, what="Addresses outside the City: a real street of the "
                      "place, a generated house number, the place and/or a ZIP outside the City.")
        + yaml.safe_dump(outside, allow_unicode=True, sort_keys=False, width=120),
        encoding="utf-8",
    )
    print(f"{len(real)} real cases → {REAL.relative_to(ROOT)}")
    print(f"{len(outside)} outside cases → {OUTSIDE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
