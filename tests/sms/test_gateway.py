"""Provider gateways: parsing webhooks, TwiML/JSON replies, and REST sending with retries.

REST tests run a real HTTP server on 127.0.0.1 that plays Twilio's Messages API.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import pytest

from connectors.sms.errors import SMSProviderError, SMSRequestError, SMSTransportError
from connectors.sms.gateway import GenericHTTPGateway, RetryPolicy, TwilioGateway
from connectors.sms.signature import compute_hmac_sha256_hex

from .conftest import ASSISTANT, AUTH_TOKEN, FORM, RESIDENT, twilio_form

ACCOUNT_SID = "AC" + "1" * 32
DATA = Path(__file__).resolve().parents[1] / "data" / "sms"
CREATED = json.loads((DATA / "twilio_message_created.json").read_text(encoding="utf-8"))
ERROR_500 = json.loads((DATA / "twilio_error_500.json").read_text(encoding="utf-8"))
ERROR_21610 = json.loads((DATA / "twilio_error_21610.json").read_text(encoding="utf-8"))
FAST = RetryPolicy(attempts=3, backoff=0.01, timeout=2.0)


# -- parsing ---------------------------------------------------------------------------------


def test_twilio_webhook_is_parsed() -> None:
    form = twilio_form("¿Dónde está mi solicitud?", sid="SM" + "a" * 32)
    inbound = TwilioGateway(AUTH_TOKEN).parse(urlencode(form).encode(), FORM + "; charset=utf-8")
    assert inbound.sender == RESIDENT
    assert inbound.recipient == ASSISTANT
    assert inbound.body == "¿Dónde está mi solicitud?"
    assert inbound.message_id == "SM" + "a" * 32
    assert inbound.media_urls == ()


def test_twilio_mms_media_urls_in_order() -> None:
    urls = [
        f"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME{i}" for i in range(3)
    ]
    form = twilio_form("", media=urls)
    inbound = TwilioGateway(AUTH_TOKEN).parse(urlencode(form).encode(), FORM)
    assert inbound.media_urls == tuple(urls)
    assert inbound.body == ""


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (urlencode(twilio_form()).encode(), "application/json"),
        (b'{"Body": "hi"}', "application/json"),
        (urlencode(twilio_form()).encode(), ""),
        (b"Body=\xff\xfe&From=%2B1&MessageSid=SM1", FORM),  # raw invalid UTF-8
        (b"Body=%FF%FE&From=%2B1&MessageSid=SM1", FORM),  # percent-encoded invalid UTF-8
        (urlencode({"Body": "hi", "MessageSid": "SM1"}).encode(), FORM),  # no From
        (urlencode({"From": "+1", "MessageSid": "SM1"}).encode(), FORM),  # no Body
        (urlencode({"Body": "hi", "From": "+1"}).encode(), FORM),  # no MessageSid
        (urlencode({**twilio_form(), "NumMedia": "two"}).encode(), FORM),
    ],
)
def test_malformed_twilio_webhook_is_a_request_error(body: bytes, content_type: str) -> None:
    with pytest.raises(SMSRequestError):
        TwilioGateway(AUTH_TOKEN).parse(body, content_type)


# -- replies ---------------------------------------------------------------------------------


def test_twiml_escapes_markup_and_ampersands() -> None:
    texts = ["Fees < $5 & permits > 2 <b>now</b>", 'Calle "Olvera" & Main ¿sí?']
    reply = TwilioGateway(AUTH_TOKEN).render_reply(texts)
    assert reply.status == 200
    assert reply.content_type.startswith("text/xml")
    assert "&lt;b&gt;now&lt;/b&gt;" in reply.body and "&amp; permits" in reply.body
    root = ET.fromstring(reply.body.encode("utf-8"))
    assert root.tag == "Response"
    assert [m.text for m in root.findall("Message")] == texts


def test_twiml_drops_characters_xml_cannot_carry() -> None:
    reply = TwilioGateway(AUTH_TOKEN).render_reply(["bell\x07 and nul\x00 gone"])
    root = ET.fromstring(reply.body.encode("utf-8"))
    assert root.findall("Message")[0].text == "bell and nul gone"


def test_nothing_to_say_is_an_empty_response() -> None:
    reply = TwilioGateway(AUTH_TOKEN).render_reply([])
    assert reply.body.endswith("<Response/>")
    assert list(ET.fromstring(reply.body.encode("utf-8"))) == []


def test_generic_gateway_json_in_and_out() -> None:
    gateway = GenericHTTPGateway("shared-secret")
    body = json.dumps(
        {
            "from": RESIDENT,
            "to": ASSISTANT,
            "text": "hola",
            "id": "g-1",
            "media": ["https://x/1.jpg"],
        }
    ).encode()
    headers = {"x-signature": compute_hmac_sha256_hex(body, "shared-secret")}
    assert gateway.verify("https://ignored", body, headers)
    assert not gateway.verify("https://ignored", body + b" ", headers)
    assert not gateway.verify("https://ignored", body, {})
    inbound = gateway.parse(body, "application/json")
    assert (inbound.sender, inbound.body, inbound.message_id) == (RESIDENT, "hola", "g-1")
    assert inbound.media_urls == ("https://x/1.jpg",)
    reply = gateway.render_reply(["Hola <señor> & más"])
    assert reply.content_type == "application/json"
    assert json.loads(reply.body) == {"messages": ["Hola <señor> & más"]}
    assert json.loads(gateway.render_reply([]).body) == {"messages": []}


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b"not json",
        b'{"from": "+1", "text": "x"}',
        b'{"from": "+1", "id": "1", "media": "x"}',
    ],
)
def test_generic_gateway_rejects_malformed_json(body: bytes) -> None:
    with pytest.raises(SMSRequestError):
        GenericHTTPGateway("s").parse(body, "application/json")


# -- REST sending against a local server ----------------------------------------------------


@dataclass
class FakeProvider:
    """Scripted answers: (status, json body, delay seconds) per call; the last one repeats."""

    script: list[tuple[int, dict[str, Any], float]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider(script=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", "0"))
            fake.requests.append(
                {"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)}
            )
            index = min(len(fake.requests), len(fake.script)) - 1
            status, payload, delay = fake.script[index]
            time.sleep(delay)
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (timeout test)
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


def _twilio(provider: FakeProvider, retry: RetryPolicy = FAST) -> TwilioGateway:
    return TwilioGateway(AUTH_TOKEN, ACCOUNT_SID, ASSISTANT, api_base=provider.url, retry=retry)


async def test_twilio_send_posts_the_form_with_basic_auth(provider: FakeProvider) -> None:
    provider.script = [(201, CREATED, 0)]
    gateway = _twilio(provider)
    try:
        sid = await gateway.send(RESIDENT, "Su reporte fue recibido. ¿Algo más?")
    finally:
        await gateway.aclose()
    assert sid == "SM" + "f" * 32
    assert len(provider.requests) == 1
    request = provider.requests[-1]
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    expected_auth = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert request["headers"]["Authorization"] == f"Basic {expected_auth}"
    assert request["headers"]["Content-Type"].startswith(FORM)
    form = parse_qs(request["body"].decode())
    assert form == {
        "To": [RESIDENT],
        "From": [ASSISTANT],
        "Body": ["Su reporte fue recibido. ¿Algo más?"],
    }


async def test_twilio_5xx_is_not_retried(provider: FakeProvider) -> None:
    """A 5xx may come after the message was created: a retry could text the resident twice."""
    provider.script = [(500, ERROR_500, 0), (201, CREATED, 0)]
    gateway = _twilio(provider)
    with pytest.raises(SMSProviderError) as caught:
        await gateway.send(RESIDENT, "hi")
    await gateway.aclose()
    assert caught.value.status == 500
    assert len(provider.requests) == 1


async def test_twilio_send_retries_429(provider: FakeProvider) -> None:
    provider.script = [
        (429, {"code": 20429, "message": "Too Many Requests"}, 0),
        (201, {"sid": "SMx"}, 0),
    ]
    gateway = _twilio(provider)
    assert await gateway.send(RESIDENT, "hi") == "SMx"
    await gateway.aclose()
    assert len(provider.requests) == 2


async def test_twilio_send_gives_up_after_three_429s(provider: FakeProvider) -> None:
    provider.script = [(429, {"code": 20429, "message": "Too Many Requests"}, 0)]
    gateway = _twilio(provider)
    with pytest.raises(SMSProviderError) as caught:
        await gateway.send(RESIDENT, "hi")
    await gateway.aclose()
    assert caught.value.status == 429
    assert len(provider.requests) == 3


async def test_twilio_client_error_is_not_retried(provider: FakeProvider) -> None:
    provider.script = [(400, ERROR_21610, 0)]
    gateway = _twilio(provider)
    with pytest.raises(SMSProviderError) as caught:
        await gateway.send(RESIDENT, "hi")
    await gateway.aclose()
    assert (caught.value.status, caught.value.code) == (400, "21610")
    assert len(provider.requests) == 1


async def test_twilio_read_timeout_is_reported_not_retried(provider: FakeProvider) -> None:
    """The request reached Twilio: the message may exist, so it is never sent again."""
    provider.script = [(201, {"sid": "SMlate"}, 0.6), (201, {"sid": "SMok"}, 0)]
    gateway = _twilio(provider, RetryPolicy(attempts=3, backoff=0.01, timeout=0.2))
    with pytest.raises(SMSTransportError):
        await gateway.send(RESIDENT, "hi")
    await gateway.aclose()
    assert len(provider.requests) == 1


async def test_connection_refused_is_retried_then_a_transport_error() -> None:
    attempts = 0

    def refuse(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        gateway = TwilioGateway(AUTH_TOKEN, ACCOUNT_SID, ASSISTANT, client=client, retry=FAST)
        with pytest.raises(SMSTransportError):
            await gateway.send(RESIDENT, "hi")
    assert attempts == 3  # never connected, so certainly not created: safe to retry


async def test_generic_send_is_signed_json(provider: FakeProvider) -> None:
    provider.script = [(429, {}, 0), (200, {"id": "g-42"}, 0)]
    async with httpx.AsyncClient() as client:
        gateway = GenericHTTPGateway(
            "shared-secret", f"{provider.url}/messages", ASSISTANT, client=client, retry=FAST
        )
        assert await gateway.send(RESIDENT, "Hola") == "g-42"
        await gateway.aclose()  # does not close a client it was given
        assert not client.is_closed
    request = provider.requests[-1]
    assert json.loads(request["body"]) == {"to": RESIDENT, "from": ASSISTANT, "text": "Hola"}
    assert request["headers"]["X-Signature"] == compute_hmac_sha256_hex(
        request["body"], "shared-secret"
    )
