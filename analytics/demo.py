"""A few weeks of generated calls for the demo restaurants, so the dashboard's charts have data (seed_demo).

Deterministic: each business and day has its own seeded generator, so the same day always
gets the same calls. Idempotent: calls are keyed by sip_call_id and only missing ones are
added (with their orders and bookings); re-running adds only days that came since.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from analytics.services import rollups_rebuild
from orders.models import MenuItem, Order, OrderItem
from reservations.models import Reservation
from restaurants.agent_config import effective_config
from restaurants.models import Business
from restaurants.schedule import Schedule
from telephony.models import CallRecord, SipNumber

DEMO_DAYS = 21
# Calls a day at each demo restaurant: (fewest, most).
VOLUME = {"trattoria-da-mario": (22, 40), "sushi-zen": (8, 18)}
# When the phone rings: weight of each local hour.
HOUR_WEIGHTS = {9: 1, 10: 2, 11: 5, 12: 9, 13: 7, 14: 3, 15: 1, 16: 1, 17: 3, 18: 7, 19: 10, 20: 8, 21: 4, 22: 2, 23: 1}
# (status, reason, weight)
OUTCOMES = [
    ("completed", "caller_hangup", 55), ("completed", "agent_hangup", 16), ("completed", "transferred", 6),
    ("rejected", "number_busy", 8), ("rejected", "business_busy", 4), ("completed", "worker_full", 2),
    ("failed", "error", 2), ("completed", "ghost", 1), ("completed", "silence", 2),
]  # fmt: skip
NAMES = ("Giulia", "Marco", "Sofia", "Luca", "Chiara", "Matteo", "Anna", "Paolo", "Elena", "Davide")


def seed_calls(*, businesses: dict[str, Business], today: date | None = None) -> int:
    """Add the missing demo calls of the DEMO_DAYS days before today (with orders and bookings); how many were added."""
    added = 0
    for slug, business in businesses.items():
        if slug not in VOLUME:
            continue
        local_today = today or timezone.now().astimezone(business.tz).date()
        first = local_today - timedelta(days=DEMO_DAYS)
        with transaction.atomic():
            added += _seed_business(business, [first + timedelta(days=n) for n in range(DEMO_DAYS)])
        rollups_rebuild(business_id=business.pk, since=first)
    return added


def _seed_business(business: Business, days: Iterable[date]) -> int:
    numbers = list(SipNumber.objects.filter(business=business).order_by("number"))
    items = list(MenuItem.objects.filter(business=business, is_available=True).order_by("pk"))
    if not numbers:
        return 0
    days = list(days)
    schedule = Schedule(business, days[0])
    prefix = f"demo-{business.slug}-"
    existing = set(CallRecord.objects.filter(sip_call_id__startswith=prefix).values_list("sip_call_id", flat=True))
    added = 0
    for day in days:
        rng = random.Random(f"{business.slug}-{day.isoformat()}")  # noqa: S311 - demo data, not secrets
        calls = [_call(rng, business, numbers, schedule, day, i) for i in range(rng.randint(*VOLUME[business.slug]))]
        new = [call for call in calls if call.sip_call_id not in existing]
        if not new:
            continue
        CallRecord.objects.bulk_create(new)
        _sales(rng, business, items, day, new)
        added += len(new)
    return added


def _call(
    rng: random.Random, business: Business, numbers: list[SipNumber], schedule: Schedule, day: date, i: int
) -> CallRecord:
    hour = rng.choices(list(HOUR_WEIGHTS), weights=list(HOUR_WEIGHTS.values()))[0]
    started = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=business.tz)
    status, reason = rng.choices([o[:2] for o in OUTCOMES], weights=[o[2] for o in OUTCOMES])[0]
    number = rng.choice(numbers)
    seconds = 0.0 if status == "rejected" else round(rng.lognormvariate(4.6, 0.6), 1)  # median ~100 s
    if reason == "worker_full":
        seconds = round(rng.uniform(1, 4), 1)
    config = effective_config(business, number.config_override)
    return CallRecord(
        business=business,
        sip_number=number,
        dialed_number=number.number,
        caller_number=f"+39333{rng.randrange(10**7):07d}",
        sip_call_id=f"demo-{business.slug}-{day:%Y%m%d}-{i:03d}",
        status=status,
        reason=reason,
        started_at=started,
        ended_at=started + timedelta(seconds=seconds),
        duration_seconds=seconds,
        forwarded_from=business.public_phone if business.public_phone and rng.random() < 0.3 else "",
        in_opening_hours=schedule.period_at(started) is not None,
        language=config.language,
        config_version=config.version,
    )


def _sales(rng: random.Random, business: Business, items: list[MenuItem], day: date, calls: list[CallRecord]) -> None:
    """Orders on about a third of the answered calls, bookings on a fifth: a few bulk statements a day."""
    answered = [c for c in calls if c.status == "completed" and c.reason not in {"worker_full", "ghost"}]
    ticket = Order.objects.filter(business=business, ticket_date=day).aggregate(n=Max("ticket_number"))["n"] or 0
    orders, lines, bookings = [], [], []
    for call in answered:
        roll = rng.random()
        if roll < 0.35 and items:
            ticket += 1
            chosen = [(rng.choice(items), rng.randint(1, 3)) for _ in range(rng.randint(1, 4))]
            total = sum((item.price * quantity for item, quantity in chosen), Decimal("0.00"))
            orders.append(Order(
                business=business, call=call, status="completed" if rng.random() < 0.95 else "cancelled",
                customer_name=rng.choice(NAMES), customer_phone=call.caller_number,
                pickup_at=call.started_at + timedelta(minutes=30), currency=business.currency, subtotal=total,
                total=total, ticket_date=day, ticket_number=ticket, idempotency_key=f"demo-{call.sip_call_id}",
            ))  # fmt: skip
            lines.append(chosen)
        elif roll < 0.55:
            starts = datetime.combine(day + timedelta(days=rng.randint(0, 6)), time(20), tzinfo=business.tz)
            bookings.append(Reservation(
                business=business, call=call, name=rng.choice(NAMES), phone=call.caller_number,
                party_size=rng.randint(2, 6), starts_at=starts, ends_at=starts + timedelta(minutes=90),
                status="completed", idempotency_key=f"demo-{call.sip_call_id}",
            ))  # fmt: skip
    Order.objects.bulk_create(orders)
    OrderItem.objects.bulk_create(
        OrderItem(order=order, menu_item=item, name=item.name, quantity=quantity, unit_price=item.price,
                  line_total=item.price * quantity, position=n)
        for order, chosen in zip(orders, lines, strict=True)
        for n, (item, quantity) in enumerate(chosen)
    )  # fmt: skip
    Reservation.objects.bulk_create(bookings)
    # Placed when their call ended (auto_now_add stamped them now).
    for placed in (*orders, *bookings):
        placed.created_at = placed.call.ended_at
    Order.objects.bulk_update(orders, ["created_at"])
    Reservation.objects.bulk_update(bookings, ["created_at"])
