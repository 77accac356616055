"""Carrier keywords in English and Spanish, and the replies the channel sends for them."""

from __future__ import annotations

import pytest

from connectors.sms.keywords import Action, classify
from connectors.sms.messages import _CATALOG, bilingual, message
from connectors.sms.segments import count_segments, encoding_of


@pytest.mark.parametrize(
    ("text", "action", "language"),
    [
        ("STOP", Action.OPT_OUT, "en"),
        ("stop", Action.OPT_OUT, "en"),
        ("  Stop.  ", Action.OPT_OUT, "en"),
        ("STOPALL", Action.OPT_OUT, "en"),
        ("Unsubscribe", Action.OPT_OUT, "en"),
        ("cancel", Action.OPT_OUT, "en"),
        ("END", Action.OPT_OUT, "en"),
        ("quit!", Action.OPT_OUT, "en"),
        ("PARA", Action.OPT_OUT, "es"),
        ("Alto", Action.OPT_OUT, "es"),
        ("CANCELAR.", Action.OPT_OUT, "es"),
        ("para", Action.OPT_OUT, "es"),
        ("Pára", Action.OPT_OUT, "es"),
        ("START", Action.OPT_IN, "en"),
        ("unstop", Action.OPT_IN, "en"),
        ("HELP", Action.HELP, "en"),
        ("info", Action.HELP, "en"),
        ("AYUDA", Action.HELP, "es"),
        ("¡Ayúda!", Action.HELP, "es"),
        ("\tayuda\n", Action.HELP, "es"),
    ],
)
def test_keywords(text: str, action: Action, language: str) -> None:
    keyword = classify(text)
    assert keyword is not None
    assert (keyword.action, keyword.language) == (action, language)


@pytest.mark.parametrize(
    "text",
    [
        "please stop",
        "stop the noise on my street",
        "para mañana",
        "necesito ayuda con un bache",
        "help me report graffiti",
        "yes",  # Twilio's opt-in word too, but an ordinary answer here
        "SÍ",
        "1",
        "",
        "STOP STOP",
    ],
)
def test_ordinary_messages_are_not_keywords(text: str) -> None:
    assert classify(text) is None


@pytest.mark.parametrize("key", sorted(_CATALOG))
def test_every_reply_exists_in_both_languages_and_is_short(key: str) -> None:
    for language in ("en", "es"):
        text = message(key, language)
        limit = 2 if (key, language) == ("help", "es") else 1
        assert count_segments(text) <= limit, (key, language, text)


@pytest.mark.parametrize("key", ["empty", "too_long", "unavailable"])
def test_replies_sent_in_both_languages_fit_one_segment(key: str) -> None:
    text = bilingual(key)
    assert count_segments(text) == 1
    assert text.startswith("LA 311 Assistant:") and "\n" in text


def test_help_says_who_we_are_911_how_to_stop_and_how_to_reach_a_person() -> None:
    """HELP is also what someone in danger may text: the reply names 911 first."""
    english, spanish = message("help", "en"), message("help", "es")
    assert english.startswith("LA 311 Assistant: In danger? Call 911.")
    assert "Reply STOP to opt out" in english
    assert "3-1-1" in english and "person" in english
    assert spanish.startswith("Asistente 311 de LA: Si hay peligro, llame al 911.")
    assert "Responda PARA para cancelar" in spanish
    assert "3-1-1" in spanish and "persona" in spanish


def test_english_replies_stay_gsm7() -> None:
    assert all(encoding_of(message(key, "en")) == "GSM-7" for key in _CATALOG)
