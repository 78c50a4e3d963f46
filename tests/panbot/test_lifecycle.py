"""The status lifecycle orders and bookings share: one call shape, races, locks and history."""

import threading
from datetime import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from orders.models import Order, OrderStatusChange
from orders.services import order_place, order_transition
from panbot.errors import NotFound
from panbot.models import Event
from reservations.models import Reservation, ReservationStatusChange
from reservations.services import reservation_book, reservation_transition
from restaurants.models import Business
from tests.concurrency import run_concurrently
from tests.conftest import ROME

THREADS = 6


@pytest.fixture
def open_for_all(business, menu, taking_orders, taking_bookings, at):
    at(2026, 6, 13, 18, 0)
    return menu


def new_order(business, menu) -> Order:
    return order_place(
        business=business, items=[{"item_id": menu.cola.pk}], customer_name="Giulia", customer_phone="+393331234567"
    )


def new_booking(business, menu) -> Reservation:
    return reservation_book(
        business=business, starts_at=datetime(2026, 6, 13, 20, 0, tzinfo=ROME), party_size=2, name="Giulia",
        phone="+393331234567",
    )  # fmt: skip


KINDS = {
    "order": SimpleNamespace(
        noun="order", make=new_order, transition=order_transition, first="accepted", history=OrderStatusChange,
        created="placed",
    ),
    "reservation": SimpleNamespace(
        noun="reservation", make=new_booking, transition=reservation_transition, first="seated",
        history=ReservationStatusChange, created="booked",
    ),
}  # fmt: skip


@pytest.fixture(params=KINDS)
def kind(request):
    return KINDS[request.param]


def move(kind, business, row_id, to_status, **kwargs):
    return kind.transition(business=business, **{f"{kind.noun}_id": row_id}, to_status=to_status, **kwargs)


@pytest.mark.django_db
def test_orders_and_bookings_move_with_the_same_call_and_the_same_history(open_for_all, business, member, kind):
    staff = member(business, "staff")
    row = kind.make(business, open_for_all)
    moved = move(kind, business, row.pk, kind.first, by=staff, reason="  at the pass  ")
    assert moved.status == kind.first and type(row).objects.get(pk=row.pk).status == kind.first
    steps = list(kind.history.objects.filter(**{kind.noun: row}).order_by("id"))
    assert [(s.from_status, s.to_status, s.changed_by_id, s.reason) for s in steps] == [
        ("", row.status, None, kind.created),
        (row.status, kind.first, staff.pk, "at the pass"),
    ]
    assert [str(s) for s in steps] == [f"{kind.created} -> {row.status}", f"{row.status} -> {kind.first}"]
    (event,) = Event.objects.filter(type=f"{kind.noun}.updated")
    assert (event.payload["previous_status"], event.payload["status"]) == (row.status, kind.first)


@pytest.mark.django_db
@pytest.mark.parametrize("row_id", ["abc", "1", None, 3.5, True, 10**30])
def test_an_id_that_is_not_an_id_is_not_found(open_for_all, business, kind, row_id):
    kind.make(business, open_for_all)
    with pytest.raises(NotFound) as exc:
        move(kind, business, row_id, kind.first)
    assert exc.value.message_dict == {f"{kind.noun}_id": [f"We could not find that {kind.noun}."]}


@pytest.mark.django_db
@pytest.mark.parametrize("to_status", [["accepted"], {"a": 1}, None, 7])
def test_a_status_that_is_not_a_string_is_refused_in_words(open_for_all, business, kind, to_status):
    row = kind.make(business, open_for_all)
    with pytest.raises(ValidationError) as exc:
        move(kind, business, row.pk, to_status)
    article = "an" if kind.noun == "order" else "a"
    assert exc.value.message_dict == {"to_status": [f"'{to_status}' is not {article} {kind.noun} status."]}


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_of_one_row_apply_once(open_for_all, business, kind):
    row = kind.make(business, open_for_all)

    def attempt(i):
        try:
            return move(kind, business, row.pk, kind.first).status
        except ValidationError as exc:
            return exc.messages[0]

    results = run_concurrently(THREADS, attempt)
    assert [outcome for outcome, _ in results] == ["ok"] * THREADS, results
    values = [value for _, value in results]
    assert values.count(kind.first) == 1, values
    # Every other one read the winner's status under the lock.
    assert all(v.endswith(f"is already {kind.first}.") for v in values if v != kind.first), values
    assert kind.history.objects.filter(to_status=kind.first).count() == 1
    assert Event.objects.filter(type=f"{kind.noun}.updated").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_status_change_does_not_wait_for_the_business_row(open_for_all, business, kind):
    """Call admission locks the business row (FOR NO KEY UPDATE); a status change must not queue behind it."""
    row = kind.make(business, open_for_all)
    held, release = threading.Event(), threading.Event()

    def hold_business_row():
        try:
            with transaction.atomic():
                Business.objects.select_for_update(no_key=True).get(pk=business.pk)
                held.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_business_row)
    holder.start()
    try:
        assert held.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")  # a lock on the business row would fail here
            moved = move(kind, business, row.pk, kind.first)
        assert moved.status == kind.first
    finally:
        release.set()
        holder.join(10)
