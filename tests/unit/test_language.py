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


# --- the conversation's language (bot.policies.language uses choose_language) -------------
from bot.language import choose_language  # noqa: E402

SUPPORTED = ["en", "es"]


def _entity(text: str) -> list[dict]:
    detection = detect_language(text)
    if detection.language is None:
        return []
    return [{"entity": "language", "value": detection.language, "method": detection.method,
             "words": detection.words, "evidence": detection.evidence,
             "confidence": detection.confidence}]


@pytest.mark.parametrize("reply", ["ya", "sí", "Y", "ok", "gracias", "2", "1200 W 7th St"])
def test_a_short_reply_never_switches_an_english_conversation(reply: str) -> None:
    assert choose_language("en", False, _entity(reply), None, SUPPORTED) == ("en", False)


@pytest.mark.parametrize("reply", ["ok", "yes", "thanks", "N", "Van Nuys Blvd and Sherman Way"])
def test_a_short_reply_never_switches_a_spanish_conversation(reply: str) -> None:
    assert choose_language("es", False, _entity(reply), None, SUPPORTED) == ("es", False)


def test_the_first_word_sets_the_language() -> None:
    assert choose_language(None, False, _entity("hola"), None, SUPPORTED) == ("es", False)
    assert choose_language(None, False, [], "es", SUPPORTED) == ("es", False)
    assert choose_language(None, False, [], None, SUPPORTED) == ("en", False)


def test_a_real_sentence_switches_and_an_explicit_choice_locks() -> None:
    sentence = _entity("necesito que recojan un sofá que dejaron en la banqueta")
    assert choose_language("en", False, sentence, None, SUPPORTED) == ("es", False)
    payload = [{"entity": "language", "value": "es"}]  # the web page's Español button
    assert choose_language("en", False, payload, None, SUPPORTED) == ("es", True)
    hi = _entity("hi can you help me with something please")
    assert choose_language("es", True, hi, None, SUPPORTED) == ("es", True)
    asked = _entity("English please")
    assert choose_language("es", True, asked, None, SUPPORTED) == ("en", True)
