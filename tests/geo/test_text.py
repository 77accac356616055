"""Reading the street part and the tail of what residents type."""

from __future__ import annotations

import pytest

from connectors.geo.text import StreetText, drop_units, parse_street, split_tail, tokenize

PLACES = {"santa monica", "los angeles", "la", "pasadena", "sherman oaks", "san pedro",
          "las vegas", "venice", "exposition"}


def tail(text: str) -> tuple[str, str, str, tuple[str, ...]]:
    core, found = split_tail(drop_units(tokenize(text)), PLACES.__contains__)
    return " ".join(core), found.zip_code, found.state, found.places


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1550 Ocean Ave, Santa Monica", ("1550 ocean ave", "", "", ("santa monica",))),
        ("3600 W. 6th Street, LA 90020", ("3600 w 6th street", "90020", "", ("la",))),
        ("3500 Las Vegas Blvd S, Las Vegas, NV 89109",
         ("3500 las vegas blvd s", "89109", "Nevada", ("las vegas",))),
        ("700 Bourbon St, New Orleans, LA 70116", ("700 bourbon st , new orleans", "70116",
                                                   "Louisiana", ())),
        ("7508 N Jolene Ct, LA 91605", ("7508 n jolene ct", "91605", "", ("la",))),
        ("300 e colorado pasadena", ("300 e colorado", "", "", ("pasadena",))),
        ("Olympic and San Pedro", ("olympic and san pedro", "", "", ())),
        ("6th St and San Pedro St", ("6th st and san pedro st", "", "", ())),
        ("1234 Santa Monica Blvd", ("1234 santa monica blvd", "", "", ())),
        ("1483 W Exposition", ("1483 w exposition", "", "", ())),
        ("1200 W 7th St, Los Angeles, CA 90017-1234, USA",
         ("1200 w 7th st", "90017", "California", ("los angeles",))),
        ("1550 Ocean Ave in Santa Monica near the pier",
         ("1550 ocean ave near the pier", "", "", ("santa monica",))),
        ("en la esquina de Sunset y Vine", ("en la esquina de sunset y vine", "", "", ())),
    ],
)
def test_the_tail_is_split_off_without_eating_street_names(
    text: str, expected: tuple[str, str, str, tuple[str, ...]]
) -> None:
    assert tail(text) == expected


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("w 41st st", StreetText("W", "41ST", "ST")),
        ("las vegas blvd s", StreetText("", "LAS VEGAS", "BLVD", "S")),
        ("calle soto", StreetText("", "SOTO", "", "", "ST", "CALLE SOTO")),
        ("north sixth street", StreetText("N", "6TH", "ST")),
        ("avenue 50", StreetText("", "AVENUE 50", "")),
        ("6 st", StreetText("", "6TH", "ST")),
        ("cesar e chavez ave", StreetText("", "CESAR E CHAVEZ", "AVE")),
        ("la brea", StreetText("", "LA BREA", "")),
    ],
)
def test_street_phrases(words: str, expected: StreetText) -> None:
    assert parse_street(words.split()) == expected


@pytest.mark.parametrize("words", ["the corner", "near", "st", "1234", "my house"])
def test_not_street_phrases(words: str) -> None:
    assert parse_street(words.split()) is None


def test_units_and_halves_are_dropped() -> None:
    assert drop_units(tokenize("1234 1/2 Main St Apt 5")) == ["1234", "main", "st"]
    assert drop_units(tokenize("200 N Spring St # 3")) == ["200", "n", "spring", "st"]


def test_a_word_like_state_code_needs_a_comma_or_zip() -> None:
    assert tail("300 E Colorado Blvd, Pasadena in") == (
        "300 e colorado blvd", "", "", ("pasadena",)
    )
    assert tail("1 Main St, Indianapolis, IN 46204")[2] == "Indiana"
