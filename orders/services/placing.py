"""Reviewing and placing orders: every rule checked before anything is written, totals computed here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NotRequired, TypedDict

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from orders.models import (
    LINE_NOTES_MAX,
    ORDER_NOTES_MAX,
    MenuItem,
    Modifier,
    ModifierGroup,
    Order,
    OrderChannel,
    OrderFulfilment,
    OrderItem,
    OrderItemModifier,
    OrderSettings,
    OrderStatus,
)
from orders.payloads import order_payload
from orders.selectors import menu_items_with_options, order_settings_get
from orders.services.lifecycle import ORDER_LIFECYCLE
from orders.services.pickup import PickupPlanner
from panbot import idempotency
from panbot.errors import ErrorCollector
from panbot.events import emit
from panbot.inputs import as_int
from printing.services import order_tickets_queue
from restaurants.models import Business
from restaurants.schedule import spoken_when

# An order over the phone with more lines than this is a mistake or abuse, not dinner.
MAX_LINES = 30
CUSTOMER_NAME_MAX = 100
# Used to bound quantities when a business has no order settings (its orders are refused anyway).
DEFAULT_MAX_QUANTITY = OrderSettings._meta.get_field("max_quantity_per_line").default


class OrderLineInput(TypedDict):
    """One line as the agent or the API sends it; any price in it is ignored."""

    item_id: int
    quantity: int  # 1 when missing
    modifier_ids: NotRequired[list[int]]
    notes: NotRequired[str]


@dataclass(frozen=True)
class ReviewModifier:
    """An option on a reviewed line."""

    modifier_id: int
    group: str
    name: str
    price_delta: Decimal


@dataclass(frozen=True)
class ReviewLine:
    """A priced line: the item's current price plus its options, times the quantity."""

    item_id: int
    name: str
    quantity: int
    unit_price: Decimal
    modifiers: tuple[ReviewModifier, ...]
    notes: str
    line_total: Decimal


@dataclass(frozen=True)
class OrderReview:
    """A validated, priced order not yet placed: what the agent reads back before the caller confirms."""

    lines: tuple[ReviewLine, ...]
    subtotal: Decimal
    total: Decimal
    currency: str
    fulfilment: str
    pickup_at: datetime  # aware, in the business's time zone
    summary: str


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def _count_rule(item: MenuItem, group: ModifierGroup, chosen: int) -> str | None:
    label = group.name.lower()
    if chosen < group.min_selected:
        if group.min_selected == 1:
            return f"{item.name} needs a choice of {label}."
        return f"{item.name} needs at least {group.min_selected} choices of {label}."
    if chosen > group.max_selected:
        if group.max_selected == 1:
            return f"{item.name} can have only one choice of {label}."
        return f"{item.name} can have at most {group.max_selected} choices of {label}."
    return None


def _review_line(
    index: int, raw: Any, items: Mapping[int, MenuItem], max_quantity: int, errors: ErrorCollector
) -> ReviewLine | None:
    if not isinstance(raw, Mapping):
        errors.add("items", f"Line {index} of the order is not a menu item.")
        return None
    item_id = as_int(raw.get("item_id"))
    if item_id is None:
        errors.add("items", f"Line {index} of the order names no menu item.")
        return None
    item = items.get(item_id)
    if item is None:  # also another business's item: never say whose
        errors.add("items", f"Item {item_id} is not on our menu.", code="not_on_menu")
        return None
    ok = True
    if not item.is_available:
        errors.add("items", f"{item.name} is sold out today.", code="sold_out")
        ok = False
    quantity = as_int(raw.get("quantity", 1))
    if quantity is None or quantity < 1:
        errors.add("items", f"Say how many {item.name} you would like; at least 1.")
        ok = False
    elif quantity > max_quantity:
        errors.add("items", f"We can take at most {max_quantity} {item.name} in one order.")
        ok = False

    options: dict[int, tuple[Modifier, ModifierGroup]] = {
        m.pk: (m, g) for g in item.modifier_groups.all() for m in g.modifiers.all()
    }
    raw_ids = raw.get("modifier_ids") or []
    if not isinstance(raw_ids, list | tuple):
        errors.add("items", f"The options for {item.name} must be a list of option ids.")
        raw_ids, ok = [], False
    chosen: list[tuple[Modifier, ModifierGroup]] = []
    for raw_id, times in Counter(str(v) for v in raw_ids).items():
        modifier_id = as_int(raw_id)
        pair = options.get(modifier_id) if modifier_id is not None else None
        if pair is None:
            errors.add("items", f"Option {raw_id} is not offered with {item.name}.")
            ok = False
            continue
        modifier, group = pair
        if times > 1:
            errors.add("items", f"{modifier.name} was chosen {times} times for {item.name}; choose it once.")
            ok = False
        if not modifier.is_available:
            errors.add("items", f"{modifier.name} is not available today for {item.name}.", code="sold_out")
            ok = False
        chosen.append(pair)
    per_group = Counter(group.pk for _m, group in chosen)
    for group in item.modifier_groups.all():
        problem = _count_rule(item, group, per_group.get(group.pk, 0))
        if problem:
            errors.add("items", problem)
            ok = False

    notes = raw.get("notes") or ""
    if not isinstance(notes, str):
        notes = str(notes)
    notes = notes.strip()
    if len(notes) > LINE_NOTES_MAX:
        errors.add("items", f"The note on {item.name} is too long; keep it under {LINE_NOTES_MAX} characters.")
        ok = False
    elif not errors.require_storable("items", notes, f"The note on {item.name}"):
        ok = False
    if not ok or quantity is None:
        return None

    # Options in menu order, so the ticket reads the same however the caller listed them.
    chosen.sort(key=lambda pair: (pair[1].position, pair[1].name, pair[0].position, pair[0].name))
    unit_price = item.price + sum((m.price_delta for m, _g in chosen), Decimal("0.00"))
    return ReviewLine(
        item_id=item.pk,
        name=item.name,
        quantity=quantity,
        unit_price=unit_price,
        modifiers=tuple(
            ReviewModifier(modifier_id=m.pk, group=g.name, name=m.name, price_delta=m.price_delta) for m, g in chosen
        ),
        notes=notes,
        line_total=unit_price * quantity,
    )


def _summary(lines: Sequence[ReviewLine], total: Decimal, business: Business, pickup_at: datetime) -> str:
    currency = business.currency
    parts = []
    for line in lines:
        details = ", ".join(m.name for m in line.modifiers)
        if line.notes:
            details += f"{'; ' if details else ''}note: {line.notes}"
        text = f"{line.quantity} {line.name}{f' ({details})' if details else ''}"
        parts.append(f"{text}: {_money(line.line_total, currency)}")
    pickup = spoken_when(pickup_at, timezone.now(), business.tz)
    return f"{'; '.join(parts)}. Total {_money(total, currency)}. Pickup {pickup}."


def _review(
    *, business: Business, items: Any, fulfilment: str, pickup_at: datetime | None, errors: ErrorCollector
) -> OrderReview | None:
    settings = order_settings_get(business)
    accepting = business.is_active and settings is not None and settings.accepting_orders
    if not accepting:
        errors.add(None, f"{business.name} is not taking orders by phone right now.", code="not_accepting")
    if fulfilment != OrderFulfilment.PICKUP:
        errors.add("fulfilment", "We only take orders for pickup.")

    lines: list[ReviewLine] = []
    if not isinstance(items, list | tuple) or not items:
        errors.add("items", "Add at least one item to the order.")
    elif len(items) > MAX_LINES:
        errors.add("items", f"An order can have at most {MAX_LINES} lines; please split it.")
    else:
        ids = {i for raw in items if isinstance(raw, Mapping) and (i := as_int(raw.get("item_id"))) is not None}
        # Scoped to the business: another tenant's item id simply does not exist here.
        menu = {item.pk: item for item in menu_items_with_options(business).filter(pk__in=ids)}
        max_quantity = settings.max_quantity_per_line if settings else DEFAULT_MAX_QUANTITY
        for index, raw in enumerate(items, start=1):
            line = _review_line(index, raw, menu, max_quantity, errors)
            if line is not None:
                lines.append(line)

    now = timezone.now()
    resolved = None
    # Not taking orders: pickup times would only contradict the refusal.
    if accepting and settings is not None:
        resolved = PickupPlanner(business, settings, now).resolve(pickup_at, errors)
    if errors or resolved is None:
        return None
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    total = subtotal  # menu prices include tax; fees and discounts would go here
    return OrderReview(
        lines=tuple(lines),
        subtotal=subtotal,
        total=total,
        currency=business.currency,
        fulfilment=fulfilment,
        pickup_at=resolved,
        summary=_summary(lines, total, business, resolved),
    )


def order_review(
    *, business: Business, items: list[OrderLineInput], fulfilment: str = "pickup", pickup_at: datetime | None = None
) -> OrderReview:
    """Validate and price an order without saving it. Raises ValidationError listing every problem.

    `pickup_at` None means the earliest possible; a naive datetime is the business's local time.
    """
    errors = ErrorCollector()
    review = _review(business=business, items=items, fulfilment=fulfilment, pickup_at=pickup_at, errors=errors)
    errors.raise_if_any()
    assert review is not None  # noqa: S101 (no errors means a review was built)
    return review


def _next_ticket_number(business_id: int, day: date) -> int:
    # One atomic upsert: the counter row stays locked until this transaction ends, so
    # concurrent orders of the same business and day queue for it and never share a number
    # (MAX()+1 would race). SQLite (the embedded default) understands the same statement.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO orders_ticketcounter (business_id, date, last_number) VALUES (%s, %s, 1) "
            "ON CONFLICT (business_id, date) DO UPDATE SET last_number = orders_ticketcounter.last_number + 1 "
            "RETURNING last_number",
            [business_id, day],
        )
        (last_number,) = cursor.fetchone()
        return int(last_number)


def _create(
    *,
    business: Business,
    review: OrderReview,
    customer_name: str,
    customer_phone: str,
    notes: str,
    call: Any,
    idempotency_key: str | None,
    channel: str,
    by: Any,
) -> Order:
    ticket_date = timezone.now().astimezone(business.tz).date()
    order = Order.objects.create(
        business=business,
        call=call,
        channel=channel,
        status=OrderStatus.NEW,
        fulfilment=review.fulfilment,
        customer_name=customer_name,
        customer_phone=customer_phone,
        pickup_at=review.pickup_at,
        notes=notes,
        currency=review.currency,
        subtotal=review.subtotal,
        total=review.total,
        ticket_date=ticket_date,
        ticket_number=_next_ticket_number(business.pk, ticket_date),
        idempotency_key=idempotency_key,
    )
    rows = OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            menu_item_id=line.item_id,
            name=line.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            line_total=line.line_total,
            notes=line.notes,
            position=position,
        )
        for position, line in enumerate(review.lines)
    )
    OrderItemModifier.objects.bulk_create(
        OrderItemModifier(
            line=row, modifier_id=m.modifier_id, group_name=m.group, name=m.name, price_delta=m.price_delta
        )
        for row, line in zip(rows, review.lines, strict=True)
        for m in line.modifiers
    )
    ORDER_LIFECYCLE.record(order, "", by=by, reason="placed")
    emit(business, "order.created", order_payload(order))
    # Kitchen tickets: queued with the order (a rolled-back order prints nothing), sent on commit.
    order_tickets_queue(order=order)
    return order


@transaction.atomic
def order_place(
    *,
    business: Business,
    items: list[OrderLineInput],
    customer_name: str,
    customer_phone: str,
    fulfilment: str = "pickup",
    pickup_at: datetime | None = None,
    notes: str = "",
    call: Any = None,
    idempotency_key: str | None = None,
    channel: str = OrderChannel.PHONE,
    by: Any = None,
) -> Order:
    """Validate, price and save an order with the next ticket number of the day; emits `order.created`.

    Raises ValidationError listing every problem. The same `idempotency_key` (per business)
    returns the order it first created, unchanged, even when both calls race. `by` is who
    took it (staff at the counter; None for the phone agent), kept in its first history step.
    """
    key = idempotency.key_of(idempotency_key)
    # Before validating: a repeated tool call must get its order back even if, meanwhile,
    # an item sold out or the pickup time passed.
    existing = idempotency.replay(Order, business=business, key=key)
    if existing is not None:
        return existing

    errors = ErrorCollector()
    review = _review(business=business, items=items, fulfilment=fulfilment, pickup_at=pickup_at, errors=errors)
    name = errors.name("customer_name", customer_name, max_length=CUSTOMER_NAME_MAX, purpose="order")
    phone = errors.phone("customer_phone", customer_phone, purpose="order")
    notes = errors.text(
        "notes", notes, max_length=ORDER_NOTES_MAX, what="The order note",
        too_long=f"The order note is too long; keep it under {ORDER_NOTES_MAX} characters.",
    )  # fmt: skip
    errors.call_record(call, business)
    idempotency.check_key(errors, key)
    if channel not in OrderChannel.values:
        errors.add("channel", f"Channel must be one of {', '.join(OrderChannel.values)}.")
    errors.raise_if_any()
    assert review is not None and phone is not None  # noqa: S101 (no errors means both were built)

    try:
        with transaction.atomic():  # a savepoint: a lost idempotency race rolls back only this attempt
            return _create(
                business=business,
                review=review,
                customer_name=name,
                customer_phone=phone,
                notes=notes,
                call=call,
                idempotency_key=key,
                channel=channel,
                by=by,
            )
    except IntegrityError:
        # The unique (business, idempotency_key) index made us wait for a concurrent call with
        # the same key; it committed first, so its order is the answer.
        existing = idempotency.replay(Order, business=business, key=key)
        if existing is not None:
            return existing
        raise
