"""Property: the rollups the call paths maintain answer exactly what the raw records answer.

Random calls go through the real write paths: admissions (admitted, refused as busy or
inactive, some forwarded), ends by call_end, ghosts reclaimed by the reaper and by an
admission that finds the business full, calls left live. Ghosts carry arbitrary times:
around the DST changes of the business's zone, across midnight and hour boundaries.
Then every metric over random ranges is compared, rollups against raw records.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.db.models import F, Max, Min
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.models import CallHourlyRollup
from analytics.selectors import AnalyticsScope, analytics_report
from restaurants.models import Business
from telephony import services
from telephony.models import ActiveCall, CallRecord, SipNumber
from telephony.services.calls import END_REASONS

_seq = itertools.count(1)
ZONES = ["Europe/Rome", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Australia/Lord_Howe",
         "America/St_Johns", "UTC"]  # fmt: skip
# UTC windows holding 2026's DST changes of those zones (north: March, October, November; south: April, October).
_DST_WINDOWS = [
    (datetime(2026, 3, 7), datetime(2026, 3, 10)), (datetime(2026, 3, 27), datetime(2026, 3, 30)),
    (datetime(2026, 4, 3), datetime(2026, 4, 6)), (datetime(2026, 10, 2), datetime(2026, 10, 5)),
    (datetime(2026, 10, 24), datetime(2026, 10, 26)), (datetime(2026, 10, 31), datetime(2026, 11, 2)),
]  # fmt: skip
_instants = st.one_of(
    *[st.datetimes(min_value=a, max_value=b) for a, b in _DST_WINDOWS],
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 11, 30)),
).map(lambda d: d.replace(tzinfo=UTC))

ghost = st.tuples(st.just("ghost"), _instants, st.floats(0, 7200), st.booleans())
ended = st.tuples(st.just("end"), st.sampled_from(sorted(END_REASONS)), st.floats(0, 3700), st.booleans())
busy = st.tuples(st.just("busy"), st.booleans(), st.booleans())  # fill the one-call number first; forwarded
refused = st.tuples(st.just("inactive"), st.booleans())
live = st.tuples(st.just("live"), st.booleans())
calls_strategy = st.lists(st.one_of(ghost, ended, busy, refused, live), min_size=1, max_size=20)


def _admit(number: SipNumber, *, forwarded: bool):
    n = next(_seq)
    diversion = "<sip:+390559990000@pbx>;reason=no-answer" if forwarded else None
    return services.call_admit(called=number.number, caller=f"+39333{n:07d}", sip_call_id=f"prop-{n}",
                               room_name=f"call-{n}", diversion=diversion)  # fmt: skip


def _ghost(business: Business, number: SipNumber, start: datetime, seconds: float) -> None:
    n = next(_seq)
    record = CallRecord.objects.create(business=business, sip_number=number, sip_call_id=f"prop-ghost-{n}",
                                       caller_number="+393330000000", started_at=start)  # fmt: skip
    ActiveCall.objects.create(business=business, sip_number=number, call_record=record, sip_call_id=record.sip_call_id,
                              started_at=start, last_heartbeat_at=start + timedelta(seconds=seconds))  # fmt: skip


def _play(calls, business: Business, one: SipNumber, many: SipNumber, off: SipNumber) -> None:
    for spec in calls:
        kind = spec[0]
        if kind == "ghost":
            _, start, seconds, on_one = spec
            _ghost(business, one if on_one else many, start, seconds)
        elif kind == "end":
            _, reason, seconds, forwarded = spec
            admission = _admit(many, forwarded=forwarded)
            if admission.admitted:
                # As if it had been talking for `seconds`: its start moved back, its heartbeat fresh.
                back = timedelta(seconds=seconds)
                CallRecord.objects.filter(pk=admission.call_record_id).update(started_at=F("started_at") - back)
                ActiveCall.objects.filter(pk=admission.active_call_id).update(started_at=F("started_at") - back)
                services.call_end(active_call_id=admission.active_call_id, call_record_id=admission.call_record_id,
                                  reason=reason)  # fmt: skip
        elif kind == "busy":
            _, fill_first, forwarded = spec
            if fill_first:
                _admit(one, forwarded=False)
            _admit(one, forwarded=forwarded)
        elif kind == "inactive":
            _admit(off, forwarded=spec[1])
        else:
            _admit(many, forwarded=spec[1])
    services.calls_reap_stale()  # the ghosts' leases ran out long ago; live calls heartbeat now


def _reports(business: Business, first: date, last: date, number: int | None):
    args = (business.pk, business.timezone, first, last)
    return (analytics_report(AnalyticsScope(*args, sip_number_id=number)),
            analytics_report(AnalyticsScope(*args, sip_number_id=number, source="raw")))  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=calls_strategy, zone=st.sampled_from(ZONES), limit=st.integers(1, 4), cut=st.floats(0, 1))
def test_rollups_equal_the_raw_aggregate(db, stakeholder, calls, zone, limit, cut):
    savepoint = transaction.savepoint()
    try:
        n = next(_seq)
        business = Business.objects.create(
            name=f"Prop {n}", slug=f"prop-{n}", timezone=zone, max_concurrent_calls=limit
        )
        one, many, off = (
            services.number_create(number=f"+3905580{n:05d}{i}", business=business, by=stakeholder,
                                   max_concurrent_calls=cap, is_active=active)
            for i, cap, active in ((1, 1, True), (2, 5, True), (3, 1, False))
        )  # fmt: skip
        _play(calls, business, one, many, off)

        finished = CallRecord.objects.filter(business=business).exclude(status="in_progress")
        rolled = sum(CallHourlyRollup.objects.filter(business=business).values_list("calls", flat=True))
        assert rolled == finished.count()
        span = finished.aggregate(first=Min("started_at"), last=Max("started_at"))
        if span["first"] is None:
            return
        first = span["first"].astimezone(business.tz).date() - timedelta(days=1)
        last = min(span["last"].astimezone(business.tz).date() + timedelta(days=1), first + timedelta(days=399))
        middle = first + timedelta(days=int((last - first).days * cut))
        for a, b, number in (
            (first, last, None),
            (first, middle, None),
            (middle, last, many.pk),
            (first, last, one.pk),
        ):
            from_rollups, from_records = _reports(business, a, b, number)
            assert from_rollups == from_records, (a, b, number)
    finally:
        transaction.savepoint_rollback(savepoint)
