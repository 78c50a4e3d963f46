"""Orders nobody has acknowledged: `order.unacknowledged` goes on the feed once per order, so every
screen of the restaurant (not only the one ringing) knows an order is waiting too long."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orders.models import Order, OrderStatus
from orders.payloads import OrderPayload, order_payload
from panbot.events import emit
from panbot.models import Event
from panbot.tenancy import runs_platform_wide

UNACKNOWLEDGED = "order.unacknowledged"


class UnacknowledgedPayload(OrderPayload):
    """`order.unacknowledged`: the order as the feed shows it, and how long it has waited."""

    waiting_seconds: int


# Orders older than this are not announced any more (nobody is waiting at the counter for them).
LOOKBACK = timedelta(hours=24)


@runs_platform_wide
def orders_flag_unacknowledged(*, now: datetime | None = None) -> list[int]:
    """Announce each order still `new` ORDER_ACK_ALERT_SECONDS after it was placed; the ids announced.

    Idempotent: an order is announced once (its event is the record). Concurrent runs do not announce
    an order twice: the rows are locked, and a run skips rows another run holds.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.ORDER_ACK_ALERT_SECONDS)
    with transaction.atomic():
        waiting = list(
            Order.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=OrderStatus.NEW, created_at__lte=cutoff, created_at__gte=now - LOOKBACK)
            .select_related("business")
            .order_by("pk")
        )
        if not waiting:
            return []
        announced = set(
            Event.objects.filter(
                type=UNACKNOWLEDGED,
                business_id__in={o.business_id for o in waiting},
                payload__order_id__in=[o.pk for o in waiting],
            ).values_list("payload__order_id", flat=True)
        )
        flagged = []
        for order in waiting:
            if order.pk in announced:
                continue
            waited = int((now - order.created_at).total_seconds())
            payload: UnacknowledgedPayload = {**order_payload(order), "waiting_seconds": waited}
            emit(order.business, UNACKNOWLEDGED, dict(payload))
            flagged.append(order.pk)
        return flagged
