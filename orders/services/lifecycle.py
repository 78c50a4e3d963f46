"""Moving an order through the kitchen: new -> accepted -> preparing -> ready -> completed, or cancelled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from orders.models import Order, OrderStatus, OrderStatusChange
from orders.payloads import order_payload
from orders.services.pickup import round_up
from panbot.inputs import as_int
from panbot.lifecycle import Lifecycle
from restaurants.models import Business
from restaurants.selectors import user_may_act_for

# The longest a kitchen may say an accepted order needs (as the longest lead time it may set).
PREP_MINUTES_MAX = 240

ORDER_LIFECYCLE: Lifecycle[Order] = Lifecycle(
    noun="order",
    model=Order,
    history=OrderStatusChange,
    # The kitchen's path, one step at a time; any open order may still be cancelled.
    moves={
        OrderStatus.NEW: frozenset({OrderStatus.ACCEPTED, OrderStatus.CANCELLED}),
        OrderStatus.ACCEPTED: frozenset({OrderStatus.PREPARING, OrderStatus.CANCELLED}),
        OrderStatus.PREPARING: frozenset({OrderStatus.READY, OrderStatus.CANCELLED}),
        OrderStatus.READY: frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED}),
        OrderStatus.COMPLETED: frozenset(),
        OrderStatus.CANCELLED: frozenset(),
    },
    said={status.value: status.label.lower() for status in OrderStatus},
    unknown="'{status}' is not an order status.",
    subject=lambda order: f"Order #{order.ticket_number}",
    off_path="{subject} is {current}; it can move to {allowed}, not {target}.",
    finals={OrderStatus.CANCELLED: "{subject} was cancelled; it cannot change any more."},
    payload=order_payload,
    may_act=user_may_act_for,
)


def _ready_in(prep_minutes: object, to_status: object) -> Callable[[Order], list[str]] | None:
    """What accepting with a prep time does to the locked order; None without one. Raises ValidationError."""
    if prep_minutes is None:
        return None
    if to_status != OrderStatus.ACCEPTED:
        raise ValidationError({"prep_minutes": ["A prep time goes only with accepting an order."]})
    minutes = as_int(prep_minutes)
    if minutes is None or not 1 <= minutes <= PREP_MINUTES_MAX:
        raise ValidationError({"prep_minutes": [f"Give the prep time in minutes, from 1 to {PREP_MINUTES_MAX}."]})

    def push_pickup(order: Order) -> list[str]:
        # Later only: the caller was told a time, and an order ready early simply waits for them.
        ready = round_up(timezone.now() + timedelta(minutes=minutes))
        if ready <= order.pickup_at:
            return []
        order.pickup_at = ready
        return ["pickup_at"]

    return push_pickup


@transaction.atomic
def order_transition(
    *,
    business: Business,
    order_id: int,
    to_status: str,
    by: Any = None,
    reason: str = "",
    prep_minutes: int | None = None,
) -> Order:
    """Move an order of `business` to `to_status` if the kitchen's path allows it; records history, emits.

    `by` is the user acting (a member of the business or a stakeholder) or None for the phone
    agent. `prep_minutes`, only when accepting, is how long the kitchen needs: a pickup time
    earlier than now plus that (rounded up to 5 minutes) moves to it; a later one stays.
    Raises ValidationError for a refused move or prep time, NotFound for another business's
    (or no) order and for a `by` who may not act for `business`. Returns the updated order.
    """
    return ORDER_LIFECYCLE.transition(
        business=business,
        row_id=order_id,
        to_status=to_status,
        by=by,
        reason=reason,
        also=_ready_in(prep_minutes, to_status),
    )
