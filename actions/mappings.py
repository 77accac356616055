"""The request type a report intent sets, read from the ``service_code`` slot mappings.

One reading for both processes: the action server passes the SDK's domain dict
(:func:`actions.offers.service_for_intent`), the dialogue policies Rasa's ``Domain`` slot
(:func:`bot.policies.offer.intent_service`). No dependency beyond the standard library, so it
loads in the Rasa environment too.
"""

from __future__ import annotations

from typing import Any


def service_in_mappings(intent: str | None, mappings: list[dict[str, Any]]) -> str | None:
    """The service code ``intent`` sets in the ``service_code`` slot mappings.

    The generic ``other`` and ``feedback`` name no request type.
    """
    if not intent:
        return None
    for mapping in mappings:
        if mapping.get("type") == "from_intent" and mapping.get("intent") == intent:
            value = mapping.get("value")
            return str(value) if value and value not in ("other", "feedback") else None
    return None
