"""Danger patterns of the language packs and the decision rule (bot/safety.py)."""

from __future__ import annotations

import pytest

from bot.safety import NONE, STRONG, WEAK, PatternMatch, Thresholds, decide, default_patterns

# Every message the issue quotes, plus SMS spellings: a pattern alone must catch each.
EMERGENCIES = [
    "my neighbors house is on fire",
    "¡Hay un incendio en el edificio de al lado!",
    "Hay un incendio en el edificio de al lado",
    "I smell gas really strong",
    "hay un hombre con una pistola afuera",
    "someone just got shot on my block",
    "mi hijo se cayó a la alberca y no responde",
    "gas leek",
    "fuego!!!",
    "FUEGOOO",
    "ayuda se quema mi casa",
    "hay un incendio en el edificio de al lado",
    "theres a tree on the power line and its sparking",
    "the wires are sparking on the sidewalk",
    "power line down on my street no sparks",  # a downed line is live whatever it shows
    "cable caido en la banqueta sin chispas",
    "HUELE A GAS EN TODA LA CASA",
    "grandpas face is drooping and hes slurring his words",
    "someone is breaking into my car right now",
]
# Ordinary messages the issue quotes: no pattern may treat them as danger by itself.
ORDINARY = [
    "there's graffiti on my fence",
    "the fire hydrant is leaking",
    "how do I get a fire permit",
    "smoke detector battery",
    "my trash wasn't picked up",
    "tengo una estufa de gas vieja para que se la lleven",
    "a qué número llamo para el recibo del gas",
    "the car hasn't moved in 3 weeks",
    "el carro no se mueve desde hace un mes",
    "311 is not responding to my request",
    "la boca de incendio de la esquina esta tirando agua",
    "la alarma de incendio del edificio suena cada rato",
    # the sparks are denied, not reported
    "palm fronds hanging on the lines on Colorado Blvd, nothing sparking, just wanted to report",
    "los cables de la luz estan bien bajitos, no hay chispas ni nada, solo estan colgando",
]


@pytest.mark.parametrize("text", EMERGENCIES)
def test_emergencies_match_a_strong_pattern(text: str) -> None:
    assert default_patterns().match(text).strength == STRONG, text


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_messages_are_not_strong_matches(text: str) -> None:
    assert default_patterns().match(text).strength != STRONG, text


@pytest.mark.parametrize("text", [
    "a branch is resting on the wires, nothing sparking, just wanted to report it",
    "si veo un cable caido a quien llamo? nomas pregunto para saber",
    "나뭇가지가 전선에 닿아 있어요 지금 아무 일도 없는데 미리 잘라 주셨으면 해요",
])
def test_said_outright_that_nothing_is_happening_reads_as_ordinary(text: str) -> None:
    """The classifier then needs its ordinary-context certainty to call it danger."""
    assert default_patterns().match(text).ordinary, text


def test_an_event_in_the_past_is_only_a_weak_match() -> None:
    match = default_patterns().match("i smelled gas yesterday but they fixed it")
    assert match.strength == WEAK and match.past


def test_nobody_hurt_reads_as_ordinary() -> None:
    match = default_patterns().match("a car crashed into our fence, nobody got hurt")
    assert match.ordinary and match.strength != STRONG


@pytest.mark.parametrize(
    ("match", "probability", "danger"),
    [
        (PatternMatch(STRONG, "fire"), 0.0, True),
        (PatternMatch(WEAK, "fire"), 0.5, True),
        (PatternMatch(WEAK, "fire"), 0.3, False),
        (PatternMatch(NONE), 0.7, True),
        (PatternMatch(NONE), 0.55, False),
        (PatternMatch(WEAK, "gas", ordinary=True), 0.7, False),
        (PatternMatch(WEAK, "gas", ordinary=True), 0.85, True),
    ],
)
def test_decision_combines_patterns_and_classifier(
    match: PatternMatch, probability: float, danger: bool
) -> None:
    thresholds = Thresholds(alone=0.6, weak=0.45, ordinary=0.8)
    assert decide(match, probability, thresholds) is danger
