"""Hand-made call records for analytics tests: finished calls at chosen local times, with their sales."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, connections

from orders.models import Order
from reservations.models import Reservation
from restaurants.models import Business
from telephony.models import CallRecord, SipNumber

_seq = itertools.count(1)


def finished_call(
    business: Business,
    number: SipNumber | None,
    started: datetime,
    *,
    seconds: float = 60,
    status: str = "completed",
    reason: str = "caller_hangup",
    forwarded_from: str = "",
    in_opening_hours: bool | None = True,
    caller: str = "+393331112222",
) -> CallRecord:
    """A finished call that started at `started` (aware) and lasted `seconds` (0 for a refusal)."""
    if status == "rejected":
        seconds = 0
    return CallRecord.objects.create(
        business=business,
        sip_number=number,
        dialed_number=number.number if number is not None else "",
        caller_number=caller,
        sip_call_id=f"analytics-{next(_seq)}",
        status=status,
        reason=reason,
        started_at=started,
        ended_at=started + timedelta(seconds=seconds),
        duration_seconds=seconds,
        forwarded_from=forwarded_from,
        in_opening_hours=in_opening_hours,
    )


def local(tz: str, *args: int, fold: int = 0) -> datetime:
    """A wall-clock time in `tz` as an aware UTC instant (`fold=1`: the second of a repeated hour)."""
    return datetime(*args, tzinfo=ZoneInfo(tz), fold=fold).astimezone(UTC)


def order_on(call: CallRecord, total: str, *, status: str = "new", placed: datetime | None = None) -> Order:
    n = next(_seq)
    order = Order.objects.create(
        business=call.business, call=call, customer_name="Anna", customer_phone="+393331112222",
        pickup_at=call.started_at + timedelta(hours=1), currency="EUR", subtotal=Decimal(total),
        total=Decimal(total), ticket_date=call.started_at.date(), ticket_number=n, status=status,
    )  # fmt: skip
    Order.objects.filter(pk=order.pk).update(created_at=placed or call.started_at + timedelta(seconds=30))
    return order


def reservation_on(call: CallRecord, party: int, *, status: str = "confirmed") -> Reservation:
    start = call.started_at + timedelta(days=1)
    booking = Reservation.objects.create(
        business=call.business, call=call, name="Anna", phone="+393331112222", party_size=party,
        starts_at=start, ends_at=start + timedelta(minutes=90), status=status,
    )  # fmt: skip
    Reservation.objects.filter(pk=booking.pk).update(created_at=call.started_at + timedelta(seconds=30))
    return booking


@contextmanager
def on_sqlite() -> Iterator[None]:
    """The embedded default's SQLite as the default database meanwhile (as tests/telephony/conftest.py's
    call_backend): needs a test marked django_db(databases=["default", "embedded"])."""
    default = connections["default"]
    connections["default"] = connections["embedded"]
    try:
        assert connection.vendor == "sqlite"
        yield
    finally:
        connections["default"] = default
