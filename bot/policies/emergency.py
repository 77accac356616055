"""Dialogue policy: a message about danger is answered with "call 911" before anything else.

The NLU pipeline marks such messages with a ``danger`` entity (``DangerDetector``). Whatever
intent the message also got, and wherever the conversation is (no form, mid-form, at the
confirmation, after a question), this policy predicts ``action_emergency`` as the first action
after it; the action says to call 911 now and what fits the situation. Then:

* a service request in progress resumes: the form asks its question again;
* otherwise the assistant listens (the action may have offered a City follow-up).

Its predictions are marked ``is_no_user_prediction`` with a priority above the RulePolicy's,
so they also win over the form's own "happy path" prediction, which Rasa ranks above
everything else.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import PolicyPrediction, confidence_scores_for
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.base import FixedPolicy

EMERGENCY_ACTION = "action_emergency"
DANGER_ENTITY = "danger"


def has_danger(tracker: DialogueStateTracker) -> bool:
    """Whether the resident's latest message was marked as danger by the NLU pipeline."""
    return any(
        entity.get("entity") == DANGER_ENTITY
        for entity in tracker.latest_message.entities or []
    )


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class EmergencyPolicy(FixedPolicy):
    """Predicts ``action_emergency`` first for danger, then resumes the form or listens."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Above RulePolicy (6), so a tie in confidence goes to safety."""
        return {"priority": 7}

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """911 first after a danger message; afterwards the form (if any) or listening."""
        action = None
        if tracker.latest_action_name == ACTION_LISTEN_NAME and has_danger(tracker):
            action = EMERGENCY_ACTION
        elif tracker.latest_action_name == EMERGENCY_ACTION:
            action = tracker.active_loop_name or ACTION_LISTEN_NAME
        if action is None:
            return self._prediction(self._default_predictions(domain))
        return self._prediction(
            confidence_scores_for(action, 1.0, domain), is_no_user_prediction=True
        )
