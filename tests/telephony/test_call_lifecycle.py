"""Heartbeats renew a call's lease; call_end frees the slot once; the reaper frees the slots of vanished calls."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from panbot.models import Event
from telephony import services, tasks
from telephony.models import ActiveCall, CallRecord
from telephony.payloads import call_ended_payload, instant
from telephony.services.calls import rules
from tests.telephony.backends import ON_BOTH_BACKENDS
from tests.telephony.leases import age_call

pytestmark = ON_BOTH_BACKENDS

ORDERS = "+390551234567"
LEASE = timedelta(seconds=settings.CALL_LEASE_SECONDS)


@pytest.fixture
def orders(make_number, business):
    return make_number(ORDERS, business=business, max_concurrent_calls=2)


@pytest.fixture
def call(admit, orders):
    return admit(ORDERS, worker_id="worker-1")


def ended_events(business) -> list[dict]:
    return [e.payload for e in Event.objects.filter(business=business, type="call.ended")]


# --- heartbeat ---------------------------------------------------------------------------------------


def test_heartbeat_renews_the_lease(call, django_assert_max_num_queries):
    age_call(call.active_call_id, seconds=10)
    before = ActiveCall.objects.get().last_heartbeat_at
    with django_assert_max_num_queries(1):
        assert services.call_heartbeat(active_call_id=call.active_call_id) is True
    renewed = ActiveCall.objects.get().last_heartbeat_at
    assert renewed - before >= timedelta(seconds=10)
    # 14 s after the renewal the call is still within its lease.
    assert services.calls_reap_stale(now=renewed + LEASE - timedelta(seconds=1)) == 0


def test_heartbeat_of_an_ended_call_returns_false(call):
    services.call_end(active_call_id=call.active_call_id, reason="agent_hangup")
    assert services.call_heartbeat(active_call_id=call.active_call_id) is False


def test_heartbeat_of_an_unknown_call_returns_false(db):
    assert services.call_heartbeat(active_call_id=987654) is False


# --- lease expiry with a controlled clock ---------------------------------------------------------------


def test_the_reaper_frees_a_slot_only_once_its_lease_ran_out(call, business):
    last_heartbeat = ActiveCall.objects.get().last_heartbeat_at

    assert services.calls_reap_stale(now=last_heartbeat + LEASE - timedelta(milliseconds=1)) == 0
    assert services.calls_reap_stale(now=last_heartbeat + LEASE) == 0  # the lease includes its last instant
    assert services.call_heartbeat(active_call_id=call.active_call_id) is True

    last_heartbeat = ActiveCall.objects.get().last_heartbeat_at
    assert services.calls_reap_stale(now=last_heartbeat + LEASE + timedelta(milliseconds=1)) == 1

    assert not ActiveCall.objects.exists()
    record = CallRecord.objects.get()
    assert (record.status, record.reason) == ("completed", "ghost")
    assert record.ended_at == last_heartbeat
    assert record.duration_seconds == pytest.approx((last_heartbeat - record.started_at).total_seconds())
    (payload,) = ended_events(business)
    assert payload["reason"] == "ghost" and payload["call_record_id"] == call.call_record_id


def test_heartbeat_after_reclaim_returns_false(call):
    services.calls_reap_stale(now=timezone.now() + LEASE + timedelta(seconds=1))
    assert services.call_heartbeat(active_call_id=call.active_call_id) is False
    assert not ActiveCall.objects.exists()  # and does not bring the slot back


def test_the_reaper_defaults_to_the_database_clock(call, admit):
    fresh = admit(ORDERS)
    age_call(call.active_call_id, seconds=settings.CALL_LEASE_SECONDS + 1)
    assert services.calls_reap_stale() == 1
    assert list(ActiveCall.objects.values_list("pk", flat=True)) == [fresh.active_call_id]


def test_the_reaper_is_idempotent_and_covers_every_business(admit, orders, make_number, outsider_business, business):
    sushi = make_number("+390557654321", business=outsider_business)
    ours, theirs, alive = admit(ORDERS), admit(sushi.number), admit(ORDERS)
    for ghost in (ours, theirs):
        age_call(ghost.active_call_id, seconds=settings.CALL_LEASE_SECONDS + 5)

    assert services.calls_reap_stale() == 2
    assert services.calls_reap_stale() == 0
    assert list(ActiveCall.objects.values_list("pk", flat=True)) == [alive.active_call_id]
    assert [p["call_record_id"] for p in ended_events(business)] == [ours.call_record_id]
    assert [p["call_record_id"] for p in ended_events(outsider_business)] == [theirs.call_record_id]


def test_the_reaper_works_through_a_backlog_in_batches(admit, make_number, business, monkeypatch):
    monkeypatch.setattr(rules, "REAP_BATCH_SIZE", 3)
    number = make_number(business=business, max_concurrent_calls=10)
    business.max_concurrent_calls = 10
    business.save()
    ghosts = [admit(number.number) for _ in range(7)]
    for ghost in ghosts:
        age_call(ghost.active_call_id, seconds=settings.CALL_LEASE_SECONDS + 1)
    assert services.calls_reap_stale() == 7
    assert not ActiveCall.objects.exists()
    assert CallRecord.objects.filter(reason="ghost").count() == 7


def test_the_celery_task_reaps(call):
    age_call(call.active_call_id, seconds=settings.CALL_LEASE_SECONDS + 1)
    result = tasks.reap_stale_calls.delay()  # eager under test settings: runs the real task code
    assert result.get() == 1
    assert not ActiveCall.objects.exists()


def test_beat_runs_the_reaper_every_five_seconds():
    from panbot.celery import app

    (entry,) = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "telephony.tasks.reap_stale_calls"]
    assert entry["schedule"] <= 5
    assert entry["task"] in app.tasks  # the name resolves to the registered task


# --- call_end -------------------------------------------------------------------------------------------------


# PostgreSQL frees the slot, completes the record, adds it to its rollup and writes the event in one
# statement; SQLite takes a savepoint, reads the slot (with its business), deletes it, updates the
# record, adds to the rollup row (an UPDATE, and an INSERT for its hour's first call), inserts the
# event, releases.
END_QUERIES = {"postgresql": 1, "sqlite": 8}


def test_end_frees_the_slot_and_completes_the_record(call, business, call_backend, django_assert_max_num_queries):
    transcript = [{"role": "assistant", "text": "Pronto!"}, {"role": "user", "text": "Una margherita"}]
    usage = {"llm_tokens": 812, "stt_seconds": 41.5}
    with django_assert_max_num_queries(END_QUERIES[call_backend]):
        record = services.call_end(
            active_call_id=call.active_call_id,
            call_record_id=call.call_record_id,
            reason="caller_hangup",
            transcript=transcript,
            usage=usage,
        )
    assert not ActiveCall.objects.exists()
    stored = CallRecord.objects.get()
    assert record.pk == stored.pk
    assert (stored.status, stored.reason, stored.transcript, stored.usage) == (
        "completed",
        "caller_hangup",
        transcript,
        usage,
    )
    assert stored.ended_at >= stored.started_at
    assert stored.duration_seconds == pytest.approx((stored.ended_at - stored.started_at).total_seconds())
    assert (record.status, record.ended_at, record.transcript) == (stored.status, stored.ended_at, transcript)
    (payload,) = ended_events(business)
    assert payload == {
        "call_record_id": call.call_record_id,
        "sip_number": ORDERS,
        "sip_number_id": call.sip_number_id,
        "caller": "+393331234567",
        "status": "completed",
        "reason": "caller_hangup",
        "ended_at": instant(stored.ended_at),
        "duration_seconds": stored.duration_seconds,
    }
    # One definition of call.ended: what the backend wrote is what the Python builder says.
    assert payload == call_ended_payload(stored)


def test_end_frees_the_slot_for_the_next_caller(admit, orders, call):
    admit(ORDERS)
    assert admit(ORDERS).reason == "number_busy"
    services.call_end(active_call_id=call.active_call_id, reason="transferred")
    assert admit(ORDERS).admitted


def test_an_error_fails_the_record(call):
    record = services.call_end(active_call_id=call.active_call_id, reason="error")
    assert (record.status, record.reason) == ("failed", "error")


def test_ending_by_record_id_alone_works(call):
    record = services.call_end(call_record_id=call.call_record_id, reason="silence")
    assert (record.status, record.reason) == ("completed", "silence")
    assert not ActiveCall.objects.exists()


def test_a_second_end_changes_nothing(call, business):
    first = services.call_end(
        active_call_id=call.active_call_id, call_record_id=call.call_record_id, reason="agent_hangup"
    )
    second = services.call_end(
        active_call_id=call.active_call_id, call_record_id=call.call_record_id, reason="error", transcript=[]
    )
    stored = CallRecord.objects.get()
    assert (stored.status, stored.reason, stored.ended_at) == ("completed", "agent_hangup", first.ended_at)
    assert second.pk == stored.pk
    assert len(ended_events(business)) == 1
    assert services.call_end(active_call_id=call.active_call_id, reason="error") is None  # the slot id alone: gone


def test_a_reclaimed_call_keeps_its_ending_but_gets_the_agents_transcript(call, business):
    services.calls_reap_stale(now=timezone.now() + LEASE + timedelta(seconds=1))
    ghost = CallRecord.objects.get()

    transcript = [{"role": "user", "text": "Sono ancora qui?"}]
    record = services.call_end(
        active_call_id=call.active_call_id,
        call_record_id=call.call_record_id,
        reason="caller_hangup",
        transcript=transcript,
        usage={"llm_tokens": 10},
    )

    stored = CallRecord.objects.get()
    assert (stored.reason, stored.ended_at, stored.duration_seconds) == (
        "ghost",
        ghost.ended_at,
        ghost.duration_seconds,
    )
    assert stored.transcript == transcript and stored.usage == {"llm_tokens": 10}
    assert record.transcript == transcript
    assert len(ended_events(business)) == 1

    services.call_end(call_record_id=call.call_record_id, reason="caller_hangup", transcript=[{"text": "later"}])
    assert CallRecord.objects.get().transcript == transcript  # the first transcript attached stays


def test_nul_characters_in_a_transcript_do_not_lose_the_call(call):
    record = services.call_end(
        active_call_id=call.active_call_id,
        reason="caller_hangup",
        transcript=[{"role": "user", "text": "pizza\x00 margherita", "meta\x00": ["a\x00"]}],
        usage={"note": "\x00"},
    )
    stored = CallRecord.objects.get(pk=record.pk)
    assert stored.transcript == [{"role": "user", "text": "pizza margherita", "meta": ["a"]}]
    assert stored.usage == {"note": ""}


@pytest.mark.parametrize("reason", ["admitted", "number_busy", "unknown_number", "hung up", ""])
def test_end_refuses_a_reason_that_is_not_an_ending(call, reason):
    with pytest.raises(ValueError, match="not a reason a call ends with"):
        services.call_end(active_call_id=call.active_call_id, reason=reason)
    assert ActiveCall.objects.exists()


def test_end_needs_an_id(db):
    with pytest.raises(ValueError, match="active_call_id or call_record_id"):
        services.call_end(reason="caller_hangup")


def test_end_of_an_unknown_call_returns_none(db):
    assert services.call_end(active_call_id=123456, call_record_id=654321, reason="caller_hangup") is None


def test_end_with_ids_of_two_different_calls_ends_neither(admit, orders, call):
    other = admit(ORDERS)
    with pytest.raises(ValueError, match="is live"):
        services.call_end(active_call_id=other.active_call_id, call_record_id=call.call_record_id, reason="error")
    assert ActiveCall.objects.count() == 2
    assert set(CallRecord.objects.values_list("status", flat=True)) == {"in_progress"}
