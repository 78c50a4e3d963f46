"""`reservation_availability`: the slot grid, notice, horizon, dining time and the room's seats."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from reservations.models import Reservation, ReservationSettings
from reservations.selectors import reservation_availability
from restaurants import services as restaurant_services
from tests.conftest import ROME

pytestmark = pytest.mark.django_db

SATURDAY = date(2026, 6, 13)
LUNCH = ["12:00", "12:30", "13:00", "13:30", "14:00", "14:30"]
DINNER = ["19:00", "19:30", "20:00", "20:30", "21:00", "21:30", "22:00", "22:30"]


def hhmm(starts):
    return [f"{s:%H:%M}" for s in starts]


def booked(business, hour, minute, party_size, *, status="confirmed", day=SATURDAY, minutes=90):
    starts_at = datetime.combine(day, time(hour, minute), tzinfo=ROME)
    return Reservation.objects.create(
        business=business, name="Booked", phone="+393330000000", party_size=party_size, starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes), status=status,
    )  # fmt: skip


def availability_errors(business, **kwargs):
    with pytest.raises(ValidationError) as exc:
        reservation_availability(business=business, **kwargs)
    return exc.value


@pytest.fixture
def morning(at, taking_bookings):
    at(2026, 6, 13, 10, 0)
    return taking_bookings


def test_slots_run_from_opening_to_the_last_seating(business, morning):
    starts = reservation_availability(business=business, date=SATURDAY, party_size=2)
    assert hhmm(starts) == LUNCH + DINNER
    assert all(s.tzinfo == ROME for s in starts)
    assert starts[0] == datetime(2026, 6, 13, 12, 0, tzinfo=ROME)


def test_slots_need_the_minimum_notice(business, taking_bookings, at):
    at(2026, 6, 13, 12, 10)
    assert hhmm(reservation_availability(business=business, date=SATURDAY, party_size=2)) == [
        "13:30", "14:00", "14:30", *DINNER,
    ]  # fmt: skip


def test_a_booking_holds_its_seats_for_the_dining_time(business, morning):
    booked(business, 19, 0, 8)  # 19:00-20:30 in a room of 10
    starts = hhmm(reservation_availability(business=business, date=SATURDAY, party_size=4))
    assert [s for s in starts if s >= "19:00"] == ["20:30", "21:00", "21:30", "22:00", "22:30"]
    # Two more fit alongside the eight; and a start before 19:00 would overlap it too (17:30 is closed anyway).
    assert "19:00" in hhmm(reservation_availability(business=business, date=SATURDAY, party_size=2))


def test_occupancy_peaks_where_bookings_overlap(business, morning):
    booked(business, 19, 0, 4)  # 19:00-20:30
    booked(business, 20, 0, 4)  # 20:00-21:30: 8 seats taken from 20:00 to 20:30
    three = hhmm(reservation_availability(business=business, date=SATURDAY, party_size=3))
    two = hhmm(reservation_availability(business=business, date=SATURDAY, party_size=2))
    # 19:00, 19:30 and 20:00 each reach the 20:00-20:30 peak of eight; from 20:30 four seats are taken.
    assert [s for s in three if s >= "19:00"] == ["20:30", "21:00", "21:30", "22:00", "22:30"]
    assert [s for s in two if s >= "19:00"] == DINNER


@pytest.mark.parametrize(
    ("status", "holds"),
    [("pending", True), ("confirmed", True), ("seated", True), ("completed", False), ("cancelled", False),
     ("no_show", False)],
)  # fmt: skip
def test_only_live_bookings_hold_seats(business, morning, status, holds):
    booked(business, 19, 0, 10, status=status)
    assert ("19:00" not in hhmm(reservation_availability(business=business, date=SATURDAY, party_size=1))) is holds


def test_another_restaurants_bookings_take_none_of_our_seats(business, outsider_business, morning):
    booked(outsider_business, 19, 0, 10)
    assert hhmm(reservation_availability(business=business, date=SATURDAY, party_size=6)) == LUNCH + DINNER


def test_closed_days_and_closures_have_no_slots(business, morning):
    assert reservation_availability(business=business, date=date(2026, 6, 15), party_size=2) == []  # a Monday
    restaurant_services.closure_set(business=business, date=date(2026, 6, 16), reason="inventory")
    assert reservation_availability(business=business, date=date(2026, 6, 16), party_size=2) == []
    assert hhmm(reservation_availability(business=business, date=date(2026, 6, 17), party_size=2)) == LUNCH + DINNER


def test_a_party_above_the_maximum_is_refused_with_its_own_code(business, morning):
    exc = availability_errors(business, date=SATURDAY, party_size=7)
    assert exc.message_dict == {
        "party_size": [
            "We can book tables for up to 6 people by phone; for a larger group please speak with the restaurant."
        ]
    }
    assert exc.error_dict["party_size"][0].code == "party_too_large"


@pytest.mark.parametrize("party_size", [0, -1, True, "2"])
def test_party_size_must_be_a_positive_number(business, morning, party_size):
    assert availability_errors(business, date=SATURDAY, party_size=party_size).message_dict == {
        "party_size": ["Tell us how many people the table is for; at least 1."]
    }


def test_past_dates_and_dates_beyond_the_horizon(business, morning):
    assert availability_errors(business, date=date(2026, 6, 12), party_size=2).message_dict == {
        "date": ["That date has already passed."]
    }
    assert availability_errors(business, date=date(2026, 7, 14), party_size=2).message_dict == {
        "date": ["We take bookings up to 30 days ahead."]
    }
    assert hhmm(reservation_availability(business=business, date=date(2026, 7, 12), party_size=2)) == LUNCH + DINNER


@pytest.mark.parametrize("how", ["paused", "no settings", "inactive"])
def test_a_restaurant_not_taking_bookings_says_so(business, morning, how):
    if how == "paused":
        ReservationSettings.objects.update(accepting_reservations=False)
    elif how == "no settings":
        ReservationSettings.objects.all().delete()
    else:
        business.is_active = False
        business.save()
    assert availability_errors(business, date=SATURDAY, party_size=2).message_dict == {
        NON_FIELD_ERRORS: ["Trattoria Da Mario is not taking table reservations by phone right now."]
    }


def test_an_aware_datetime_is_taken_as_its_local_date(business, morning):
    late_utc = datetime.fromisoformat("2026-06-13T22:30+00:00")  # already Sunday in Rome
    assert reservation_availability(business=business, date=late_utc, party_size=2)[0].date() == date(2026, 6, 14)


def test_availability_is_a_handful_of_queries(business, morning, django_assert_max_num_queries):
    for hour in (12, 13, 19, 20, 21):
        booked(business, hour, 0, 2)
    with django_assert_max_num_queries(5):
        reservation_availability(business=business, date=SATURDAY, party_size=2)
