"""SMS providers behind one interface: parse the webhook, verify it, answer it, send by REST.

:class:`SMSGateway` is what the channel talks to. :class:`TwilioGateway` speaks Twilio's
Programmable Messaging: a form-encoded webhook signed with ``X-Twilio-Signature``, a TwiML
``<Response><Message>`` answer, and ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``
with basic auth to send. :class:`GenericHTTPGateway` is a plain JSON provider; it exists to
show that another provider is one more class, not a change to the channel.
"""

from __future__ import annotations

import abc
import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

try:
    import httpx
except ImportError:  # the Rasa venv ships the API-compatible fork under another name
    import httpx2 as httpx  # type: ignore[no-redef]

from connectors.sms.errors import SMSProviderError, SMSRequestError, SMSTransportError
from connectors.sms.signature import (
    compute_hmac_sha256_hex,
    validate_hmac_sha256_hex,
    validate_twilio_signature,
)

logger = logging.getLogger(__name__)

# Characters XML 1.0 does not allow even escaped; a bot text containing one would make the
# whole TwiML document invalid, and Twilio would send nothing.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_MEDIA = 10  # Twilio accepts at most 10 media per MMS


@dataclass(frozen=True)
class InboundSMS:
    """One message a resident sent.

    Attributes:
        sender: the resident's number (E.164, e.g. "+12135550100").
        recipient: the assistant's number the message was sent to.
        body: the text, as sent (may be empty for a photo).
        message_id: the provider's id of this message (Twilio MessageSid).
        media_urls: URLs of attached photos or files (MMS), in order.
        opt_out_type: "STOP", "START" or "HELP" when the provider already handled the message
            as a keyword (Twilio's ``OptOutType``, sent with Advanced Opt-Out); else None.
    """

    sender: str
    recipient: str
    body: str
    message_id: str
    media_urls: tuple[str, ...] = ()
    opt_out_type: str | None = None


@dataclass(frozen=True)
class HTTPReply:
    """The HTTP answer to a webhook request."""

    status: int
    body: str
    content_type: str


@dataclass(frozen=True)
class RetryPolicy:
    """How :meth:`SMSGateway.send` retries.

    Attributes:
        attempts: tries in all (first one included).
        backoff: seconds before the second try; doubles after each failure.
        timeout: seconds allowed for each try.
    """

    attempts: int = 3
    backoff: float = 0.5
    timeout: float = 10.0


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


class SMSGateway(abc.ABC):
    """A provider's webhook format, signature scheme, reply format and sending API.

    Args:
        client: a shared ``httpx.AsyncClient`` for :meth:`send`; one is created on first use
            when omitted.
        retry: retry policy of :meth:`send`.
    """

    name: ClassVar[str]
    carrier_keywords: ClassVar[bool] = False
    """Whether the provider answers the standard STOP/START/HELP words itself."""

    def __init__(self, client: httpx.AsyncClient | None = None, retry: RetryPolicy | None = None):
        self._client = client
        self._owns_client = client is None
        self.retry = retry or RetryPolicy()

    @abc.abstractmethod
    def verify(self, url: str, body: bytes, headers: Mapping[str, str]) -> bool:
        """Whether a webhook request carries a valid signature.

        Args:
            url: the URL the provider signed (the public webhook URL).
            body: the raw request body.
            headers: the request headers, names in lowercase.

        Returns:
            True when the request is authentic.

        Raises:
            SMSRequestError: the body cannot be decoded, so it cannot be checked.
        """

    @abc.abstractmethod
    def parse(self, body: bytes, content_type: str) -> InboundSMS:
        """Read the message out of a webhook request.

        Args:
            body: the raw request body.
            content_type: the request's Content-Type header.

        Returns:
            The inbound message.

        Raises:
            SMSRequestError: wrong content type, undecodable body or a missing field.
        """

    @abc.abstractmethod
    def render_reply(self, texts: Sequence[str]) -> HTTPReply:
        """The webhook answer that sends ``texts`` (nothing when empty) to the sender.

        Args:
            texts: SMS bodies, in order.

        Returns:
            The HTTP reply.
        """

    async def send(self, to: str, body: str) -> str:
        """Send one SMS through the provider's REST API, retrying only certain non-deliveries.

        Args:
            to: the recipient's number.
            body: the text.

        Returns:
            The provider's id of the created message ("" when it gives none).

        Raises:
            SMSTransportError: no answer after every try.
            SMSProviderError: the provider refused the message.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot send by REST")

    async def aclose(self) -> None:
        """Close the HTTP client this gateway created (not one that was passed in)."""
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    @property
    def client(self) -> httpx.AsyncClient:
        """The HTTP client used by :meth:`send`."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.retry.timeout)
        return self._client

    async def _post_with_retries(
        self, request: Callable[[], Awaitable[httpx.Response]]
    ) -> httpx.Response:
        """Run ``request`` until it succeeds, retrying only when no message can exist.

        Retried: the connection was never made (connect errors and timeouts, no free pooled
        connection) and 429 (the provider refused before creating anything). Not retried: a
        read timeout, a dropped connection or a 5xx after the request was sent; the provider
        may have created the message, and a retry would text the resident twice.
        """
        delay = self.retry.backoff
        for attempt in range(1, self.retry.attempts + 1):
            last = attempt == self.retry.attempts
            try:
                response = await request()
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                if last:
                    raise SMSTransportError(f"{self.name}: {exc!r}") from exc
                logger.warning("sms.send.retry", extra={"attempt": attempt, "error": repr(exc)})
            except httpx.TransportError as exc:  # sent, outcome unknown: never sent twice
                raise SMSTransportError(f"{self.name}: {exc!r} (not retried)") from exc
            else:
                if response.status_code < 400:
                    return response
                if last or response.status_code != 429:
                    raise self._provider_error(response)
                logger.warning(
                    "sms.send.retry", extra={"attempt": attempt, "status": response.status_code}
                )
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _provider_error(self, response: httpx.Response) -> SMSProviderError:
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict):
            code = data.get("code")
            return SMSProviderError(
                response.status_code,
                None if code is None else str(code),
                str(data.get("message") or data.get("error") or response.text[:200]),
            )
        return SMSProviderError(response.status_code, None, response.text[:200])


class TwilioGateway(SMSGateway):
    """Twilio Programmable Messaging.

    Args:
        auth_token: the account's auth token (signs webhooks, authenticates REST calls).
        account_sid: the account SID (needed to send by REST).
        from_number: the assistant's Twilio number (needed to send by REST).
        api_base: Twilio's REST API origin; tests point it at a local server.
        client: see :class:`SMSGateway`.
        retry: see :class:`SMSGateway`.
    """

    name = "twilio"
    carrier_keywords = True

    def __init__(
        self,
        auth_token: str,
        account_sid: str | None = None,
        from_number: str | None = None,
        api_base: str = "https://api.twilio.com",
        client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
    ):
        super().__init__(client, retry)
        self.auth_token = auth_token
        self.account_sid = account_sid
        self.from_number = from_number
        self.api_base = api_base.rstrip("/")

    def _form(self, body: bytes, content_type: str) -> list[tuple[str, str]]:
        if _media_type(content_type) != "application/x-www-form-urlencoded":
            raise SMSRequestError("expected Content-Type application/x-www-form-urlencoded")
        try:
            return parse_qsl(
                body.decode("utf-8"),
                keep_blank_values=True,
                encoding="utf-8",
                errors="strict",
                max_num_fields=500,
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise SMSRequestError(f"undecodable form body: {exc}") from exc

    def verify(self, url: str, body: bytes, headers: Mapping[str, str]) -> bool:
        """Check ``X-Twilio-Signature`` over the URL and every POST parameter."""
        signature = headers.get("x-twilio-signature")
        if not signature:
            return False
        params = self._form(body, headers.get("content-type", ""))
        return validate_twilio_signature(url, params, signature, self.auth_token)

    def parse(self, body: bytes, content_type: str) -> InboundSMS:
        """Read From, To, Body, MessageSid, NumMedia and MediaUrl0..N."""
        form: dict[str, str] = {}
        for name, value in self._form(body, content_type):
            form.setdefault(name, value)
        missing = [field for field in ("From", "Body", "MessageSid") if field not in form]
        if missing:
            raise SMSRequestError(f"missing field(s): {', '.join(missing)}")
        if not form["From"].strip() or not form["MessageSid"].strip():
            raise SMSRequestError("empty From or MessageSid")
        try:
            num_media = max(0, min(int(form.get("NumMedia") or 0), MAX_MEDIA))
        except ValueError as exc:
            raise SMSRequestError("NumMedia is not a number") from exc
        media = tuple(form[f"MediaUrl{i}"] for i in range(num_media) if form.get(f"MediaUrl{i}"))
        opt_out_type = form.get("OptOutType", "").strip().upper()
        return InboundSMS(
            sender=form["From"].strip(),
            recipient=form.get("To", "").strip(),
            body=form["Body"],
            message_id=form["MessageSid"].strip(),
            media_urls=media,
            opt_out_type=opt_out_type if opt_out_type in ("STOP", "START", "HELP") else None,
        )

    def render_reply(self, texts: Sequence[str]) -> HTTPReply:
        """TwiML: one escaped ``<Message>`` per text, or an empty ``<Response/>``."""
        messages = "".join(
            f"<Message>{escape(_XML_INVALID.sub('', text))}</Message>" for text in texts
        )
        body = f"<Response>{messages}</Response>" if messages else "<Response/>"
        return HTTPReply(
            status=200,
            body=f'<?xml version="1.0" encoding="UTF-8"?>{body}',
            content_type="text/xml; charset=utf-8",
        )

    async def send(self, to: str, body: str) -> str:
        """POST /2010-04-01/Accounts/{AccountSid}/Messages.json with To, From and Body."""
        if not self.account_sid or not self.from_number:
            raise ValueError("sending by REST needs account_sid and from_number")
        url = f"{self.api_base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        auth = httpx.BasicAuth(self.account_sid, self.auth_token)
        form = {"To": to, "From": self.from_number, "Body": body}

        async def request() -> httpx.Response:
            return await self.client.post(url, data=form, auth=auth, timeout=self.retry.timeout)

        response = await self._post_with_retries(request)
        return _json_field(response, "sid")


class GenericHTTPGateway(SMSGateway):
    """A JSON provider: ``{"from","to","text","id","media"}`` in, ``{"messages": [...]}`` out.

    Requests (both ways) are signed with ``X-Signature``: the hex HMAC-SHA256 of the raw body,
    keyed with the shared secret.

    Args:
        secret: the shared secret.
        send_url: where :meth:`send` POSTs ``{"to","from","text"}``.
        from_number: the assistant's number, sent as "from".
        client: see :class:`SMSGateway`.
        retry: see :class:`SMSGateway`.
    """

    name = "generic"
    signature_header = "x-signature"

    def __init__(
        self,
        secret: str,
        send_url: str | None = None,
        from_number: str | None = None,
        client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
    ):
        super().__init__(client, retry)
        self.secret = secret
        self.send_url = send_url
        self.from_number = from_number

    def verify(self, url: str, body: bytes, headers: Mapping[str, str]) -> bool:
        """Check ``X-Signature`` against the raw body (the URL is not signed)."""
        return validate_hmac_sha256_hex(body, headers.get(self.signature_header), self.secret)

    def parse(self, body: bytes, content_type: str) -> InboundSMS:
        """Read a JSON object with string fields from, to, text, id and a media list."""
        if _media_type(content_type) != "application/json":
            raise SMSRequestError("expected Content-Type application/json")
        try:
            data: Any = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise SMSRequestError(f"undecodable JSON body: {exc}") from exc
        if not isinstance(data, dict):
            raise SMSRequestError("expected a JSON object")
        fields = {}
        for name in ("from", "to", "text", "id"):
            value = data.get(name, "" if name in ("to", "text") else None)
            if not isinstance(value, str) or (name in ("from", "id") and not value.strip()):
                raise SMSRequestError(f"missing or invalid field: {name}")
            fields[name] = value
        media = data.get("media") or []
        if not isinstance(media, list) or not all(isinstance(m, str) for m in media):
            raise SMSRequestError("media must be a list of URLs")
        return InboundSMS(
            sender=fields["from"].strip(),
            recipient=fields["to"].strip(),
            body=fields["text"],
            message_id=fields["id"].strip(),
            media_urls=tuple(media[:MAX_MEDIA]),
        )

    def render_reply(self, texts: Sequence[str]) -> HTTPReply:
        """``{"messages": [...]}``."""
        return HTTPReply(
            status=200,
            body=json.dumps({"messages": list(texts)}, ensure_ascii=False),
            content_type="application/json",
        )

    async def send(self, to: str, body: str) -> str:
        """POST ``{"to","from","text"}`` to ``send_url``, signed like the webhooks."""
        if not self.send_url:
            raise ValueError("sending by REST needs send_url")
        payload = json.dumps({"to": to, "from": self.from_number, "text": body}).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "X-Signature": compute_hmac_sha256_hex(payload, self.secret),
        }
        send_url = self.send_url

        async def request() -> httpx.Response:
            return await self.client.post(
                send_url, content=payload, headers=headers, timeout=self.retry.timeout
            )

        response = await self._post_with_retries(request)
        return _json_field(response, "id")


def _json_field(response: httpx.Response, name: str) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    return str(data.get(name) or "") if isinstance(data, dict) else ""
