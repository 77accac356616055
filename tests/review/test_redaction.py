"""Personal data is found and replaced; public numbers, streets and request numbers stay."""

from __future__ import annotations

import pytest

from eval.review.redaction import (
    SURROGATES,
    find_personal_data,
    public_phone_numbers,
    redact,
    redact_with_offsets,
)

CITY = public_phone_numbers(["call 3-1-1 or (213) 473-3231 from outside the City"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call me at 213-555-0199", "call me at [phone]"),
        ("my cell (213) 555-0199 please", "my cell [phone] please"),
        ("213.555.0199", "[phone]"),
        ("2135550199", "[phone]"),
        ("+1 213 555 0199 anytime", "[phone] anytime"),
        ("1-213-555-0199", "[phone]"),
        ("555-0199 is my house", "[phone] is my house"),
        ("mi cel es +52 55 1234 5678", "mi cel es [phone]"),
        ("mi teléfono es 213-555-0199.", "mi teléfono es [phone]."),
    ],
)
def test_phone_numbers_in_every_usual_spelling_are_redacted(text: str, expected: str) -> None:
    assert redact(text, CITY) == expected


def test_the_citys_published_number_and_request_numbers_are_kept() -> None:
    text = "I called (213) 473-3231 about 1-1000023 and Q-7KX2MP"
    assert redact(text, CITY) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email me: juan.perez+311@gmail.com", "email me: [email]"),
        ("mi correo es ana_lopez@correo.example.org, gracias", "mi correo es [email], gracias"),
    ],
)
def test_email_addresses_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("someone tagged my garage at 200 N Spring St",
         "someone tagged my garage at [number] N Spring St"),
        ("the address is 3600 W. 6th Street, Los Angeles, CA 90020",
         "the address is [number] W. 6th Street, Los Angeles, CA 90020"),
        ("couch at 5520 Hollywood Blvd", "couch at [number] Hollywood Blvd"),
        ("it's 2218 e cesar chavez ave apt 5B", "it's [number] e cesar chavez ave apt [number]"),
        ("vivo en calle Soto 1234", "vivo en calle Soto [number]"),
        ("en el 1234 de la calle Whittier", "en el [number] de la calle Whittier"),
    ],
)
def test_house_numbers_are_redacted_and_the_street_kept(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "there are 3 potholes on Main St",
        "2 cars on my street are abandoned",
        "corner of 5th St & Main St, 90012",
        "the light at Sunset and Vine has been out for 2 weeks",
    ],
)
def test_counts_street_names_and_zip_codes_are_not_house_numbers(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my name is Maria Lopez and I live here", "my name is [name] and I live here"),
        ("My name's Ana de la Cruz.", "My name's [name]."),
        ("my name is juan", "my name is [name]"),
        ("me llamo Juan Perez, mi teléfono es 213-555-0199",
         "me llamo [name], mi teléfono es [phone]"),
        ("Hola, mi nombre es Rosa y necesito ayuda", "Hola, mi nombre es [name] y necesito ayuda"),
        ("soy María López", "soy [name]"),
        ("call me Bob", "call me [name]"),
    ],
)
def test_names_the_resident_gives_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    ["soy de Boyle Heights", "soy residente de Los Ángeles", "call me at home", "soy yo"],
)
def test_soy_and_call_me_are_not_always_followed_by_a_name(text: str) -> None:
    assert redact(text) == text


def test_findings_do_not_overlap_and_are_in_order() -> None:
    text = "me llamo Ana, 200 N Spring St, ana@example.org, 213-555-0199"
    kinds = [f.kind for f in find_personal_data(text)]
    assert kinds == ["name", "number", "email", "phone"]


def test_offsets_map_both_ways_around_replacements() -> None:
    text = "me llamo Juan Perez, trash at 200 N Spring St now"
    redacted = redact_with_offsets(text)
    assert redacted.text == "me llamo [name], trash at [number] N Spring St now"
    start, end = text.index("200"), text.index(" now")
    new_start, new_end = redacted.new_offset(start), redacted.new_offset(end, is_end=True)
    assert redacted.text[new_start:new_end] == "[number] N Spring St"
    assert text[redacted.old_offset(new_start):redacted.old_offset(new_end, True)] == (
        "200 N Spring St"
    )
    # an offset inside a replaced piece snaps to its edges
    inside = text.index("Perez")
    assert redacted.new_offset(inside) == text.index("Juan")
    assert redacted.new_offset(inside, is_end=True) == redacted.text.index(",")


def test_surrogates_replace_personal_data_with_fiction_for_exports() -> None:
    text = "me llamo Juan, at 200 N Spring St, 213-555-0199, juan@gmail.com"
    assert redact(text, replacement=SURROGATES.__getitem__) == (
        "me llamo Alex, at 100 N Spring St, (213) 555-0100, resident@example.com"
    )
