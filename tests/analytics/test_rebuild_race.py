"""analytics_rebuild while calls end and are refused: every call counted exactly once (real connections)."""

from __future__ import annotations

import threading

import pytest

from analytics.models import CallHourlyRollup
from analytics.services import rollups_rebuild
from telephony import services
from tests.analytics.test_rollups import rollup_rows
from tests.concurrency import run_concurrently

CALLS = 60


@pytest.mark.django_db(transaction=True)
def test_rebuilding_while_calls_end_counts_each_call_once(make_business, make_number):
    business = make_business(max_concurrent_calls=500)
    number = make_number(business=business, max_concurrent_calls=500)
    full = make_number(business=business, max_concurrent_calls=1)
    live = [
        services.call_admit(called=number.number, caller="+393331112222", sip_call_id=f"race-{i}", room_name=f"r{i}")
        for i in range(CALLS)
    ]
    services.call_admit(called=full.number, caller="+393331112222", sip_call_id="race-full", room_name="full")
    ending = threading.Event()

    def work(index: int) -> int:
        if index == 0:  # rebuilds, again and again, until the other thread is done
            rebuilds = 0
            while not ending.is_set() or rebuilds == 0:
                rollups_rebuild(business_id=business.pk)
                rebuilds += 1
            return rebuilds
        try:  # ends every call and has refusals counted in between
            for i, call in enumerate(live):
                services.call_end(active_call_id=call.active_call_id, call_record_id=call.call_record_id,
                                  reason="caller_hangup")  # fmt: skip
                if i % 10 == 0:
                    services.call_admit(called=full.number, caller="+393339999999", sip_call_id=f"race-busy-{i}",
                                        room_name=f"busy-{i}")  # fmt: skip
            return CALLS
        finally:
            ending.set()

    results = run_concurrently(2, work, timeout=120)
    assert all(status == "ok" for status, _ in results), results
    assert results[0][1] >= 1
    maintained = rollup_rows(business)
    assert sum(row[4] for row in maintained) == CALLS + 6  # 60 ended, 6 refused as number_busy
    rollups_rebuild(business_id=business.pk)
    assert rollup_rows(business) == maintained
    CallHourlyRollup.objects.filter(business=business).delete()
