"""Conversation ids: every channel's sender id lives in that channel's namespace.

Rasa keys a conversation (tracker, slots, filed requests) by its sender id alone. If two
channels could use the same id, one could read or continue the other's conversations: a REST
client posting ``{"sender": "+12135550123"}`` would continue that phone's SMS conversation.
So each channel prefixes its own ids, and nothing outside a channel chooses the prefix::

    sms:+12135550123        a phone number, from the SMS channel
    web:3f9c2a71d0b84e55    the browser's random id, from the web chat (through its proxy)
    rest:eval-1a2b3c        a sender chosen by a REST client holding the REST token

This module is the one place that builds and reads these ids: the channels, the web chat,
``eval/stack.py``, the review app and the tests all call it. Pure Python, no Rasa import.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["CHANNELS", "SMS_PREFIX", "Channel", "channel_of", "conversation_id", "local_id"]

Channel = Literal["sms", "web", "rest"]
CHANNELS: tuple[Channel, ...] = ("sms", "web", "rest")
SEPARATOR = ":"
SMS_PREFIX = f"sms{SEPARATOR}"
"""How every SMS conversation id starts (for SQL filters on the tracker store)."""


def conversation_id(channel: Channel, sender: str) -> str:
    """The Rasa sender id of a channel's own sender id.

    Args:
        channel: The channel the message came through.
        sender: The id within that channel (a phone number, a browser id...).

    Returns:
        ``"<channel>:<sender>"``.

    Raises:
        ValueError: ``channel`` is not one of :data:`CHANNELS` or ``sender`` is empty.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if not sender:
        raise ValueError("empty sender id")
    return f"{channel}{SEPARATOR}{sender}"


def channel_of(conversation: str) -> Channel | None:
    """The channel a conversation id belongs to, or None for an id without a namespace."""
    prefix, separator, _ = conversation.partition(SEPARATOR)
    if not separator:
        return None
    for channel in CHANNELS:
        if prefix == channel:
            return channel
    return None


def local_id(conversation: str) -> str:
    """The channel's own sender id inside a conversation id (the id itself without a prefix)."""
    if channel_of(conversation) is None:
        return conversation
    return conversation.partition(SEPARATOR)[2]
