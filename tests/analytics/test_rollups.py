"""Rollups: built incrementally or rebuilt, the same rows; analytics_rebuild idempotent; opening hours in SQL."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import sql
from analytics.models import HISTOGRAM_COLUMNS, CallHourlyRollup
from analytics.services import rollups_add_calls, rollups_rebuild
from restaurants.models import Closure, OpeningHours
from restaurants.schedule import Schedule
from tests.analytics.calls import finished_call, local

ROME = "Europe/Rome"


def rollup_rows(business) -> list[tuple]:
    columns = ("sip_number_id", "hour", "local_date", "local_hour", *sql.SUM_COLUMNS, *HISTOGRAM_COLUMNS)
    rows = CallHourlyRollup.objects.filter(business=business).values_list(*columns)
    return sorted(rows, key=lambda row: (row[1], row[0] or 0))


@pytest.fixture
def calls(make_business, make_number):
    business = make_business(timezone=ROME)
    a, b = make_number(business=business), make_number(business=business)
    made = [
        finished_call(business, a, local(ROME, 2026, 3, 1, 12, 5), seconds=40),
        finished_call(business, a, local(ROME, 2026, 3, 1, 12, 55), seconds=400, reason="transferred"),
        finished_call(business, b, local(ROME, 2026, 3, 1, 12, 30), status="rejected", reason="number_busy"),
        finished_call(business, a, local(ROME, 2026, 4, 20, 9, 0), seconds=5),
        finished_call(business, None, local(ROME, 2026, 4, 20, 9, 10), seconds=5),  # its number deleted since
    ]
    return business, a, b, made


def test_adding_calls_one_by_one_equals_rebuilding(calls):
    business, _, _, made = calls
    for call in made:
        rollups_add_calls(call_record_ids=[call.pk])
    incremental = rollup_rows(business)
    rollups_rebuild(business_id=business.pk)
    assert rollup_rows(business) == incremental
    assert sum(row[4] for row in incremental) == 5  # calls


def test_rebuild_is_idempotent_and_repairs_damage(calls):
    business, _, _, _ = calls
    rollups_rebuild(business_id=business.pk)
    first = rollup_rows(business)
    rollups_rebuild(business_id=business.pk)
    assert rollup_rows(business) == first
    CallHourlyRollup.objects.filter(business=business).update(calls=999)
    stale_hour = datetime(2020, 1, 1, tzinfo=UTC)
    CallHourlyRollup.objects.create(business=business, hour=stale_hour, local_date=stale_hour.date(), local_hour=1)
    rollups_rebuild(business_id=business.pk)
    assert rollup_rows(business) == first


def test_rebuild_since_replaces_only_later_hours(calls):
    business, _, _, _ = calls
    rollups_rebuild(business_id=business.pk)
    right = rollup_rows(business)
    CallHourlyRollup.objects.filter(business=business).update(calls=999)
    rollups_rebuild(business_id=business.pk, since=date(2026, 4, 1))
    rows = rollup_rows(business)
    assert [r[4] for r in rows if r[2] < date(2026, 4, 1)] == [999, 999]
    assert [r for r in rows if r[2] >= date(2026, 4, 1)] == [r for r in right if r[2] >= date(2026, 4, 1)]


def test_rebuild_of_one_business_leaves_the_others(calls, make_business, make_number):
    business, _, _, _ = calls
    other = make_business(timezone="Asia/Kolkata")
    finished_call(other, make_number(business=other), local("Asia/Kolkata", 2026, 3, 1, 12, 40))
    rollups_rebuild(business_id=other.pk)
    assert rollup_rows(business) == []
    (row,) = CallHourlyRollup.objects.filter(business=other)
    # Kolkata is UTC+05:30: the local hour 12:00 starts at 06:30 UTC, not on a UTC hour.
    assert (row.local_hour, row.hour) == (12, datetime(2026, 3, 1, 6, 30, tzinfo=UTC))


def test_analytics_rebuild_command(calls):
    business, _, _, _ = calls
    out, err = io.StringIO(), io.StringIO()
    call_command("analytics_rebuild", "--business", str(business.pk), stdout=out, stderr=err)
    assert "Rebuilt rollups in 2 batches." in out.getvalue()  # March, April (the last window is open-ended)
    assert "batch" in err.getvalue()  # the progress bar
    built = rollup_rows(business)
    call_command("analytics_rebuild", "--since", "2026-04-01", stdout=io.StringIO(), stderr=io.StringIO())
    assert rollup_rows(business) == built and len(built) == 4
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("analytics_rebuild", "--since", "April")
    with pytest.raises(CommandError, match="no business"):
        call_command("analytics_rebuild", "--business", "999999")


# --- opening hours, as the admission statement computes them ---------------------------------------


@pytest.fixture
def open_business(make_business, trattoria_hours):
    business = trattoria_hours(make_business(timezone=ROME))
    OpeningHours.objects.create(business=business, weekday=5, opens_at=time(23, 30), closes_at=time(2, 0))  # Sat night
    Closure.objects.create(business=business, date=date(2026, 3, 31))
    Closure.objects.create(business=business, date=date(2026, 10, 24))
    return business


def _sql_open(business, at: datetime) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql.in_opening_hours(business_id='%(business_id)s', at='%(at)s')}",
            {"business_id": business.pk, "at": at},
        )
        return cursor.fetchone()[0]


# Around both DST changes of 2026 and the closures, minute by minute in places.
_instants = st.one_of(
    st.datetimes(min_value=datetime(2026, 3, 27), max_value=datetime(2026, 4, 2)),
    st.datetimes(min_value=datetime(2026, 10, 23), max_value=datetime(2026, 10, 27)),
).map(lambda d: d.replace(tzinfo=UTC))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=_instants)
def test_sql_opening_hours_agree_with_the_schedule(open_business, at):
    schedule = Schedule(open_business, date(2026, 3, 1))
    assert _sql_open(open_business, at) is (schedule.period_at(at) is not None), at.astimezone(open_business.tz)


def test_sql_opening_hours_known_points(open_business):
    assert _sql_open(open_business, local(ROME, 2026, 3, 28, 12, 0)) is True  # Saturday lunch
    assert _sql_open(open_business, local(ROME, 2026, 3, 28, 15, 0)) is False  # closes at 15:00
    assert _sql_open(open_business, local(ROME, 2026, 3, 29, 1, 30)) is True  # Saturday's late period
    assert _sql_open(open_business, local(ROME, 2026, 3, 30, 12, 0)) is False  # Monday
    assert _sql_open(open_business, local(ROME, 2026, 3, 31, 12, 0)) is False  # closure
    assert _sql_open(open_business, local(ROME, 2026, 4, 1, 12, 0)) is True
