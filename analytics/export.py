"""The call history as CSV: streamed row by row, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.db.models import Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from orders.models import Order
from reservations.models import Reservation
from telephony.call_filters import CallFilters, filter_calls
from telephony.models import CallRecord

HEADER = (
    "started_at", "ended_at", "duration_seconds", "number", "number_label", "caller", "status", "reason",
    "forwarded_from", "in_opening_hours", "language", "config_version", "orders", "reservations", "call_id",
)  # fmt: skip
CHUNK_ROWS = 2000

# A cell a spreadsheet would run as a formula (OWASP "CSV injection"): = + - @ and the
# tab/CR/LF that some of them skip before looking. A phone number or a plain number
# starting with + or - is data, not a formula, and stays readable.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9][0-9 .]*")


def safe_cell(value: object) -> str:
    """`value` as text a spreadsheet shows as text: a leading quote before anything it could evaluate."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def calls_for_export(*, business_id: int, filters: CallFilters, tz: ZoneInfo) -> QuerySet[CallRecord]:
    """The business's calls matching the filters, oldest first, with their number and sales counted."""
    orders = Order.objects.filter(call=OuterRef("pk")).order_by().values("call").annotate(n=Count("pk")).values("n")
    bookings = (
        Reservation.objects.filter(call=OuterRef("pk")).order_by().values("call").annotate(n=Count("pk")).values("n")
    )
    calls = CallRecord.objects.filter(business_id=business_id)
    return (
        filter_calls(calls, filters, tz=tz)
        .select_related("sip_number")
        .annotate(
            orders_count=Coalesce(Subquery(orders), Value(0)), bookings_count=Coalesce(Subquery(bookings), Value(0))
        )
        .defer("transcript", "usage", "sip_number__config_override")
        .order_by("started_at", "pk")
    )


def call_csv_lines(calls: QuerySet[CallRecord], *, tz: ZoneInfo) -> Iterator[str]:
    """The CSV text of `calls_for_export(...)`, a chunk of rows at a time (times in the business's time zone,
    ISO 8601 with offset).

    The caller builds the queryset in its business scope: the response streams these lines after
    the view (and its scope) has returned.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for rows, call in enumerate(calls.iterator(chunk_size=CHUNK_ROWS), start=1):
        writer.writerow(
            [
                safe_cell(value)
                for value in (
                    call.started_at.astimezone(tz).isoformat(timespec="seconds"),
                    call.ended_at.astimezone(tz).isoformat(timespec="seconds") if call.ended_at else "",
                    "" if call.duration_seconds is None else f"{call.duration_seconds:.1f}",
                    call.dialed_number,
                    call.sip_number.label_for(call.business_id) if call.sip_number is not None else "",
                    call.caller_number,
                    call.status,
                    call.reason,
                    call.forwarded_from,
                    "" if call.in_opening_hours is None else ("yes" if call.in_opening_hours else "no"),
                    call.language,
                    call.config_version,
                    call.orders_count,
                    call.bookings_count,
                    call.pk,
                )
            ]
        )
        if rows % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
