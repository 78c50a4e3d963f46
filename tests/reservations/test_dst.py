"""Bookings on the nights the clocks change in Europe/Rome (29 March and 25 October 2026).

The trattoria opens Saturday 22:00 to Sunday 04:00, so each night crosses the change.
"""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import pytest
from django.core.exceptions import ValidationError

from reservations.selectors import reservation_availability
from reservations.services import reservation_book
from tests.conftest import ROME

pytestmark = pytest.mark.django_db


@pytest.fixture
def night_club(business, taking_bookings, trattoria_hours, at):
    trattoria_hours(business, [(5, time(22), time(4))])
    at(2026, 3, 28, 12, 0)
    return business


def book(business, starts_at, party_size=2, **extra):
    return reservation_book(
        business=business, starts_at=starts_at, party_size=party_size, name="Notte", phone="+393331234567", **extra
    )


def labels(starts):
    return [s.isoformat()[11:16] + s.isoformat()[19:] for s in starts]


def test_spring_forward_night_has_no_0200_or_0230_slot(night_club):
    starts = reservation_availability(business=night_club, date=date(2026, 3, 28), party_size=2)
    assert labels(starts) == [
        "22:00+01:00", "22:30+01:00", "23:00+01:00", "23:30+01:00", "00:00+01:00", "00:30+01:00",
        "01:00+01:00", "01:30+01:00", "03:00+02:00", "03:30+02:00",
    ]  # fmt: skip
    # Consecutive slots are 30 real minutes apart, across the gap too.
    assert {b.astimezone(UTC) - a.astimezone(UTC) for a, b in pairwise(starts)} == {timedelta(minutes=30)}


def test_booking_the_skipped_0230_is_refused(night_club):
    with pytest.raises(ValidationError) as exc:
        book(night_club, datetime(2026, 3, 29, 2, 30))
    assert exc.value.message_dict == {
        "starts_at": ["02:30 does not exist on Sunday 29 March: the clocks go forward that night."]
    }
    assert exc.value.error_dict["starts_at"][0].code == "nonexistent_time"


def test_dining_time_across_the_gap_is_real_minutes(night_club):
    reservation = book(night_club, datetime(2026, 3, 29, 1, 30))
    assert reservation.starts_at.astimezone(ROME).isoformat() == "2026-03-29T01:30:00+01:00"
    assert reservation.ends_at.astimezone(ROME).isoformat() == "2026-03-29T04:00:00+02:00"  # 90 minutes later


@pytest.fixture
def autumn_night(night_club, at):
    at(2026, 10, 24, 12, 0)
    return night_club


def test_fall_back_night_offers_the_repeated_hour_twice(autumn_night):
    starts = reservation_availability(business=autumn_night, date=date(2026, 10, 24), party_size=2)
    assert labels(starts) == [
        "22:00+02:00", "22:30+02:00", "23:00+02:00", "23:30+02:00", "00:00+02:00", "00:30+02:00",
        "01:00+02:00", "01:30+02:00", "02:00+02:00", "02:30+02:00", "02:00+01:00", "02:30+01:00",
        "03:00+01:00", "03:30+01:00",
    ]  # fmt: skip


def test_capacity_in_the_repeated_hour_counts_real_time(autumn_night):
    # Six of ten seats from 01:30 summer time for 90 real minutes: until the second 02:00 (winter time).
    held = book(autumn_night, datetime(2026, 10, 25, 1, 30), party_size=6)
    assert held.ends_at.astimezone(ROME).isoformat() == "2026-10-25T02:00:00+01:00"
    starts = labels(reservation_availability(business=autumn_night, date=date(2026, 10, 24), party_size=6))
    # Wall-clock arithmetic would wrongly call the second 02:00 and 02:30 taken (they "look" inside 01:30-03:00).
    assert starts == ["22:00+02:00", "22:30+02:00", "23:00+02:00", "23:30+02:00", "00:00+02:00",
                      "02:00+01:00", "02:30+01:00", "03:00+01:00", "03:30+01:00"]  # fmt: skip


def test_a_naive_repeated_time_is_the_first_unless_fold_says_otherwise(autumn_night):
    first = book(autumn_night, datetime(2026, 10, 25, 2, 30))
    second = book(autumn_night, datetime(2026, 10, 25, 2, 30, fold=1))
    assert first.starts_at.astimezone(ROME).isoformat() == "2026-10-25T02:30:00+02:00"
    assert second.starts_at.astimezone(ROME).isoformat() == "2026-10-25T02:30:00+01:00"
    assert second.starts_at - first.starts_at == timedelta(hours=1)
