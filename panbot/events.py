"""The outbox: `emit` records an event in the caller's transaction and pushes it on commit.

Staff feeds read the `Event` table to catch up after a reconnect, so a push lost
by Redis pub/sub costs latency, never data. A rolled-back change announces nothing.
"""

from __future__ import annotations

import json
import logging
from typing import Any, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from panbot.models import Event

logger = logging.getLogger(__name__)


class EventMessage(TypedDict):
    """What a staff client receives for one event (also the Event row, serialised)."""

    id: int
    type: str
    business_id: int
    payload: dict[str, Any]
    created_at: str


def business_group(business_id: int) -> str:
    """The channel-layer group of one business's live feed."""
    return f"business.{business_id}"


def event_message(event: Event) -> EventMessage:
    return {
        "id": event.pk,
        "type": event.type,
        "business_id": event.business_id,
        "payload": event.payload,
        "created_at": event.created_at.isoformat(),
    }


def emit(business: Any, type: str, payload: dict[str, Any]) -> Event:
    """Write an Event for `business` (instance or id) now; push it to the business's group on commit."""
    business_id = getattr(business, "pk", business)
    # Round-trip through JSON so the pushed payload equals the stored one (Decimal, datetime, UUID).
    clean_payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    event = Event.objects.create(business_id=business_id, type=type, payload=clean_payload)
    message = event_message(event)
    transaction.on_commit(lambda: _push(message), robust=True)
    return event


def _push(message: EventMessage) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            business_group(message["business_id"]), {"type": "event.push", "event": message}
        )
    except Exception:
        # The row is committed; clients catch up from the table on reconnect.
        logger.warning("could not push event %s to the channel layer", message["id"], exc_info=True)
