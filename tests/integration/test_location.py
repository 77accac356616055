"""Where the problem is, through the real REST channel, in English and Spanish (issue 11).

Every location quoted in the issue as going wrong, against the real Rasa server, action server,
outbox and embedded Open311 server: other cities are named and nothing reaches the backend;
City intersections and addresses are accepted and filed normalised with lat/long; a resident
who cannot give a usable location is offered another way after two tries; a shared pin is used;
"what council district am I in?" is answered from the City's data.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.conftest import Stack, new_sender
from tests.integration.support import REQUEST_ID, say

pytestmark = pytest.mark.integration

def share_pin(stack: Stack, sender: str, lat: float, lon: float, accuracy: float) -> str:
    """What the web chat sends when the resident taps "Use my location"."""
    reply = httpx.post(
        f"{stack.public_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": "/share_location",
              "metadata": {"location": {"lat": lat, "lon": lon, "accuracy": accuracy}}},
        headers=stack.rest_auth(),
        timeout=60,
    )
    assert reply.status_code == 200, reply.text
    return "\n".join(m.get("text", "") for m in reply.json())


def stored(stack: Stack, reply: str) -> dict[str, Any]:
    """The request the backend holds for the number in the reply (waits for the outbox)."""
    match = REQUEST_ID.search(reply)
    assert match, reply
    deadline = time.monotonic() + 15
    while True:
        answer = httpx.get(f"{stack.open311_url}/requests/{match.group()}.json", timeout=10)
        if answer.status_code == 200:
            item: dict[str, Any] = answer.json()[0]
            return item
        assert time.monotonic() < deadline, f"{match.group()} never reached the backend"
        time.sleep(0.5)


def file_it(stack: Stack, sender: str, spanish: bool = False) -> dict[str, Any]:
    """Skips description and contact, confirms, and returns the stored request."""
    skip = "saltar" if spanish else "skip"
    say(stack, sender, skip)
    say(stack, sender, skip)
    reply = say(stack, sender, "sí" if spanish else "yes",
                "Su número de solicitud es" if spanish else "Your request number is")
    return stored(stack, reply)


@pytest.mark.parametrize(
    ("where", "place"),
    [
        ("1550 Ocean Ave, Santa Monica", "Santa Monica"),
        ("3500 Las Vegas Blvd S, Las Vegas, NV 89109", "Nevada"),
        ("300 E Colorado Blvd, Pasadena", "Pasadena"),
        ("9400 Culver Blvd, Culver City", "Culver City"),
        ("455 N Rexford Dr, Beverly Hills", "Beverly Hills"),
        ("275 E Olive Ave, Burbank", "Burbank"),
    ],
)
def test_other_cities_are_named_and_nothing_is_filed(
    rasa_stack: Stack, where: str, place: str
) -> None:
    before = len(rasa_stack.requests_on_backend())
    sender = new_sender()
    say(rasa_stack, sender, "I need a pothole fixed", "Where is it?")
    reply = say(rasa_stack, sender, where, place, "nothing was filed")
    assert "Where is it?" not in reply  # the refusal asks; the form does not repeat itself
    say(rasa_stack, sender, "cancel", "cancel")
    assert len(rasa_stack.requests_on_backend()) == before


def test_the_city_in_the_first_message_is_not_dropped(rasa_stack: Stack) -> None:
    before = len(rasa_stack.requests_on_backend())
    sender = new_sender()
    say(rasa_stack, sender, "there's graffiti on a wall at 1550 Ocean Ave, Santa Monica",
        "That's in Santa Monica")
    assert len(rasa_stack.requests_on_backend()) == before


def test_outside_in_spanish_names_the_place_and_the_county(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "hay un bache enorme en mi calle", "¿Dónde está?")
    say(rasa_stack, sender, "300 E Colorado Blvd, Pasadena", "Eso está en Pasadena",
        "no envié nada")
    say(rasa_stack, sender, "está en 4801 Whittier Blvd, East LA", "East Los Angeles",
        "Condado", "211la.org")


@pytest.mark.parametrize(
    "where",
    [
        "5th St and Main St", "Main St and 5th St", "6th St and San Pedro St",
        "San Pedro St & 6th St", "4th St and Soto St", "Los Feliz Blvd and Hillhurst Ave",
        "Vermont Ave and W 41st St", "vermont and 41st", "5th St and San Julian St",
        "Olympic Blvd and San Pedro St",
    ],
)
def test_city_intersections_are_accepted_in_either_order(rasa_stack: Stack, where: str) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "I need a pothole fixed", "Where is it?")
    say(rasa_stack, sender, where, "describe the problem")
    assert "Council District" in rasa_stack.tracker(sender)["slots"]["address"]


@pytest.mark.parametrize(
    "where",
    [
        "it's at 3600 W. 6th Street, LA 90020", "1200 W 7th St, Los Angeles 90017",
        "14500 Ventura Blvd, Sherman Oaks 91423", "1000 S Gaffey St, San Pedro 90731",
        "400 N Avalon Blvd, Wilmington 90744",
    ],
)
def test_city_addresses_with_city_or_zip_are_accepted(rasa_stack: Stack, where: str) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "I need a pothole fixed", "Where is it?")
    say(rasa_stack, sender, where, "describe the problem")


def test_spanish_intersection_is_filed_with_its_point(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "hay un bache enorme en mi calle", "¿Dónde está?")
    say(rasa_stack, sender, "en la esquina de 6th y San Pedro", "Describa el problema")
    request = file_it(rasa_stack, sender, spanish=True)
    assert request["address"] == "6th St & San Pedro St, Los Angeles, CA"
    assert abs(request["lat"] - 34.0423) < 0.002 and abs(request["long"] + 118.2453) < 0.002


def test_an_untidy_address_is_filed_normalised_with_lat_long(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "big pothole at 3450 wilshre blvd", "describe the problem")
    say(rasa_stack, sender, "about two feet wide")
    reply = say(rasa_stack, sender, "skip",
                "3450 W Wilshire Blvd (Koreatown, Council District 10)")
    assert "Please check your request" in reply
    filed = say(rasa_stack, sender, "yes", "Your request number is")
    request = stored(rasa_stack, filed)
    assert request["address"] == "3450 W Wilshire Blvd, Los Angeles, CA 90010"
    assert request["zipcode"] == "90010"
    assert 34.05 < request["lat"] < 34.07 and -118.31 < request["long"] < -118.29


def test_a_landmark_is_resolved(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "I need a pothole fixed", "Where is it?")
    say(rasa_stack, sender, "near the Staples Center", "describe the problem")
    say(rasa_stack, sender, "in the crosswalk")
    say(rasa_stack, sender, "skip", "Crypto.com Arena (1111 S Figueroa St)")


@pytest.mark.parametrize("spanish", [False, True])
def test_a_stuck_resident_is_offered_another_way_after_two_tries(
    rasa_stack: Stack, spanish: bool
) -> None:
    sender = new_sender()
    question = "¿Dónde está?" if spanish else "Where is it?"
    if spanish:
        say(rasa_stack, sender, "hay un bache enorme en mi calle", question)
        first = say(rasa_stack, sender, "en mi casa", "no entendí la dirección")
        wanted = ["calles que se cruzan", "Usar mi ubicación"]
        second_text = "no sé"
    else:
        say(rasa_stack, sender, "I need a pothole fixed", question)
        first = say(rasa_stack, sender, "my house", "couldn't read that as an address")
        wanted = ["cross streets", "Use my location"]
        second_text = "idk"
    assert question not in first  # one explanation, not the same question again on top
    second = rasa_stack.chat(sender, second_text)
    text = "\n".join(m.get("text", "") for m in second)
    for fragment in wanted:
        assert fragment in text, text
    assert question not in text
    buttons = [b["title"] for m in second for b in m.get("buttons", [])]
    assert buttons == ["Hablar con una persona" if spanish else "Talk to a person"]
    say(rasa_stack, sender, "Main St y 5th St" if spanish else "Main St and 5th St",
        "Describa el problema" if spanish else "describe the problem")


def test_a_split_zip_is_asked_about(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "I need a pothole fixed", "Where is it?")
    say(rasa_stack, sender, "1234 E Firestone Blvd, Los Angeles, CA 90001",
        "only partly in the City", "Unincorporated Los Angeles County")
    say(rasa_stack, sender, "Watts", "describe the problem")


def test_a_shared_pin_is_filed_with_its_point(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "I need a pothole fixed", "Where is it?")
    reply = share_pin(rasa_stack, sender, 34.05370, -118.24280, 12)
    assert "describe the problem" in reply
    request = file_it(rasa_stack, sender)
    assert (request["lat"], request["long"]) == (34.0537, -118.2428)
    assert request["address"].startswith("Near ")


def test_a_pin_outside_the_city_is_refused(rasa_stack: Stack) -> None:
    before = len(rasa_stack.requests_on_backend())
    sender = new_sender()
    say(rasa_stack, sender, "I need a pothole fixed", "Where is it?")
    assert "Santa Monica" in share_pin(rasa_stack, sender, 34.0092, -118.4976, 10)
    assert len(rasa_stack.requests_on_backend()) == before


def test_a_bad_pin_is_refused_by_the_channel(rasa_stack: Stack) -> None:
    reply = httpx.post(
        f"{rasa_stack.public_url}/webhooks/rest/webhook",
        json={"sender": new_sender(), "message": "/share_location",
              "metadata": {"location": {"lat": 134.0, "lon": -118.2}}},
        headers=rasa_stack.rest_auth(),
        timeout=30,
    )
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_location"


def test_council_district_question_in_english(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "what council district am I in?", "Which address")
    reply = say(rasa_stack, sender, "200 N Spring St", "Council District 14",
                "Downtown Los Angeles", "http")
    assert "member" not in reply.lower()  # names are not in the data: none is stated


def test_council_district_question_in_spanish_after_a_request(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "hay un bache enorme en mi calle", "¿Dónde está?")
    say(rasa_stack, sender, "1600 Pacific Ave, Venice", "Describa el problema")
    say(rasa_stack, sender, "olvídalo", "cancelé")
    say(rasa_stack, sender, "¿en qué distrito estoy?", "¿Qué dirección")
    say(rasa_stack, sender, "esquina de Whittier y Soto", "Distrito 14", "Boyle Heights")


def test_council_district_of_an_outside_place(rasa_stack: Stack) -> None:
    sender = new_sender()
    say(rasa_stack, sender, "what council district is 300 E Colorado Blvd, Pasadena in?",
        "Pasadena", "no LA council district")
