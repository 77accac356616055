"""Dialogue policy: "ok, I need one picked up" right after an offer takes the offer up.

After an answer the assistant may offer a request ("Want me to file a request for Bulky
Items?"). Residents rarely answer with a bare "yes": they say "ok cool, i need one picked up",
"ándele pues, agéndemelo", "ok pues quiero reportar uno, está en la 1st y Boyle". The NLU reads
such replies as whatever their words resemble (a bulky-item report, out of scope, a noise
complaint), and the rules for those intents would start the wrong form or say "I can't help".
The offer is the context that settles it: when the assistant's last turn made an offer, and
the reply says yes or uses a pack's ``accept`` cue (and is neither a question, a "no", a
cancellation nor an emergency) — or reports the very kind offered, as the NLU ranks it —
this policy predicts ``action_accept_offer``, which starts the offered request; the form then
reads the rest of the message (the place, the details).

Rasa rules cannot see the words of a message, only its intent, hence a policy. Its priority is
above the RulePolicy's and below the EmergencyPolicy's tie-break (it never predicts on a
message the danger detector flagged).

Used with ``actions.parsing`` (the form's own reading of yes, no and the packs' cues), which
depends only on ``bot.languages`` and so loads in the Rasa environment too.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import PolicyPrediction, confidence_scores_for
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.mappings import service_in_mappings
from actions.parsing import has_cue, is_no, is_yes
from bot.language import is_question
from bot.policies.base import FixedPolicy
from bot.policies.emergency import has_danger

ACCEPT_ACTION = "action_accept_offer"
OFFER_SLOT = "offered_service"
# Intents that mean something else than taking the offer up, whatever the words.
OTHER_WISHES = frozenset({"deny", "cancel", "human_handoff", "check_request_status"})
# A report intent this likely, of the offered kind, takes the offer up.
REPORT_MIN_CONFIDENCE = 0.3


def intent_service(domain: Domain, intent: str) -> str | None:
    """The request type a report intent names (the domain's ``service_code`` mappings)."""
    slot = next((slot for slot in domain.slots if slot.name == "service_code"), None)
    return service_in_mappings(intent, slot.mappings) if slot else None


def offer_pending(tracker: DialogueStateTracker) -> bool:
    """Whether the assistant's turn just before the latest message made an offer."""
    users = 0
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            users += 1
            if users > 1:
                return False
        elif isinstance(event, SlotSet) and event.key == OFFER_SLOT:
            return bool(event.value) and users == 1
    return False


def takes_offer_up(text: str) -> bool:
    """Whether a reply to an offer accepts it: a plain yes or an ``accept`` cue.

    Not a yes inside a longer reply: "ah ok, gracias, nomás quería saber" declines. A question
    takes it up only as a polite request ("can u also put in the tree report?"), never as a
    question about it ("how long would a report take?").
    """
    if not text or text.startswith("/") or is_no(text) or has_cue("cancel", text):
        return False
    return is_yes(text) or (
        has_cue("accept", text) and (not is_question(text) or has_cue("request", text))
    )


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class OfferPolicy(FixedPolicy):
    """Predicts ``action_accept_offer`` for a reply that takes the pending offer up."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Above the RulePolicy (6), so the offer's context beats the intent's rule."""
        return {"priority": 7}

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """``action_accept_offer`` with certainty when the reply takes the offer up."""
        message = tracker.latest_message
        if (
            tracker.latest_action_name != ACTION_LISTEN_NAME
            or tracker.active_loop_name
            or message is None
            or not offer_pending(tracker)
        ):
            return self._prediction(self._default_predictions(domain))
        intent = (message.intent or {}).get("name")
        if has_danger(tracker) or intent in OTHER_WISHES:
            return self._prediction(self._default_predictions(domain))
        text = message.text or ""
        if not (takes_offer_up(text) or self._reports_the_offer(tracker, domain, text)):
            return self._prediction(self._default_predictions(domain))
        return self._prediction(confidence_scores_for(ACCEPT_ACTION, 1.0, domain))

    @staticmethod
    def _reports_the_offer(tracker: DialogueStateTracker, domain: Domain, text: str) -> bool:
        """A report of the very kind offered, even when the NLU could not tell it from a question.

        "ok pues aunque sea q tapen el bache", after a pothole offer.
        """
        if not text or text.startswith("/") or is_question(text) or is_no(text) or has_cue(
            "cancel", text
        ):
            return False
        offered = tracker.get_slot(OFFER_SLOT)
        ranking = (tracker.latest_message.parse_data or {}).get("intent_ranking") or []
        return bool(offered) and any(
            float(ranked.get("confidence") or 0.0) >= REPORT_MIN_CONFIDENCE
            and intent_service(domain, str(ranked.get("name"))) == offered
            for ranked in ranking[:3]
        )
