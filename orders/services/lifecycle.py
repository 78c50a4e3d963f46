"""Moving an order through the kitchen: new -> accepted -> preparing -> ready -> completed, or cancelled."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from orders.models import Order, OrderStatus, OrderStatusChange
from orders.payloads import order_payload
from panbot.lifecycle import Lifecycle
from restaurants.models import Business
from restaurants.selectors import user_may_act_for

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


@transaction.atomic
def order_transition(*, business: Business, order_id: int, to_status: str, by: Any = None, reason: str = "") -> Order:
    """Move an order of `business` to `to_status` if the kitchen's path allows it; records history, emits.

    `by` is the user acting (a member of the business or a stakeholder) or None for the phone
    agent. Raises ValidationError for a refused move, NotFound for another business's (or no)
    order and for a `by` who may not act for `business`. Returns the updated order.
    """
    return ORDER_LIFECYCLE.transition(business=business, row_id=order_id, to_status=to_status, by=by, reason=reason)
