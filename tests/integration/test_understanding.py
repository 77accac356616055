"""What residents mean, in context: questions answered, offers taken up, corrections kept.

Each test is a conversation against the real Rasa server and action server (REST channel);
the assertions are what the resident reads and what the City backend ends up holding.
"""

from __future__ import annotations

import pytest

from tests.conftest import Stack, new_sender
from tests.integration.support import REQUEST_ID, backend_request, say

pytestmark = pytest.mark.integration

def form_step(stack: Stack, sender: str) -> str | None:
    """The form step the assistant is waiting on (``None`` when no request is open)."""
    tracker = stack.tracker(sender)
    if not (tracker.get("active_loop") or {}).get("name"):
        return None
    step: str | None = tracker["slots"].get("requested_slot")
    return step


def test_a_question_asked_first_is_answered_then_the_report_is_offered(
    rasa_stack: Stack,
) -> None:
    sender = new_sender()
    reply = say(rasa_stack, sender, "is there a reward for catching ppl who dump trash? "
                "someone keeps dumping junk behind our building", "1,000", "Want me to file")
    assert "Where is it?" not in reply
    assert form_step(rasa_stack, sender) is None


def test_naming_the_type_in_words_opens_that_report(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "hi i want to report graffiti", "Where is it?")
    assert rasa_stack.tracker(sender)["slots"]["service_code"] == "graffiti-removal"


def test_an_offer_taken_up_in_other_words_keeps_the_place_said_with_it(
    rasa_stack: Stack,
) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "¿cuánto se tardan en quitar un grafiti?", "72 horas",
        "¿Quiere que haga una solicitud")
    say(rasa_stack, sender, "ok pues quiero reportar uno, está en la 1st y Boyle")
    tracker = rasa_stack.tracker(sender)
    assert tracker["slots"]["service_code"] == "graffiti-removal"
    assert "1st St & Boyle Ave" in str(tracker["slots"]["address"])
    assert form_step(rasa_stack, sender) not in (None, "address")


def test_thanks_after_an_offer_declines_it(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "¿cuánto se tardan en quitar un grafiti?", "¿Quiere que haga")
    reply = say(rasa_stack, sender, "ah ok, gracias, nomás quería saber")
    assert "¿Dónde está?" not in reply
    assert form_step(rasa_stack, sender) is None


def test_a_type_change_that_names_the_items_is_not_asked_them_again(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "quiero reportar un carro abandonado en la Figueroa y la 42",
        "Describa el vehículo")
    reply = say(rasa_stack, sender,
                "ay perdón, no es carro. es un colchón y un sillón que alguien vino a tirar ahí")
    assert "¿Qué artículos son?" not in reply and "¿Cuántos" not in reply
    slots = rasa_stack.tracker(sender)["slots"]
    assert slots["service_code"] != "abandoned-vehicle"
    assert "colchon" in str(slots["item_description"]).replace("ó", "o")
    assert slots["item_count"] == "2"


def test_a_new_place_at_the_summary_changes_the_filed_address(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "hay un bache bien hondo en la Roscoe y Van Nuys Blvd")
    say(rasa_stack, sender, "saltar", "Roscoe Blvd & Van Nuys Blvd")
    say(rasa_stack, sender, "perdón me equivoqué de calle, es en la Roscoe y Woodman",
        "Roscoe Blvd & Woodman Ave")
    reply = say(rasa_stack, sender, "sí", "Su número de solicitud es")
    number = REQUEST_ID.search(reply)
    assert number, reply
    stored = backend_request(rasa_stack, number.group())
    assert stored["address"].startswith("Roscoe Blvd & Woodman Ave")


@pytest.mark.parametrize(("opening", "more", "language"), [
    ("the streetlight on Vanowen St and Woodman Ave is out", "hold on, it's 4 of them dark", "en"),
    ("no prende el poste de luz de Nordhoff St y Reseda Blvd",
     "perdón, en realidad son 4 las que no prenden", "es"),
])
def test_one_light_out_becomes_several_when_the_resident_counts_them(
    rasa_stack: Stack, opening: str, more: str, language: str
) -> None:
    sender = new_sender()
    say(rasa_stack, sender, opening)
    assert rasa_stack.tracker(sender)["slots"]["service_code"] == "single-streetlight"
    say(rasa_stack, sender, more)
    slots = rasa_stack.tracker(sender)["slots"]
    assert slots["service_code"] == "multiple-streetlight"
    assert slots["lights_out_count"] == "4"
    assert form_step(rasa_stack, sender) != "lights_out_count"


def test_a_softer_correction_mid_form_changes_the_type(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "abandoned car on W Adams Blvd and S Normandie Ave",
        "describe the vehicle")
    say(rasa_stack, sender, "oh wait, there are people sleeping in it and a couple of tents "
        "next to it, so really it's a homeless encampment")
    assert rasa_stack.tracker(sender)["slots"]["service_code"] == "homeless-encampment"


def test_a_polite_request_takes_up_the_offer_with_the_place_said_before(
    rasa_stack: Stack,
) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "a big tree fell on the power lines at Sherman Way and Reseda "
        "Blvd and the wires are sparking", "911", "Fallen Tree")
    reply = say(rasa_stack, sender, "ok fire dept is here. could you also put in the tree "
                "request so someone clears the street")
    assert "Where is it?" not in reply
    slots = rasa_stack.tracker(sender)["slots"]
    assert slots["service_code"] == "fallen-tree"
    assert "Sherman Way" in str(slots["address"])


def test_an_offer_taken_up_in_spanish_slang_opens_the_offered_type(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "quien recoge los gatos muertos de la calle?", "¿Quiere que haga")
    say(rasa_stack, sender, "ah bueno entonces reportalo, esta en la Vermont y la 50")
    slots = rasa_stack.tracker(sender)["slots"]
    assert slots["service_code"] == "dead-animal-removal"
    assert "Vermont" in str(slots["address"])


@pytest.mark.parametrize(("opening", "question", "answer"), [
    ("I need a pickup for an old sofa at 1200 W Temple St. It's by the gate, next to the "
     "trash bins", "is this free?", "free"),
    ("ocupo que recojan un sofá viejo en el 1200 W Temple St", "oiga y eso cobran o es gratis?",
     "gratis"),
])
def test_a_short_question_mid_form_is_answered_about_the_request_in_progress(
    rasa_stack: Stack, opening: str, question: str, answer: str
) -> None:
    sender = new_sender()
    say(rasa_stack, sender, opening)
    step = form_step(rasa_stack, sender)
    say(rasa_stack, sender, question, answer)
    assert form_step(rasa_stack, sender) == step


@pytest.mark.parametrize(("opening", "skip", "yes", "filed"), [
    ("there's an abandoned white van at 1200 W Temple St, flat tires", "skip",
     "yes still file the van report", "request number"),
    ("hay una camioneta blanca abandonada en el 1200 W Temple St, sin llantas", "saltar",
     "sí, todavía mande el reporte de la camioneta", "número de solicitud"),
])
def test_a_yes_that_restates_the_report_files_it(
    rasa_stack: Stack, opening: str, skip: str, yes: str, filed: str
) -> None:
    sender = new_sender()
    say(rasa_stack, sender, opening)
    for _ in range(4):
        if form_step(rasa_stack, sender) == "confirm_request":
            break
        say(rasa_stack, sender, skip)
    reply = say(rasa_stack, sender, yes, filed)
    number = REQUEST_ID.search(reply)
    assert number, reply
    assert backend_request(rasa_stack, number.group())["service_code"] == "abandoned-vehicle"


def test_a_type_change_that_names_the_old_type_too_keeps_the_new_items(
    rasa_stack: Stack,
) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "graffiti behind the laundromat at Pico Blvd and Union Ave")
    reply = say(rasa_stack, sender, "oops my mistake, they already painted over the graffiti. "
                "now somebody dumped a pile of drywall and tires back there")
    assert "What items" not in reply
    slots = rasa_stack.tracker(sender)["slots"]
    assert slots["service_code"] == "illegal-dumping"
    assert "drywall" in str(slots["item_description"])


def test_a_follow_up_question_is_not_answered_with_the_answer_just_given(
    rasa_stack: Stack,
) -> None:
    sender = new_sender()
    first = say(rasa_stack, sender, "can i use my consular id to get a library card?")
    second = say(rasa_stack, sender, "and how much does the card cost?")
    assert second.split("\n")[0] != first.split("\n")[0]
    assert "free" in second.lower()


@pytest.mark.parametrize(("question", "follow_up", "expected"), [
    ("my address is an odd number, which days can I run my sprinklers?",
     "and what hours am I not allowed to?", "4"),
    ("mi número de casa es par, ¿qué días me toca regar el pasto?",
     "¿y a qué hora no puedo regar?", "4"),
])
def test_a_follow_up_after_an_answer_and_an_offer_is_about_the_answer(
    rasa_stack: Stack, question: str, follow_up: str, expected: str
) -> None:
    """The answer offered a water-waste request; the follow-up asks about the watering rules."""
    sender = new_sender()
    say(rasa_stack, sender, question)
    assert rasa_stack.tracker(sender)["slots"].get("offered_service")
    assert expected in say(rasa_stack, sender, follow_up)


def test_a_cost_question_gets_the_passage_that_gives_the_cost(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "¿también recogen muebles grandes en edificios de apartamentos?")
    say(rasa_stack, sender, "¿y hay que pagar algo?", "gratis")


@pytest.mark.parametrize(
    ("opening", "items", "expected"),
    [("can i get a bulky item pickup at 3309 Wabash Ave", "an old stove and a water heater, "
      "no furniture. so thats appliances not bulky i guess?", "metal-household-appliances"),
     ("quiero que recojan cosas grandes en 3309 Wabash Ave", "una tele vieja y una compu, "
      "son electronicos, no muebles", "electronic-waste"),
     ("can i get a bulky item pickup at 3309 Wabash Ave", "a couch and a fridge", "bulky-items"),
     ("can i get a bulky item pickup at 3309 Wabash Ave", "a dryer", "bulky-items")],
)
def test_items_of_another_pickup_move_the_request_to_it(
    rasa_stack: Stack, opening: str, items: str, expected: str
) -> None:
    sender = new_sender()
    say(rasa_stack, sender, opening)
    assert form_step(rasa_stack, sender) == "item_description"
    say(rasa_stack, sender, items)
    slots = rasa_stack.tracker(sender)["slots"]
    assert slots["service_code"] == expected
    assert form_step(rasa_stack, sender) not in ("item_description", "address")
