"""Feed reads: a business's snapshot and the events a cursor does not cover, each with its own horizon.

Both read in one REPEATABLE READ transaction, so the horizon (pg_current_snapshot()) is exactly
the state the rows came from: an event is either in the snapshot's rows or not covered by its
cursor, never both, never neither.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from orders.models import Order, OrderStatus
from orders.payloads import order_payload
from panbot.events import EventMessage, event_message
from panbot.feed.cursor import Cursor, Horizon
from panbot.feed.payloads import LiveCallPayload, SnapshotData
from panbot.models import Event
from printing.payloads import print_job_payload, printer_status_payload
from printing.selectors import business_printers_down, orders_failed_tickets
from reservations.models import Reservation
from reservations.payloads import reservation_payload
from restaurants.models import Business
from telephony.models import ActiveCall
from telephony.selectors import live_calls

OPEN_ORDER_STATUSES = (OrderStatus.NEW, OrderStatus.ACCEPTED, OrderStatus.PREPARING, OrderStatus.READY)


def _begin_repeatable_read() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")


def _horizon() -> Horizon:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_current_snapshot()::text")
            return Horizon.parse(cursor.fetchone()[0])
        # SQLite serialises writers: everything up to the last id has committed.
        cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM panbot_event")
        top = int(cursor.fetchone()[0])
        return Horizon(top, top)


def event_key(message: EventMessage) -> int | None:
    """What a cursor compares for an event: its transaction on PostgreSQL, its id on SQLite (None: unknown)."""
    if connection.vendor == "postgresql":
        return message.get("xid")
    return message["id"]


def _local_day_bounds(business: Business, days: int) -> tuple[datetime, datetime]:
    tz = business.tz
    today = timezone.now().astimezone(tz).date()
    start = datetime.combine(today, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(today + timedelta(days=days), datetime.min.time(), tzinfo=tz)
    return start, end


def _call_payload(call: ActiveCall) -> LiveCallPayload:
    record = call.call_record
    return {
        "active_call_id": call.pk,
        "call_record_id": record.pk,
        "sip_number": record.dialed_number,
        "sip_number_id": record.sip_number_id,
        "label": call.sip_number.label_for(call.business_id),
        "caller": record.caller_number,
        "status": record.status,
        "reason": record.reason,
        "room_name": call.room_name,
        "started_at": call.started_at.isoformat(),
    }


def feed_snapshot(*, business_id: int) -> tuple[SnapshotData, Cursor] | None:
    """Today's open orders (and their kitchen tickets that failed), today's and tomorrow's reservations, live
    calls, the printers that cannot print, and the cursor they correspond to.

    None when the business does not exist.
    """
    with transaction.atomic():
        _begin_repeatable_read()
        horizon = _horizon()
        taken_at = time.time()
        business = Business.objects.filter(pk=business_id).first()
        if business is None:
            return None
        today_start, today_end = _local_day_bounds(business, 1)
        orders = list(
            Order.objects.filter(business=business, status__in=OPEN_ORDER_STATUSES)
            .filter(pickup_at__gte=today_start, pickup_at__lt=today_end)
            .select_related("business")
            .order_by("pickup_at", "id")
        )
        failed = orders_failed_tickets(business.pk, [order.pk for order in orders])
        _, two_days_end = _local_day_bounds(business, 2)
        reservations = (
            Reservation.objects.filter(business=business, starts_at__gte=today_start, starts_at__lt=two_days_end)
            .select_related("business")
            .order_by("starts_at", "id")
        )
        calls = live_calls(business.pk).select_related("call_record")
        data: SnapshotData = {
            "orders": [order_payload(order) for order in orders],
            "reservations": [reservation_payload(reservation) for reservation in reservations],
            "calls": [_call_payload(call) for call in calls],
            "print_failures": [print_job_payload(job) for job in failed],
            "printers_down": [printer_status_payload(printer) for printer in business_printers_down(business.pk)],
        }
    return data, Cursor(horizon=horizon, taken_at=taken_at)


def feed_events_missed(*, business_id: int, cursor: Cursor, limit: int) -> tuple[list[EventMessage], Horizon] | None:
    """The business's committed events `cursor` does not cover, in id order, and the horizon they were read at.

    None when there are more than `limit` of them (the client is better served by a new snapshot).
    """
    with transaction.atomic():
        _begin_repeatable_read()
        horizon = _horizon()
        rows = Event.objects.filter(business_id=business_id).order_by("id")
        if connection.vendor == "postgresql":
            # Everything below the cursor's xmin had finished when it was taken: covered.
            rows = rows.filter(xid__gte=cursor.horizon.xmin)
        else:
            rows = rows.filter(id__gte=cursor.horizon.xmin)
        missed: list[EventMessage] = []
        for event in rows.iterator(chunk_size=500):
            key = event.xid if connection.vendor == "postgresql" else event.pk
            if cursor.covers(key, event.pk):
                continue
            if len(missed) == limit:
                return None
            missed.append(event_message(event))
    return missed, horizon
