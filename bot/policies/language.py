"""Dialogue policy that keeps the conversation's language sticky and explicit choices binding.

The NLU pipeline's ``LanguageDetector`` reports what each message looks like (a ``language``
entity with the detection ``method`` and the message's word count); this policy decides what
the conversation's ``language`` slot becomes, with the whole conversation in view:

* an explicit choice — the web page's language button, "en español por favor", "English
  please" — sets the language and *locks* it until the resident chooses again;
* the first message of a conversation sets it from whatever it shows, even one word ("hola");
  with nothing to go on, the channel's locale (the web page's language) or the default;
* later, a short reply ("ok", "ya", "sí", "Y", a number, an address, a name) never switches;
  only a real sentence in another language does, and never while the language is locked.

It never predicts an action (all probabilities are zero); it only adds ``SlotSet`` events,
which Rasa applies whichever policy wins, before the predicted action runs.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.language import LANGUAGE_SLOT, choose_language
from bot.languages import default_language
from bot.policies.base import FixedPolicy

LOCK_SLOT = "language_locked"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class LanguagePolicy(FixedPolicy):
    """Sets the ``language`` and ``language_locked`` slots after each resident message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Lowest priority: it never competes for the next action."""
        return {"priority": 0}

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """No action; language slot events right after a resident message."""
        events: list[SlotSet] = []
        message = tracker.latest_message
        if tracker.latest_action_name == ACTION_LISTEN_NAME and message and message.text:
            supported = _supported(domain)
            current = tracker.get_slot(LANGUAGE_SLOT)
            locked = bool(tracker.get_slot(LOCK_SLOT))
            metadata = message.metadata or {}
            locale = metadata.get("locale") if isinstance(metadata, dict) else None
            language, lock = choose_language(
                current, locked, message.entities or [], locale, supported
            )
            if language != current:
                events.append(SlotSet(LANGUAGE_SLOT, language))
            if lock != locked:
                events.append(SlotSet(LOCK_SLOT, lock))
        return self._prediction(self._default_predictions(domain), events=events)


def _supported(domain: Domain) -> list[str]:
    for slot in domain.slots:
        if slot.name == LANGUAGE_SLOT:
            values = getattr(slot, "values", [])
            return [str(v) for v in values if v and not str(v).startswith("__")]
    return [default_language()]
