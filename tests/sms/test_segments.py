"""GSM-7 / UCS-2 detection, segment counting and shortening replies to three segments."""

from __future__ import annotations

import random
import re

import pytest

from connectors.sms.segments import (
    analyze,
    count_segments,
    encoding_of,
    fit_sms,
    is_gsm7,
    smart_encode,
    split_for_sms,
    url_spans,
)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Señor Muñoz, ¿qué necesita? ¡Gracias!", "GSM-7"),  # é ñ ¿ ¡ are in GSM-7
        ("Pingüino en el café. ÑANDÚ"[:20], "GSM-7"),  # ü, é, Ñ
        ("Su solicitud fue recibida. Número: 1-2345", "UCS-2"),  # ú is not
        ("¿Dónde está el bache?", "UCS-2"),  # ó, á are not
        ("Gracias por su información", "UCS-2"),  # ó
        ("¿Cuántos días tarda?", "UCS-2"),  # á, í
        ("Ana vive en la avenida Cesar Chavez, a la izquierda", "GSM-7"),
        ("Árbol caído", "UCS-2"),  # Á, í
        ("à bientôt", "UCS-2"),  # à is GSM-7, ô is not
        ("Report #123 costs 5€ [approx] {ok} ~ | ^ \\", "GSM-7"),  # extension table
        ("Thanks 👍", "UCS-2"),
        ("Smart “quotes”", "UCS-2"),
    ],
)
def test_encoding_of_english_and_spanish(text: str, encoding: str) -> None:
    assert encoding_of(text) == encoding
    assert is_gsm7(text) == (encoding == "GSM-7")


def test_spanish_letters_in_and_out_of_gsm7() -> None:
    assert all(is_gsm7(ch) for ch in "éñÑüÜ¿¡àÉ")
    assert not any(is_gsm7(ch) for ch in "áíóúÁÍÓÚ")


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 459, 3),
        ("a" * 460, 4),
        ("á" * 70, 1),
        ("á" * 71, 2),
        ("á" * 134, 2),
        ("á" * 135, 3),
        ("á" * 201, 3),
        ("á" * 202, 4),
        ("€" * 80, 1),  # 160 septets: each extension character counts 2
        ("€" * 81, 2),
        ("👍" * 35, 1),  # outside the BMP: two UCS-2 units each
        ("👍" * 36, 2),
    ],
)
def test_segment_limits(text: str, segments: int) -> None:
    assert count_segments(text) == segments


def test_escaped_character_is_never_split_across_parts() -> None:
    text = "a" * 152 + "€" + "a" * 152  # 306 septets, but "€" cannot straddle parts 1 and 2
    assert analyze(text).units == 306
    assert count_segments(text) == 3


def test_a_single_accent_turns_the_whole_reply_into_ucs2() -> None:
    gsm = "Su reporte del bache en la calle Figueroa fue recibido. " * 2
    assert analyze(gsm).segments == 1
    assert count_segments(gsm + "Gracias por la información.") == 3


LONG_EN = (
    "Thank you for your report. A crew from the Bureau of Street Services will inspect the "
    "pothole at 200 N Spring St within five business days. You can track the request online "
    "with the number we sent earlier. If the pothole is causing a dangerous condition, please "
    "call 3-1-1 right away so that an operator can dispatch a crew today. We appreciate your "
    "help keeping Los Angeles streets safe for everyone who walks, bikes and drives them."
)
LONG_ES = (
    "Gracias por su reporte. Un equipo de la Oficina de Servicios de Calles inspeccionará el "
    "bache en 200 N Spring St en un plazo de cinco días hábiles. Puede seguir su solicitud en "
    "línea con el número que le enviamos. Si el bache representa un peligro, llame al 3-1-1 "
    "de inmediato para que un operador envíe un equipo hoy mismo. Agradecemos su ayuda."
)


def test_short_reply_is_unchanged() -> None:
    assert fit_sms("  Hello! How can I help?  ") == "Hello! How can I help?"


def test_english_reply_is_cut_at_a_boundary_with_gsm_ellipsis() -> None:
    text = LONG_EN * 2
    fitted = fit_sms(text)
    assert count_segments(fitted) <= 3
    assert encoding_of(fitted) == "GSM-7"  # "…" would have made it UCS-2
    assert fitted.endswith("...")
    kept = fitted.removesuffix("...").rstrip()
    assert text.startswith(kept)
    assert text[len(kept)] in " ." or kept.endswith(".")  # ends at a word or sentence boundary
    assert len(fitted) > 459 // 2  # a sentence end is preferred only if it keeps half the room


def test_spanish_reply_is_cut_with_unicode_ellipsis() -> None:
    fitted = fit_sms(LONG_ES)
    assert count_segments(fitted) <= 3
    assert encoding_of(fitted) == "UCS-2"
    assert fitted.endswith("…")
    assert LONG_ES.startswith(fitted.removesuffix("…").rstrip())
    assert len(fitted) > 201 // 2


@pytest.mark.parametrize("max_segments", [1, 2, 3])
def test_budget_is_respected(max_segments: int) -> None:
    for text in (LONG_EN, LONG_ES, "x" * 1000, "palabra " * 300):
        assert count_segments(fit_sms(text, max_segments)) <= max_segments


URL = "https://myla311.lacity.org/s/service-request/SR-1234567890?language=es_US"


def _urls(text: str) -> list[str]:
    return [text[start:end] for start, end in url_spans(text)]


def test_url_at_the_end_survives_by_dropping_text_before_it() -> None:
    text = f"{LONG_EN} {LONG_EN} Track your request: {URL}"
    fitted = fit_sms(text)
    assert count_segments(fitted) <= 3
    assert URL in fitted
    assert fitted.endswith(URL)


def test_url_and_following_words_survive() -> None:
    text = f"{LONG_ES} Más información en {URL} o llame al 3-1-1."
    fitted = fit_sms(text, 2)
    assert count_segments(fitted) <= 2
    assert URL in fitted


def test_url_across_the_cut_point_is_never_split() -> None:
    for prefix_len in range(380, 470, 3):
        text = "word " * (prefix_len // 5) + URL + " and some more words after the link." * 3
        fitted = fit_sms(text)
        assert count_segments(fitted) <= 3
        assert all(url == URL for url in _urls(fitted)), fitted[-120:]


def test_random_texts_fit_and_never_contain_a_partial_url() -> None:
    rng = random.Random(311)
    words = "the pothole calle bache está señor información report graffiti árbol 3-1-1".split()
    links = [URL, "http://lacity.gov/311", "https://la.gov/a?b=c&d=é"]
    for _ in range(300):
        parts = [rng.choice(words + links if rng.random() < 0.05 else words) for _ in range(200)]
        text = " ".join(parts[: rng.randint(1, 200)])
        budget = rng.randint(1, 3)
        fitted = fit_sms(text, budget)
        assert count_segments(fitted) <= budget
        assert all(url in links for url in _urls(fitted)), fitted


def test_suffix_always_survives() -> None:
    options = "1) Pothole\n2) Graffiti\n3) Bulky item pickup"
    fitted = fit_sms(LONG_EN * 2, suffix=options)
    assert fitted.endswith("\n" + options)
    assert count_segments(fitted) <= 3


def test_smart_encoding_keeps_english_replies_gsm7() -> None:
    text = "• It’s “done” — see you… soon\u00a0!"
    assert encoding_of(text) == "UCS-2"
    assert smart_encode(text) == '- It\'s "done" - see you... soon !'
    assert encoding_of(smart_encode(text)) == "GSM-7"
    assert smart_encode("¿Dónde está?") == "¿Dónde está?"  # letters are never changed


def test_a_reply_that_needs_ucs2_anyway_keeps_its_punctuation() -> None:
    """"월·수·금" (Mon, Wed, Fri) must not become "월-수-금", which reads as a range."""
    text = "홀수 주소는 월·수·금에 틀 수 있어요…"
    assert smart_encode(text) == text
    assert count_segments(smart_encode(text)) == count_segments(text)


def test_split_for_sms_packs_short_messages_in_order() -> None:
    bodies = split_for_sms(["Hi! I'm the LA 311 Assistant.", "", "  ", "What can I help with?"])
    assert bodies == ["Hi! I'm the LA 311 Assistant.\n\nWhat can I help with?"]


def test_split_for_sms_keeps_every_body_within_budget() -> None:
    bodies = split_for_sms([LONG_EN, "Anything else?", LONG_ES * 2, "Adiós."])
    assert all(count_segments(body) <= 3 for body in bodies)
    assert bodies[0].startswith(LONG_EN[:50]) and "Anything else?" in bodies[0]
    assert bodies[-1].endswith("Adiós.")
    assert re.search(r"Gracias por su reporte", bodies[1])
