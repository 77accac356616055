import pytest

from bot.language import detect_language, requested_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("hola", "es"),
        ("hello", "en"),
        ("hay un pothole en mi calle", "es"),
        ("someone tagged my garage", "en"),
        ("¿qué va en el bote verde?", "es"),
        ("what goes in the green bin", "en"),
        ("gracias", "es"),
        ("no hablo inglés", "es"),
        ("can you speak spanish", "es"),
        ("english please", "en"),
    ],
)
def test_clear_messages_get_their_language(text: str, language: str) -> None:
    assert detect_language(text).language == language


@pytest.mark.parametrize(
    "text", ["ok", "no", "1-1000023", "😀😀", "5th St & Main St", "3600 W 6th St", ""]
)
def test_short_or_ambiguous_messages_keep_the_conversation_language(text: str) -> None:
    assert detect_language(text).language is None


def test_a_negated_language_mention_is_not_a_request() -> None:
    assert requested_language("I don't speak Spanish") is None
    assert requested_language("¿habla inglés?") == "en"


@pytest.mark.parametrize(
    "text",
    ["3500 Las Vegas Blvd S, Las Vegas, NV 89109", "6th St and San Pedro St",
     "Los Feliz Blvd and Hillhurst Ave", "1550 Ocean Ave, Santa Monica", "300 La Brea Ave"],
)
def test_spanish_words_in_place_names_do_not_switch_the_language(text: str) -> None:
    assert detect_language(text).language is None
