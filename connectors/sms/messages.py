"""Replies the SMS channel sends on its own, without asking the assistant.

Everything else the resident reads comes from the domain's responses. These few are answered
before Rasa is called (carrier keywords, empty or oversized messages, an unavailable
assistant), so they live here, in both languages.

The wording avoids á, í, ó and ú where natural Spanish allows it: those letters are not in
GSM-7 and would make a reply UCS-2, 70 characters a segment instead of 160. Each reply is one
segment except the Spanish help: its "más" (kept as the program's terms word it) makes it UCS-2,
two segments.
"""

from __future__ import annotations

from typing import Literal

from connectors.sms.keywords import Language

MessageKey = Literal[
    "opt_out", "opt_in", "help", "empty", "too_long", "unavailable", "slow", "rate_limited"
]

PROGRAM_NAME: dict[Language, str] = {"en": "LA 311 Assistant", "es": "Asistente 311 de LA"}

_CATALOG: dict[MessageKey, dict[Language, str]] = {
    "opt_out": {
        "en": (
            "LA 311 Assistant: You are unsubscribed and will get no more messages. "
            "Reply START to resubscribe. Call 3-1-1 to reach a person."
        ),
        "es": (
            "Asistente 311 de LA: Baja confirmada, no le enviaremos otros mensajes. "
            "Responda START para volver a recibirlos."
        ),
    },
    "opt_in": {
        "en": (
            "LA 311 Assistant: You are subscribed again. Text your question or report. "
            "Reply HELP for help, STOP to opt out."
        ),
        "es": (
            "Asistente 311 de LA: Le damos la bienvenida de nuevo. Escriba su pregunta "
            "o reporte. Responda AYUDA para ayuda, PARA para salir."
        ),
    },
    "help": {
        "en": (
            "LA 311 Assistant: City info & service requests. We may text you replies. "
            "Msg&data rates may apply. Reply STOP to opt out. Call 3-1-1 to reach a person."
        ),
        "es": (
            "Asistente 311 de LA: Puede recibir mensajes. Responda PARA para no recibir "
            "más mensajes. Llame al 3-1-1 para hablar con una persona."
        ),
    },
    "empty": {
        "en": "LA 311 Assistant: Please type your message.",
        "es": "Asistente 311 de LA: Por favor, escriba su mensaje.",
    },
    "too_long": {
        "en": "LA 311 Assistant: Your message is too long. Please send a shorter one.",
        "es": "Asistente 311 de LA: Su mensaje es demasiado largo. Escriba uno breve.",
    },
    "slow": {
        "en": "LA 311 Assistant: This is taking longer than usual. Please text again in a minute.",
        "es": "Asistente 311 de LA: Esto tarda mas de lo normal. Escriba de nuevo en un minuto.",
    },
    "rate_limited": {
        "en": "LA 311 Assistant: Too many messages in a short time. Please wait a few minutes.",
        "es": "Asistente 311 de LA: Demasiados mensajes seguidos. Espere unos minutos, por favor.",
    },
    "unavailable": {
        "en": "LA 311 Assistant: Sorry, something went wrong. Try again or call 3-1-1.",
        "es": (
            "Asistente 311 de LA: Lo sentimos, hubo un problema. Intente de nuevo o llame al 3-1-1."
        ),
    },
}


def message(key: MessageKey, language: Language) -> str:
    """One reply in one language.

    Args:
        key: which reply.
        language: "en" or "es".

    Returns:
        The reply text.
    """
    return _CATALOG[key][language]


def bilingual(key: MessageKey) -> str:
    """A reply in English then Spanish, for when the resident's language is not known.

    The Spanish half drops the program name, which the English half already gave.

    Args:
        key: which reply.

    Returns:
        The English and Spanish replies, one per line.
    """
    spanish = _CATALOG[key]["es"].removeprefix(PROGRAM_NAME["es"] + ": ")
    return f"{_CATALOG[key]['en']}\n{spanish}"
