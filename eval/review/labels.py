"""Plain-language names of intents, slots and languages, in the reviewer's language.

Staff read "Pothole" rather than ``report_pothole``; the code name is shown only under
"technical details". An intent missing here gets a name made from its code name
("report_water_waste" → "Report water waste"), so a new intent never breaks the page.
"""

from __future__ import annotations

__all__ = ["UI_LANGUAGES", "intent_label", "language_name", "slot_label", "ui_language"]

UI_LANGUAGES = ("en", "es")

_INTENTS: dict[str, tuple[str, str]] = {
    "greet": ("Greeting", "Saludo"),
    "goodbye": ("Goodbye", "Despedida"),
    "thank": ("Thanks", "Agradecimiento"),
    "affirm": ("Yes", "Sí"),
    "deny": ("No", "No"),
    "help": ("Asks what the assistant can do", "Pregunta qué puede hacer el asistente"),
    "bot_challenge": ("Asks if it is a robot", "Pregunta si es un robot"),
    "out_of_scope": ("Not a City service (out of scope)", "No es un servicio de la Ciudad"),
    "human_handoff": ("Wants a person", "Quiere hablar con una persona"),
    "cancel": ("Cancel / never mind", "Cancelar"),
    "inform": ("Answer to the assistant's question", "Respuesta a la pregunta del asistente"),
    "share_photo": ("Sends a photo", "Envía una foto"),
    "set_language": ("Change language", "Cambiar idioma"),
    "ask_question": ("Question about City services", "Pregunta sobre servicios de la Ciudad"),
    "check_request_status": ("Status of a request", "Estado de una solicitud"),
    "report_problem": ("Report a problem (kind not said)", "Reportar un problema (sin tipo)"),
    "report_bulky_items": ("Bulky items pickup", "Recolección de artículos grandes"),
    "report_dead_animal": ("Dead animal", "Animal muerto"),
    "report_electronic_waste": ("Electronic waste pickup", "Recolección de electrónicos"),
    "report_graffiti": ("Graffiti", "Grafiti"),
    "report_homeless_encampment": ("Homeless encampment", "Campamento de personas sin hogar"),
    "report_illegal_dumping": ("Illegal dumping", "Basura tirada ilegalmente"),
    "report_appliances": ("Appliance pickup", "Recolección de aparatos"),
    "report_single_streetlight": ("One streetlight out", "Un poste de luz apagado"),
    "report_multiple_streetlight": ("Several streetlights out", "Varios postes de luz apagados"),
    "report_water_waste": ("Water waste", "Desperdicio de agua"),
    "report_pothole": ("Pothole", "Bache"),
    "report_abandoned_vehicle": ("Abandoned vehicle", "Vehículo abandonado"),
    "report_sidewalk": ("Sidewalk repair", "Reparación de banqueta"),
    "report_fallen_tree": ("Fallen tree or branch", "Árbol o rama caída"),
    "give_feedback": ("Feedback to the City", "Comentario para la Ciudad"),
    "report_other": ("Other problem", "Otro problema"),
    "nlu_fallback": ("Not understood", "No entendido"),
    "danger": ("Emergency", "Emergencia"),
    "not_danger": ("Not an emergency", "No es emergencia"),
}
_SLOTS: dict[str, tuple[str, str]] = {
    "address": ("Address or cross streets", "Dirección o cruce de calles"),
    "service_code": ("Kind of request", "Tipo de solicitud"),
    "item_description": ("Which items", "Qué artículos"),
    "item_count": ("How many items", "Cuántos artículos"),
    "lights_out_count": ("How many lights are out", "Cuántas luces apagadas"),
    "blocking_traffic": ("Blocking traffic (yes/no)", "Bloquea el tráfico (sí/no)"),
    "vehicle_description": ("Vehicle description", "Descripción del vehículo"),
    "animal_type": ("Kind of animal", "Tipo de animal"),
    "graffiti_surface": ("Graffiti surface", "Superficie del grafiti"),
    "description": ("Description", "Descripción"),
    "contact_info": ("Contact", "Contacto"),
    "confirm_request": ("Confirmation", "Confirmación"),
    "request_number": ("Request number", "Número de solicitud"),
}
_LANGUAGES = {"en": ("English", "Inglés"), "es": ("Spanish", "Español")}


def ui_language(accept_language: str | None) -> str:
    """The first supported language of an ``Accept-Language`` header ("en" otherwise)."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in UI_LANGUAGES:
            return code
    return "en"


def _pick(table: dict[str, tuple[str, str]], key: str, language: str) -> str:
    names = table.get(key)
    if names is None:
        return key.replace("_", " ").strip().capitalize()
    return names[1] if language == "es" else names[0]


def intent_label(intent: str | None, language: str = "en") -> str:
    """"Pothole" for ``report_pothole``."""
    if not intent:
        return "–"
    return _pick(_INTENTS, intent, language)


def slot_label(slot: str, language: str = "en") -> str:
    """"Address or cross streets" for ``address``."""
    return _pick(_SLOTS, slot, language)


def language_name(code: str | None, language: str = "en") -> str:
    """"Spanish" for ``es``."""
    if not code:
        return "–"
    return _pick(_LANGUAGES, code, language)
