"""What the SMS channel does with one webhook request, independent of Rasa and Sanic.

resident's SMS -> provider -> webhook -> :meth:`SMSWebhookHandler.handle`:

1. verify the provider's signature (403, nothing processed, when missing or wrong);
2. parse the message (400 for a malformed request);
3. claim its message id: a repeated delivery gets the reply stored the first time;
4. carrier keywords (STOP, PARA, ALTO, START, HELP, AYUDA, ...) never reach Rasa as text (an
   opt-out ends the number's conversation with Rasa's ``/restart``, so a half-filled request
   does not wait for the resident's return). Twilio
   answers its own words itself (always: its default keyword handling, or Advanced Opt-Out,
   which adds ``OptOutType``): the handler only records the opt-out or opt-in and sends
   nothing, so the resident gets one confirmation and no reply is refused (error 21610).
   A keyword the provider did not handle (Spanish PARA, ALTO, CANCELAR, AYUDA when Advanced
   Opt-Out is not configured with them, or any keyword with the generic provider) is
   answered here, in its language;
5. an opted-out number gets an empty answer; a number over its rate limit
   (``RATE_LIMIT_SMS``, default 10/minute and 60/hour) gets one short notice per minute;
6. "2" after numbered options becomes that option's payload; a photo with no text becomes
   the ``/share_photo`` intent; an empty or oversized text gets a short answer in each
   notice language (English and Spanish: the packs with ``sms.notices``);
   a typed "/intent" loses its slash (residents cannot inject intents or entities);
7. the assistant is asked (the ``bot`` callable, which the channel binds to Rasa), for at most
   ``turn_timeout`` seconds (Twilio gives up on a webhook after 15 s): a slower turn goes on
   in the background and the resident is asked to text again in a minute. The same message
   texted again (on any replica: the store is shared) gets that turn's answer, waiting for it
   if needed, instead of being read as the next answer; a different message drops it;
8. its messages become SMS: typographic characters made GSM-7 (as Twilio's Smart Encoding
   does), buttons as numbered options, each SMS at most three segments;
9. the answer is TwiML (or sent by REST, with an empty TwiML answer).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.languages import codes, default_language
from bot.text import matching_form
from connectors.ratelimit import RateLimiter
from connectors.sms.errors import SMSRequestError, SMSSendError, SMSStoreError
from connectors.sms.gateway import HTTPReply, InboundSMS, SMSGateway
from connectors.sms.keywords import Action, Keyword, classify, is_twilio_default
from connectors.sms.messages import bilingual, message
from connectors.sms.options import (
    Option,
    match_option,
    parse_buttons,
    render_links,
    render_options,
)
from connectors.sms.segments import fit_sms, smart_encode, split_for_sms
from connectors.sms.store import LateTurn, SMSStore, StoredReply

logger = logging.getLogger(__name__)

ReplyMode = Literal["twiml", "rest"]
MEDIA_ONLY_TEXT = "/share_photo"
RESTART = "/restart"  # Rasa's default intent: ends the conversation (opt-out)
MAX_BODY_BYTES = 256 * 1024
MAX_TEXT_CHARS = 1600  # Twilio's limit for one message body
DEFAULT_RATE_LIMIT = "10/minute;60/hour"
# A slow turn still unfinished after this long ran on a replica that died (every action call
# gives up after ACTION_TIMEOUT_SECONDS, and the conversation lock's lease after 6 s).
LATE_STALE = 60.0
_OPT_OUT_TYPES = {"STOP": Action.OPT_OUT, "START": Action.OPT_IN, "HELP": Action.HELP}


@dataclass(frozen=True)
class WebhookRequest:
    """The parts of an HTTP request the handler needs.

    Attributes:
        url: the full URL the request reached, query string included.
        body: the raw body.
        headers: header names in lowercase.
    """

    url: str
    body: bytes
    headers: Mapping[str, str]

    @property
    def content_type(self) -> str:
        """The Content-Type header ("" when missing)."""
        return self.headers.get("content-type", "")


@dataclass(frozen=True)
class UserTurn:
    """What the assistant is asked: the text, who sent it, and metadata for the tracker."""

    text: str
    sender_id: str
    message_id: str
    metadata: dict[str, Any] = field(default_factory=dict)


# Given a turn, the assistant's messages as Rasa's CollectingOutputChannel collects them:
# dicts with "text", "buttons", "image", "attachment", "custom".
Bot = Callable[[UserTurn], Awaitable[Sequence[Mapping[str, Any]]]]


def _plain(status: int, text: str) -> HTTPReply:
    return HTTPReply(status=status, body=text, content_type="text/plain; charset=utf-8")


def _masked(phone: str) -> str:
    return f"…{phone[-4:]}" if len(phone) > 4 else "…"


class SMSWebhookHandler:
    """Turns provider webhooks into assistant turns and the assistant's messages into SMS.

    Args:
        gateway: the provider.
        store: opt-outs, processed message ids and numbered options.
        public_url: the URL the provider signs (the webhook URL configured at the provider),
            for deployments behind a proxy; None uses the URL the request reached.
        reply_mode: "twiml" answers in the webhook response; "rest" sends each SMS through
            the provider's REST API and answers with an empty reply.
        max_segments: segment budget of each SMS sent.
        options_max_age: seconds a numbered-options list stays valid.
        duplicate_wait: seconds a repeated delivery waits for the first one to finish.
        turn_timeout: seconds the assistant may take for one message.
        late_max_age: seconds a slow turn's answer is kept for the resent message.
        limiter: counts messages per phone number; None: no limit.
        rate_limit: the ``limits`` rules per phone number.
    """

    def __init__(
        self,
        gateway: SMSGateway,
        store: SMSStore,
        *,
        public_url: str | None = None,
        reply_mode: ReplyMode = "twiml",
        max_segments: int = 3,
        options_max_age: float = 3600.0,
        duplicate_wait: float = 14.0,
        turn_timeout: float = 12.0,
        late_max_age: float = 600.0,
        limiter: RateLimiter | None = None,
        rate_limit: str = DEFAULT_RATE_LIMIT,
    ):
        if reply_mode not in ("twiml", "rest"):
            raise ValueError(f"reply_mode must be 'twiml' or 'rest', not {reply_mode!r}")
        self.gateway = gateway
        self.store = store
        self.public_url = public_url or None
        self.reply_mode = reply_mode
        self.max_segments = max_segments
        self.options_max_age = options_max_age
        self.duplicate_wait = duplicate_wait
        self.turn_timeout = turn_timeout
        self.late_max_age = late_max_age
        self.limiter = limiter
        self.rate_limit = rate_limit
        self._late: set[asyncio.Future[Any]] = set()

    async def handle(self, request: WebhookRequest, bot: Bot) -> HTTPReply:
        """Answer one webhook request.

        Args:
            request: the HTTP request.
            bot: asks the assistant; called at most once, and never for keywords, opted-out
                numbers, repeated deliveries or rejected requests.

        Returns:
            The HTTP reply: 200 with the provider's reply format, 400 for a malformed
            request, 403 for a missing or wrong signature.
        """
        if len(request.body) > MAX_BODY_BYTES:
            return _plain(400, "request body too large")
        try:
            if not self.gateway.verify(
                self.public_url or request.url, request.body, request.headers
            ):
                logger.warning("sms.webhook.forbidden", extra={"url": request.url})
                return _plain(403, "invalid or missing signature")
            inbound = self.gateway.parse(request.body, request.content_type)
        except SMSRequestError as exc:
            return _plain(400, f"bad request: {exc}")

        if not self.store.claim(inbound.message_id):
            repeated = await self._repeated(inbound.message_id)
            if repeated is not None:
                return repeated
            # The first delivery never finished: its replica died mid-turn (a live one answers
            # within turn_timeout). This delivery took the claim over and processes it.
            logger.warning("sms.webhook.taken_over", extra={"message_id": inbound.message_id})
        try:
            reply = await self._process(inbound, bot)
        except BaseException:
            self.store.release(inbound.message_id)
            raise
        self.store.complete(
            inbound.message_id, StoredReply(reply.status, reply.content_type, reply.body)
        )
        return reply

    async def _repeated(self, message_id: str) -> HTTPReply | None:
        """The reply stored for a message id, waiting a little if it is still in progress.

        Returns:
            The stored reply; or None when the first delivery's claim went stale while
            waiting (see :class:`SMSStore`) and this delivery took it over.
        """
        deadline = time.monotonic() + self.duplicate_wait
        while True:
            stored = self.store.stored_reply(message_id)
            if stored is not None:
                logger.info("sms.webhook.duplicate", extra={"message_id": message_id})
                return HTTPReply(stored.status, stored.body, stored.content_type)
            if self.store.claim(message_id):
                return None
            if time.monotonic() >= deadline:
                return self.gateway.render_reply([])
            await asyncio.sleep(0.1)

    async def _process(self, inbound: InboundSMS, bot: Bot) -> HTTPReply:
        sender = inbound.sender
        keyword = classify(inbound.body)
        carrier_action = _OPT_OUT_TYPES.get(inbound.opt_out_type or "")
        if carrier_action is None and self.gateway.carrier_keywords and (
            is_twilio_default(inbound.body)
        ):
            carrier_action = keyword.action if keyword else None
        if carrier_action is not None:  # the provider answered: keep our state in step, only
            self._record(
                carrier_action, sender, keyword.language if keyword else default_language()
            )
            if carrier_action is Action.OPT_OUT:
                await self._end_conversation(inbound, bot)
            return self.gateway.render_reply([])
        if keyword is not None:
            if keyword.action is Action.OPT_OUT:
                await self._end_conversation(inbound, bot)
            return await self._keyword(keyword, sender)
        if self.store.is_opted_out(sender):
            return self.gateway.render_reply([])
        if self.limiter is not None:
            decision = await self.limiter.ahit(self.rate_limit, "phone", sender)
            if not decision.allowed:
                logger.warning("sms.rate_limited", extra={"sender": _masked(sender)})
                notice = await self.limiter.ahit("1/minute", "notice", sender)
                texts = [bilingual("rate_limited")] if notice.allowed else []
                return await self._say(sender, texts)

        text = inbound.body.strip()
        if len(text) > MAX_TEXT_CHARS:
            return await self._say(sender, [bilingual("too_long")])
        late = self.store.late_turn(sender, self.late_max_age) if text else None
        if late is not None and not late.done and time.time() - late.started_at > LATE_STALE:
            late = None  # its replica died mid-turn: the message is processed as a new one
        if late is not None:
            if matching_form(late.message) == matching_form(text):
                return await self._late_answer(sender, late)
            self.store.drop_late(sender)  # the resident moved on
        options = [
            Option(title, payload)
            for title, payload in self.store.load_options(sender, self.options_max_age)
        ]
        payload = match_option(text, options) if text else None
        # Rasa reads a text starting with "/" as an intent with entities ("/inform{...}"):
        # only the channel's own payloads may do that, never what a resident types.
        text = payload or text.lstrip("/").strip()
        metadata: dict[str, Any] = {"channel": "sms"}
        if inbound.media_urls:
            metadata = {"media_url": inbound.media_urls[0], "channel": "sms"}
            text = text or MEDIA_ONLY_TEXT
        elif not text:
            return await self._say(sender, [bilingual("empty")])

        turn = asyncio.ensure_future(bot(UserTurn(text, sender, inbound.message_id, metadata)))
        try:
            messages = await asyncio.wait_for(asyncio.shield(turn), self.turn_timeout)
        except asyncio.TimeoutError:  # not the built-in TimeoutError on Python 3.10 (Rasa's)
            # The turn goes on (cancelling it mid-action could half-file a request); its
            # reply is dropped and the resident texts again.
            logger.warning("sms.bot.slow", extra={"sender": _masked(sender)})
            self.store.start_late(sender, inbound.body.strip())
            self._late.add(turn)
            turn.add_done_callback(self._forget_late)
            turn.add_done_callback(
                lambda done: self._keep_late_answer(sender, inbound.body.strip(), done)
            )
            return await self._say(sender, [bilingual("slow")])
        except Exception:
            logger.exception("sms.bot.failed", extra={"sender": _masked(sender)})
            return await self._say(sender, [bilingual("unavailable")])

        texts, options = self._render(messages)
        if not texts:  # the turn failed silently (an action server died mid-turn): never silent
            logger.warning("sms.bot.silent", extra={"sender": _masked(sender)})
            return await self._say(sender, [bilingual("unavailable")])
        self.store.save_options(sender, [(option.title, option.payload) for option in options])
        return await self._say(sender, texts)

    async def _end_conversation(self, inbound: InboundSMS, bot: Bot) -> None:
        """Ends the number's conversation after an opt-out.

        A request half-way through its form is dropped (nothing was filed) instead of waiting
        for the resident's next message after START. Rasa's own ``/restart`` (its default rule,
        no reply); whatever it says is not sent.
        """
        turn = UserTurn(RESTART, inbound.sender, f"{inbound.message_id}:restart",
                        {"channel": "sms"})
        try:
            await asyncio.wait_for(bot(turn), self.turn_timeout / 2)
        except Exception:  # the opt-out itself is recorded and confirmed regardless
            logger.warning("sms.opt_out.restart_failed", extra={"sender": _masked(inbound.sender)})
        self.store.save_options(inbound.sender, [])
        self.store.drop_late(inbound.sender)

    def _keep_late_answer(self, sender: str, text: str, turn: asyncio.Future[Any]) -> None:
        """Stores the SMS of a turn that outlasted the budget, for the resent message."""
        texts: list[str] = []
        options: list[Option] = []
        if not turn.cancelled() and turn.exception() is None:
            texts, options = self._render(turn.result())
        try:
            self.store.finish_late(sender, text, texts,
                                   [(option.title, option.payload) for option in options])
        except SMSStoreError:
            logger.exception("sms.late.store_failed", extra={"sender": _masked(sender)})

    async def _late_answer(self, sender: str, late: LateTurn) -> HTTPReply:
        """The answer of a slow turn, to the resident who texted the same message again.

        Waits up to ``turn_timeout`` for the turn to finish (it may run on another replica);
        still running: "taking longer" again. A turn that finished without a reply (it failed)
        gets the "something went wrong" reply. (A turn still unfinished after ``LATE_STALE``
        seconds belonged to a replica that died: the caller processes the message anew.)
        """
        deadline = time.monotonic() + self.turn_timeout
        while not late.done and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            found = self.store.late_turn(sender, self.late_max_age)
            if found is None:
                break
            late = found
        if not late.done:
            return await self._say(sender, [bilingual("slow")])
        self.store.drop_late(sender)
        logger.info("sms.late.answered", extra={"sender": _masked(sender)})
        if not late.texts:
            return await self._say(sender, [bilingual("unavailable")])
        self.store.save_options(sender, late.options)
        return await self._say(sender, late.texts)

    def _forget_late(self, turn: asyncio.Future[Any]) -> None:
        self._late.discard(turn)
        if not turn.cancelled() and turn.exception() is not None:
            logger.error("sms.bot.failed_late", exc_info=turn.exception())

    def _record(self, action: Action, sender: str, language: str) -> None:
        """Records an opt-out or opt-in the provider already confirmed to the resident."""
        if action is Action.OPT_OUT:
            self.store.opt_out(sender, language)
            logger.info("sms.opt_out", extra={"sender": _masked(sender), "by": "carrier"})
        elif action is Action.OPT_IN:
            self.store.opt_in(sender)
            logger.info("sms.opt_in", extra={"sender": _masked(sender), "by": "carrier"})

    async def _keyword(self, keyword: Keyword, sender: str) -> HTTPReply:
        if keyword.action is Action.OPT_OUT:
            self.store.opt_out(sender, keyword.language)
            logger.info("sms.opt_out", extra={"sender": _masked(sender)})
            return await self._say(sender, [message("opt_out", keyword.language)])
        if keyword.action is Action.OPT_IN:
            language = self.store.opt_in(sender)
            logger.info("sms.opt_in", extra={"sender": _masked(sender)})
            # the language the resident opted out in, else the keyword's own
            lang = language if language in codes() else keyword.language
            return await self._say(sender, [message("opt_in", lang)])
        if self.store.is_opted_out(sender):
            return self.gateway.render_reply([])
        return await self._say(sender, [message("help", keyword.language)])

    def _render(self, messages: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[Option]]:
        """SMS bodies for the assistant's messages, and the options they number."""
        bodies: list[str] = []
        numbered: list[Option] = []
        for bot_message in messages:
            parts = [str(bot_message.get(key) or "").strip() for key in ("text", "image")]
            attachment = bot_message.get("attachment")
            if isinstance(attachment, str):
                parts.append(attachment.strip())
            text = "\n".join(part for part in parts if part)
            options, links = parse_buttons(bot_message.get("buttons") or [])
            block = "\n".join(
                part
                for part in (render_options(options, len(numbered) + 1), render_links(links))
                if part
            )
            numbered.extend(options)
            if text or block:
                bodies.append(
                    fit_sms(smart_encode(text), self.max_segments, suffix=smart_encode(block))
                )
        return split_for_sms(bodies, self.max_segments), numbered

    async def _say(self, sender: str, texts: Sequence[str]) -> HTTPReply:
        if self.reply_mode == "rest":
            for text in texts:
                try:
                    await self.gateway.send(sender, text)
                except SMSSendError:
                    logger.exception("sms.send.failed", extra={"sender": _masked(sender)})
                    break
            return self.gateway.render_reply([])
        return self.gateway.render_reply(texts)
