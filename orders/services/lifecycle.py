"""Moving an order through the kitchen: new -> accepted -> preparing -> ready -> completed, or cancelled."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from orders.models import Order, OrderStatus, OrderStatusChange
from orders.payloads import order_payload
from panbot.errors import NotFound
from panbot.events import emit
from panbot.inputs import UNSTORABLE_CODE, storable, unstorable_message
from restaurants.models import Business
from restaurants.selectors import user_may_act_for

_OPEN = (OrderStatus.NEW, OrderStatus.ACCEPTED, OrderStatus.PREPARING, OrderStatus.READY)
# The kitchen's path, one step at a time; any open order may still be cancelled.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.NEW: frozenset({OrderStatus.ACCEPTED, OrderStatus.CANCELLED}),
    OrderStatus.ACCEPTED: frozenset({OrderStatus.PREPARING, OrderStatus.CANCELLED}),
    OrderStatus.PREPARING: frozenset({OrderStatus.READY, OrderStatus.CANCELLED}),
    OrderStatus.READY: frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED}),
    OrderStatus.COMPLETED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
REASON_MAX = 200


def _refusal(order: Order, to_status: str) -> str:
    ticket = f"Order #{order.ticket_number}"
    if order.status == to_status:
        return f"{ticket} is already {order.get_status_display().lower()}."
    if order.status == OrderStatus.COMPLETED:
        return f"{ticket} is completed; it cannot change any more."
    if order.status == OrderStatus.CANCELLED:
        return f"{ticket} was cancelled; it cannot change any more."
    allowed = [OrderStatus(s).label.lower() for s in OrderStatus.values if s in ALLOWED_TRANSITIONS[order.status]]
    return (
        f"{ticket} is {order.get_status_display().lower()}; it can move to {' or '.join(allowed)}, "
        f"not {OrderStatus(to_status).label.lower()}."
    )


@transaction.atomic
def order_transition(
    *, order: Order, to_status: str, by: Any, reason: str = "", business: Business | None = None
) -> Order:
    """Move `order` to `to_status` if the kitchen's path allows it; records history and emits `order.updated`.

    `by` is the user acting (a member of the order's business or a stakeholder) or None for
    the phone agent; `business`, when given (the agent passes the call's), must be the
    order's. Raises ValidationError for a refused move, NotFound when the order is not
    theirs to see. Returns the updated order (a fresh instance).
    """
    if to_status not in OrderStatus.values:
        raise ValidationError({"to_status": [f"'{to_status}' is not an order status."]})
    if (business is not None and order.business_id != business.pk) or not user_may_act_for(by, order.business_id):
        raise NotFound({"order": ["We could not find that order."]})
    reason = str(reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": [f"Keep the reason under {REASON_MAX} characters."]})
    if not storable(reason):
        raise ValidationError({"reason": [ValidationError(unstorable_message("The reason"), code=UNSTORABLE_CODE)]})
    # Row lock: two staff tapping "ready" and "cancel" at once are applied one after the other.
    locked = Order.objects.select_for_update().select_related("business").get(pk=order.pk)
    if to_status not in ALLOWED_TRANSITIONS[locked.status]:
        raise ValidationError({"to_status": [_refusal(locked, to_status)]})
    previous = locked.status
    locked.status = to_status
    locked.save(update_fields=["status", "updated_at"])
    OrderStatusChange.objects.create(
        order=locked, from_status=previous, to_status=to_status, changed_by=by, reason=reason
    )
    emit(locked.business, "order.updated", order_payload(locked, previous_status=previous))
    return locked
