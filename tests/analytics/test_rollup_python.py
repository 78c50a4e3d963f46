"""One definition of a rollup row, two implementations: PostgreSQL's SQL and the embedded default's Python.

analytics/facts.py holds each column as SQL and as Python. The same calls (DST nights,
a zone half an hour off UTC, calls spanning an hour, refusals, a ghost past the last
bucket, durations on bucket bounds and on a half millisecond) are rolled up by
PostgreSQL's upsert, by the Python rows, and by the Python writer on SQLite: every key
and every column must agree. A property test then compares SQL and Python on random calls.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import sql
from analytics.facts import FACTS, rollup_rows
from analytics.models import DURATION_BOUNDS, CallHourlyRollup
from analytics.services import rollups_add_calls, rollups_add_records, rollups_rebuild
from restaurants.models import Business
from telephony.models import CallRecord, SipNumber
from tests.analytics.calls import local, on_sqlite
from tests.analytics.test_rollup_equals_raw import ZONES

ROME, KOLKATA = "Europe/Rome", "Asia/Kolkata"
LINE = "+390559990000"
_seq = itertools.count(1)

# (zone, local wall clock (y, m, d, h, min, s), fold, number, status, reason, seconds, forwarded, in opening hours)
CALLS = [
    (ROME, (2026, 10, 25, 2, 10, 0), 0, "a", "completed", "caller_hangup", 40, False, True),  # first 02:00 hour
    (ROME, (2026, 10, 25, 2, 10, 0), 1, "a", "completed", "agent_hangup", 700, False, True),  # the second one
    (ROME, (2026, 10, 25, 2, 59, 59), 1, "b", "completed", "transferred", 61.25, True, False),
    (ROME, (2026, 3, 29, 3, 5, 0), 0, "a", "completed", "caller_hangup", 3.5, False, None),  # after the skipped hour
    (ROME, (2026, 3, 29, 1, 59, 0), 0, "a", "completed", "silence", 10.0, False, True),  # on a bucket bound
    (ROME, (2026, 6, 1, 12, 55, 0), 0, "a", "completed", "transferred", 600, False, True),  # spans 13:00
    (ROME, (2026, 6, 1, 12, 58, 0), 0, "a", "rejected", "number_busy", 0, True, False),  # lost, forwarded
    (ROME, (2026, 6, 1, 12, 59, 0), 0, "a", "rejected", "business_busy", 0, False, None),
    (ROME, (2026, 6, 1, 12, 30, 0), 0, "b", "completed", "worker_full", 2.4, True, True),  # lost, not answered
    (ROME, (2026, 6, 1, 12, 31, 0), 0, "b", "failed", "error", 30, False, True),
    (ROME, (2026, 6, 1, 12, 32, 0), 0, "b", "rejected", "number_inactive", 0, False, True),
    (ROME, (2026, 6, 1, 12, 33, 0), 0, "b", "rejected", "business_inactive", 0, False, True),
    (ROME, (2026, 6, 1, 23, 50, 0), 0, "a", "completed", "ghost", 3700, False, False),  # past midnight, open bucket
    (ROME, (2026, 6, 1, 23, 51, 0), 0, None, "completed", "caller_hangup", 0.0005, False, True),  # no number
    (ROME, (2026, 6, 1, 23, 52, 0), 0, None, "completed", "caller_hangup", 59.9995, False, True),
    (ROME, (2026, 6, 1, 23, 53, 0), 0, "a", "in_progress", "admitted", None, False, True),  # not finished: none
    (KOLKATA, (2026, 3, 1, 5, 45, 0), 0, "k", "completed", "caller_hangup", 89.9, False, True),
    (KOLKATA, (2026, 3, 1, 6, 15, 0), 0, "k", "completed", "caller_hangup", 120, False, True),  # same UTC hour
    (None, (2026, 6, 1, 12, 0, 0), 0, None, "rejected", "unknown_number", 0, False, None),  # no business: none
]


def _world() -> dict[str | None, SipNumber | Business | None]:
    """Two businesses and their numbers on the default database (whichever it is)."""
    n = next(_seq)
    rome = Business.objects.create(name="Rome", slug=f"rome-{n}", timezone=ROME)
    kolkata = Business.objects.create(name="Kolkata", slug=f"kolkata-{n}", timezone=KOLKATA)
    return {
        ROME: rome,
        KOLKATA: kolkata,
        "a": SipNumber.objects.create(number=f"+3905510{n:03d}1", business=rome, assigned_at=rome.created_at),
        "b": SipNumber.objects.create(number=f"+3905510{n:03d}2", business=rome, assigned_at=rome.created_at),
        "k": SipNumber.objects.create(number=f"+3905510{n:03d}3", business=kolkata, assigned_at=kolkata.created_at),
    }


def _make_calls() -> tuple[list[CallRecord], dict[int, str], dict[int | None, str | None]]:
    """The CALLS on the default database; the names of their businesses and numbers by id (to compare across DBs)."""
    world = _world()
    records = []
    for zone, wall, fold, number, status, reason, seconds, forwarded, open_ in CALLS:
        started = local(zone or "UTC", *wall, fold=fold)
        sip_number = world[number] if number else None
        records.append(
            CallRecord.objects.create(
                business=world[zone] if zone else None,
                sip_number=sip_number,
                sip_call_id=f"python-{next(_seq)}",
                status=status,
                reason=reason,
                started_at=started,
                ended_at=started + timedelta(seconds=seconds) if seconds is not None else None,
                duration_seconds=seconds,
                forwarded_from=LINE if forwarded else "",
                in_opening_hours=open_,
            )
        )
    businesses = {world[zone].pk: zone for zone in (ROME, KOLKATA)}
    numbers: dict[int | None, str | None] = {world[n].pk: n for n in ("a", "b", "k")}
    numbers[None] = None
    return records, businesses, numbers


def _table(businesses: dict[int, str], numbers: dict[int | None, str | None]) -> dict[tuple, dict[str, int]]:
    """The rollup table, keyed by business and number names (ids differ between the databases)."""
    rows = CallHourlyRollup.objects.filter(business_id__in=businesses).values()
    return {
        (businesses[r["business_id"]], numbers[r["sip_number_id"]], r["hour"].astimezone(UTC), r["local_date"],
         r["local_hour"]): {c: r[c] for c in FACTS}
        for r in rows
    }  # fmt: skip


def _named(rows: dict, businesses: dict[int, str], numbers: dict[int | None, str | None]) -> dict:
    return {(businesses[b], numbers[n], hour, day, h): sums for (b, n, hour, day, h), sums in rows.items()}


@pytest.mark.django_db(databases=["default", "embedded"])
def test_python_rollups_equal_postgresqls_sql_rollups_of_the_same_calls():
    # PostgreSQL: each call added by the SQL upsert, one by one (so rows are added to, not only inserted).
    records, businesses, numbers = _make_calls()
    for record in records:
        rollups_add_calls(call_record_ids=[record.pk])
    by_sql = _table(businesses, numbers)
    zones = {pk: ZoneInfo(zone) for pk, zone in businesses.items()}
    assert _named(rollup_rows(records, zones), businesses, numbers) == by_sql

    # What the calls add up to, so the comparison is not of two empty tables.
    rome_jun = {k: v for k, v in by_sql.items() if k[0] == ROME and k[3] == date(2026, 6, 1)}
    assert sum(v["calls"] for v in rome_jun.values()) == 10
    assert sum(v["lost_forwarded"] for v in rome_jun.values()) == 2
    fall_back = sorted(k[2] for k in by_sql if k[0] == ROME and k[3] == date(2026, 10, 25) and k[4] == 2)
    assert len(fall_back) == 3 and fall_back[-1] - fall_back[0] == timedelta(hours=1)  # a, then a and b at fold 1
    assert by_sql[(ROME, None, local(ROME, 2026, 6, 1, 23), date(2026, 6, 1), 23)]["answered_ms"] == 60000
    assert by_sql[(ROME, "a", local(ROME, 2026, 6, 1, 23), date(2026, 6, 1), 23)][f"d{len(DURATION_BOUNDS):02d}"] == 1
    assert by_sql[(KOLKATA, "k", local(KOLKATA, 2026, 3, 1, 5), date(2026, 3, 1), 5)]["calls"] == 1

    # The embedded default: the same calls on SQLite, added by the Python writer one by one, then rebuilt.
    with on_sqlite():
        records, businesses, numbers = _make_calls()
        for record in records:
            rollups_add_records([CallRecord.objects.get(pk=record.pk)])  # as saved and read back
        assert _table(businesses, numbers) == by_sql
        rollups_rebuild()
        assert _table(businesses, numbers) == by_sql


_instants = st.datetimes(min_value=datetime(2026, 3, 1), max_value=datetime(2026, 11, 30)).map(
    lambda d: d.replace(tzinfo=UTC)
)
# Every finished record has a duration (records.complete, refusals, the demo): a live one may have none.
_durations = st.one_of(st.sampled_from([0, 0.0005, 0.0015, 0.0025, *DURATION_BOUNDS]), st.floats(0, 7200))
_records = st.lists(
    st.tuples(
        _instants,
        st.sampled_from([*CallRecord.Status]),
        st.sampled_from([*CallRecord.Reason]),
        _durations,
        st.booleans(),
        st.sampled_from([True, False, None]),
        st.booleans(),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=_records, zone=st.sampled_from(ZONES))
def test_python_and_sql_roll_up_any_calls_alike(db, specs, zone):
    """Any status, reason, duration and instant: the SQL SELECT of rollup rows and the Python rows agree."""
    n = next(_seq)
    business = Business.objects.create(name="Prop", slug=f"prop-{n}", timezone=zone)
    number = SipNumber.objects.create(number=f"+3905520{n:05d}", business=business, assigned_at=business.created_at)
    records = [
        CallRecord.objects.create(
            business=business,
            sip_number=number if on_number else None,
            sip_call_id=f"python-prop-{next(_seq)}",
            status=status,
            reason=reason,
            started_at=start,
            duration_seconds=None if status == "in_progress" else seconds,
            forwarded_from=LINE if forwarded else "",
            in_opening_hours=open_,
            ended_at=None if status == "in_progress" else start + timedelta(seconds=seconds),
        )
        for start, status, reason, seconds, forwarded, open_, on_number in specs
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql.rollup_select("telephony_callrecord", "r.business_id = %(b)s"), {"b": business.pk})
        by_sql = {
            (row[0], row[1], row[2].astimezone(UTC), row[3], row[4]): dict(zip(FACTS, map(int, row[5:]), strict=True))
            for row in cursor.fetchall()
        }
    assert rollup_rows(records, {business.pk: ZoneInfo(zone)}) == by_sql
