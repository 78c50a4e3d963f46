"""Each metric on a hand-made set of calls with known answers, from rollups and from raw records alike."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from analytics.models import CallHourlyRollup
from analytics.selectors import AnalyticsScope, analytics_report, busiest_hours, percentile_bound
from analytics.services import rollups_rebuild
from tests.analytics.calls import finished_call, local, order_on, reservation_on

ROME = "Europe/Rome"
SAT, SUN, MON = 5, 6, 0


@pytest.fixture
def trattoria(make_business, make_number):
    business = make_business("Trattoria", timezone=ROME)
    return business, make_number(business=business, label="Orders"), make_number(business=business, label="Tables")


@pytest.fixture
def spring_calls(trattoria):
    """Saturday 28 March to Monday 30 March 2026; clocks go forward in Rome on the Sunday (02:00 -> 03:00)."""
    business, orders, tables = trattoria
    c1 = finished_call(business, orders, local(ROME, 2026, 3, 28, 12, 30), seconds=65, reason="transferred")
    c2 = finished_call(business, orders, local(ROME, 2026, 3, 28, 20, 10), seconds=30)
    c3 = finished_call(business, tables, local(ROME, 2026, 3, 29, 1, 30), seconds=200, in_opening_hours=False)
    finished_call(business, orders, local(ROME, 2026, 3, 29, 3, 30), status="rejected", reason="number_busy",
                  forwarded_from="+390559876543", in_opening_hours=False)  # fmt: skip
    finished_call(business, orders, local(ROME, 2026, 3, 29, 3, 45), status="rejected", reason="business_busy")
    # Spans midnight: counted on the day and hour it started.
    c6 = finished_call(business, tables, local(ROME, 2026, 3, 29, 23, 59, 30), seconds=120)
    finished_call(business, orders, local(ROME, 2026, 3, 30, 10, 0), seconds=2, reason="worker_full")
    finished_call(business, orders, local(ROME, 2026, 3, 30, 11, 0), seconds=15, status="failed", reason="error")
    finished_call(business, orders, local(ROME, 2026, 3, 30, 12, 0), status="rejected", reason="number_inactive")
    finished_call(business, tables, local(ROME, 2026, 3, 30, 13, 0), seconds=45, reason="ghost")
    # The period before (25-27 March): one answered call.
    finished_call(business, orders, local(ROME, 2026, 3, 26, 10, 0), seconds=50)
    # Outside both periods, and another business's call on the same days: counted nowhere here.
    finished_call(business, orders, local(ROME, 2026, 3, 31, 0, 0, 1), seconds=50)
    order_on(c1, "25.50")
    order_on(c2, "14.50")
    order_on(c6, "99.00", status="cancelled")
    reservation_on(c3, 4)
    reservation_on(c6, 2, status="cancelled")
    rollups_rebuild(business_id=business.pk)
    return business, orders, tables


@pytest.fixture
def other_business_calls(make_business, make_number):
    other = make_business("Elsewhere", timezone=ROME)
    finished_call(other, make_number(business=other), local(ROME, 2026, 3, 29, 12, 0), seconds=70)
    rollups_rebuild(business_id=other.pk)


def scope(business, first, last, *, source, number=None):
    return AnalyticsScope(business.pk, business.timezone, first, last, sip_number_id=number, source=source)


@pytest.mark.parametrize("source", ["rollup", "raw"])
def test_every_metric_on_known_calls_around_the_spring_dst_change(spring_calls, other_business_calls, source):
    business, _, _ = spring_calls
    report = analytics_report(scope(business, date(2026, 3, 28), date(2026, 3, 30), source=source))
    now = report["current"]
    assert [(d["date"], d["calls"], d["answered"], d["rejected"], d["failed"]) for d in report["days"]] == [
        (date(2026, 3, 28), 2, 2, 0, 0),
        (date(2026, 3, 29), 4, 2, 2, 0),
        (date(2026, 3, 30), 4, 1, 1, 1),
    ]
    assert (now["calls"], now["answered"], now["rejected"], now["failed"]) == (10, 5, 3, 1)
    assert now["rejected_by_reason"] == {"number_busy": 1, "business_busy": 1, "worker_full": 1, "inactive": 1}
    assert (now["lost_to_limits"], now["lost_forwarded"], now["lost_forwarded_share"]) == (3, 1, 0.3333)
    assert (now["transferred"], now["transfer_rate"]) == (1, 0.2)
    assert now["after_hours"] == 2
    assert now["average_duration_seconds"] == 92.0  # (65 + 30 + 200 + 120 + 45) / 5
    assert now["p90_duration_seconds"] == 240  # the longest of five, 200 s, lies in [180, 240)
    assert (now["orders"], now["revenue"], now["average_ticket"]) == (2, Decimal("40.00"), Decimal("20.00"))
    assert (now["reservations"], now["covers"]) == (1, 4)
    assert (now["converted_calls"], now["conversion"]) == (3, 0.6)
    before = report["previous"]
    assert report["previous_range"] == {"from": date(2026, 3, 25), "to": date(2026, 3, 27)}
    assert (before["calls"], before["answered"], before["average_duration_seconds"]) == (1, 1, 50.0)
    assert before["p90_duration_seconds"] == 60
    assert (before["orders"], before["revenue"], before["average_ticket"], before["conversion"]) == (
        0, Decimal("0.00"), None, 0.0,
    )  # fmt: skip


@pytest.mark.parametrize("source", ["rollup", "raw"])
def test_busiest_hours_grid_is_local_across_the_spring_change(spring_calls, source):
    business, _, _ = spring_calls
    grid = busiest_hours(scope(business, date(2026, 3, 28), date(2026, 3, 30), source=source))
    expected = {(SAT, 12): 1, (SAT, 20): 1, (SUN, 1): 1, (SUN, 3): 2, (SUN, 23): 1,
                (MON, 10): 1, (MON, 11): 1, (MON, 12): 1, (MON, 13): 1}  # fmt: skip
    assert {(d, h): n for d, row in enumerate(grid) for h, n in enumerate(row) if n} == expected
    assert grid[SUN][2] == 0  # 02:00-03:00 did not happen that night


@pytest.mark.parametrize("source", ["rollup", "raw"])
def test_one_number_only(spring_calls, source):
    business, _, tables = spring_calls
    report = analytics_report(scope(business, date(2026, 3, 28), date(2026, 3, 30), source=source, number=tables.pk))
    now = report["current"]
    figures = (now["calls"], now["answered"], now["reservations"], now["orders"], now["converted_calls"])
    assert figures == (3, 3, 1, 0, 1)
    assert report["number"] == tables.pk


@pytest.mark.parametrize("source", ["rollup", "raw"])
def test_both_autumn_two_oclock_hours_add_to_hour_two_and_stay_separate_rollups(trattoria, source):
    business, orders, _ = trattoria
    # 25 October 2026: Rome's clocks go back at 03:00 CEST to 02:00 CET; 02:30 happens twice.
    finished_call(business, orders, local(ROME, 2026, 10, 25, 2, 30, fold=0), seconds=10)
    finished_call(business, orders, local(ROME, 2026, 10, 25, 2, 30, fold=1), seconds=10)
    finished_call(business, orders, local(ROME, 2026, 10, 25, 3, 10), seconds=10)
    rollups_rebuild(business_id=business.pk)
    assert CallHourlyRollup.objects.filter(business=business, local_hour=2).count() == 2
    grid = busiest_hours(scope(business, date(2026, 10, 25), date(2026, 10, 25), source=source))
    assert (grid[SUN][2], grid[SUN][3]) == (2, 1)
    report = analytics_report(scope(business, date(2026, 10, 25), date(2026, 10, 25), source=source))
    assert report["days"] == [{"date": date(2026, 10, 25), "calls": 3, "answered": 3, "rejected": 0, "failed": 0}]


def test_a_day_is_the_business_local_day_not_utc(make_business, make_number):
    business = make_business(timezone="America/New_York")
    number = make_number(business=business)
    # 23:30 in New York on 1 June is 03:30 UTC on 2 June.
    finished_call(business, number, local("America/New_York", 2026, 6, 1, 23, 30))
    rollups_rebuild(business_id=business.pk)
    for source in ("rollup", "raw"):
        days = analytics_report(scope(business, date(2026, 6, 1), date(2026, 6, 2), source=source))["days"]
        assert [d["calls"] for d in days] == [1, 0]


def test_empty_range_answers_zeros_and_nulls(trattoria):
    business, _, _ = trattoria
    report = analytics_report(scope(business, date(2026, 1, 1), date(2026, 1, 7), source="rollup"))
    assert len(report["days"]) == 7 and all(d["calls"] == 0 for d in report["days"])
    now = report["current"]
    assert now["calls"] == 0 and now["average_duration_seconds"] is None and now["p90_duration_seconds"] is None
    assert now["conversion"] is None and now["transfer_rate"] is None and now["average_ticket"] is None


@pytest.mark.parametrize(
    ("histogram", "expected"),
    [
        ([0] * 18, None),
        ([1] + [0] * 17, 10),
        ([9, 1] + [0] * 16, 10),  # rank 9 of 10 is in the first bucket
        ([8, 2] + [0] * 16, 20),
        ([0] * 17 + [3], 3600),  # the open bucket reports the last bound
    ],
)
def test_p90_is_the_upper_bound_of_the_bucket_holding_the_nearest_rank(histogram, expected):
    assert percentile_bound(histogram, 0.9) == expected
