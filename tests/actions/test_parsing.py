"""What the form reads in free answers (actions/parsing.py), in both languages."""

from __future__ import annotations

import pytest

from actions.parsing import (
    count_change,
    count_items,
    find_items,
    find_vehicle,
    has_cue,
    is_no,
    is_skip,
    is_yes,
    match_choice,
    parse_contact,
    parse_count,
)


@pytest.mark.parametrize(
    ("text", "items", "count"),
    [
        ("a couch and two chairs", ["couch", "chairs"], 3),
        ("hay un mattress tirado en la street", ["mattress"], 1),
        ("2 colchones y una secadora", ["colchones", "secadora"], 3),
        ("old box spring", ["box spring"], 1),
        ("the pothole is huge", [], None),
        ("several chairs and a couch", ["chairs", "couch"], None),  # how many: asked
        ("varias sillas", ["sillas"], None),
        ("소파 버리려고요", ["소파"], None),  # one sofa or several: asked
        ("매트리스 1개랑 침대 프레임 1개", ["매트리스", "침대 프레임"], 2),
        ("식탁 의자도 4개 있어요", ["식탁", "의자"], 4),  # dining chairs: 4, not 5
    ],
)
def test_items_and_their_count(text: str, items: list[str], count: int | None) -> None:
    assert find_items(text) == items
    assert count_items(text) == count


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("it's not a car, it's a mattress someone dumped", "correction"),
        ("no es un carro, es un colchón", "correction"),
        ("actually never mind, my cousin is gonna take it", "cancel"),
        ("olvídalo, mi primo se lo llevó", "cancel"),
        ("perdón, también hay una secadora", "addition"),
        ("also there's a dryer", "addition"),
    ],
)
def test_cues_of_a_change_of_mind(text: str, cue: str) -> None:
    assert has_cue(cue, text)


@pytest.mark.parametrize("text", ["2", "a couch", "200 N Spring St", "yes", "the gray one"])
def test_plain_answers_are_no_cancel(text: str) -> None:
    assert not has_cue("cancel", text)


def test_numbers_yes_no_and_skip() -> None:
    assert parse_count("unas cuatro") == 4 and parse_count("about 5") == 5
    assert parse_count("lots") is None
    assert parse_count("several streetlights are out") is None
    assert count_change("perdón, son 3 colchones") == 3
    assert count_change("actually it's 3 mattresses not 2") == 3
    yeses = ["yes", "Y", "ya", "sí por favor", "ok dale", "yes please file it"]
    assert all(is_yes(t) for t in yeses)
    assert not is_yes("yes but the address is wrong")
    assert all(is_no(t) for t in ["no", "nel", "nope"])
    assert is_skip("saltar") and is_skip("skip") and not is_skip("my email is a@b.co")


def test_choices_vehicles_and_contacts() -> None:
    assert match_choice("animal_type", "a dead kitten") == "cat"
    assert match_choice("animal_type", "un tlacuache") == "wildlife"
    assert match_choice("graffiti_surface", "they tagged my garage") == "wall"
    assert match_choice("blocking_traffic", "it's not blocking anything") == "no"
    assert match_choice("blocking_traffic", "it's blocking the road") == "yes"
    assert find_vehicle("a white honda civic plate 7ABC123 parked for weeks") == (
        "white honda civic, plate 7ABC123"
    )
    assert find_vehicle("there's a car on my street") is None
    assert parse_contact("call me at (213) 555-0147 or maria@example.com") == {
        "email": "maria@example.com", "phone": "+12135550147"}
