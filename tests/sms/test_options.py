"""Buttons rendered as numbered options and numbered replies mapped back to payloads."""

from __future__ import annotations

import pytest

from connectors.sms.options import Option, match_option, parse_buttons, render_links, render_options

BUTTONS = [
    {"title": "Yes", "payload": "/affirm"},
    {"title": "No", "payload": "/deny"},
    {"title": "Map of LA", "url": "https://geohub.lacity.org"},
]


def test_buttons_become_numbered_lines() -> None:
    options, links = parse_buttons(BUTTONS)
    assert options == [Option("Yes", "/affirm"), Option("No", "/deny")]
    assert render_options(options) == "1) Yes\n2) No"
    assert render_options(options, start=3) == "3) Yes\n4) No"
    assert render_links(links) == "Map of LA: https://geohub.lacity.org"
    assert render_options([]) == ""


@pytest.mark.parametrize(
    ("reply", "payload"),
    [
        ("1", "/affirm"),
        ("2", "/deny"),
        ("1.", "/affirm"),
        (" 2 ", "/deny"),
        ("2)", "/deny"),
        ("#1", "/affirm"),
        ("3", None),  # not one of the options
        ("0", None),
        ("1 2", None),
        ("12 Main St", None),
        ("yes", None),
        ("", None),
    ],
)
def test_numbered_reply_maps_to_payload(reply: str, payload: str | None) -> None:
    options, _ = parse_buttons(BUTTONS)
    assert match_option(reply, options) == payload


def test_payload_with_entities_round_trips() -> None:
    options, _ = parse_buttons(
        [{"title": "Pothole", "payload": '/report{"request_type": "pothole"}'}]
    )
    assert match_option("1", options) == '/report{"request_type": "pothole"}'


def test_no_options_means_digits_pass_through() -> None:
    assert match_option("1", []) is None
