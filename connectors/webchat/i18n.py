"""The page's and the widget's texts in English and Spanish, and the choice of the first language.

One table serves both sides: the server renders the page in the negotiated language and embeds
the whole table (as JSON data, not script) so the widget can switch language without a reload.
"""

from __future__ import annotations

from typing import Final

from .transcript import Language

__all__ = ["DEFAULT_LANGUAGE", "STRINGS", "negotiate_language"]

DEFAULT_LANGUAGE: Final[Language] = "en"

STRINGS: Final[dict[Language, dict[str, str]]] = {
    "en": {
        "page_title": "MyLA311 assistant · City of Los Angeles",
        "skip_link": "Skip to the chat",
        "site_city": "City of Los Angeles",
        "site_name": "MyLA311 assistant",
        "heading": "Get help from the City, any time",
        "intro": (
            "Report a problem such as graffiti, a pothole or a bulky item to pick up, check the "
            "status of a request, or ask about City services. The assistant understands English "
            "and Spanish."
        ),
        "privacy": (
            "Please do not share more personal information than needed. Conversations may be "
            "reviewed by City staff to improve the assistant."
        ),
        "chat_heading": "Chat with the assistant",
        "log_label": "Conversation",
        "empty": "Type your question or report below, in English or Spanish.",
        "you": "You",
        "assistant": "Assistant",
        "input_label": "Your message",
        "hint": "Press Enter to send. Shift + Enter starts a new line.",
        "send": "Send",
        "quick_label": "Suggested replies",
        "lang_label": "Chat language",
        "typing": "The assistant is typing…",
        "reconnecting": "Reconnecting…",
        "reconnecting_kept": "Reconnecting… Your message was not sent; it is still in the box.",
        "reconnected": "Connected again. You can send your message now.",
        "loading": "Loading your conversation…",
        "counter": "{n} characters left",
        "empty_message": "Please type a message first.",
        "too_long": "Please keep your message under {n} characters.",
        "error": "Sorry, something went wrong. Please try again.",
        "new_tab": "(opens in a new tab)",
        "emergency_before": "In an emergency, call",
        "person_before": "To talk to a person, call",
        "person_or": "or",
        "person_after": "from outside the City.",
        "footer_note": "A service of the City of Los Angeles.",
        "locate": "Use my location",
        "locate_hint": "Shares where you are now, once, to find the address.",
        "locating": "Finding your location… Your browser may ask for permission.",
        "my_location": "My location",
        "locate_denied": (
            "Location access was not allowed. Please type the address or the two nearest "
            "cross streets instead."
        ),
        "locate_failed": (
            "Your location could not be found. Please type the address or the two nearest "
            "cross streets instead."
        ),
        "locate_unavailable": (
            "This browser cannot share its location. Please type the address or the two "
            "nearest cross streets instead."
        ),
    },
    "es": {
        "page_title": "Asistente MyLA311 · Ciudad de Los Ángeles",
        "skip_link": "Ir al chat",
        "site_city": "Ciudad de Los Ángeles",
        "site_name": "Asistente MyLA311",
        "heading": "Reciba ayuda de la Ciudad, a cualquier hora",
        "intro": (
            "Reporte un problema como grafiti, un bache o un artículo grande para recoger, "
            "revise el estado de una solicitud o pregunte sobre los servicios de la Ciudad. El "
            "asistente entiende inglés y español."
        ),
        "privacy": (
            "No comparta más información personal de la necesaria. El personal de la Ciudad "
            "puede revisar las conversaciones para mejorar el asistente."
        ),
        "chat_heading": "Converse con el asistente",
        "log_label": "Conversación",
        "empty": "Escriba su pregunta o reporte abajo, en inglés o en español.",
        "you": "Usted",
        "assistant": "Asistente",
        "input_label": "Su mensaje",
        "hint": "Pulse Intro para enviar. Mayús + Intro empieza una línea nueva.",
        "send": "Enviar",
        "quick_label": "Respuestas sugeridas",
        "lang_label": "Idioma del chat",
        "typing": "El asistente está escribiendo…",
        "reconnecting": "Reconectando…",
        "reconnecting_kept": "Reconectando… Su mensaje no se envió; sigue en el cuadro.",
        "reconnected": "Conectado de nuevo. Ya puede enviar su mensaje.",
        "loading": "Cargando su conversación…",
        "counter": "Quedan {n} caracteres",
        "empty_message": "Escriba un mensaje primero.",
        "too_long": "Use menos de {n} caracteres, por favor.",
        "error": "Lo siento, algo salió mal. Intente de nuevo.",
        "new_tab": "(se abre en una pestaña nueva)",
        "emergency_before": "En una emergencia, llame al",
        "person_before": "Para hablar con una persona, llame al",
        "person_or": "o al",
        "person_after": "desde fuera de la Ciudad.",
        "footer_note": "Un servicio de la Ciudad de Los Ángeles.",
        "locate": "Usar mi ubicación",
        "locate_hint": "Comparte dónde está ahora, una sola vez, para encontrar la dirección.",
        "locating": "Buscando su ubicación… Su navegador puede pedirle permiso.",
        "my_location": "Mi ubicación",
        "locate_denied": (
            "No se permitió el acceso a la ubicación. Escriba la dirección o las dos calles "
            "que se cruzan más cerca."
        ),
        "locate_failed": (
            "No se pudo encontrar su ubicación. Escriba la dirección o las dos calles que se "
            "cruzan más cerca."
        ),
        "locate_unavailable": (
            "Este navegador no puede compartir su ubicación. Escriba la dirección o las dos "
            "calles que se cruzan más cerca."
        ),
    },
}


def negotiate_language(explicit: str | None, accept_language: str | None) -> Language:
    """The language the page is first shown in.

    Args:
        explicit: The ``lang`` query parameter, if any ("en" or "es").
        accept_language: The browser's ``Accept-Language`` header.

    Returns:
        ``explicit`` when valid, else the preferred of English and Spanish by quality,
        else English.
    """
    if explicit in ("en", "es"):
        return "es" if explicit == "es" else "en"
    best: tuple[float, Language] | None = None
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("en", "es"):
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        language: Language = "es" if primary == "es" else "en"
        if best is None or quality > best[0]:
            best = (quality, language)
    return best[1] if best else DEFAULT_LANGUAGE
