"""Call analytics of one business: one selector per metric family, from rollups (or, to compare, raw records).

Dates are the business's local dates; a range is inclusive of both ends. Every selector
takes an `AnalyticsScope` and reads the period and the one before it (same length) in the
same statement, so the endpoint's query count does not grow with the range or the data.
`source="raw"` computes the same answers straight from the call records: what the rollups
must equal (tests) and what they are measured against (bench/analytics.py).
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, TypedDict, TypeVar
from zoneinfo import ZoneInfo

from django.db import connection, models
from django.db.models import BooleanField, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import ExtractIsoWeekDay

from analytics import sql
from analytics.models import DURATION_BOUNDS, DURATION_BUCKETS, HISTOGRAM_COLUMNS, CallHourlyRollup
from analytics.services import local_midnight
from orders.models import Order
from reservations.models import Reservation

Source = Literal["rollup", "raw"]
Period = Literal["current", "previous"]
P = TypeVar("P", bound=models.Model)


@dataclasses.dataclass(frozen=True)
class AnalyticsScope:
    """A business, a local date range (inclusive) and optionally one of its numbers."""

    business_id: int
    timezone: str
    first: date
    last: date
    sip_number_id: int | None = None
    source: Source = "rollup"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def previous_first(self) -> date:
        return self.first - timedelta(days=self.days)

    @property
    def previous_last(self) -> date:
        return self.first - timedelta(days=1)

    def instants(self, first: date, last: date) -> tuple[datetime, datetime]:
        """[start, end) of local dates `first`..`last` as instants (DST-correct: a day may have 23 or 25 hours)."""
        tz = ZoneInfo(self.timezone)
        return local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)

    def params(self) -> dict[str, Any]:
        start, end = self.instants(self.previous_first, self.last)
        return {
            "business_id": self.business_id,
            "number": self.sip_number_id,
            "prev_first": self.previous_first,
            "first": self.first,
            "last": self.last,
            "start": start,
            "split": self.instants(self.first, self.last)[0],
            "end": end,
        }


# Rows shaped like rollups (local_date, local_hour, the sums), both periods. From rollups the sums
# include the duration histogram's columns; from raw records the answered calls' `bucket` instead
# (a raw report counts buckets with a GROUP BY of its own, as one would write it by hand).
def _facts(scope: AnalyticsScope) -> str:
    number = "" if scope.sip_number_id is None else " AND r.sip_number_id = %(number)s"
    if scope.source == "rollup":
        columns = ", ".join(f"r.{c}" for c in sql.ALL_SUMS)
        return f"""
            SELECT r.local_date, r.local_hour, {columns}
              FROM {sql.ROLLUP_TABLE} r
             WHERE r.business_id = %(business_id)s AND r.local_date BETWEEN %(prev_first)s AND %(last)s{number}
        """
    columns = ", ".join(f"{sql.FACT_EXPRESSIONS[c]} AS {c}" for c in sql.SUM_COLUMNS)
    return f"""
        SELECT {sql.LOCAL}::date AS local_date, extract(hour FROM {sql.LOCAL})::int AS local_hour, {columns},
               {sql.BUCKET_EXPRESSION} AS bucket
          FROM telephony_callrecord r JOIN restaurants_business b ON b.id = r.business_id
         WHERE r.business_id = %(business_id)s AND r.started_at >= %(start)s AND r.started_at < %(end)s
           AND {sql.FINISHED}{number}
    """


def _rows(statement: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def _rollups(scope: AnalyticsScope) -> QuerySet[CallHourlyRollup]:
    """The scope's rollup rows, both periods: an ORM query, so the embedded default (SQLite) reads them too."""
    rows = CallHourlyRollup.objects.filter(
        business_id=scope.business_id, local_date__range=(scope.previous_first, scope.last)
    )
    if scope.sip_number_id is not None:
        rows = rows.filter(sip_number_id=scope.sip_number_id)
    return rows


class DayCounts(TypedDict):
    date: date
    calls: int
    answered: int
    rejected: int
    failed: int


class CallCounts(TypedDict):
    """Sums over a period: every rollup column."""

    calls: int
    completed: int
    rejected: int
    failed: int
    answered: int
    number_busy: int
    business_busy: int
    worker_full: int
    inactive: int
    lost_forwarded: int
    transferred: int
    ghosts: int
    after_hours: int
    answered_ms: int


@dataclasses.dataclass(frozen=True)
class Volume:
    """Calls per local day of the period (every day, zeros included) and each period's sums.

    `histogram`: answered calls per duration bucket and period, when read from rollups
    (in the same pass); None from raw records.
    """

    days: list[DayCounts]
    totals: dict[Period, CallCounts]
    histogram: dict[Period, list[int]] | None = None


def call_volume(scope: AnalyticsScope) -> Volume:
    """Calls per day and the outcome counts (answered, refused by reason, failed, transferred, after hours...)."""
    columns = sql.ALL_SUMS if scope.source == "rollup" else sql.SUM_COLUMNS
    if scope.source == "rollup":
        sums = {f"sum_{c}": Sum(c) for c in columns}
        days_rows = _rollups(scope).values("local_date").annotate(**sums).order_by()
        rows = [(row["local_date"], *(row[f"sum_{c}"] for c in columns)) for row in days_rows]
    else:
        summed = ", ".join(f"coalesce(sum(f.{c}), 0)::bigint" for c in columns)
        rows = _rows(f"SELECT f.local_date, {summed} FROM ({_facts(scope)}) f GROUP BY 1", scope.params())
    by_day = {row[0]: dict(zip(columns, (int(v or 0) for v in row[1:]), strict=True)) for row in rows}
    totals: dict[Period, CallCounts] = {
        "current": _zero_counts(),
        "previous": _zero_counts(),
    }
    histogram: dict[Period, list[int]] = {"current": [0] * DURATION_BUCKETS, "previous": [0] * DURATION_BUCKETS}
    for day, counts in by_day.items():
        period: Period = "current" if day >= scope.first else "previous"
        for column in sql.SUM_COLUMNS:
            totals[period][column] += counts[column]  # type: ignore[literal-required]
        if scope.source == "rollup":
            for bucket, column in enumerate(HISTOGRAM_COLUMNS):
                histogram[period][bucket] += counts[column]
    days: list[DayCounts] = []
    day = scope.first
    while day <= scope.last:
        of_day = by_day.get(day, {})
        days.append(
            {
                "date": day,
                "calls": of_day.get("calls", 0),
                "answered": of_day.get("answered", 0),
                "rejected": of_day.get("rejected", 0),
                "failed": of_day.get("failed", 0),
            }
        )
        day += timedelta(days=1)
    return Volume(days=days, totals=totals, histogram=histogram if scope.source == "rollup" else None)


def _zero_counts() -> CallCounts:
    return dict.fromkeys(sql.SUM_COLUMNS, 0)  # type: ignore[return-value]


def busiest_hours(scope: AnalyticsScope) -> list[list[int]]:
    """Calls by local weekday (Monday first) x local hour (0-23) over the period, in the business's time zone.

    On the night summer time ends, both 02:00 hours add to hour 2; the skipped hour of
    the spring night has none.
    """
    if scope.source == "rollup":
        hours = (
            _rollups(scope)
            .filter(local_date__gte=scope.first)
            .values_list(ExtractIsoWeekDay("local_date") - 1, "local_hour")
            .annotate(sum_calls=Sum("calls"))
            .order_by()
        )
        rows = list(hours)
    else:
        rows = _rows(
            f"""SELECT extract(isodow FROM f.local_date)::int - 1, f.local_hour, sum(f.calls)
                  FROM ({_facts(scope)}) f WHERE f.local_date >= %(first)s GROUP BY 1, 2""",
            scope.params(),
        )
    grid = [[0] * 24 for _ in range(7)]
    for weekday, hour, calls in rows:
        grid[weekday][hour] = int(calls)
    return grid


@dataclasses.dataclass(frozen=True)
class Durations:
    """Answered calls' average and 90th percentile duration, per period."""

    average_seconds: dict[Period, float | None]
    p90_seconds: dict[Period, int | None]
    histogram: dict[Period, list[int]]


def call_durations(scope: AnalyticsScope, volume: Volume) -> Durations:
    """Average (exact, from the summed milliseconds) and p90 (from the fixed-bucket histogram) duration.

    The p90 is the upper bound of the histogram bucket the 90th percentile call falls in
    (DURATION_BOUNDS; 3600 for the open bucket): exact to the bucket, from rollups alone
    (no query of its own: `volume` read the histogram). From raw records, one GROUP BY.
    """
    histogram = volume.histogram
    if histogram is None:
        histogram = {"current": [0] * DURATION_BUCKETS, "previous": [0] * DURATION_BUCKETS}
        statement = f"""
            SELECT f.local_date >= %(first)s, f.bucket, count(*)
              FROM ({_facts(scope)}) f WHERE f.bucket IS NOT NULL GROUP BY 1, 2"""
        for current, bucket, calls in _rows(statement, scope.params()):
            histogram["current" if current else "previous"][bucket] += int(calls)
    average: dict[Period, float | None] = {}
    p90: dict[Period, int | None] = {}
    for period in ("current", "previous"):
        totals = volume.totals[period]
        average[period] = round(totals["answered_ms"] / totals["answered"] / 1000, 1) if totals["answered"] else None
        p90[period] = percentile_bound(histogram[period], 0.9)
    return Durations(average_seconds=average, p90_seconds=p90, histogram=histogram)


def percentile_bound(histogram: list[int], fraction: float) -> int | None:
    """The upper bound of the bucket holding the `fraction` percentile (nearest rank), or None when empty."""
    total = sum(histogram)
    if not total:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for bucket, count in enumerate(histogram):
        seen += count
        if seen >= rank:
            return DURATION_BOUNDS[min(bucket, len(DURATION_BOUNDS) - 1)]
    raise AssertionError("unreachable: the ranks add up to the total")


class Sales(TypedDict):
    orders: int
    revenue: Decimal
    reservations: int
    covers: int
    converted_calls: int


def call_sales(scope: AnalyticsScope) -> dict[Period, Sales]:
    """Orders and reservations taken on calls (placed in the period; cancelled ones left out), per period.

    Read from the orders and reservations themselves (a business's bookings are few
    next to its calls, and their status changes after the call): `converted_calls`
    counts the calls with at least one of either.
    """

    params = scope.params()
    # The orders and the bookings as ORM queries (portable: the embedded default runs this too),
    # summed in one statement over their UNION ALL.
    orders = _placed_on_calls(Order.objects.exclude(status="cancelled"), scope, params).annotate(
        s_orders=Value(1), s_revenue=F("total"), s_reservations=Value(0), s_covers=Value(0)
    )
    bookings = _placed_on_calls(Reservation.objects.exclude(status="cancelled"), scope, params).annotate(
        s_orders=Value(0), s_revenue=Value(0, output_field=DecimalField()), s_reservations=Value(1),
        s_covers=F("party_size"),
    )  # fmt: skip
    columns = ("call_id", "s_current", "s_orders", "s_revenue", "s_reservations", "s_covers")
    sales, sales_params = orders.values(*columns).union(bookings.values(*columns), all=True).query.sql_with_params()
    statement = f"""
        SELECT s.s_current, sum(s.s_orders), coalesce(sum(s.s_revenue), 0), sum(s.s_reservations),
               sum(s.s_covers), count(DISTINCT s.call_id)
          FROM ({sales}) s GROUP BY s.s_current
    """
    periods: tuple[Period, ...] = ("current", "previous")
    result: dict[Period, Sales] = {
        period: {"orders": 0, "revenue": Decimal("0.00"), "reservations": 0, "covers": 0, "converted_calls": 0}
        for period in periods
    }
    with connection.cursor() as cursor:
        cursor.execute(statement, sales_params)
        rows = cursor.fetchall()
    for current, placed, revenue, reservations, covers, converted in rows:
        result["current" if current else "previous"] = {
            "orders": int(placed),
            # SQLite sums decimals as floats: via their shortest repr, then to the cent.
            "revenue": Decimal(str(revenue)).quantize(Decimal("0.01")),
            "reservations": int(reservations),
            "covers": int(covers),
            "converted_calls": int(converted),
        }
    return result


def _placed_on_calls(placed: QuerySet[P], scope: AnalyticsScope, params: dict[str, Any]) -> QuerySet[P]:
    """Orders or bookings of the business placed on a call (of the scope's number) in both periods, with `s_current`."""
    placed = placed.filter(
        business_id=scope.business_id, call__isnull=False, created_at__gte=params["start"], created_at__lt=params["end"]
    )
    if scope.sip_number_id is not None:
        placed = placed.filter(call__sip_number_id=scope.sip_number_id)
    current = ExpressionWrapper(Q(created_at__gte=params["split"]), output_field=BooleanField())
    annotated: QuerySet[P] = placed.annotate(s_current=current).order_by()
    return annotated


class RejectedByReason(TypedDict):
    number_busy: int
    business_busy: int
    worker_full: int
    inactive: int


class Summary(TypedDict):
    """One period's figures."""

    calls: int
    answered: int
    rejected: int
    failed: int
    rejected_by_reason: RejectedByReason
    lost_to_limits: int
    lost_forwarded: int
    lost_forwarded_share: float | None
    transferred: int
    transfer_rate: float | None
    after_hours: int
    average_duration_seconds: float | None
    p90_duration_seconds: int | None
    orders: int
    revenue: Decimal
    average_ticket: Decimal | None
    reservations: int
    covers: int
    converted_calls: int
    conversion: float | None


class Report(TypedDict):
    """What GET .../analytics/ answers."""

    business_id: int
    timezone: str
    currency: str
    number: int | None
    days: list[DayCounts]
    busiest_hours: list[list[int]]
    current: Summary
    previous: Summary
    previous_range: dict[str, date]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _summary(counts: CallCounts, durations: Durations, sales: Sales, period: Period) -> Summary:
    lost = counts["number_busy"] + counts["business_busy"] + counts["worker_full"]
    return {
        "calls": counts["calls"],
        "answered": counts["answered"],
        "rejected": counts["rejected"],
        "failed": counts["failed"],
        "rejected_by_reason": {
            "number_busy": counts["number_busy"],
            "business_busy": counts["business_busy"],
            "worker_full": counts["worker_full"],
            "inactive": counts["inactive"],
        },
        "lost_to_limits": lost,
        "lost_forwarded": counts["lost_forwarded"],
        "lost_forwarded_share": _share(counts["lost_forwarded"], lost),
        "transferred": counts["transferred"],
        "transfer_rate": _share(counts["transferred"], counts["answered"]),
        "after_hours": counts["after_hours"],
        "average_duration_seconds": durations.average_seconds[period],
        "p90_duration_seconds": durations.p90_seconds[period],
        "orders": sales["orders"],
        "revenue": sales["revenue"],
        "average_ticket": (sales["revenue"] / sales["orders"]).quantize(Decimal("0.01")) if sales["orders"] else None,
        "reservations": sales["reservations"],
        "covers": sales["covers"],
        "converted_calls": sales["converted_calls"],
        "conversion": _share(sales["converted_calls"], counts["answered"]),
    }


def analytics_report(scope: AnalyticsScope, *, currency: str = "EUR") -> Report:
    """Every metric family for the scope and the period before it: three queries from rollups (four from raw
    records), whatever the range or the data."""
    volume = call_volume(scope)
    durations = call_durations(scope, volume)
    sales = call_sales(scope)
    return {
        "business_id": scope.business_id,
        "timezone": scope.timezone,
        "currency": currency,
        "number": scope.sip_number_id,
        "days": volume.days,
        "busiest_hours": busiest_hours(scope),
        "current": _summary(volume.totals["current"], durations, sales["current"], "current"),
        "previous": _summary(volume.totals["previous"], durations, sales["previous"], "previous"),
        "previous_range": {"from": scope.previous_first, "to": scope.previous_last},
    }
