"""Callers racing for the last seats, over real concurrent connections."""

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from reservations.models import Reservation
from reservations.services import reservation_book
from tests.concurrency import run_concurrently
from tests.conftest import ROME

THREADS = 8
# Slots 90 minutes apart, so each round's bookings do not overlap the others'.
ROUNDS = [(12, 0), (13, 30), (19, 0), (20, 30), (22, 0)]


def book(business, starts_at, party_size, phone, **extra):
    return reservation_book(
        business=business, starts_at=starts_at, party_size=party_size, name="Racer", phone=phone, **extra
    )


@pytest.mark.django_db(transaction=True)
def test_the_last_seats_go_to_exactly_one_party_every_time(business, taking_bookings, at):
    at(2026, 6, 13, 10, 0)
    for hour, minute in ROUNDS:
        starts_at = datetime(2026, 6, 13, hour, minute, tzinfo=ROME)
        book(business, starts_at, 6, "+393330000001")  # 4 of the room's 10 seats left

        def attempt(i, starts_at=starts_at):
            try:
                return book(business, starts_at, 2, f"+39333000{i + 10:04d}").pk
            except ValidationError as exc:
                return exc.error_dict["starts_at"][0].code

        results = run_concurrently(THREADS, attempt)
        assert [kind for kind, _ in results] == ["ok"] * THREADS, results
        outcomes = [value for _, value in results]
        assert sum(isinstance(v, int) for v in outcomes) == 2, outcomes
        assert sorted(v for v in outcomes if isinstance(v, str)) == ["full"] * (THREADS - 2)
        seats = Reservation.objects.filter(starts_at=starts_at).aggregate(seats=Sum("party_size"))["seats"]
        assert seats == 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_with_one_key_book_one_table(business, taking_bookings, at):
    at(2026, 6, 13, 10, 0)
    starts_at = datetime(2026, 6, 13, 20, 0, tzinfo=ROME)
    results = run_concurrently(
        THREADS, lambda i: book(business, starts_at, 2, "+393331234567", idempotency_key="call-5:book").pk
    )
    assert [kind for kind, _ in results] == ["ok"] * THREADS, results
    assert len({pk for _, pk in results}) == 1
    assert Reservation.objects.count() == 1
