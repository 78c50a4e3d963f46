"""call_admit: route, refuse with a reason or take a slot; every outcome leaves a CallRecord."""

import dataclasses

import pytest
from django.db import transaction

from panbot.models import Event
from restaurants.agent_config import EffectiveConfig
from telephony import services
from telephony.models import ActiveCall, CallRecord, PbxTrunk
from telephony.payloads import call_rejected_payload, call_started_payload
from tests.telephony.backends import ON_BOTH_BACKENDS, POSTGRES_ONLY
from tests.telephony.leases import age_call

pytestmark = ON_BOTH_BACKENDS

ORDERS = "+390551234567"
RESERVATIONS = "+390551234568"
Reason = CallRecord.Reason


@pytest.fixture
def orders(make_number, business):
    return make_number(ORDERS, business=business, label="Orders", max_concurrent_calls=2)


@pytest.fixture
def reservations(make_number, business):
    return make_number(
        RESERVATIONS,
        business=business,
        label="Reservations",
        max_concurrent_calls=1,
        config_override={"greeting": "Ready to take your booking", "overflow_action": "message"},
    )


def event_types(business) -> list[str]:
    return list(Event.objects.filter(business=business, type__startswith="call.").values_list("type", flat=True))


# --- admitted ---------------------------------------------------------------------------------------


def test_admitted_call_takes_a_slot_and_opens_its_record(admit, orders, business):
    admission = admit(f"sip:{ORDERS}@pbx.example;user=phone", caller="sip:0557654321@carrier", worker_id="w-1")

    assert admission.admitted and admission.reason == Reason.ADMITTED == "admitted"
    assert not admission.replayed
    assert (admission.business_id, admission.sip_number_id) == (business.pk, orders.pk)
    assert (admission.dialed_number, admission.caller_number) == (ORDERS, "+390557654321")

    active = ActiveCall.objects.get()
    record = CallRecord.objects.get()
    assert admission.active_call_id == active.pk and admission.call_record_id == record.pk
    assert (active.business, active.sip_number, active.call_record, active.worker_id) == (
        business,
        orders,
        record,
        "w-1",
    )
    assert active.sip_call_id == record.sip_call_id
    assert active.started_at == active.last_heartbeat_at == record.started_at
    assert (record.status, record.reason, record.ended_at, record.duration_seconds) == (
        "in_progress",
        "admitted",
        None,
        None,
    )
    assert (record.business, record.sip_number, record.dialed_number) == (business, orders, ORDERS)
    assert record.room_name == active.room_name != ""
    # The instances handed back are the rows as stored.
    assert admission.call_record.pk == record.pk and admission.call_record.started_at == record.started_at
    assert admission.active_call.pk == active.pk and admission.active_call.worker_id == "w-1"
    assert admission.sip_number == orders and admission.sip_number.business == business


def test_admission_announces_call_started(admit, orders, business, outsider_business):
    admission = admit(ORDERS)
    event = Event.objects.get(business=business, type="call.started")
    assert event.payload["call_record_id"] == admission.call_record_id
    assert event.payload["active_call_id"] == admission.active_call_id
    assert event.payload["sip_number"] == ORDERS
    assert event.payload["caller"] == "+393331234567"
    assert event.payload["reason"] == "admitted"
    assert event.payload["label"] == "Orders"
    assert not Event.objects.filter(business=outsider_business).exists()
    # One definition of call.started, whichever backend wrote the row.
    record = CallRecord.objects.get(pk=admission.call_record_id)
    assert event.payload == call_started_payload(record, active_call_id=admission.active_call_id, label="Orders")


def test_effective_config_comes_with_the_admission_and_differs_per_number(admit, orders, reservations, business):
    business.agent_greeting = "How can I help?"
    business.save()

    for_orders = admit(ORDERS).config
    for_bookings = admit(RESERVATIONS).config

    assert isinstance(for_orders, EffectiveConfig)
    assert for_orders.greeting == "How can I help?" and for_orders.from_number == frozenset()
    assert for_bookings.greeting == "Ready to take your booking"
    assert for_bookings.from_number == {"greeting", "overflow_action"}
    assert for_bookings.language == for_orders.language == business.default_language


def test_admission_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        services.Admission(
            admitted=True, reason="admitted", call_record_id=1, dialed_number="", caller_number=""
        ).admitted = False


def test_trunk_region_reads_national_numbers(admit, make_number, business):
    london = make_number("+442079460018", business=business)
    trunk = PbxTrunk.objects.create(name="London PBX", default_region="GB")
    admission = admit("020 7946 0018", caller="07911 123456", trunk=trunk)
    assert admission.admitted and admission.sip_number_id == london.pk
    assert admission.caller_number == "+447911123456"


def test_diversion_routes_a_forwarded_call(admit, orders, make_number, outsider_business):
    sushi = make_number("+390557654321", business=outsider_business)
    admission = admit(ORDERS, diversion="<sip:0557654321@carrier.example>;reason=unconditional;counter=1")
    assert admission.admitted and admission.sip_number_id == sushi.pk and admission.business_id == outsider_business.pk
    assert admission.dialed_number == "+390557654321"


# --- rejected ------------------------------------------------------------------------------------------


def assert_rejected(admission, reason, *, business=None, sip_number=None):
    assert not admission.admitted and admission.reason == reason
    assert admission.active_call_id is None and admission.active_call is None
    record = CallRecord.objects.get(pk=admission.call_record_id)
    assert (record.status, record.reason) == ("rejected", reason)
    assert record.ended_at == record.started_at and record.duration_seconds == 0
    assert record.business == business and record.sip_number == sip_number
    assert (admission.business_id, admission.sip_number_id) == (
        getattr(business, "pk", None),
        getattr(sip_number, "pk", None),
    )
    return record


@pytest.mark.parametrize(
    ("called", "recorded_as"),
    [
        ("+390559999999", "+390559999999"),
        ("0559999999", "+390559999999"),
        ("sip:+390559999999@pbx.example", "+390559999999"),
        ("anonymous", "anonymous"),  # not a number: kept as given, for the owner to see
        ("", ""),
        (None, ""),
    ],
)
def test_unknown_number_is_rejected_and_recorded(admit, orders, called, recorded_as):
    admission = admit(called)
    record = assert_rejected(admission, Reason.UNKNOWN_NUMBER)
    assert admission.config is None
    assert record.dialed_number == admission.dialed_number == recorded_as
    assert not ActiveCall.objects.exists()
    assert not Event.objects.filter(type__startswith="call.").exists()  # no business feed to tell


def test_unassigned_number_is_rejected(admit, make_number):
    pool = make_number("+390551234569")
    admission = admit(pool.number)
    assert_rejected(admission, Reason.NUMBER_UNASSIGNED, sip_number=pool)
    assert admission.config is None and admission.dialed_number == pool.number
    assert not Event.objects.filter(type__startswith="call.").exists()


def test_inactive_number_is_rejected(admit, orders, business, stakeholder):
    services.number_update(sip_number=orders, by=stakeholder, is_active=False)
    admission = admit(ORDERS)
    assert_rejected(admission, Reason.NUMBER_INACTIVE, business=business, sip_number=orders)
    assert admission.config is not None  # the agent may still play the number's message
    assert event_types(business) == ["call.rejected"]


def test_inactive_business_is_rejected(admit, orders, business):
    business.is_active = False
    business.save()
    admission = admit(ORDERS)
    assert_rejected(admission, Reason.BUSINESS_INACTIVE, business=business, sip_number=orders)
    assert event_types(business) == ["call.rejected"]


def test_inactive_number_is_reported_before_inactive_business(admit, orders, business, stakeholder):
    services.number_update(sip_number=orders, by=stakeholder, is_active=False)
    business.is_active = False
    business.save()
    assert admit(ORDERS).reason == Reason.NUMBER_INACTIVE


def test_busy_number_rejects_the_call_over_its_limit(admit, orders, reservations, business):
    assert admit(ORDERS).admitted and admit(ORDERS).admitted
    third = admit(ORDERS)
    assert_rejected(third, Reason.NUMBER_BUSY, business=business, sip_number=orders)
    # The number is full, the business (limit 3) is not: another of its numbers still answers.
    assert admit(RESERVATIONS).admitted
    assert ActiveCall.objects.count() == 3


def test_busy_business_rejects_across_its_numbers(admit, orders, reservations, make_number, business):
    third_line = make_number("+390551234560", business=business, max_concurrent_calls=5)
    assert admit(ORDERS).admitted and admit(RESERVATIONS).admitted and admit(third_line.number).admitted

    rejected = admit(ORDERS)
    assert_rejected(rejected, Reason.BUSINESS_BUSY, business=business, sip_number=orders)
    assert admit(third_line.number).reason == Reason.BUSINESS_BUSY
    assert ActiveCall.objects.filter(business=business).count() == business.max_concurrent_calls


def test_busy_rejection_carries_the_overflow_settings_and_is_announced(admit, reservations, business):
    admit(RESERVATIONS)
    rejected = admit(RESERVATIONS)
    assert rejected.reason == Reason.NUMBER_BUSY
    assert rejected.config.overflow_action == "message"
    event = Event.objects.get(business=business, type="call.rejected")
    assert event.payload["call_record_id"] == rejected.call_record_id
    assert event.payload["reason"] == "number_busy"
    assert event.payload["sip_number"] == RESERVATIONS
    assert event.payload == call_rejected_payload(CallRecord.objects.get(pk=rejected.call_record_id))


def test_limits_are_per_business(admit, orders, make_number, outsider_business):
    sushi = make_number("+390557654321", business=outsider_business, max_concurrent_calls=1)
    admit(ORDERS)
    admit(ORDERS)
    assert admit(ORDERS).reason == Reason.NUMBER_BUSY
    assert admit(sushi.number).admitted


def test_a_reassigned_number_still_counts_its_previous_holders_calls(
    admit, orders, business, outsider_business, stakeholder
):
    services.number_update(sip_number=orders, by=stakeholder, max_concurrent_calls=1)
    first = admit(ORDERS)
    services.number_assign(sip_number=orders, business=outsider_business, by=stakeholder)

    second = admit(ORDERS)
    assert second.reason == Reason.NUMBER_BUSY and second.business_id == outsider_business.pk
    assert ActiveCall.objects.get().business == business  # the live call kept its slot with the old holder

    services.call_end(active_call_id=first.active_call_id, reason="caller_hangup")
    assert admit(ORDERS).business_id == outsider_business.pk


# --- stale slots -------------------------------------------------------------------------------------------


def test_a_full_business_reclaims_a_ghost_slot_itself(admit, reservations, business, settings):
    ghost = admit(RESERVATIONS)
    age_call(ghost.active_call_id, seconds=settings.CALL_LEASE_SECONDS + 1)
    last_heartbeat = ActiveCall.objects.get(pk=ghost.active_call_id).last_heartbeat_at

    admission = admit(RESERVATIONS)

    assert admission.admitted
    record = CallRecord.objects.get(pk=ghost.call_record_id)
    assert (record.status, record.reason) == ("completed", "ghost")
    # It ended, as far as anyone can tell, when it was last heard from.
    assert record.ended_at == last_heartbeat
    assert record.duration_seconds == (last_heartbeat - record.started_at).total_seconds()
    assert list(ActiveCall.objects.values_list("pk", flat=True)) == [admission.active_call_id]
    assert event_types(business) == ["call.started", "call.ended", "call.started"]
    assert not services.call_heartbeat(active_call_id=ghost.active_call_id)


def test_a_call_within_its_lease_is_not_reclaimed(admit, reservations, settings):
    live = admit(RESERVATIONS)
    age_call(live.active_call_id, seconds=settings.CALL_LEASE_SECONDS - 2)
    assert admit(RESERVATIONS).reason == Reason.NUMBER_BUSY
    assert ActiveCall.objects.filter(pk=live.active_call_id).exists()


def test_ghosts_are_reclaimed_only_when_they_stand_in_the_way(admit, orders, settings):
    ghost = admit(ORDERS)
    age_call(ghost.active_call_id, seconds=settings.CALL_LEASE_SECONDS + 1)
    assert admit(ORDERS).admitted  # a free slot remained: the ghost is left to the reaper
    assert ActiveCall.objects.filter(pk=ghost.active_call_id).exists()
    assert admit(ORDERS).admitted  # now full: the ghost's slot is taken over
    assert not ActiveCall.objects.filter(pk=ghost.active_call_id).exists()


# --- idempotency -------------------------------------------------------------------------------------------


def test_the_same_sip_call_id_twice_returns_the_first_admission(admit, orders, business):
    first = admit(ORDERS, sip_call_id="SCL_retried")
    again = admit(ORDERS, sip_call_id="SCL_retried")

    assert again.replayed and not first.replayed
    assert dataclasses.replace(again, replayed=False) == first
    assert ActiveCall.objects.count() == 1 and CallRecord.objects.count() == 1
    assert event_types(business) == ["call.started"]


def test_a_retry_of_a_rejected_call_gets_the_same_rejection(admit, reservations, business):
    admit(RESERVATIONS)
    rejected = admit(RESERVATIONS, sip_call_id="SCL_busy")
    ActiveCall.objects.all().delete()  # a slot is free now

    again = admit(RESERVATIONS, sip_call_id="SCL_busy")

    assert again.replayed and not again.admitted and again.reason == Reason.NUMBER_BUSY
    assert again.call_record_id == rejected.call_record_id
    assert CallRecord.objects.filter(sip_call_id="SCL_busy").count() == 1
    assert not ActiveCall.objects.exists()
    assert event_types(business).count("call.rejected") == 1


def test_a_retry_of_an_unknown_number_gets_the_same_rejection(admit):
    first = admit("+390559999999", sip_call_id="SCL_unknown")
    again = admit("+390559999999", sip_call_id="SCL_unknown")
    assert again.replayed and again.call_record_id == first.call_record_id
    assert again.reason == Reason.UNKNOWN_NUMBER and CallRecord.objects.count() == 1


def test_a_retry_after_the_call_ended_is_not_admitted_again(admit, orders):
    first = admit(ORDERS, sip_call_id="SCL_over")
    services.call_end(active_call_id=first.active_call_id, reason="caller_hangup")
    again = admit(ORDERS, sip_call_id="SCL_over")
    assert again.replayed and not again.admitted and again.reason == Reason.CALLER_HANGUP
    assert not ActiveCall.objects.exists()


def test_a_redispatched_call_moves_to_the_new_worker(admit, orders):
    first = admit(ORDERS, sip_call_id="SCL_moved", worker_id="worker-a")
    again = admit(ORDERS, sip_call_id="SCL_moved", worker_id="worker-b")
    assert again.admitted and again.active_call_id == first.active_call_id
    assert ActiveCall.objects.get().worker_id == "worker-b"
    admit(ORDERS, sip_call_id="SCL_moved")  # no worker given: stays
    assert ActiveCall.objects.get().worker_id == "worker-b"


@POSTGRES_ONLY
def test_a_duplicate_that_loses_the_unique_race_returns_the_winners_admission(admit, orders, monkeypatch):
    # The loser of two simultaneous admissions of one call does not see the winner's
    # record when it looks, then hits the unique constraint when it inserts.
    first = admit(ORDERS, sip_call_id="SCL_dup")
    from telephony.services.calls.backends import postgres

    monkeypatch.setattr(
        postgres, "ROUTE_SQL", postgres.ROUTE_SQL.replace("r.sip_call_id = %(key)s", "false AND %(key)s = ''")
    )
    with transaction.atomic():  # an outer transaction survives the failed insert
        again = admit(ORDERS, sip_call_id="SCL_dup")
        assert CallRecord.objects.count() == 1
    assert again.replayed and again.call_record_id == first.call_record_id and again.admitted


def test_an_integrity_error_that_is_not_a_duplicate_call_is_raised(admit, orders, monkeypatch):
    from django.db import IntegrityError

    from telephony.services.calls import rules

    def broken(**kwargs):
        raise IntegrityError("something else")

    monkeypatch.setattr(rules, "_admit", broken)
    with pytest.raises(IntegrityError):
        admit(ORDERS)


# --- hostile input ---------------------------------------------------------------------------------------------

HOSTILE = [
    "x" * 10_000,
    "+" + "9" * 10_000,
    "+٣٩٠٥٥١٢٣٤٥٦٧",
    "+390551234567\x00",
    "\x00\x01\x02",
    "sip:0551234567'; DROP TABLE telephony_activecall;--@pbx",
    "'; DELETE FROM restaurants_business; --",
    "\ud800",
    "<" * 5000,
]


@pytest.mark.parametrize("garbage", HOSTILE)
def test_garbage_numbers_are_rejected_as_unknown_never_raised(admit, orders, garbage):
    admission = admit(garbage, caller=garbage, diversion=garbage, room_name=garbage, worker_id=garbage)
    assert not admission.admitted and admission.reason == Reason.UNKNOWN_NUMBER
    record = CallRecord.objects.get(pk=admission.call_record_id)
    for stored in (record.dialed_number, record.caller_number, record.room_name, record.worker_id):
        assert "\x00" not in stored and stored.isprintable()
    assert len(record.dialed_number) <= 64 and len(record.room_name) <= 255
    assert ActiveCall.objects.count() == 0


def test_a_replay_after_the_number_moved_keeps_the_calls_business_and_not_the_new_holders_settings(
    admit, reservations, business, make_business, stakeholder
):
    first = admit(RESERVATIONS, sip_call_id="SCL_moved")
    assert first.config.greeting == "Ready to take your booking"
    other = make_business("Sushi Zen")
    services.number_assign(sip_number=reservations, business=other, by=stakeholder)
    services.number_update(
        sip_number=reservations,
        by=stakeholder,
        config_override={"greeting": "Sushi Zen", "transfer_number": "+39021234567"},
    )
    again = admit(RESERVATIONS, sip_call_id="SCL_moved")  # LiveKit re-dispatches the live call
    assert again.replayed and again.business_id == business.pk and again.call_record_id == first.call_record_id
    assert again.config.greeting == business.agent_greeting and again.config.transfer_number == business.transfer_number


@pytest.mark.parametrize("caller", [*HOSTILE, None, "", "anonymous", "Restricted"])
def test_a_garbage_caller_does_not_stop_the_call(admit, orders, caller):
    admission = admit(ORDERS, caller=caller)
    assert admission.admitted
    assert len(admission.caller_number) <= 64 and "\x00" not in admission.caller_number


@pytest.mark.parametrize("sip_call_id", ["a" * 10_000, "SCL_\x00nul", "SCL_\ud800", "SCL_\nnewline"])
def test_unstorable_sip_call_ids_are_digested_and_stay_idempotent(admit, orders, sip_call_id):
    first = admit(ORDERS, sip_call_id=sip_call_id)
    again = admit(ORDERS, sip_call_id=sip_call_id)
    assert first.admitted and again.replayed and again.call_record_id == first.call_record_id
    stored = CallRecord.objects.get().sip_call_id
    assert stored.startswith("sha256:") and len(stored) == 71


@pytest.mark.parametrize("sip_call_id", ["", "   ", None, 42])
def test_a_missing_sip_call_id_is_a_programming_error(admit, orders, sip_call_id):
    with pytest.raises(ValueError, match="sip_call_id"):
        admit(ORDERS, sip_call_id=sip_call_id)
    assert not CallRecord.objects.exists()


# --- cost ---------------------------------------------------------------------------------------------------


@POSTGRES_ONLY
def test_admission_takes_a_constant_handful_of_queries(
    admit, orders, make_number, business, django_assert_max_num_queries
):
    other = make_number(business=business, max_concurrent_calls=50)
    business.max_concurrent_calls = 60
    business.save()
    for _ in range(20):  # the count does not grow with the calls already live
        admit(other.number)

    # savepoint, route + lock numbers and their businesses, count + take slot + event, release
    with django_assert_max_num_queries(4):
        assert admit(ORDERS, diversion=f"<sip:{ORDERS}@carrier>;reason=unconditional").admitted
    with django_assert_max_num_queries(4):
        assert admit(ORDERS).admitted
    # ... + the rejected record and its event
    with django_assert_max_num_queries(6):
        assert admit(ORDERS).reason == Reason.NUMBER_BUSY
    # savepoint, route, record, release
    with django_assert_max_num_queries(4):
        assert admit("+390559999999").reason == Reason.UNKNOWN_NUMBER
    with django_assert_max_num_queries(3):
        assert admit("garbage").reason == Reason.UNKNOWN_NUMBER


# --- the backend ----------------------------------------------------------------------------------


def test_the_backend_is_chosen_once_by_the_database_vendor(call_backend):
    from django.core.exceptions import ImproperlyConfigured

    from telephony.services.calls import backends
    from telephony.services.calls.backends import postgres, sqlite

    assert backends.for_vendor("postgresql") is postgres and backends.for_vendor("sqlite") is sqlite
    assert backends.active is backends.for_vendor(call_backend)
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL or SQLite, not mysql"):
        backends.for_vendor("mysql")
