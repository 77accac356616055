"""The SMS channel through the real stack: Rasa server, action server and Open311 backend.

Each test posts Twilio-signed form webhooks to ``/webhooks/sms/webhook`` of the Rasa server that
``rasa_stack`` starts, reads the TwiML answer as the resident's phone would, and checks what
reached Rasa (tracker) and the City backend (filed requests).

Needs the channel enabled in ``bot/credentials.yml``::

    connectors.sms.channel.SMSInput:
      auth_token: ${SMS_AUTH_TOKEN}
"""

from __future__ import annotations

import itertools
import re
import secrets
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from connectors.sms.messages import bilingual, message
from connectors.sms.segments import count_segments
from connectors.sms.signature import compute_twilio_signature
from tests.conftest import Stack

pytestmark = pytest.mark.integration

ASSISTANT = "+13235550199"
_sids = itertools.count(1)


# Fictitious numbers (555-0100 to 555-0198 in LA area codes), each used once per session, so
# every test has its own conversation and opt-out state.
_numbers = (
    f"+1{area}555{line:04d}" for area in (213, 310, 323, 424, 747, 818) for line in range(100, 199)
)


def new_phone() -> str:
    """A number no other test of this session has used."""
    return next(_numbers)


class Phone:
    """A resident's phone texting the assistant through Twilio."""

    def __init__(self, stack: Stack, number: str | None = None) -> None:
        self.stack = stack
        self.number = number or new_phone()
        self.url = f"{stack.public_url}/webhooks/sms/webhook"

    def form(
        self, body: str, media: tuple[str, ...] = (), sid: str | None = None
    ) -> dict[str, str]:
        sid = sid or f"SM{secrets.token_hex(12)}{next(_sids):08x}"
        form = {
            "ToCountry": "US",
            "SmsMessageSid": sid,
            "NumMedia": str(len(media)),
            "SmsSid": sid,
            "SmsStatus": "received",
            "Body": body,
            "To": ASSISTANT,
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.number,
            "ApiVersion": "2010-04-01",
        }
        for index, url in enumerate(media):
            form[f"MediaUrl{index}"] = url
            form[f"MediaContentType{index}"] = "image/jpeg"
        return form

    def post(self, form: dict[str, str], signature: str | None = None) -> httpx.Response:
        if signature is None:
            signature = compute_twilio_signature(self.url, form, self.stack.sms_token)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature:
            headers["X-Twilio-Signature"] = signature
        return httpx.post(self.url, content=urlencode(form).encode(), headers=headers, timeout=90)

    def text(self, body: str, media: tuple[str, ...] = ()) -> list[str]:
        """Sends one SMS; returns the SMS the assistant answers with."""
        return sms(self.post(self.form(body, media)))

    def user_texts(self) -> list[str]:
        """What Rasa received from this phone, in order."""
        events = self.stack.tracker(self.number, channel="sms")["events"]
        return [e.get("text") for e in events if e["event"] == "user"]


def sms(response: httpx.Response) -> list[str]:
    """The SMS a TwiML answer sends (checked to be well-formed and within 3 segments each)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    texts = [m.text or "" for m in root.findall("Message")]
    assert all(count_segments(text) <= 3 for text in texts), texts
    return texts


def option_number(texts: list[str], title: str) -> str:
    """The number the assistant gave an option titled ``title``."""
    for text in texts:
        match = re.search(rf"^(\d+)\) {re.escape(title)}$", text, re.M)
        if match:
            return match.group(1)
    raise AssertionError(f"no option {title!r} in {texts}")


def filed_request(stack: Stack, texts: list[str]) -> dict[str, Any]:
    """The request the backend holds for the number the assistant just announced."""
    match = re.search(r"\b(1-\d{7})\b", " ".join(texts))
    assert match, texts
    [request] = [r for r in stack.requests_on_backend() if r["service_request_id"] == match[1]]
    return request


def test_health_route(rasa_stack: Stack) -> None:
    response = httpx.get(f"{rasa_stack.rasa_url}/webhooks/sms/", timeout=10)
    assert response.status_code == 200, "enable connectors.sms.channel.SMSInput in credentials"
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("signature", ["", "RSOYDt4T1cUTdK1PDd93/VVr8B8="])
def test_missing_or_forged_signature_is_403_and_never_reaches_rasa(
    rasa_stack: Stack, signature: str
) -> None:
    phone = Phone(rasa_stack)
    response = phone.post(phone.form("There is graffiti at 200 N Spring St"), signature)
    assert response.status_code == 403
    assert phone.user_texts() == []


def test_signed_with_another_token_is_403(rasa_stack: Stack) -> None:
    phone = Phone(rasa_stack)
    form = phone.form("STOP")
    response = phone.post(form, compute_twilio_signature(phone.url, form, "not-the-token"))
    assert response.status_code == 403
    assert phone.text("AYUDA") == [message("help", "es")]  # STOP was not applied


def test_stop_help_start_in_english(rasa_stack: Stack) -> None:
    # Twilio confirms its own words (STOP, HELP, START): the assistant records them silently.
    phone = Phone(rasa_stack)
    assert phone.text("HELP") == []
    assert phone.text("Stop") == []
    assert phone.text("hello") == []
    assert phone.text("HELP") == []
    assert phone.text("START") == []
    assert "I'm the City of Los Angeles 311 assistant" in "\n".join(phone.text("hello"))
    assert phone.user_texts() == ["hello"]  # keywords and opted-out messages never reach Rasa


def test_para_and_ayuda_in_spanish(rasa_stack: Stack) -> None:
    phone = Phone(rasa_stack)
    assert phone.text("Ayuda") == [message("help", "es")]
    assert phone.text("PARA") == [message("opt_out", "es")]
    assert phone.text("hola") == []
    assert phone.text("START") == []  # confirmed by Twilio
    assert "Soy el asistente 311" in "\n".join(phone.text("hola"))
    assert phone.user_texts() == ["hola"]


@pytest.mark.parametrize(("language", "start", "stop"),
                         [("en", "there's a mattress dumped on my sidewalk", "STOP"),
                          ("es", "ocupo q recojan un colchon", "ALTO")])
def test_an_opt_out_mid_request_ends_the_request_and_files_nothing(
    rasa_stack: Stack, language: str, start: str, stop: str
) -> None:
    phone = Phone(rasa_stack)
    before = len(rasa_stack.requests_on_backend())
    assert phone.text(start)  # the assistant asks where it is
    assert rasa_stack.tracker(phone.number, channel="sms").get("active_loop", {}).get("name")
    phone.text(stop)
    tracker = rasa_stack.tracker(phone.number, channel="sms")
    assert not (tracker.get("active_loop") or {}).get("name")  # no request left half-way
    assert phone.text("START") == []
    greeting = "\n".join(phone.text("hola" if language == "es" else "hello"))
    assert "?" not in greeting or ("Dónde" not in greeting and "Where" not in greeting)
    assert len(rasa_stack.requests_on_backend()) == before


def test_repeated_message_sid_is_processed_once(rasa_stack: Stack) -> None:
    phone = Phone(rasa_stack)
    form = phone.form("hello")
    first, second = phone.post(form), phone.post(form)
    assert sms(first) and first.content == second.content
    assert phone.user_texts() == ["hello"]


def test_request_filed_by_sms_in_english(rasa_stack: Stack) -> None:
    phone = Phone(rasa_stack)
    question = phone.text("There is graffiti at 200 N Spring St")
    phone.text(option_number(question, "Wall"))
    phone.text("Gang tags on the wall")
    confirmation = phone.text("skip")
    assert any("200 N Spring St" in text for text in confirmation)
    done = phone.text(option_number(confirmation, "Yes"))
    assert done[0].startswith("Done! Your request number is 1-")
    request = filed_request(rasa_stack, done)
    assert request["service_code"] == "graffiti-removal"
    assert request["address"] == "200 N Spring St, Los Angeles, CA 90012"
    assert request["lat"] and request["long"]
    assert request["attributes"] == {"graffiti_surface": "wall"}
    assert request["description"] == "Gang tags on the wall"
    events = rasa_stack.tracker(phone.number, channel="sms")["events"]
    user = next(e for e in events if e["event"] == "user")
    assert user["input_channel"] == "sms"
    assert user["metadata"]["channel"] == "sms"


def test_request_filed_by_sms_in_spanish(rasa_stack: Stack) -> None:
    phone = Phone(rasa_stack)
    phone.text("Hay un bache enorme en 3600 W 6th St")
    phone.text("Es muy profundo")
    confirmation = phone.text("saltar")
    assert any(text.startswith("Revise: ") and "3600 W 6th St" in text for text in confirmation)
    done = phone.text(option_number(confirmation, "Sí"))
    assert done[0].startswith("¡Listo! Su número de solicitud es 1-")
    request = filed_request(rasa_stack, done)
    assert request["service_code"] == "pothole"
    assert request["address"].startswith("3600 W 6th St, Los Angeles, CA")
    assert request["description"] == "Es muy profundo"
    assert rasa_stack.tracker(phone.number, channel="sms")["slots"]["language"] == "es"


def test_mms_photo_reaches_the_filed_request(rasa_stack: Stack) -> None:
    photo = f"https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME{secrets.token_hex(8)}"
    phone = Phone(rasa_stack)
    menu = phone.text("", (photo,))
    assert menu[0].startswith("Thanks for the photo.")
    phone.text(option_number(menu, "Pothole"))
    phone.text("200 N Spring St")
    phone.text("Deep pothole near the curb")
    confirmation = phone.text("skip")
    request = filed_request(rasa_stack, phone.text(option_number(confirmation, "Yes")))
    assert request["service_code"] == "pothole"
    assert request["media_url"] == photo
    events = rasa_stack.tracker(phone.number, channel="sms")["events"]
    first = next(e for e in events if e["event"] == "user")
    assert first["text"] == "/share_photo"
    assert first["metadata"]["media_url"] == photo


def test_bad_input_is_a_400_or_a_clear_reply_never_a_500(rasa_stack: Stack) -> None:
    phone = Phone(rasa_stack)
    form = phone.form("x")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": compute_twilio_signature(phone.url, form, rasa_stack.sms_token),
    }
    body = urlencode(form).encode().replace(b"Body=x", b"Body=%FF%FE")
    assert httpx.post(phone.url, content=body, headers=headers, timeout=30).status_code == 400
    headers["Content-Type"] = "application/json"
    response = httpx.post(phone.url, json=form, headers=headers, timeout=30)
    assert response.status_code == 400
    assert phone.text("a" * 10_000) == [bilingual("too_long")]
    assert phone.text("   ") == [bilingual("empty")]
    assert phone.user_texts() == []
