"""The whole webhook flow, with a fake assistant in place of Rasa.

Everything the channel does except Sanic and Rasa themselves: signatures, repeated deliveries,
keywords and opt-out, numbered options, MMS, bad input, segment budget, REST reply mode.
"""

from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import httpx
import pytest

from connectors.sms.gateway import GenericHTTPGateway, HTTPReply, RetryPolicy, TwilioGateway
from connectors.sms.handler import MEDIA_ONLY_TEXT, SMSWebhookHandler, UserTurn, WebhookRequest
from connectors.sms.messages import bilingual, message
from connectors.sms.segments import count_segments
from connectors.sms.signature import compute_hmac_sha256_hex
from connectors.sms.store import SMSStore

from .conftest import AUTH_TOKEN, PUBLIC_URL, RESIDENT, FakeBot, new_sid, signed, twilio_form


def texts(reply: HTTPReply) -> list[str]:
    """The SMS a TwiML reply sends."""
    assert reply.status == 200, reply.body
    root = ET.fromstring(reply.body.encode("utf-8"))
    assert root.tag == "Response"
    return [m.text or "" for m in root.findall("Message")]


async def say(
    handler: SMSWebhookHandler,
    bot: FakeBot,
    body: str,
    sender: str = RESIDENT,
    media: tuple[str, ...] = (),
) -> HTTPReply:
    """Signed delivery of one SMS from ``sender``."""
    return await handler.handle(signed(twilio_form(body, sender=sender, media=media)), bot)


# -- signature ---------------------------------------------------------------------------------


async def test_signed_message_reaches_the_assistant(
    handler: SMSWebhookHandler, bot: FakeBot
) -> None:
    reply = await say(handler, bot, "There is a pothole on Main St")
    assert texts(reply) == ["You said: There is a pothole on Main St"]
    [turn] = bot.turns
    assert turn.text == "There is a pothole on Main St"
    assert turn.sender_id == RESIDENT
    assert turn.metadata == {"channel": "sms"}


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"signature": ""},  # header missing
        {"signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="},  # someone else's signature
        {"token": "wrong-token"},
        {"signed_url": "https://attacker.example/webhooks/sms/webhook", "reached_url": PUBLIC_URL},
    ],
)
async def test_missing_or_forged_signature_is_403_and_nothing_happens(
    handler: SMSWebhookHandler, bot: FakeBot, store: SMSStore, request_kwargs: dict[str, str]
) -> None:
    form = twilio_form("STOP")
    reply = await handler.handle(signed(form, **request_kwargs), bot)
    assert reply.status == 403
    assert reply.content_type.startswith("text/plain")
    assert bot.turns == []
    assert not store.is_opted_out(RESIDENT)
    # the genuine delivery of that MessageSid is still processed afterwards (Twilio itself
    # confirms a STOP: the handler records it and sends nothing)
    assert texts(await handler.handle(signed(form), bot)) == []
    assert store.is_opted_out(RESIDENT)


async def test_public_url_validates_behind_a_proxy(gateway: TwilioGateway, store: SMSStore) -> None:
    internal = "http://rasa:5005/webhooks/sms/webhook"
    request = signed(twilio_form("hello"), signed_url=PUBLIC_URL, reached_url=internal)
    bot = FakeBot()
    assert (await SMSWebhookHandler(gateway, store).handle(request, bot)).status == 403
    proxied = SMSWebhookHandler(gateway, store, public_url=PUBLIC_URL)
    assert texts(await proxied.handle(request, bot)) == ["You said: hello"]


# -- repeated deliveries ---------------------------------------------------------------------


async def test_repeated_message_sid_returns_stored_reply(handler: SMSWebhookHandler) -> None:
    bot = FakeBot(lambda turn: [{"text": f"Reply #{len(bot.turns)}"}])
    form = twilio_form("I want to report graffiti")
    first = await handler.handle(signed(form), bot)
    second = await handler.handle(signed(form), bot)
    assert first == second
    assert texts(second) == ["Reply #1"]
    assert len(bot.turns) == 1


async def test_concurrent_deliveries_are_processed_once(handler: SMSWebhookHandler) -> None:
    calls = 0

    async def slow_bot(turn: UserTurn) -> list[dict[str, str]]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.3)
        return [{"text": "Filed as request 1-234"}]

    form = twilio_form("Bulky item pickup at 200 N Spring St")
    replies = await asyncio.gather(*(handler.handle(signed(form), slow_bot) for _ in range(3)))
    assert calls == 1
    assert all(texts(reply) == ["Filed as request 1-234"] for reply in replies)


async def test_a_delivery_retried_after_its_replica_died_is_answered(
    gateway: TwilioGateway, tmp_path: Path
) -> None:
    # Replica A claimed the message, then was killed mid-turn; the balancer sent the same
    # delivery to replica B (same database), which waits, takes the claim over and answers.
    store = SMSStore(tmp_path / "sms.db", stale_after=0.5)
    replica_b = SMSWebhookHandler(gateway, store, duplicate_wait=3.0)
    form = twilio_form("I want to report graffiti")
    assert store.claim(form["MessageSid"])  # replica A, never completed
    bot = FakeBot(lambda turn: [{"text": "What is the address?"}])
    reply = await replica_b.handle(signed(form), bot)
    assert texts(reply) == ["What is the address?"]
    assert len(bot.turns) == 1


async def test_failed_processing_releases_the_claim(handler: SMSWebhookHandler) -> None:
    class Boom(BaseException):
        pass

    async def cancelled(turn: UserTurn) -> list[dict[str, str]]:
        raise Boom

    form = twilio_form("hello")
    with pytest.raises(Boom):
        await handler.handle(signed(form), cancelled)
    assert texts(await handler.handle(signed(form), FakeBot())) == ["You said: hello"]


# -- keywords and opt-out --------------------------------------------------------------------


async def test_stop_silences_until_start(
    handler: SMSWebhookHandler, bot: FakeBot, store: SMSStore
) -> None:
    # Twilio answers its own words (STOP, START, HELP...): recorded here, never answered twice.
    assert texts(await say(handler, bot, "STOP")) == []
    assert store.is_opted_out(RESIDENT)
    assert texts(await say(handler, bot, "hello?")) == []
    assert texts(await say(handler, bot, "HELP")) == []
    assert texts(await say(handler, bot, "")) == []
    # nothing the resident typed reached the assistant; the conversation was ended (restart)
    assert [turn.text for turn in bot.turns] == ["/restart"]
    assert texts(await say(handler, bot, "start")) == []
    assert not store.is_opted_out(RESIDENT)
    assert texts(await say(handler, bot, "hello")) == ["You said: hello"]
    assert [turn.text for turn in bot.turns] == ["/restart", "hello"]


@pytest.mark.parametrize("word", ["Para", "ALTO", "cancelar"])
async def test_spanish_opt_out_and_back_in(
    handler: SMSWebhookHandler, bot: FakeBot, store: SMSStore, word: str
) -> None:
    # Not one of Twilio's default words: without Advanced Opt-Out the handler confirms it.
    [confirmation] = texts(await say(handler, bot, word))
    assert confirmation == message("opt_out", "es")
    assert confirmation.startswith("Asistente 311 de LA")
    assert texts(await say(handler, bot, "¿Hola?")) == []
    assert texts(await say(handler, bot, "START")) == []  # Twilio confirms START
    assert not store.is_opted_out(RESIDENT)
    assert [turn.text for turn in bot.turns] == ["/restart"]


@pytest.mark.parametrize(
    ("body", "opt_out_type", "opted_out"),
    [("PARA", "STOP", True), ("Alto", "STOP", True), ("stop", "STOP", True),
     ("AYUDA", "HELP", False)],
)
async def test_advanced_opt_out_keeps_state_and_never_answers_twice(
    handler: SMSWebhookHandler, bot: FakeBot, store: SMSStore, body: str, opt_out_type: str,
    opted_out: bool,
) -> None:
    form = {**twilio_form(body), "OptOutType": opt_out_type}
    assert texts(await handler.handle(signed(form), bot)) == []
    assert store.is_opted_out(RESIDENT) is opted_out
    comeback = {**twilio_form("EMPEZAR"), "OptOutType": "START"}  # a configured opt-in word
    assert texts(await handler.handle(signed(comeback), bot)) == []
    assert not store.is_opted_out(RESIDENT)
    assert [turn.text for turn in bot.turns] == (["/restart"] if opted_out else [])


async def test_generic_provider_keywords_are_answered_locally(store: SMSStore) -> None:
    gateway = GenericHTTPGateway("secret")
    handler = SMSWebhookHandler(gateway, store)
    body = json.dumps({"from": RESIDENT, "to": "+1", "text": "STOP", "id": "g-1"}).encode()
    headers = {"content-type": "application/json",
               "x-signature": compute_hmac_sha256_hex(body, "secret")}
    reply = await handler.handle(WebhookRequest(PUBLIC_URL, body, headers), FakeBot())
    assert json.loads(reply.body) == {"messages": [message("opt_out", "en")]}


async def test_opt_out_survives_a_restart(gateway: TwilioGateway, store: SMSStore) -> None:
    bot = FakeBot()
    await SMSWebhookHandler(gateway, store).handle(signed(twilio_form("UNSUBSCRIBE")), bot)
    restarted = SMSWebhookHandler(gateway, SMSStore(store.path))
    assert texts(await restarted.handle(signed(twilio_form("pothole")), bot)) == []
    assert [turn.text for turn in bot.turns] == ["/restart"]


@pytest.mark.parametrize(
    ("keyword", "expected"),
    [
        ("HELP", None),  # Twilio answers it
        ("info", None),
        ("Ayuda", message("help", "es")),
    ],
)
async def test_help_is_answered_without_the_assistant(
    handler: SMSWebhookHandler, bot: FakeBot, keyword: str, expected: str | None
) -> None:
    assert texts(await say(handler, bot, keyword)) == ([expected] if expected else [])
    assert bot.turns == []


async def test_keyword_inside_a_sentence_goes_to_the_assistant(
    handler: SMSWebhookHandler, bot: FakeBot
) -> None:
    await say(handler, bot, "Please stop the leaf blowers at 6am")
    assert [turn.text for turn in bot.turns] == ["Please stop the leaf blowers at 6am"]


# -- numbered options ------------------------------------------------------------------------


async def test_buttons_become_numbers_and_numbers_become_payloads(
    handler: SMSWebhookHandler,
) -> None:
    def answer(turn: UserTurn) -> list[dict[str, object]]:
        if turn.text == "report":
            return [
                {
                    "text": "Is the pothole bigger than a dinner plate?",
                    "buttons": [
                        {"title": "Yes", "payload": "/affirm"},
                        {"title": "No", "payload": "/deny"},
                    ],
                }
            ]
        return [{"text": "Thanks."}]

    bot = FakeBot(answer)
    assert texts(await say(handler, bot, "report")) == [
        "Is the pothole bigger than a dinner plate?\n1) Yes\n2) No"
    ]
    await say(handler, bot, " 2. ")
    assert bot.turns[-1].text == "/deny"
    await say(handler, bot, "2")  # the last reply had no options: passes through
    assert bot.turns[-1].text == "2"


async def test_options_are_numbered_across_messages_and_kept_per_sender(
    handler: SMSWebhookHandler,
) -> None:
    def answer(turn: UserTurn) -> list[dict[str, object]]:
        return [
            {"text": "Which service?", "buttons": [{"title": "Pothole", "payload": "/pothole"}]},
            {"text": "Or:", "buttons": [{"title": "Graffiti", "payload": "/graffiti"}]},
        ]

    bot = FakeBot(answer)
    [sms] = texts(await say(handler, bot, "hi"))
    assert sms == "Which service?\n1) Pothole\n\nOr:\n2) Graffiti"
    await say(handler, bot, "2", sender="+13105550000")  # another resident: no options
    assert bot.turns[-1].text == "2"
    await say(handler, bot, "2")
    assert bot.turns[-1].text == "/graffiti"


@pytest.mark.parametrize(
    ("typed", "received"),
    [
        ('/inform{"request_type": "pothole"}', 'inform{"request_type": "pothole"}'),
        ("/restart", "restart"),
        ("//affirm", "affirm"),
        ("1/2 block from the park", "1/2 block from the park"),
    ],
)
async def test_typed_intent_payloads_are_not_passed_to_rasa(
    handler: SMSWebhookHandler, bot: FakeBot, typed: str, received: str
) -> None:
    await say(handler, bot, typed)
    assert bot.turns[-1].text == received


async def test_lone_slash_counts_as_empty(handler: SMSWebhookHandler, bot: FakeBot) -> None:
    assert texts(await say(handler, bot, " / ")) == [bilingual("empty")]
    assert bot.turns == []


# -- MMS -------------------------------------------------------------------------------------

PHOTO = "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1"


async def test_photo_without_text_is_the_share_photo_intent(
    handler: SMSWebhookHandler, bot: FakeBot
) -> None:
    await say(handler, bot, "", media=(PHOTO, PHOTO + "b"))
    [turn] = bot.turns
    assert turn.text == MEDIA_ONLY_TEXT == "/share_photo"
    assert turn.metadata == {"media_url": PHOTO, "channel": "sms"}


async def test_photo_with_text_keeps_the_text(handler: SMSWebhookHandler, bot: FakeBot) -> None:
    await say(handler, bot, "Graffiti on the wall", media=(PHOTO,))
    assert bot.turns[0].text == "Graffiti on the wall"
    assert bot.turns[0].metadata == {"media_url": PHOTO, "channel": "sms"}


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   ", "\n"])
async def test_empty_message_gets_a_bilingual_prompt(
    handler: SMSWebhookHandler, bot: FakeBot, body: str
) -> None:
    assert texts(await say(handler, bot, body)) == [bilingual("empty")]
    assert bot.turns == []


async def test_ten_thousand_characters_get_a_clear_reply(
    handler: SMSWebhookHandler, bot: FakeBot
) -> None:
    assert texts(await say(handler, bot, "á" * 10_000)) == [bilingual("too_long")]
    assert bot.turns == []


async def test_invalid_utf8_is_400(handler: SMSWebhookHandler, bot: FakeBot) -> None:
    form = twilio_form("x")
    body = urlencode(form).encode().replace(b"Body=x", b"Body=%FF%FE")
    reply = await handler.handle(signed(form, body=body), bot)
    assert reply.status == 400
    assert bot.turns == []


async def test_wrong_content_type_is_400(handler: SMSWebhookHandler, bot: FakeBot) -> None:
    form = twilio_form("x")
    request = signed(form, content_type="application/json", body=json.dumps(form).encode())
    assert (await handler.handle(request, bot)).status == 400


async def test_missing_from_is_400(handler: SMSWebhookHandler, bot: FakeBot) -> None:
    form = twilio_form("x")
    del form["From"]
    assert (await handler.handle(signed(form), bot)).status == 400
    assert bot.turns == []


async def test_huge_body_is_400(handler: SMSWebhookHandler, bot: FakeBot) -> None:
    form = twilio_form("x" * 300_000)
    assert (await handler.handle(signed(form), bot)).status == 400


async def test_assistant_failure_gets_an_apology_not_a_500(handler: SMSWebhookHandler) -> None:
    def broken(turn: UserTurn) -> list[dict[str, str]]:
        raise RuntimeError("action server down")

    reply = await say(handler, FakeBot(broken), "hello")
    assert texts(reply) == [bilingual("unavailable")]


# -- what the resident receives ---------------------------------------------------------------


async def test_long_replies_are_kept_within_three_segments(handler: SMSWebhookHandler) -> None:
    paragraph = (
        "Puede solicitar la recolección de artículos voluminosos en línea o llamando al 3-1-1. "
        "Más información: https://sanitation.lacity.gov/s/bulky-item-pickup?lang=es. "
    )

    def answer(turn: UserTurn) -> list[dict[str, object]]:
        return [
            {"text": "Hola."},
            {"text": paragraph * 6},
            {
                "text": "¿Desea hacer una solicitud?",
                "buttons": [
                    {"title": "Sí", "payload": "/affirm"},
                    {"title": "No", "payload": "/deny"},
                ],
            },
        ]

    sms = texts(await say(handler, FakeBot(answer), "recoleccion"))
    assert all(count_segments(text) <= 3 for text in sms)
    assert any("https://sanitation.lacity.gov/s/bulky-item-pickup?lang=es" in text for text in sms)
    assert sms[-1].endswith("1) Sí\n2) No")


async def test_typographic_characters_do_not_force_ucs2(handler: SMSWebhookHandler) -> None:
    summary = (
        "Please check your request:\n• Type: Graffiti Removal\n• Where: 200 N Spring St\n"
        "• Details: Where is the graffiti? Wall · “Gang tags” on the wall\n• Contact: anonymous\n"
        "Shall I file it? You can also correct anything, like “the address is 3600 W 6th St”."
    )
    bot = FakeBot(
        lambda turn: [{"text": summary, "buttons": [{"title": "Yes", "payload": "/affirm"}]}]
    )
    [sms] = texts(await say(handler, bot, "skip"))
    assert sms.startswith("Please check your request:\n- Type: Graffiti Removal")
    assert '"the address is 3600 W 6th St".\n1) Yes' in sms  # nothing cut
    assert count_segments(sms) == 2  # as UCS-2: 4 segments, so it would be cut


async def test_image_messages_are_sent_as_links(handler: SMSWebhookHandler) -> None:
    bot = FakeBot(lambda turn: [{"text": "Here is the map:"}, {"image": "https://x.la/map.png"}])
    assert texts(await say(handler, bot, "map")) == ["Here is the map:\n\nhttps://x.la/map.png"]


async def test_rest_mode_sends_through_the_api_and_answers_empty(store: SMSStore) -> None:
    sent: list[dict[str, list[str]]] = []

    def api(request: httpx.Request) -> httpx.Response:
        sent.append(parse_qs(request.content.decode()))
        return httpx.Response(201, json={"sid": f"SM{len(sent)}"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(api)) as client:
        gateway = TwilioGateway(
            AUTH_TOKEN, "AC1", "+13235550199", client=client, retry=RetryPolicy(backoff=0.01)
        )
        handler = SMSWebhookHandler(gateway, store, reply_mode="rest")
        reply = await say(handler, FakeBot(), "hello")
    assert texts(reply) == []
    assert sent == [{"To": [RESIDENT], "From": ["+13235550199"], "Body": ["You said: hello"]}]


async def test_generic_provider_through_the_same_handler(store: SMSStore) -> None:
    handler = SMSWebhookHandler(GenericHTTPGateway("secret"), store)
    body = json.dumps({"from": RESIDENT, "to": "+1", "text": "AYUDA", "id": new_sid()}).encode()
    request_headers = {
        "content-type": "application/json",
        "x-signature": compute_hmac_sha256_hex(body, "secret"),
    }
    reply = await handler.handle(WebhookRequest("http://x", body, request_headers), FakeBot())
    assert json.loads(reply.body) == {"messages": [message("help", "es")]}
    forged = await handler.handle(
        WebhookRequest("http://x", body, {**request_headers, "x-signature": "00"}), FakeBot()
    )
    assert forged.status == 403


# -- rate limit and turn budget --------------------------------------------------------------


async def test_a_flooding_number_is_limited_and_told_once(
    gateway: TwilioGateway, store: SMSStore, bot: FakeBot
) -> None:
    from connectors.ratelimit import RateLimiter

    handler = SMSWebhookHandler(gateway, store, limiter=RateLimiter(), rate_limit="3/minute")
    answers = [texts(await say(handler, bot, f"message {n}")) for n in range(6)]
    assert answers[:3] == [[f"You said: message {n}"] for n in range(3)]
    assert answers[3] == [bilingual("rate_limited")]
    assert answers[4:] == [[], []]  # one notice per minute, not one SMS per message
    assert len(bot.turns) == 3
    other = "+13105550142"
    assert texts(await say(handler, bot, "hello", sender=other)) == ["You said: hello"]
    assert texts(await say(handler, bot, "STOP")) == []  # an opt-out always gets through
    assert store.is_opted_out(RESIDENT)


async def test_a_slow_turn_is_cut_off_within_the_budget(
    gateway: TwilioGateway, store: SMSStore
) -> None:
    finished = asyncio.Event()

    async def slow(turn: UserTurn) -> list[dict[str, str]]:
        await asyncio.sleep(0.6)
        finished.set()
        return [{"text": "late"}]

    handler = SMSWebhookHandler(gateway, store, turn_timeout=0.2)
    started = asyncio.get_running_loop().time()
    reply = await handler.handle(signed(twilio_form("pothole")), slow)
    assert asyncio.get_running_loop().time() - started < 0.5
    assert texts(reply) == [bilingual("slow")]
    await asyncio.wait_for(finished.wait(), 2)  # the turn itself was not cancelled


class _SlowForm:
    """An assistant whose first turn outlasts the budget and which asks a question per turn."""

    def __init__(self, first_turn_seconds: float) -> None:
        self.delay = first_turn_seconds
        self.turns: list[str] = []

    async def __call__(self, turn: UserTurn) -> list[dict]:
        self.turns.append(turn.text)
        if len(self.turns) == 1:
            await asyncio.sleep(self.delay)
            return [{"text": "Where is the pothole?",
                     "buttons": [{"title": "Use my last address", "payload": "/last_address"}]}]
        return [{"text": f"Got it: {turn.text}"}]


async def test_the_message_texted_again_after_taking_longer_gets_the_late_answer_once(
    gateway: TwilioGateway, store: SMSStore
) -> None:
    bot = _SlowForm(first_turn_seconds=0.6)
    handler = SMSWebhookHandler(gateway, store, turn_timeout=0.3)
    first = await handler.handle(signed(twilio_form("pothole on my street")), bot)
    assert texts(first) == [bilingual("slow")]
    # The resident does what they were told: texts the same thing again (a second delivery,
    # its own MessageSid; case and punctuation as a thumb retypes it). The turn is still running.
    again = await handler.handle(signed(twilio_form("Pothole on my street!")), bot)
    assert texts(again) == ["Where is the pothole?\n1) Use my last address"]
    assert bot.turns == ["pothole on my street"]  # not read as the answer to the question
    # the numbered option of the late answer works, and the next message is a new turn
    assert texts(await handler.handle(signed(twilio_form("1")), bot)) == [
        "Got it: /last_address"]
    assert texts(await handler.handle(signed(twilio_form("pothole on my street")), bot)) == [
        "Got it: pothole on my street"]


async def test_a_different_message_after_taking_longer_is_a_new_turn(
    gateway: TwilioGateway, store: SMSStore
) -> None:
    bot = _SlowForm(first_turn_seconds=0.4)
    handler = SMSWebhookHandler(gateway, store, turn_timeout=0.2)
    assert texts(await handler.handle(signed(twilio_form("pothole")), bot)) == [bilingual("slow")]
    await asyncio.sleep(0.5)
    reply = await handler.handle(signed(twilio_form("300 N Spring St")), bot)
    assert texts(reply) == ["Got it: 300 N Spring St"]
    assert store.late_turn(RESIDENT, 600) is None


async def test_the_late_answer_is_found_by_another_replica(
    gateway: TwilioGateway, store: SMSStore, tmp_path: Path
) -> None:
    bot = _SlowForm(first_turn_seconds=0.4)
    one = SMSWebhookHandler(gateway, store, turn_timeout=0.2)
    two = SMSWebhookHandler(gateway, SMSStore(tmp_path / "state" / "sms.db"), turn_timeout=2)
    assert texts(await one.handle(signed(twilio_form("pothole")), bot)) == [bilingual("slow")]
    reply = await two.handle(signed(twilio_form("pothole")), bot)
    assert texts(reply) == ["Where is the pothole?\n1) Use my last address"]
    assert bot.turns == ["pothole"]


async def test_a_late_turn_that_failed_is_answered_with_the_apology(
    gateway: TwilioGateway, store: SMSStore
) -> None:
    async def failing(turn: UserTurn) -> list[dict]:
        await asyncio.sleep(0.3)
        raise RuntimeError("action server died")

    handler = SMSWebhookHandler(gateway, store, turn_timeout=0.1)
    assert texts(await handler.handle(signed(twilio_form("pothole")), failing)) == [
        bilingual("slow")]
    assert texts(await handler.handle(signed(twilio_form("pothole")), failing)) == [
        bilingual("unavailable")]
