"""Orders placed at the same instant over real concurrent connections."""

import pytest
from django.core.exceptions import ValidationError

from orders.models import Order, TicketCounter
from orders.services import order_place
from panbot.models import Event
from tests.concurrency import run_concurrently

THREADS = 8
ROUNDS = 5


@pytest.fixture
def open_kitchen(business, menu, taking_orders, at):
    at(2026, 6, 13, 18, 0)
    return menu


def place(business, menu, **overrides):
    fields = {
        "items": [{"item_id": menu.margherita.pk, "quantity": 1, "modifier_ids": [menu.normale.pk]}],
        "customer_name": "Racer",
        "customer_phone": "+393331234567",
    }
    return order_place(business=business, **{**fields, **overrides})


@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_never_share_a_ticket_number(business, open_kitchen):
    for round_ in range(ROUNDS):
        results = run_concurrently(THREADS, lambda i: place(business, open_kitchen).ticket_number)
        assert [kind for kind, _ in results] == ["ok"] * THREADS, results
        numbers = sorted(number for _, number in results)
        assert numbers == list(range(round_ * THREADS + 1, (round_ + 1) * THREADS + 1))
    assert Order.objects.values("ticket_number").distinct().count() == ROUNDS * THREADS
    assert TicketCounter.objects.get(business=business).last_number == ROUNDS * THREADS


@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_with_one_idempotency_key_make_one_order(business, open_kitchen):
    for round_ in range(ROUNDS):
        key = f"call-42:confirm-{round_}"
        results = run_concurrently(THREADS, lambda i, key=key: place(business, open_kitchen, idempotency_key=key).pk)
        assert [kind for kind, _ in results] == ["ok"] * THREADS, results
        assert len({pk for _, pk in results}) == 1
        assert Order.objects.filter(idempotency_key=key).count() == 1
    assert Order.objects.count() == ROUNDS
    assert sorted(Order.objects.values_list("ticket_number", flat=True)) == list(range(1, ROUNDS + 1))
    assert Event.objects.filter(type="order.created").count() == ROUNDS


@pytest.mark.django_db(transaction=True)
def test_a_refused_order_in_a_race_does_not_burn_a_ticket_number(business, open_kitchen):
    def work(i):
        if i % 2:
            return place(business, open_kitchen).ticket_number
        with pytest.raises(ValidationError):
            place(business, open_kitchen, customer_name="")
        return None

    results = run_concurrently(THREADS, work)
    assert [kind for kind, _ in results] == ["ok"] * THREADS, results
    assert sorted(n for _, n in results if n is not None) == list(range(1, THREADS // 2 + 1))
