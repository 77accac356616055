"""Street names said as places are masked for the danger classifier; danger words never are."""

from __future__ import annotations

import pytest

from bot.place_mask import PLACEHOLDER, mask_places
from bot.safety import default_patterns
from bot.text import matching_form


def masked(text: str) -> str:
    return mask_places(matching_form(text), default_patterns().words())


@pytest.mark.parametrize(
    ("text", "expected"),
    [("en la Alvarado y la 6", "en la lugar y la lugar"),
     ("hay graffiti en la pared de la tiendita en la Vermont y Slauson",
      "hay graffiti en la pared de la tiendita en la lugar y lugar"),
     ("its on the corner of Cesar E Chavez and Soto", "its on the corner of lugar and lugar"),
     ("pothole at Sunset Blvd and Vine St", "pothole at lugar blvd and lugar st")],
)
def test_street_names_said_as_places_become_one_placeholder(text: str, expected: str) -> None:
    assert masked(text) == expected


@pytest.mark.parametrize(
    "text",
    ["my house is on fire", "se esta quemando la casa", "hay humo en la cocina",
     "a man with a gun at the park", "a kid fell in the river", "there is a gas leak"],
)
def test_danger_words_and_ordinary_words_stay(text: str) -> None:
    assert PLACEHOLDER not in masked(text).split()


def test_a_street_named_like_a_danger_word_is_not_masked() -> None:
    # "River" is a street and a word of the water patterns: the danger reading wins.
    assert masked("someone fell near river and is not breathing").split().count("river") == 1
