"""Limits hold under load: many threads, each with its own PostgreSQL connection, admit at the same instant.

Each race is run several times; a lock that works "most of the time" fails here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction

from panbot.models import Event
from telephony import services
from telephony.models import ActiveCall, CallRecord
from tests.telephony.leases import age_call

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5
CALLERS = 12


def race(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..count-1) in `count` threads released together; their results, or the first error raised."""
    barrier = threading.Barrier(count, timeout=30)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            connection.ensure_connection()  # connect before the barrier: the race is the admission, not the login
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def call(called: str, key: str, **kwargs) -> services.Admission:
    return services.call_admit(
        called=called, caller="+393331234567", sip_call_id=key, room_name=f"call-{key}", **kwargs
    )


def test_one_number_admits_exactly_its_limit_every_time(make_business, make_number):
    business = make_business(max_concurrent_calls=100)
    for round_ in range(ROUNDS):
        number = make_number(business=business, max_concurrent_calls=2)
        admissions = race(CALLERS, lambda i, n=number, r=round_: call(n.number, f"number-{r}-{i}"))

        admitted = [a for a in admissions if a.admitted]
        assert len(admitted) == 2, f"round {round_}: {len(admitted)} admitted"
        assert {a.reason for a in admissions if not a.admitted} == {"number_busy"}
        assert ActiveCall.objects.filter(sip_number=number).count() == 2
        assert CallRecord.objects.filter(sip_number=number).count() == CALLERS  # the refused ones are recorded


def test_a_business_admits_exactly_its_limit_across_its_numbers_every_time(make_business, make_number):
    for round_ in range(ROUNDS):
        business = make_business(max_concurrent_calls=3)
        numbers = [make_number(business=business, max_concurrent_calls=3) for _ in range(3)]
        admissions = race(CALLERS, lambda i, ns=numbers, r=round_: call(ns[i % len(ns)].number, f"business-{r}-{i}"))

        assert sum(a.admitted for a in admissions) == 3, f"round {round_}"
        # Refused for the business's limit; or, when all three admitted calls happened to land on
        # one number, for that number's own limit (it is full too, and the number's reason wins).
        for refused in (a for a in admissions if not a.admitted):
            if refused.reason == "number_busy":
                assert ActiveCall.objects.filter(sip_number_id=refused.sip_number_id).count() == 3
            else:
                assert refused.reason == "business_busy"
        assert ActiveCall.objects.filter(business=business).count() == 3
        assert Event.objects.filter(business=business, type="call.started").count() == 3
        assert Event.objects.filter(business=business, type="call.rejected").count() == CALLERS - 3


def test_businesses_do_not_hold_each_other_up(make_business, make_number):
    # Twelve restaurants, one call each, all at once: every one is admitted.
    numbers = [make_number(business=make_business(max_concurrent_calls=1)) for _ in range(CALLERS)]
    admissions = race(CALLERS, lambda i: call(numbers[i].number, f"spread-{i}"))
    assert all(a.admitted for a in admissions)


def test_the_same_call_admitted_at_once_takes_one_slot(make_business, make_number):
    business = make_business(max_concurrent_calls=100)
    for round_ in range(ROUNDS):
        number = make_number(business=business, max_concurrent_calls=50)
        key = f"SCL_same-{round_}"
        admissions = race(8, lambda i, n=number, k=key: call(n.number, k, worker_id=f"w{i}"))

        assert {a.call_record_id for a in admissions} == {CallRecord.objects.get(sip_call_id=key).pk}
        assert {a.active_call_id for a in admissions} == {ActiveCall.objects.get(sip_call_id=key).pk}
        assert all(a.admitted for a in admissions)
        assert sum(not a.replayed for a in admissions) == 1
        assert (
            Event.objects.filter(type="call.started", payload__call_record_id=admissions[0].call_record_id).count() == 1
        )


def test_the_same_unknown_call_at_once_is_recorded_once():
    for round_ in range(ROUNDS):
        key = f"SCL_unknown-{round_}"
        admissions = race(8, lambda i, k=key: call("+390559999999", k))
        assert {a.reason for a in admissions} == {"unknown_number"}
        assert len({a.call_record_id for a in admissions}) == 1
        assert CallRecord.objects.filter(sip_call_id=key).count() == 1


def test_a_ghost_is_ended_exactly_once_by_racing_reapers_admissions_and_its_agent(make_business, make_number):
    for round_ in range(ROUNDS):
        business = make_business(max_concurrent_calls=1)
        number = make_number(business=business, max_concurrent_calls=1)
        ghost = call(number.number, f"ghost-{round_}")
        age_call(ghost.active_call_id, seconds=settings.CALL_LEASE_SECONDS + 1)

        def contender(i: int, n=number, g=ghost, r=round_):
            if i % 3 == 0:
                return services.calls_reap_stale()
            if i % 3 == 1:
                return call(n.number, f"newcomer-{r}-{i}")
            return services.call_end(
                active_call_id=g.active_call_id, call_record_id=g.call_record_id, reason="caller_hangup"
            )

        results = race(9, contender)

        record = CallRecord.objects.get(pk=ghost.call_record_id)
        assert record.status == "completed" and record.reason in {"ghost", "caller_hangup"}
        ended = Event.objects.filter(type="call.ended", payload__call_record_id=ghost.call_record_id)
        assert ended.count() == 1, f"round {round_}: ended {ended.count()} times"
        newcomers = [r for i, r in enumerate(results) if i % 3 == 1]
        assert sum(a.admitted for a in newcomers) <= 1  # the freed slot goes to one caller at most
        assert ActiveCall.objects.filter(business=business).count() == sum(a.admitted for a in newcomers)


def test_an_admission_does_not_wait_for_writes_that_merely_reference_the_business(make_business, make_number):
    # A row being written that points at the business (an order, an event) takes a KEY
    # SHARE lock on the business row when its foreign key is checked and keeps it until
    # commit; the admission lock must not queue behind it (nor it behind an admission).
    business = make_business(max_concurrent_calls=5)
    number = make_number(business=business, max_concurrent_calls=5)
    referencing = threading.Event()
    admitted = threading.Event()
    outcome = {}

    def long_writer() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # Django defers FK checks to commit otherwise
                Event.objects.create(business=business, type="order.created", payload={})
                referencing.set()
                # Still uncommitted: did the admission get through meanwhile?
                outcome["admitted_meanwhile"] = admitted.wait(timeout=5)
        finally:
            connection.close()

    writer = threading.Thread(target=long_writer)
    writer.start()
    assert referencing.wait(timeout=10)
    try:
        (admission,) = race(1, lambda i: call(number.number, "SCL_beside_a_writer"))
        admitted.set()
    finally:
        writer.join(timeout=10)
    assert admission.admitted
    assert outcome == {"admitted_meanwhile": True}, "the admission queued behind an unrelated write"


def test_admissions_whose_candidates_cross_two_businesses_never_deadlock(make_business, make_number):
    """Forwarded calls list two numbers of two businesses; each admission locks only the number it routes to,
    then that number's business, so two of them queued behind a third never wait on each other crosswise."""
    mario, zen = make_business(max_concurrent_calls=5), make_business(max_concurrent_calls=5)
    # Numbered so that scanning both candidates in number order meets the businesses crosswise.
    mario_a = make_number(business=mario, max_concurrent_calls=5)
    zen_a = make_number(business=zen, max_concurrent_calls=5)
    zen_b = make_number(business=zen, max_concurrent_calls=5)
    mario_b = make_number(business=mario, max_concurrent_calls=5)
    for round_ in range(3):
        results = _crossed_round(round_, mario, zen_b.number, mario_a.number, mario_b.number, zen_a.number)
        assert all(isinstance(a, services.Admission) and a.admitted for a in results.values()), results
        # The diversion names the restaurant the caller meant.
        assert results["to zen, from mario"].business_id == mario.pk
        assert results["to mario, from zen"].business_id == zen.pk


def _crossed_round(round_: int, mario, zen_b: str, mario_a: str, mario_b: str, zen_a: str) -> dict[str, Any]:
    """Two crossed admissions queued behind a third that holds Da Mario's lock; what each returned or raised."""
    from restaurants.models import Business

    held, release = threading.Event(), threading.Event()
    results: dict[str, Any] = {}
    backends: dict[str, int] = {}
    connected = {name: threading.Event() for name in ("first", "second")}

    def hold_mario() -> None:
        # Another admission for Da Mario is mid-flight: its business row is locked for a moment.
        with transaction.atomic():
            Business.objects.select_for_update(no_key=True).get(pk=mario.pk)
            held.set()
            release.wait(10)
        connection.close()

    def admit(name: str, key: str, called: str, forwarded_from: str) -> None:
        try:
            connection.ensure_connection()
            backends[key] = connection.connection.info.backend_pid
            connected[key].set()
            results[name] = call(called, f"crossed-{round_}-{name}", diversion=f"<sip:{forwarded_from}@pbx>")
        except BaseException as exc:
            results[name] = exc
        finally:
            connection.close()

    def queued(key: str, thread: threading.Thread) -> None:
        """Wait until the admission in `thread` waits on a row lock (as PostgreSQL reports it) or is done."""
        assert connected[key].wait(10)
        with connection.cursor() as cursor:
            for _ in range(1000):
                cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [backends[key]])
                row = cursor.fetchone()
                if not thread.is_alive() or (row is not None and row[0] == "Lock"):
                    return
                release.wait(0.01)  # a short poll of PostgreSQL's own view, not a guess at timing
        raise AssertionError(f"the {key} admission neither queued on a lock nor finished")

    holder = threading.Thread(target=hold_mario)
    holder.start()
    assert held.wait(10)
    first = threading.Thread(target=admit, args=("to zen, from mario", "first", zen_b, mario_a))
    first.start()
    queued("first", first)  # behind the holder, on Da Mario's row
    second = threading.Thread(target=admit, args=("to mario, from zen", "second", mario_b, zen_a))
    second.start()
    queued("second", second)  # behind nothing (it routes to Sushi Zen), or behind a lock it must not take
    assert first.is_alive(), "the first admission did not wait for Da Mario's lock"
    release.set()
    for thread in (holder, first, second):
        thread.join(20)
    return results


def test_prepared_admission_statements_survive_a_migration_adding_columns(make_business, make_number):
    """Prepared statements must not break on the first call after a deploy adds a column."""
    import psycopg

    business = make_business(max_concurrent_calls=50)
    number = make_number(business=business, max_concurrent_calls=50)
    for n in range(7):  # psycopg prepares a statement after five runs on a connection
        admission = call(number.number, f"prepared-{n}")
        services.call_end(active_call_id=admission.active_call_id, call_record_id=admission.call_record_id,
                          reason="caller_hangup")  # fmt: skip
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as migration:
        migration.execute("ALTER TABLE telephony_sipnumber ADD COLUMN deploy_extra integer")
        migration.execute("ALTER TABLE telephony_callrecord ADD COLUMN deploy_extra integer")
    try:
        admission = call(number.number, "after-the-migration")
        assert admission.admitted
        ended = services.call_end(active_call_id=admission.active_call_id, call_record_id=admission.call_record_id,
                                  reason="caller_hangup")  # fmt: skip
        assert ended.reason == "caller_hangup"
    finally:
        connection.close()
        with psycopg.connect(**params, autocommit=True) as migration:
            migration.execute("ALTER TABLE telephony_sipnumber DROP COLUMN deploy_extra")
            migration.execute("ALTER TABLE telephony_callrecord DROP COLUMN deploy_extra")
