"""Open311 GeoReport v2 connector of the LA 311 assistant.

resident → chat action → :class:`~connectors.open311.outbox.Outbox` (durable, retries)
→ :class:`~connectors.open311.client.Open311Client` → GeoReport v2 backend (the embedded
server in :mod:`connectors.open311.server`, or the City's endpoint).
"""

from .client import Open311Client
from .errors import Open311Error, Open311NotFound, Open311ServiceError, Open311TransportError
from .models import (
    Service,
    ServiceDefinition,
    ServiceRequest,
    ServiceRequestDraft,
    SubmitResponse,
)
from .outbox import Outbox, OutboxEntry, SubmitResult

__all__ = [
    "Open311Client",
    "Open311Error",
    "Open311NotFound",
    "Open311ServiceError",
    "Open311TransportError",
    "Outbox",
    "OutboxEntry",
    "Service",
    "ServiceDefinition",
    "ServiceRequest",
    "ServiceRequestDraft",
    "SubmitResponse",
    "SubmitResult",
]
