"""Street names out of what the danger classifier reads: a place is not a sign of danger.

Most danger examples say where the danger is ("se quema una casa en la Alvarado y la 6"), so the
classifier's word and character n-grams learned street names as danger words, and ordinary
Spanish reports that name two streets ("hay graffiti en la pared de la tiendita en la Vermont y
Slauson") were led by a 911 line. :func:`mask_places` replaces a City street name (from the
street gazetteer in ``connectors/geo/data/streets.csv.gz``) that stands where a place is said —
after "en la", "on", "at", "y", "and", "esquina de"…, or before "st", "ave", "blvd"… — with one
placeholder word, in training and at run time alike. A name that is also a word of a danger
pattern (a "Fire Rd", a "Gas Co") is never masked; the patterns themselves still read the
original text.
"""

from __future__ import annotations

import csv
import gzip
import re
from functools import lru_cache
from pathlib import Path

STREETS = Path(__file__).resolve().parent.parent / "connectors/geo/data/streets.csv.gz"
PLACEHOLDER = "lugar"
_BEFORE = frozenset(
    "en la el on at y and con de by near entre esquina corner calle street avenida "
    "between off sobre por frente of from to past hacia desde".split())
_AFTER = frozenset("st street ave avenue av blvd boulevard dr drive rd road way pl place ln "
                   "lane ct court pkwy hwy".split())
_ORDINAL = re.compile(r"^\d{1,3}(st|nd|rd|th|a|ava|va)?$")
_MAX_WORDS = 3


@lru_cache(maxsize=1)
def street_names() -> frozenset[tuple[str, ...]]:
    """The City's street names as word tuples ("cesar e chavez" → ("cesar", "e", "chavez"))."""
    names: set[tuple[str, ...]] = set()
    with gzip.open(STREETS, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            words = tuple(re.findall(r"[a-z0-9]+", row["name"].lower()))
            if words and len(words) <= _MAX_WORDS:
                names.add(words)
    return frozenset(names)


def mask_places(form: str, keep: frozenset[str] = frozenset()) -> str:
    """``form`` (see :func:`bot.text.matching_form`) with street names said as places masked.

    Args:
        form: Folded words separated by single spaces.
        keep: Words never masked (the danger patterns' words).
    """
    words = form.split()
    names = street_names()
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(_MAX_WORDS, 0, -1):
            span = tuple(words[i:i + size])
            if len(span) < size:
                continue
            known = span in names or (size == 1 and bool(_ORDINAL.match(span[0])))
            if not known or any(word in keep for word in span):
                continue
            before = words[i - 1] if i else ""
            after = words[i + size] if i + size < len(words) else ""
            if before in _BEFORE or after in _AFTER:
                out.append(PLACEHOLDER)
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)
