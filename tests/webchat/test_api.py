"""The web chat's same-origin API, with Rasa replaced by httpx.MockTransport (no network)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from connectors.webchat.app import create_app
from connectors.webchat.settings import WebchatSettings

DATA = Path(__file__).parent / "data"
TOKEN = "rasa-secret-token-123"
SENDER = "w0123456789abcdef"
REST_TOKEN = "rest-token-for-the-web-chat"

Handler = Callable[[httpx.Request], httpx.Response]


class FakeRasa:
    """Answers like the Rasa server and records what the web chat sent."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.reply: list[dict[str, Any]] = [{"recipient_id": "x", "text": "Hi!"}]
        self.tracker: dict[str, Any] = {"slots": {"language": "en"}, "events": []}
        self.webhook: Handler | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/webhooks/rest/webhook":
            if self.webhook:
                return self.webhook(request)
            return httpx.Response(200, json=self.reply)
        if request.url.path == "/webhooks/rest/":
            return httpx.Response(200, json={"status": "ok"})
        if request.url.path.endswith("/tracker"):
            if request.url.params.get("token") != TOKEN:
                return httpx.Response(401, json={"message": "unauthorized"})
            return httpx.Response(200, json=self.tracker)
        return httpx.Response(404)


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def client(rasa: FakeRasa) -> Iterator[TestClient]:
    settings = WebchatSettings(
        rasa_url="http://rasa.test:5005/", rasa_auth_token=TOKEN, rest_token=REST_TOKEN,
        _env_file=None,
    )
    with TestClient(create_app(settings, transport=httpx.MockTransport(rasa))) as test_client:
        yield test_client


def chat(client: TestClient, message: str = "hello", **extra: Any) -> httpx.Response:
    body = {"sender": SENDER, "message": message, "locale": "en", **extra}
    return client.post("/api/chat", json=body)


def test_chat_forwards_the_message_and_returns_text_buttons_and_language(
    client: TestClient, rasa: FakeRasa
) -> None:
    rasa.reply = [
        {"recipient_id": "web-x", "text": "Where is the graffiti painted?",
         "buttons": [{"title": "Wall", "payload": "wall"}], "image": "http://x/y.png"},
        {"recipient_id": "web-x", "custom": {"ignored": True}},
    ]
    rasa.tracker = {"slots": {"language": "es"}}
    reply = chat(client, "someone tagged my garage", locale="es")
    assert reply.status_code == 200
    assert reply.json() == {
        "messages": [{"text": "Where is the graffiti painted?",
                      "buttons": [{"title": "Wall", "payload": "wall"}]}],
        "language": "es",
    }
    sent = json.loads(rasa.requests[0].content)
    # The REST channel puts it in the web namespace (web:<sender>) because of the token.
    assert sent == {"sender": SENDER, "message": "someone tagged my garage",
                    "metadata": {"locale": "es"}}
    assert rasa.requests[0].headers["authorization"] == f"Bearer {REST_TOKEN}"
    assert reply.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"sender": "short", "message": "hi"}, 400, "invalid_sender"),
        ({"sender": "../../etc/passwd", "message": "hi"}, 400, "invalid_sender"),
        ({"sender": SENDER + "<script>", "message": "hi"}, 400, "invalid_sender"),
        ({"sender": SENDER}, 400, "missing_message"),
        ({"sender": SENDER, "message": 5}, 400, "missing_message"),
        ({"sender": SENDER, "message": "hi", "locale": "fr"}, 400, "invalid_locale"),
        ({"sender": SENDER, "message": "x" * 9000}, 413, "message_too_long"),
    ],
)
def test_bad_chat_requests_get_a_bilingual_error_and_never_reach_rasa(
    client: TestClient, rasa: FakeRasa, body: dict[str, Any], status: int, code: str
) -> None:
    reply = client.post("/api/chat", json=body)
    assert (reply.status_code, reply.json()["error"]) == (status, code)
    assert reply.json()["message"]["en"] and reply.json()["message"]["es"]
    assert rasa.requests == []


def test_chat_needs_a_json_body(client: TestClient, rasa: FakeRasa) -> None:
    form = client.post("/api/chat", content=b"sender=x&message=y",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    broken = client.post("/api/chat", content=b'{"sender": ',
                         headers={"Content-Type": "application/json"})
    assert form.status_code == 415
    assert broken.status_code == 400 and broken.json()["error"] == "malformed_json"
    assert rasa.requests == []


def test_rasa_4xx_is_passed_through_with_its_bilingual_message(
    client: TestClient, rasa: FakeRasa
) -> None:
    refusal = {"error": "message_too_long",
               "message": {"en": "The message is too long.", "es": "El mensaje es largo."}}
    rasa.webhook = lambda request: httpx.Response(413, json=refusal)
    reply = chat(client, "x" * 2500)
    assert reply.status_code == 413
    assert reply.json() == refusal


@pytest.mark.parametrize(
    "failure",
    [
        lambda request: (_ for _ in ()).throw(httpx.ConnectError("refused", request=request)),
        lambda request: httpx.Response(500, text="Internal Server Error"),
        lambda request: httpx.Response(404, text="channel not enabled"),
        lambda request: httpx.Response(200, text="<html>not json</html>"),
    ],
    ids=["refused", "500", "404-without-explanation", "not-json"],
)
def test_unreachable_or_broken_rasa_is_a_bilingual_503(
    client: TestClient, rasa: FakeRasa, failure: Handler
) -> None:
    rasa.webhook = failure
    reply = chat(client)
    assert reply.status_code == 503
    body = reply.json()
    assert body["error"] == "unavailable"
    assert "not reachable" in body["message"]["en"]
    assert "no está disponible" in body["message"]["es"]


def test_rasa_too_slow_is_a_504(client: TestClient, rasa: FakeRasa) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    rasa.webhook = slow
    reply = chat(client)
    assert reply.status_code == 504 and reply.json()["error"] == "timeout"


def test_dead_rasa_port_is_a_503_on_chat_history_and_health() -> None:
    settings = WebchatSettings(rasa_url="http://127.0.0.1:9", rasa_auth_token=TOKEN,
                               rest_token=REST_TOKEN, _env_file=None)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with TestClient(create_app(settings, transport=httpx.MockTransport(refuse))) as client:
        assert chat(client).status_code == 503
        assert client.get("/api/history", params={"sender": SENDER}).status_code == 503
        health = client.get("/health")
        assert health.status_code == 503 and health.json()["assistant"] == "down"


def test_history_shows_button_titles_hides_the_language_switch_and_uses_the_token(
    client: TestClient, rasa: FakeRasa
) -> None:
    rasa.tracker = json.loads((DATA / "tracker_graffiti.json").read_text(encoding="utf-8"))
    reply = client.get("/api/history", params={"sender": SENDER})
    assert reply.status_code == 200
    body = reply.json()
    assert body["language"] == "es"
    shown = [(m["role"], m["text"]) for m in body["messages"]]
    users = [text for role, text in shown if role == "user"]
    # "wall" and "/affirm" were button payloads: the resident saw and chose "Wall" and "Sí".
    assert users == ["hello", "someone tagged my garage at 200 N Spring St", "Wall",
                     "saltar", "saltar", "Sí"]
    assert shown[3] == ("bot", "Where is the graffiti painted?")
    assert [b["title"] for b in body["messages"][3]["buttons"]][:2] == ["Wall", "Fence"]
    assert "Su número de solicitud es 1-1000001" in shown[-1][1]
    tracker_call = rasa.requests[-1]
    assert tracker_call.url.path == f"/conversations/web:{SENDER}/tracker"
    # Rasa does not decode %3A in the id: the colon must travel as is.
    assert tracker_call.url.raw_path.startswith(f"/conversations/web:{SENDER}/tracker?".encode())
    assert tracker_call.url.params["token"] == TOKEN
    assert TOKEN not in reply.text


@pytest.mark.parametrize("sender", ["", "abc", "a" * 65, "web chat!!", "abcdefgh/../x"])
def test_history_refuses_malformed_sender_ids(
    client: TestClient, rasa: FakeRasa, sender: str
) -> None:
    reply = client.get("/api/history", params={"sender": sender})
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_sender"
    assert rasa.requests == []


def test_page_has_strict_security_headers_and_never_contains_the_token(
    client: TestClient,
) -> None:
    page = client.get("/")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert TOKEN not in page.text
    assert "<script>" not in page.text  # no inline script: only src= and a JSON data block
    for path in ("/static/webchat.js", "/static/webchat.css", "/health", "/api/history?sender=x"):
        assert "content-security-policy" in client.get(path).headers


def test_page_language_follows_the_browser_or_the_lang_parameter(client: TestClient) -> None:
    spanish = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    english = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9,es;q=0.8"})
    forced = client.get("/?lang=es", headers={"Accept-Language": "en-US"})
    assert '<html lang="es">' in spanish.text and "Ciudad de Los Ángeles" in spanish.text
    assert '<html lang="en">' in english.text and "City of Los Angeles" in english.text
    assert '<html lang="es">' in forced.text
    for page in (spanish, english):
        assert "911" in page.text and "3-1-1" in page.text


def test_health_reports_the_assistant(client: TestClient) -> None:
    reply = client.get("/health")
    assert reply.status_code == 200 and reply.json() == {"status": "ok", "assistant": "up"}


def test_settings_require_the_rasa_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RASA_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("WEBCHAT_REST_TOKEN", "r")
    monkeypatch.setenv("WEBCHAT_PORT", "8123")
    with pytest.raises(ValidationError):
        WebchatSettings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("RASA_AUTH_TOKEN", "t")
    settings = WebchatSettings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.port, settings.rasa_url) == (8123, "http://127.0.0.1:5005")


def test_a_shared_location_is_forwarded_as_metadata(client: TestClient, rasa: FakeRasa) -> None:
    body = {"sender": SENDER, "message": "/share_location", "locale": "en",
            "location": {"lat": 34.0537, "lon": -118.2428, "accuracy": 12.0}}
    assert client.post("/api/chat", json=body).status_code == 200
    sent = json.loads(rasa.requests[0].content)
    assert sent["metadata"] == {"locale": "en",
                                "location": {"lat": 34.0537, "lon": -118.2428, "accuracy": 12.0}}


@pytest.mark.parametrize(
    "location", [{"lat": 95, "lon": 0}, {"lat": 34, "lon": -200}, {"lat": 34},
                 {"lat": 34, "lon": -118, "accuracy": -5}, "here"],
)
def test_a_bad_location_is_refused_before_rasa(
    client: TestClient, rasa: FakeRasa, location: Any
) -> None:
    body = {"sender": SENDER, "message": "/share_location", "location": location}
    reply = client.post("/api/chat", json=body)
    assert reply.status_code == 400
    assert reply.json()["error"] == "invalid_location"
    assert reply.json()["message"]["es"].startswith("La ubicación")
    assert rasa.requests == []
