"""Durable outbox of service requests and its worker (``python -m connectors.open311.outbox``).

See :mod:`connectors.open311.outbox.core` for the row states.
"""

from ..models import ServiceRequestDraft
from .core import Outbox, OutboxEntry, SubmitResult, confirmation_key
from .store import LOCAL_REF_ALPHABET, new_local_ref
from .worker import run_worker

__all__ = [
    "LOCAL_REF_ALPHABET",
    "Outbox",
    "OutboxEntry",
    "ServiceRequestDraft",
    "SubmitResult",
    "confirmation_key",
    "new_local_ref",
    "run_worker",
]
