"""Reads: the live calls of one business (never another's) and an agent worker's load."""

import pytest

from telephony import selectors, services
from telephony.models import PbxTrunk
from tests.telephony.backends import ON_BOTH_BACKENDS
from tests.telephony.leases import age_call

pytestmark = ON_BOTH_BACKENDS


@pytest.fixture
def lines(make_number, business, outsider_business):
    business.max_concurrent_calls = 10
    business.save()
    return make_number(business=business, max_concurrent_calls=10), make_number(business=outsider_business)


def test_live_calls_of_a_business_leave_out_other_tenants(admit, lines, business, outsider_business):
    ours, theirs = lines
    first, second = admit(ours.number), admit(ours.number)
    outsider = admit(theirs.number)

    assert [c.pk for c in selectors.live_calls(business)] == [first.active_call_id, second.active_call_id]
    assert [c.pk for c in selectors.live_calls(outsider_business.pk)] == [outsider.active_call_id]
    assert selectors.live_calls().count() == 3  # the stakeholder's view: every tenant


def test_live_calls_load_their_business_and_number_in_one_query(admit, lines, django_assert_max_num_queries):
    for _ in range(5):
        admit(lines[0].number)
    with django_assert_max_num_queries(1):
        assert {(c.business.name, c.sip_number.number) for c in selectors.live_calls()} == {
            (lines[0].business.name, lines[0].number)
        }


def test_worker_load_is_its_live_calls_over_its_capacity(admit, lines, settings):
    settings.AGENT_MAX_SESSIONS = 4
    ours, theirs = lines
    assert selectors.worker_load(worker_id="worker-a") == 0.0
    admit(ours.number, worker_id="worker-a")
    admit(theirs.number, worker_id="worker-a")
    admit(ours.number, worker_id="worker-b")
    assert selectors.worker_load(worker_id="worker-a") == 0.5
    assert selectors.worker_load(worker_id="worker-b") == 0.25
    assert selectors.worker_load(worker_id="") == 0.0


def test_worker_load_is_capped_and_forgets_ghosts(admit, lines, settings):
    settings.AGENT_MAX_SESSIONS = 2
    calls = [admit(lines[0].number, worker_id="worker-a") for _ in range(3)]
    assert selectors.worker_load(worker_id="worker-a") == 1.0
    age_call(calls[0].active_call_id, seconds=settings.CALL_LEASE_SECONDS + 1)
    age_call(calls[1].active_call_id, seconds=settings.CALL_LEASE_SECONDS + 1)
    assert selectors.worker_load(worker_id="worker-a") == 0.5
    services.call_end(active_call_id=calls[2].active_call_id, reason="caller_hangup")
    assert selectors.worker_load(worker_id="worker-a") == 0.0


def test_trunk_for_livekit_id(db):
    trunk = PbxTrunk.objects.create(name="Yeastar", livekit_trunk_id="ST_abc")
    PbxTrunk.objects.create(name="Old", livekit_trunk_id="ST_old", is_active=False)
    assert selectors.trunk_for_livekit_id("ST_abc") == trunk
    assert selectors.trunk_for_livekit_id("ST_old") is None
    assert selectors.trunk_for_livekit_id("") is None
    assert selectors.trunk_for_livekit_id("ST_nope") is None
