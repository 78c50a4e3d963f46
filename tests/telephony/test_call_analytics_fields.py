"""What a call record knows for reports (forwarded from, opening hours, language, config version) and its rollup.

Filled by the admission's own statements and by call_end; the hourly rollup counts a
call once, when it ends (call_end, the reaper) or is refused, on both backends: PostgreSQL
with its upsert, the embedded default (SQLite) with analytics.facts' Python rows.
"""

from __future__ import annotations

import dataclasses
from datetime import time

import pytest
from django.utils import timezone

from analytics.models import CallHourlyRollup
from analytics.selectors import AnalyticsScope, analytics_report
from restaurants.agent_config import effective_config
from restaurants.models import OpeningHours
from telephony import services
from telephony.models import CallRecord
from tests.telephony.backends import ON_BOTH_BACKENDS
from tests.telephony.leases import age_call

pytestmark = ON_BOTH_BACKENDS

ORDERS = "+390551234567"
RESTAURANT_LINE = "+390559990000"  # the restaurant's own number, forwarding to ours (not one of ours)


@pytest.fixture
def orders(make_number, business):
    return make_number(ORDERS, business=business, max_concurrent_calls=1, config_override={"language": "en"})


def always_open(business):
    for weekday in range(7):
        OpeningHours.objects.create(business=business, weekday=weekday, opens_at=time(0), closes_at=time(12))
        OpeningHours.objects.create(business=business, weekday=weekday, opens_at=time(12), closes_at=time(0))


def rollup_totals(business) -> dict[str, int]:
    rows = CallHourlyRollup.objects.filter(business=business)
    columns = ("calls", "answered", "rejected", "number_busy", "lost_forwarded", "ghosts", "after_hours")
    return {c: sum(getattr(row, c) for row in rows) for c in columns}


def test_admission_records_who_forwarded_the_language_and_the_config_version(admit, orders, business):
    always_open(business)
    call = admit(ORDERS, diversion=f"<sip:{RESTAURANT_LINE}@pbx.example>;reason=no-answer")
    assert call.admitted
    record = CallRecord.objects.get(pk=call.call_record_id)
    expected = effective_config(business, orders.config_override)
    assert (record.forwarded_from, record.language, record.config_version) == (RESTAURANT_LINE, "en", expected.version)
    assert record.in_opening_hours is True
    assert len(record.config_version) == 12


def test_a_call_outside_opening_hours_says_so(admit, orders):
    record = CallRecord.objects.get(pk=admit(ORDERS).call_record_id)  # no hours at all: never open
    assert (record.in_opening_hours, record.forwarded_from) == (False, "")


def test_the_config_version_changes_with_the_prompt_and_only_with_what_the_agent_says(business, orders):
    before = effective_config(business, orders.config_override).version
    business.max_concurrent_calls = 7  # a limit, not what the agent says
    assert effective_config(business, orders.config_override).version == before
    business.agent_system_prompt = "Be brief."
    assert effective_config(business, orders.config_override).version != before


def test_a_refusal_records_the_same_and_an_unknown_number_nothing_of_a_business(admit, orders, business):
    always_open(business)
    admit(ORDERS)
    busy = admit(ORDERS, diversion=f"<sip:{RESTAURANT_LINE}@pbx.example>")
    assert busy.reason == "number_busy"
    record = CallRecord.objects.get(pk=busy.call_record_id)
    assert (record.forwarded_from, record.language, record.in_opening_hours) == (RESTAURANT_LINE, "en", True)
    unknown = CallRecord.objects.get(pk=admit("+390550000000").call_record_id)
    assert (unknown.language, unknown.config_version, unknown.in_opening_hours) == ("", "", None)


def test_call_end_keeps_the_language_the_conversation_ended_in(admit, orders):
    call = admit(ORDERS)
    record = services.call_end(active_call_id=call.active_call_id, call_record_id=call.call_record_id,
                               reason="caller_hangup", language="de")  # fmt: skip
    assert record.language == "de"
    assert CallRecord.objects.get(pk=call.call_record_id).language == "de"


def test_each_call_counts_once_in_its_rollup_when_it_ends_or_is_refused(admit, orders, business):
    first = admit(ORDERS)
    assert rollup_totals(business)["calls"] == 0  # live calls count when they end
    admit(ORDERS, diversion=f"<sip:{RESTAURANT_LINE}@pbx.example>")  # number busy, forwarded
    assert rollup_totals(business) == {"calls": 1, "answered": 0, "rejected": 1, "number_busy": 1,
                                       "lost_forwarded": 1, "ghosts": 0, "after_hours": 1}  # fmt: skip
    services.call_end(active_call_id=first.active_call_id, call_record_id=first.call_record_id, reason="caller_hangup")
    services.call_end(active_call_id=first.active_call_id, call_record_id=first.call_record_id, reason="caller_hangup")
    totals = rollup_totals(business)
    assert (totals["calls"], totals["answered"]) == (2, 1)


def test_a_ghost_counts_once_whether_reaped_or_ended_late(admit, orders, business):
    call = admit(ORDERS)
    age_call(call.active_call_id, seconds=3600)
    assert services.calls_reap_stale() == 1
    assert services.calls_reap_stale() == 0
    services.call_end(active_call_id=call.active_call_id, call_record_id=call.call_record_id, reason="caller_hangup",
                      transcript=[{"role": "user", "text": "pronto"}])  # fmt: skip
    totals = rollup_totals(business)
    assert (totals["calls"], totals["ghosts"], totals["answered"]) == (1, 1, 1)


def test_a_ghost_reclaimed_by_an_admission_counts_in_the_same_transaction(admit, orders, business):
    call = admit(ORDERS)
    age_call(call.active_call_id, seconds=3600)
    assert admit(ORDERS).admitted  # the stale slot was in the way: reclaimed, then taken
    assert rollup_totals(business)["ghosts"] == 1


def test_the_analytics_report_has_the_calls_of_either_backend(admit, orders, business, make_number):
    """What `make run` shows: calls admitted, refused and ended on the embedded default are in the owner's report."""
    always_open(business)
    other = make_number("+390551234568", business=business)
    first = admit(ORDERS, diversion=f"<sip:{RESTAURANT_LINE}@pbx.example>")
    refused = admit(ORDERS, diversion=f"<sip:{RESTAURANT_LINE}@pbx.example>")  # number busy, forwarded
    second = admit(other.number)
    services.call_end(active_call_id=first.active_call_id, call_record_id=first.call_record_id, reason="transferred")
    services.call_end(active_call_id=second.active_call_id, call_record_id=second.call_record_id, reason="error")
    third = admit(other.number)
    assert third.admitted
    age_call(third.active_call_id, seconds=3600)
    assert services.calls_reap_stale() == 1  # a ghost
    assert refused.reason == "number_busy"

    today = timezone.now().astimezone(business.tz).date()
    ghost_day = CallRecord.objects.get(pk=third.call_record_id).started_at.astimezone(business.tz).date()
    scope = AnalyticsScope(business.pk, business.timezone, min(today, ghost_day), today)
    current = analytics_report(scope)["current"]
    assert (current["calls"], current["answered"], current["rejected"], current["failed"]) == (4, 2, 1, 1)
    assert (current["transferred"], current["lost_forwarded"], current["after_hours"]) == (1, 1, 0)
    assert current["rejected_by_reason"]["number_busy"] == 1
    assert rollup_totals(business)["ghosts"] == 1
    by_number = analytics_report(dataclasses.replace(scope, sip_number_id=orders.pk))["current"]
    assert (by_number["calls"], by_number["answered"], by_number["rejected"]) == (2, 1, 1)
