"""`orders_flag_unacknowledged`: an order nobody accepts or rejects in time is announced once, to its
own business, also when two runs race."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import Order
from orders.services import order_place, order_transition
from orders.services.alerts import UNACKNOWLEDGED, orders_flag_unacknowledged
from panbot.models import Event
from tests.concurrency import run_concurrently

SATURDAY_EVENING = (2026, 6, 13, 18, 0)


@pytest.fixture
def placed(at, business, menu, taking_orders):
    at(*SATURDAY_EVENING)

    def place(name: str = "Giulia") -> Order:
        return order_place(
            business=business,
            items=[{"item_id": menu.cola.pk, "quantity": 1}],
            customer_name=name,
            customer_phone="333 123 4567",
        )

    return place


def _announced() -> list[int]:
    return [e.payload["order_id"] for e in Event.objects.filter(type=UNACKNOWLEDGED).order_by("pk")]


@pytest.mark.django_db
def test_an_order_left_new_past_the_limit_is_announced_once(placed, settings):
    settings.ORDER_ACK_ALERT_SECONDS = 90
    order = placed()
    now = timezone.now()
    assert orders_flag_unacknowledged(now=now + timedelta(seconds=89)) == []  # not yet
    assert orders_flag_unacknowledged(now=now + timedelta(seconds=91)) == [order.pk]
    assert orders_flag_unacknowledged(now=now + timedelta(seconds=200)) == []  # once
    event = Event.objects.get(type=UNACKNOWLEDGED)
    assert event.business_id == order.business_id
    assert event.payload["ticket_number"] == order.ticket_number
    assert event.payload["waiting_seconds"] == 91


@pytest.mark.django_db
def test_an_accepted_or_rejected_order_is_not_announced(placed, settings, business):
    settings.ORDER_ACK_ALERT_SECONDS = 90
    accepted, rejected, waiting = placed("A"), placed("B"), placed("C")
    order_transition(business=business, order_id=accepted.pk, to_status="accepted")
    order_transition(business=business, order_id=rejected.pk, to_status="cancelled", reason="Too busy")
    assert orders_flag_unacknowledged(now=timezone.now() + timedelta(minutes=5)) == [waiting.pk]
    assert _announced() == [waiting.pk]


@pytest.mark.django_db
def test_each_business_hears_only_of_its_own_orders(placed, settings, outsider_business):
    settings.ORDER_ACK_ALERT_SECONDS = 90
    placed()
    orders_flag_unacknowledged(now=timezone.now() + timedelta(minutes=5))
    assert not Event.objects.filter(business=outsider_business).exists()


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_announce_an_order_once(placed, settings):
    settings.ORDER_ACK_ALERT_SECONDS = 90
    orders = [placed(f"Guest {i}") for i in range(5)]
    later = timezone.now() + timedelta(minutes=5)
    results = run_concurrently(4, lambda _: orders_flag_unacknowledged(now=later))
    assert all(kind == "ok" for kind, _ in results), results
    flagged = sorted(pk for _, ids in results for pk in ids)
    assert flagged == sorted(o.pk for o in orders)
    assert sorted(_announced()) == sorted(o.pk for o in orders)
