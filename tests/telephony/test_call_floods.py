"""Floods: a caller calling too often and a trunk sending too many calls are refused, also under races."""

from __future__ import annotations

from datetime import timedelta

import pytest

from telephony import services
from telephony.agent.inbound import InboundCall
from telephony.agent.runner import _admit
from telephony.models import CallRecord
from tests.telephony.backends import ON_BOTH_BACKENDS, POSTGRES_ONLY

pytestmark = ON_BOTH_BACKENDS
ORDERS = "+390551234567"
SUSHI = "+390557654321"


@pytest.fixture(autouse=True)
def production_limits(settings):
    # The defaults (panbot/settings/base.py); the test settings turn them off for every other module.
    settings.CALLER_MAX_CALLS_PER_MINUTE = 6
    settings.TRUNK_MAX_CALLS_PER_SECOND = 20


@pytest.fixture
def numbers(make_business, make_number):
    trattoria = make_business("Trattoria", max_concurrent_calls=100)
    sushi = make_business("Sushi", max_concurrent_calls=100)
    return (
        make_number(ORDERS, business=trattoria, max_concurrent_calls=100),
        make_number(SUSHI, business=sushi, max_concurrent_calls=100),
    )


def calls_pass(seconds: float) -> None:
    """A controlled clock: every call so far started `seconds` earlier."""
    for record in CallRecord.objects.all():
        shifted = record.started_at - timedelta(seconds=seconds)
        ended = record.ended_at - timedelta(seconds=seconds) if record.ended_at else None
        CallRecord.objects.filter(pk=record.pk).update(started_at=shifted, ended_at=ended)


def test_a_seventh_call_within_a_minute_from_one_caller_is_refused(admit, numbers):
    results = [admit(ORDERS, caller="+39 333 123 4567").reason for _ in range(7)]
    assert results == ["admitted"] * 6 + ["caller_rate_limited"]
    record = CallRecord.objects.order_by("-pk").first()
    assert (record.status, record.reason, record.caller_number) == ("rejected", "caller_rate_limited", "+393331234567")


def test_the_limit_is_per_business_and_per_caller(admit, numbers):
    for _ in range(6):
        assert admit(ORDERS, caller="+393331234567").admitted
    assert admit(SUSHI, caller="+393331234567").admitted  # another restaurant
    assert admit(ORDERS, caller="+393339999999").admitted  # another caller


def test_a_minute_later_the_caller_gets_through_again(admit, numbers):
    for _ in range(6):
        admit(ORDERS)
    assert admit(ORDERS).reason == "caller_rate_limited"
    calls_pass(61)
    assert admit(ORDERS).admitted


@pytest.mark.parametrize(
    "callers",
    [
        ["anonymous", "", None, "Restricted", "unknown", "sip:anonymous@anonymous.invalid", "private"],
        ["garbage-1", "garbage-2", "+1000", "+0000000", "not a number", "x" * 80, "12"],
    ],
    ids=["withheld", "malformed"],
)
def test_withheld_or_malformed_callers_count_as_one_caller(admit, numbers, callers):
    reasons = [admit(ORDERS, caller=caller).reason for caller in callers]
    assert reasons == ["admitted"] * 6 + ["caller_rate_limited"]
    assert admit(ORDERS, caller="+393331234567").admitted  # a caller with a real number is not held up


def test_a_trunk_sending_too_many_calls_a_second_has_the_excess_refused(admit, numbers, settings):
    settings.TRUNK_MAX_CALLS_PER_SECOND = 3
    reasons = [admit(ORDERS, caller=f"+39333000000{i}", trunk_id="ST_pbx").reason for i in range(5)]
    assert reasons == ["admitted"] * 3 + ["trunk_rate_limited"] * 2
    assert admit(SUSHI, caller="+393330000009", trunk_id="ST_carrier").admitted  # another trunk
    calls_pass(1.5)
    assert admit(ORDERS, caller="+393330000008", trunk_id="ST_pbx").admitted  # the next second


def test_refused_calls_do_not_count_against_the_trunk(admit, numbers, settings):
    settings.TRUNK_MAX_CALLS_PER_SECOND = 2
    admit(ORDERS, caller="+393330000001", trunk_id="ST_pbx")
    admit(ORDERS, caller="+393330000002", trunk_id="ST_pbx")
    for i in range(5):
        assert admit(ORDERS, caller=f"+39333000001{i}", trunk_id="ST_pbx").reason == "trunk_rate_limited"
    calls_pass(1.5)
    assert admit(ORDERS, caller="+393330000020", trunk_id="ST_pbx").admitted


def test_a_caller_redialing_a_busy_restaurant_is_not_locked_out(admit, make_business, make_number):
    busy = make_business("Busy", max_concurrent_calls=1)
    number = make_number("+390550001111", business=busy, max_concurrent_calls=1)
    holder = admit(number.number, caller="+393339999999")
    assert holder.admitted
    reasons = [admit(number.number, caller="+393331234567").reason for _ in range(8)]
    assert reasons == ["number_busy"] * 8  # refusals are not "calls" the limit counts
    services.call_end(active_call_id=holder.active_call_id, call_record_id=holder.call_record_id,
                      reason="caller_hangup")  # fmt: skip
    assert admit(number.number, caller="+393331234567").admitted


def test_another_tenants_refused_callers_do_not_use_up_a_shared_trunk(admit, numbers, settings):
    settings.TRUNK_MAX_CALLS_PER_SECOND = 3
    settings.CALLER_MAX_CALLS_PER_MINUTE = 1
    assert admit(ORDERS, caller="+393330000001", trunk_id="ST_carrier").admitted
    for _ in range(4):  # one caller over their own limit, on the shared carrier trunk
        assert admit(ORDERS, caller="+393330000001", trunk_id="ST_carrier").reason == "caller_rate_limited"
    assert admit(SUSHI, caller="+393330000002", trunk_id="ST_carrier").admitted  # the trunk still has room
    assert admit(SUSHI, caller="+393330000003", trunk_id="ST_carrier").admitted
    assert admit(SUSHI, caller="+393330000004", trunk_id="ST_carrier").reason == "trunk_rate_limited"


def test_the_agent_passes_livekits_trunk_id(numbers):
    inbound = InboundCall(called=ORDERS, caller="+393331234567", sip_call_id="SCL_trunk", room_name="call-trunk",
                          participant_identity="sip_1", trunk_id="ST_yeastar")  # fmt: skip
    admission = _admit(inbound, "worker-1")
    assert admission.admitted
    assert CallRecord.objects.get(pk=admission.call_record_id).trunk_ref == "ST_yeastar"


@POSTGRES_ONLY
def test_an_ordinary_call_on_a_trunk_costs_no_extra_round_trip(admit, numbers, django_assert_max_num_queries):
    # savepoint, route + locks (number, business, trunk), count + take slot + event, release: as without floods
    with django_assert_max_num_queries(4):
        assert admit(ORDERS, trunk_id="ST_pbx").admitted
