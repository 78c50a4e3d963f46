"""What the staff feed receives about orders (`order.created`, `order.updated`) and items (`menu.item_updated`)."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from orders.models import MenuItem, Order, OrderItem


class OrderLinePayload(TypedDict):
    name: str
    quantity: int
    modifiers: list[str]
    notes: str
    unit_price: str
    line_total: str


class OrderPayload(TypedDict):
    order_id: int
    ticket_number: int
    ticket_date: str
    status: str
    previous_status: NotRequired[str]
    channel: str
    fulfilment: str
    customer_name: str
    customer_phone: str
    pickup_at: str  # ISO 8601 in the business's time zone
    notes: str
    currency: str
    subtotal: str
    total: str
    call_id: int | None
    lines: list[OrderLinePayload]


def order_payload(order: Order, *, previous_status: str | None = None) -> OrderPayload:
    """The order as the staff feed shows it, times in the business's zone, money as exact strings."""
    lines = OrderItem.objects.filter(order=order).prefetch_related("modifiers").order_by("position", "id")
    payload: OrderPayload = {
        "order_id": order.pk,
        "ticket_number": order.ticket_number,
        "ticket_date": order.ticket_date.isoformat(),
        "status": order.status,
        "channel": order.channel,
        "fulfilment": order.fulfilment,
        "customer_name": order.customer_name,
        "customer_phone": order.customer_phone,
        "pickup_at": order.pickup_at.astimezone(order.business.tz).isoformat(),
        "notes": order.notes,
        "currency": order.currency,
        "subtotal": str(order.subtotal),
        "total": str(order.total),
        "call_id": order.call_id,
        "lines": [
            {
                "name": line.name,
                "quantity": line.quantity,
                "modifiers": [m.name for m in line.modifiers.all()],
                "notes": line.notes,
                "unit_price": str(line.unit_price),
                "line_total": str(line.line_total),
            }
            for line in lines
        ],
    }
    if previous_status is not None:
        payload["previous_status"] = previous_status
    return payload


class MenuItemPayload(TypedDict):
    """What the staff feed receives when an item changes (`menu.item_updated`): enough to show it as sold out."""

    item_id: int
    category_id: int
    name: str
    price: str
    is_available: bool


def menu_item_payload(item: MenuItem) -> MenuItemPayload:
    return {
        "item_id": item.pk,
        "category_id": item.category_id,
        "name": item.name,
        "price": f"{item.price:.2f}",
        "is_available": item.is_available,
    }
