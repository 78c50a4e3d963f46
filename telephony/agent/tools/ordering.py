"""Tools for pickup orders: find items, build the order, read it back, place it once confirmed."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime

from livekit.agents import RunContext, ToolError, function_tool
from rapidfuzz import fuzz, process

from orders.models import MenuItem, Modifier
from orders.selectors import menu_as_text, menu_item_match, order_find_for_caller
from orders.services import order_place, order_review
from panbot.phone import to_e164
from telephony.agent.tools._base import call, caller_datetime, text
from telephony.models import CallRecord

# A spoken name is taken as meaning the top match only when it is this sure and clearly ahead.
SURE_SCORE = 90.0
CLEAR_LEAD = 8.0
OPTION_MIN_SCORE = 80.0
_BY_ID = re.compile(r"^\s*#?(\d+)\s*$")


def _resolve_item(business, reference: str) -> MenuItem:
    """An item from its menu id ("#12") or its spoken name; asks back instead of guessing."""
    reference = text(reference, 100)
    by_id = _BY_ID.match(reference)
    if by_id:
        item = MenuItem.objects.filter(business=business, pk=int(by_id[1])).first()
        if item is None:
            raise ToolError(f"There is no item #{by_id[1]} on the menu.")
        return item
    matches = menu_item_match(business, reference)
    if not matches:
        raise ToolError(f"'{reference}' is not on our menu. Offer something from the menu instead.")
    top = matches[0]
    if top.score >= SURE_SCORE and (len(matches) == 1 or matches[1].score <= top.score - CLEAR_LEAD):
        return top.item
    names = [m.item.name + ("" if m.available else " (sold out today)") for m in matches]
    raise ToolError(f"Not sure which item the caller means: did they mean {' or '.join(names)}? Ask them.")


def _resolve_options(item: MenuItem, references: list[str]) -> list[int]:
    options = list(Modifier.objects.filter(group__item=item).select_related("group"))
    ids = []
    for reference in (text(r, 100) for r in references[:20]):
        by_id = _BY_ID.match(reference)
        if by_id:
            ids.append(int(by_id[1]))  # the order service checks it belongs to the item
            continue
        found = process.extractOne(reference, {m.pk: m.name for m in options}, scorer=fuzz.WRatio)
        if found is None or found[1] < OPTION_MIN_SCORE:
            listed = ", ".join(m.name for m in options if m.is_available) or "none"
            raise ToolError(f"{item.name} has no option '{reference}'. Its options are: {listed}.")
        ids.append(found[2])
    return ids


def _fingerprint(cart: list[dict], pickup_at: datetime | None) -> str:
    data = json.dumps([cart, pickup_at.isoformat() if pickup_at else None], sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:24]


@function_tool
async def search_menu(context: RunContext, name: str) -> str:
    """Find menu items by what the caller said (tolerates mishearing); says which are sold out.

    Args:
        name: the dish or drink as the caller said it.
    """

    def find() -> str:
        spoken = text(name, 100)
        matches = menu_item_match(context.userdata.business(), spoken)
        if not matches:
            return f"Nothing on the menu sounds like '{spoken}'."
        return "\n".join(
            f"#{m.item.pk} {m.item.name} {m.item.price} (match {m.score:.0f}%)"
            + ("" if m.available else ", sold out today")
            for m in matches
        )

    return await call(context, find)


@function_tool
async def read_menu(context: RunContext) -> str:
    """The full menu that can be ordered today, with prices and options."""
    return await call(context, lambda: menu_as_text(context.userdata.business()))


@function_tool
async def add_to_order(
    context: RunContext, item: str, quantity: int = 1, options: list[str] | None = None, notes: str = ""
) -> str:
    """Add an item to the caller's order; it is checked against the menu right away.

    Args:
        item: the item's menu id like "#12", or its name.
        quantity: how many.
        options: the chosen options (size, extra toppings...), by id like "#40" or by name.
        notes: a short request for the kitchen, e.g. "well done".
    """
    state = context.userdata

    def add() -> str:
        business = state.business()
        menu_item = _resolve_item(business, item)
        line = {
            "item_id": menu_item.pk,
            "quantity": quantity,
            "modifier_ids": _resolve_options(menu_item, options or []),
        }
        if notes:
            line["notes"] = notes
        review = order_review(business=business, items=[*state.cart, line])
        state.cart.append(line)
        state.reviewed = None
        return f"Added. The order now: {review.summary}"

    return await call(context, add)


@function_tool
async def remove_from_order(context: RunContext, item: str) -> str:
    """Take an item off the caller's order.

    Args:
        item: the item's menu id like "#12", or its name.
    """
    state = context.userdata

    def remove() -> str:
        business = state.business()
        menu_item = _resolve_item(business, item)
        for index in range(len(state.cart) - 1, -1, -1):
            if state.cart[index]["item_id"] == menu_item.pk:
                del state.cart[index]
                state.reviewed = None
                if not state.cart:
                    return f"Removed {menu_item.name}. The order is now empty."
                summary = order_review(business=business, items=state.cart).summary
                return f"Removed {menu_item.name}. The order now: {summary}"
        raise ToolError(f"{menu_item.name} is not in the order.")

    return await call(context, remove)


@function_tool
async def review_order(context: RunContext, pickup_time: str = "", pickup_date: str = "") -> str:
    """Price the whole order and get the text to read back; then ask the caller to confirm before placing it.

    Args:
        pickup_time: when the caller wants to collect it, HH:MM (24-hour); empty for as soon as possible.
        pickup_date: YYYY-MM-DD when not today.
    """
    state = context.userdata

    def review() -> str:
        if not state.cart:
            raise ToolError("The order is empty; ask what the caller would like.")
        business = state.business()
        pickup_at = caller_datetime(business, pickup_date or "today", pickup_time) if pickup_time else None
        result = order_review(business=business, items=state.cart, pickup_at=pickup_at)
        state.pickup_at = result.pickup_at
        state.reviewed = _fingerprint(state.cart, result.pickup_at)
        return result.summary

    return await call(context, review)


@function_tool
async def place_order(context: RunContext, customer_name: str, caller_confirmed: bool, phone: str = "") -> str:
    """Place the order the caller just confirmed (after review_order). Safe to repeat: it is placed once.

    Args:
        customer_name: the name for the order.
        caller_confirmed: true only if the caller clearly said yes to the order as read back.
        phone: only if the caller's number is unknown: the number they gave.
    """
    state = context.userdata

    def place() -> str:
        if not state.cart:
            if state.placed:
                return "That order is already placed; tell the caller its ticket number again."
            raise ToolError("The order is empty; ask what the caller would like.")
        if not caller_confirmed:
            raise ToolError("Read the order back (review_order) and wait for the caller's yes before placing it.")
        fingerprint = _fingerprint(state.cart, state.pickup_at)
        if state.reviewed != fingerprint:
            raise ToolError("The order changed since it was read back: review it again and ask the caller.")
        business = state.business()
        order = order_place(
            business=business,
            items=state.cart,
            customer_name=text(customer_name, 100),
            customer_phone=state.caller_number if to_e164(state.caller_number) else text(phone, 40),
            pickup_at=state.pickup_at,
            call=CallRecord.objects.get(pk=state.call_record_id),
            # The same cart placed again on the same call is the same order, however often the
            # model asks; after an order is placed, the next one on this call gets a new key.
            idempotency_key=f"call-{state.call_record_id}-{len(state.placed)}-{fingerprint}",
        )
        state.placed[fingerprint] = order.pk
        state.cart, state.reviewed, state.pickup_at = [], None, None
        ready = order.pickup_at.astimezone(business.tz)
        return (
            f"Order placed: ticket number {order.ticket_number}, total {order.total} {order.currency}, "
            f"ready for pickup at {ready:%H:%M} on {ready:%A %d %B}, under the name {order.customer_name}."
        )

    return await call(context, place)


@function_tool
async def order_status(context: RunContext) -> str:
    """The status of the caller's recent orders (found by their phone number)."""
    state = context.userdata

    def status() -> str:
        business = state.business()
        orders = order_find_for_caller(business, state.caller_number)
        if not orders:
            return "No recent orders from this phone number."
        return "\n".join(
            f"Ticket {o.ticket_number} for {o.customer_name}: {o.get_status_display()}, "
            f"pickup {o.pickup_at.astimezone(business.tz):%A %H:%M}, total {o.total} {o.currency}"
            for o in orders
        )

    return await call(context, status)
