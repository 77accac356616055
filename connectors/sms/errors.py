"""Exceptions raised by the SMS connector.

The tree::

    SMSError                      base class: catch this at the channel boundary
    ├── SMSRequestError           an inbound webhook we cannot use (answered with HTTP 400)
    ├── SMSStoreError             the SQLite state file cannot be read or written
    └── SMSSendError              an outgoing message was not accepted by the provider
        ├── SMSTransportError     timeouts and connection failures, after every retry
        └── SMSProviderError      the provider answered with an error (status, code, message)

Library exceptions (httpx, sqlite3, json) are converted to these at the module that
calls the library, so callers never need to import those libraries to handle failures.
"""

from __future__ import annotations


class SMSError(Exception):
    """Base class of every error raised by ``connectors.sms``."""


class SMSRequestError(SMSError):
    """An inbound webhook request is malformed: wrong content type, bad encoding, missing field.

    The message is safe to return to the caller as the body of an HTTP 400 response.
    """


class SMSStoreError(SMSError):
    """The channel's SQLite store failed (file not writable, disk full, locked too long)."""


class SMSSendError(SMSError):
    """Sending a message through the provider's REST API failed."""


class SMSTransportError(SMSSendError):
    """The provider could not be reached (timeout, connection error) after all retries."""


class SMSProviderError(SMSSendError):
    """The provider rejected the message.

    Attributes:
        status: HTTP status code of the provider's answer.
        code: the provider's own error code, when it sent one (Twilio: e.g. 21610).
        description: the provider's error message, or the start of the response body.
    """

    def __init__(self, status: int, code: str | None, description: str) -> None:
        super().__init__(f"provider answered HTTP {status} (code {code}): {description}")
        self.status = status
        self.code = code
        self.description = description
