"""Validate action-server responses against a schema checked once, not on every call.

Rasa 3.6 checks every response of the action server with ``jsonschema.validate(result,
RemoteAction.action_response_format_spec())``. ``jsonschema.validate`` first re-checks the
*schema itself* against the draft-2020-12 metaschema, resolving ``$dynamicRef`` and URLs on
each call: ~18 ms of the Rasa process per action call on this machine, ~⅓ of its CPU under
load (``eval/throughput_benchmark.py --profile``). The schema never changes while the process
runs, so :func:`install` checks it once and keeps the compiled validator.

The validation itself is unchanged: every response is still checked against the same schema by
the same validator class (the one ``jsonschema.validate`` picks). A valid response returns at
once; an invalid one is handed to Rasa's own ``_validate_action_result``, which raises the
``ValidationError`` with Rasa's message exactly as before. Nothing is disabled.

It survives Rasa upgrades: when ``RemoteAction`` no longer has the two methods this relies on,
:func:`install` changes nothing, logs why and returns False (``tests/bot/
test_action_validation.py`` fails then, so that an upgrade is looked at).
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

_INSTALLED_FLAG = "_la311_precompiled_validation"


def install() -> bool:
    """Makes ``RemoteAction`` validate responses with a validator compiled once.

    Returns:
        True when installed (or already installed), False when this Rasa has no such hook.
    """
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    original = getattr(RemoteAction, "_validate_action_result", None)
    spec = getattr(RemoteAction, "action_response_format_spec", None)
    if original is None or spec is None:
        logger.warning("Rasa's RemoteAction has no _validate_action_result/"
                       "action_response_format_spec: action responses keep Rasa's own check")
        return False
    if getattr(original, _INSTALLED_FLAG, False):
        return True
    schema = spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)  # what jsonschema.validate does on every call
    validator = validator_class(schema)

    def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        if validator.is_valid(result):
            return True
        return bool(original(self, result))  # Rasa's own error, message and all

    setattr(_validate_action_result, _INSTALLED_FLAG, True)
    _validate_action_result.__doc__ = original.__doc__
    RemoteAction._validate_action_result = _validate_action_result
    return True
