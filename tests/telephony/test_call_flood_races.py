"""Flood limits hold when calls arrive at the same instant on real concurrent connections."""

from __future__ import annotations

import pytest

from telephony import services
from telephony.models import CallRecord
from tests.telephony.test_call_races import ROUNDS, race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def limits(settings):
    settings.CALLER_MAX_CALLS_PER_MINUTE = 6
    settings.TRUNK_MAX_CALLS_PER_SECOND = 4


def test_one_caller_racing_twelve_calls_gets_exactly_six(make_business, make_number):
    business = make_business(max_concurrent_calls=100)
    make_number("+390551234567", business=business, max_concurrent_calls=100)
    for round_ in range(ROUNDS):
        results = race(12, lambda i, r=round_: services.call_admit(
            called="+390551234567", caller="anonymous" if i % 2 else "", sip_call_id=f"flood-{r}-{i}",
            room_name=f"call-flood-{r}-{i}",
        ))  # fmt: skip
        assert sorted(a.reason for a in results) == ["admitted"] * 6 + ["caller_rate_limited"] * 6, round_
        CallRecord.objects.all().delete()  # the next round starts a fresh minute
        from telephony.models import ActiveCall

        ActiveCall.objects.all().delete()


def test_a_trunk_racing_calls_to_different_businesses_gets_exactly_its_rate(make_business, make_number):
    # Each call is for another restaurant (another business lock): only the trunk's own lock orders them.
    numbers = []
    for n in range(10):
        business = make_business(max_concurrent_calls=10)
        numbers.append(make_number(f"+3905512300{n:02d}", business=business, max_concurrent_calls=10).number)
    for round_ in range(ROUNDS):
        results = race(10, lambda i, r=round_: services.call_admit(
            called=numbers[i], caller=f"+39333100{i:04d}", sip_call_id=f"trunk-{r}-{i}",
            room_name=f"call-trunk-{r}-{i}", trunk_id="ST_carrier",
        ))  # fmt: skip
        assert sorted(a.reason for a in results) == ["admitted"] * 4 + ["trunk_rate_limited"] * 6, round_
        from telephony.models import ActiveCall

        ActiveCall.objects.all().delete()
        CallRecord.objects.all().delete()
