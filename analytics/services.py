"""Writing rollups: adding ended calls to them, and rebuilding them from the call records."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import F, Max, Min

from analytics import sql
from analytics.facts import rollup_rows
from analytics.models import CallHourlyRollup
from restaurants.models import Business
from telephony.models import CallRecord

# Days of call records one rebuild transaction covers: bounded work and a short lock.
REBUILD_BATCH_DAYS = 31


def rollups_add_calls(*, call_record_ids: Iterable[int]) -> None:
    """Add these finished calls to their hourly rollups. Call in the transaction that ended them.

    Each call must be added exactly once, when it ends (its record stops being in
    progress); records without a business or still in progress are ignored. On
    PostgreSQL one statement; on the embedded default (SQLite), rollups_add_records.
    """
    ids = list(call_record_ids)
    if not ids:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql.rollup_add("telephony_callrecord", "r.id = ANY(%(ids)s)"), {"ids": ids})
        return
    rollups_add_records(list(CallRecord.objects.filter(pk__in=ids).only(*_FACT_FIELDS)))


def rollups_add_records(records: Sequence[CallRecord]) -> None:
    """Add these finished calls (as saved) to their hourly rollups, in the transaction that ended them.

    PostgreSQL adds them with its upsert (by id); any other database (the embedded default)
    with analytics.facts' Python definition of the same rows: an UPDATE adding to each
    existing row, an INSERT of each new one. That read-then-write is race-free because
    SQLite transactions start with the write lock (BEGIN IMMEDIATE, panbot/settings/base.py).
    """
    if not records:
        return
    if connection.vendor == "postgresql":
        rollups_add_calls(call_record_ids=[record.pk for record in records])
        return
    for key, sums in rollup_rows(records, _zones(records)).items():
        business_id, sip_number_id, hour, local_date, local_hour = key
        row = CallHourlyRollup.objects.filter(business_id=business_id, sip_number_id=sip_number_id, hour=hour)
        if not row.update(**{column: F(column) + value for column, value in sums.items() if value}):
            CallHourlyRollup.objects.create(
                business_id=business_id,
                sip_number_id=sip_number_id,
                hour=hour,
                local_date=local_date,
                local_hour=local_hour,
                **sums,
            )


# The record fields a rollup reads (analytics.facts.Finished).
_FACT_FIELDS = (
    "business_id", "sip_number_id", "status", "reason", "started_at", "duration_seconds", "forwarded_from",
    "in_opening_hours",
)  # fmt: skip


def _zones(records: Iterable[CallRecord]) -> dict[int, ZoneInfo]:
    """The time zones of the records' businesses: the loaded ones', then one query for the others."""
    zones: dict[int, ZoneInfo] = {}
    for record in records:
        business = record.business if CallRecord.business.is_cached(record) else None
        if business is not None:
            zones[business.pk] = ZoneInfo(business.timezone)
    missing = {r.business_id for r in records if r.business_id is not None and r.business_id not in zones}
    if missing:
        zones.update(
            (pk, ZoneInfo(tz)) for pk, tz in Business.objects.filter(pk__in=missing).values_list("pk", "timezone")
        )
    return zones


@dataclasses.dataclass(frozen=True)
class RebuildBatch:
    """One unit of a rebuild: a business's records that started in [start, end)."""

    business_id: int
    start: datetime
    end: datetime


def rollups_rebuild_plan(*, business_id: int | None = None, since: date | None = None) -> list[RebuildBatch]:
    """The batches a rebuild runs, in order: per business, windows of REBUILD_BATCH_DAYS local days.

    Windows start and end at local midnights, so each rollup hour falls wholly in one.
    Without `since`, a business's windows run from its first call on; the last has no end.
    """
    businesses = Business.objects.order_by("pk")
    if business_id is not None:
        businesses = businesses.filter(pk=business_id)
    spans = _record_spans(business_id)
    batches = []
    for business in businesses.only("pk", "timezone"):
        tz = ZoneInfo(business.timezone)
        span = spans.get(business.pk)
        start_day: date
        if since is not None:
            start_day = since
        elif span is not None:
            start_day = span[0].astimezone(tz).date()
        else:
            batches.append(RebuildBatch(business.pk, _EPOCH, _EPOCH))  # clears its rows: no records
            continue
        end_day = max(span[1].astimezone(tz).date(), start_day) if span is not None else start_day
        day = start_day
        while day <= end_day:
            next_day = day + timedelta(days=REBUILD_BATCH_DAYS)
            # The last window has no end: calls that end while the rebuild runs land in it.
            end = local_midnight(next_day, tz) if next_day <= end_day else _FOREVER
            batches.append(RebuildBatch(business.pk, local_midnight(day, tz), end))
            day = next_day
    return batches


def rollups_rebuild(
    *,
    business_id: int | None = None,
    since: date | None = None,
    on_batch: Callable[[RebuildBatch], None] | None = None,
    plan: list[RebuildBatch] | None = None,
) -> int:
    """Recompute the rollups (all, or one business's; all hours, or from local date `since` on) from the records.

    Idempotent: each batch deletes its window's rollups and writes them again, in one
    transaction that holds the rollup table against writers, so a call ending meanwhile
    is counted once (in the records it reads, or added after it commits). Without
    `since`, all of a business's rollups are replaced. Returns the
    number of batches; `on_batch` is called after each (a progress bar). `plan`: the
    batches rollups_rebuild_plan gave for the same arguments, when the caller has them.
    """
    if plan is None:
        plan = rollups_rebuild_plan(business_id=business_id, since=since)
    first_of: set[int] = set()
    for batch in plan:
        whole = since is None and batch.business_id not in first_of
        first_of.add(batch.business_id)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _rebuild_batch_sql(batch, whole=whole)
            else:
                _rebuild_batch_python(batch, whole=whole)
        if on_batch is not None:
            on_batch(batch)
    return len(plan)


def _rebuild_batch_sql(batch: RebuildBatch, *, whole: bool) -> None:
    """PostgreSQL: delete the batch's rows (all the business's when `whole`) and insert them again, two statements."""
    with connection.cursor() as cursor:
        # SHARE ROW EXCLUSIVE: call ends (their upserts) wait for this batch; readers do not.
        cursor.execute(f"LOCK TABLE {sql.ROLLUP_TABLE} IN SHARE ROW EXCLUSIVE MODE")
        params: dict[str, Any] = {"business_id": batch.business_id, "start": batch.start, "end": batch.end}
        if whole:
            cursor.execute(f"DELETE FROM {sql.ROLLUP_TABLE} WHERE business_id = %(business_id)s", params)
        else:
            cursor.execute(
                f"DELETE FROM {sql.ROLLUP_TABLE} WHERE business_id = %(business_id)s"
                " AND hour >= %(start)s AND hour < %(end)s",
                params,
            )
        if batch.end > batch.start:
            cursor.execute(
                sql.rollup_insert(
                    "telephony_callrecord",
                    "r.business_id = %(business_id)s AND r.started_at >= %(start)s AND r.started_at < %(end)s",
                ),
                params,
            )


def _rebuild_batch_python(batch: RebuildBatch, *, whole: bool) -> None:
    """The embedded default: the same from analytics.facts' rows (the transaction holds SQLite's write lock)."""
    rows = CallHourlyRollup.objects.filter(business_id=batch.business_id)
    if not whole:
        rows = rows.filter(hour__gte=batch.start, hour__lt=batch.end)
    rows.delete()
    if batch.end <= batch.start:
        return
    records = CallRecord.objects.filter(
        business_id=batch.business_id, started_at__gte=batch.start, started_at__lt=batch.end
    ).only(*_FACT_FIELDS)
    zone = Business.objects.values_list("timezone", flat=True).get(pk=batch.business_id)
    fresh = rollup_rows(records.iterator(chunk_size=2000), {batch.business_id: ZoneInfo(zone)})
    CallHourlyRollup.objects.bulk_create(
        (
            CallHourlyRollup(
                business_id=business_id,
                sip_number_id=sip_number_id,
                hour=hour,
                local_date=local_date,
                local_hour=local_hour,
                **sums,
            )
            for (business_id, sip_number_id, hour, local_date, local_hour), sums in fresh.items()
        ),
        batch_size=500,
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FOREVER = datetime(9000, 1, 1, tzinfo=UTC)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant `day` starts in `tz` (where midnight is skipped, the first instant of the day)."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def _record_spans(business_id: int | None) -> dict[int, tuple[datetime, datetime]]:
    records = CallRecord.objects.filter(business_id__isnull=False)
    if business_id is not None:
        records = records.filter(business_id=business_id)
    spans = records.values("business_id").annotate(first=Min("started_at"), last=Max("started_at")).order_by()
    return {row["business_id"]: (row["first"], row["last"]) for row in spans}
