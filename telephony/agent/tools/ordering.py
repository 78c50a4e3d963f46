"""Tools for pickup orders: find items, build the order, read it back, place it once confirmed."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime

from livekit.agents import RunContext, ToolError, function_tool
from rapidfuzz import fuzz, process

from orders.models import MenuItem, Modifier
from orders.search import menu_category_find, menu_search
from orders.selectors import group_rule, menu_item_match, menu_page, order_find_for_caller
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


# Options listed per group in a search result; the rest are named by read_menu.
OPTIONS_LISTED = 8
DESCRIPTION_CHARS = 120


def _spoken_item(item: MenuItem) -> str:
    """One search result, short enough to speak: id, name, price, what it is, allergens, options with ids."""
    text = f"#{item.pk} {item.name} {item.price}" + ("" if item.is_available else ", sold out today")
    if item.description:
        text += f": {item.description[:DESCRIPTION_CHARS]}"
    if item.allergens:
        text += f" (allergens: {', '.join(item.allergens)})"
    for group in item.modifier_groups.all():
        options = [m for m in group.modifiers.all() if m.is_available]
        if options:
            listed = ", ".join(f"#{m.pk} {m.name} +{m.price_delta}" for m in options[:OPTIONS_LISTED])
            more = f" and {len(options) - OPTIONS_LISTED} more" if len(options) > OPTIONS_LISTED else ""
            text += f"; {group.name} ({group_rule(group)}): {listed}{more}"
    return text


@function_tool
async def search_menu(context: RunContext, name: str) -> str:
    """Find menu items: by name (tolerates mishearing), category, ingredient, diet or allergen to avoid.

    Use it for every item before naming its price or adding it, and for questions like
    "what pizzas do you have", "anything vegan", "una margherita senza glutine". Returns a few
    items with ids, prices, allergens and options; says which are sold out.

    Args:
        name: what the caller asked for, in their words (a dish, a category, "without gluten"...).
    """

    def find() -> str:
        spoken = text(name, 100)
        result = menu_search(context.userdata.business(), spoken)
        if not result.items:
            return f"Nothing on the menu sounds like '{spoken}'."
        lines = []
        if result.category is not None and result.category_size > len(result.items):
            lines.append(
                f"{result.category.name} has {result.category_size} items; a few follow. To hear them all, "
                f"use read_menu with category '{result.category.name}'."
            )
        if result.avoid:
            avoided = ", ".join(sorted(result.avoid))
            lines.append(
                f"Every match contains {avoided}; tell the caller, and check with staff for alternatives."
                if result.none_without
                else f"Items that do not declare {avoided} (cross-contamination is possible; say so):"
            )
        lines.extend(_spoken_item(item) for item in result.items)
        return "\n".join(lines)

    return await call(context, find)


@function_tool
async def read_menu(context: RunContext, category: str = "", page: int = 1) -> str:
    """Read the menu: a small menu whole; a larger one lists its categories, then one category page by page.

    Args:
        category: the category to read (as the caller or the menu outline names it); empty for the overview.
        page: the page of that category, from 1.
    """

    def read() -> str:
        business = context.userdata.business()
        wanted = None
        if category.strip():
            wanted = menu_category_find(business, text(category, 100))
            if wanted is None:
                raise ToolError(
                    f"There is no '{text(category, 100)}' on the menu; read_menu without a category lists them."
                )
        return menu_page(business, category=wanted, page=page if isinstance(page, int) else 1).text

    return await call(context, read)


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
