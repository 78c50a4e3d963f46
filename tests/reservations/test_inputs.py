"""Inputs a client can send that must be refused with a ValidationError, never another exception.

NUL characters (PostgreSQL refuses them with a DataError), dates at the ends of Python's
calendar (OverflowError), dates that are not dates (TypeError) and ids that are not ints.
"""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from panbot.errors import NotFound
from reservations.models import Reservation
from reservations.selectors import reservation_availability, reservation_find, reservation_get
from reservations.services import reservation_book, reservation_transition, reservation_update
from tests.conftest import ROME

pytestmark = pytest.mark.django_db

CALLER = "333 123 4567"
EXTREMES = [datetime.min, datetime.max, datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)]


@pytest.fixture
def morning(at, taking_bookings):
    at(2026, 6, 13, 10, 0)  # a Saturday


def book(business, **overrides):
    fields = {"starts_at": datetime(2026, 6, 13, 20, 0, tzinfo=ROME), "party_size": 2, "name": "Rossi",
              "phone": CALLER}  # fmt: skip
    fields.update(overrides)
    return reservation_book(business=business, **fields)


# --- NUL characters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "Rossi\x00"}, "name", "The name for the booking contains characters we cannot store."),
        ({"notes": "high chair\x00"}, "notes", "The note contains characters we cannot store."),
        ({"idempotency_key": "call-1\x00"}, "idempotency_key",
         "The idempotency key contains characters we cannot store."),
    ],
)  # fmt: skip
def test_text_with_a_nul_is_refused_naming_the_field(business, morning, overrides, field, message):
    with pytest.raises(ValidationError) as exc:
        book(business, **overrides)
    assert exc.value.message_dict == {field: [message]}
    assert exc.value.error_dict[field][0].code == "null_characters_not_allowed"
    assert not Reservation.objects.exists()


def test_a_nul_in_a_reason_is_refused(business, morning):
    booking = book(business)
    with pytest.raises(ValidationError) as exc:
        reservation_transition(business=business, reservation_id=booking.pk, to_status="cancelled", reason="x\x00")
    assert exc.value.message_dict == {"reason": ["The reason contains characters we cannot store."]}
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_a_key_that_is_not_a_string_is_read_as_text(business, morning):
    assert book(business, idempotency_key=42).idempotency_key == "42"


# --- Dates at the ends of the calendar, and dates that are not dates ---------------------------------------


@pytest.mark.parametrize("starts_at", EXTREMES)
def test_a_booking_time_at_the_ends_of_the_calendar_is_refused(business, morning, starts_at):
    with pytest.raises(ValidationError) as exc:
        book(business, starts_at=starts_at)
    assert exc.value.message_dict == {"starts_at": ["That date is too far from today."]}


@pytest.mark.parametrize("starts_at", EXTREMES)
def test_moving_a_booking_to_the_ends_of_the_calendar_is_refused(business, morning, starts_at):
    booking = book(business)
    with pytest.raises(ValidationError) as exc:
        reservation_update(business=business, reservation_id=booking.pk, starts_at=starts_at)
    assert exc.value.message_dict == {"starts_at": ["That date is too far from today."]}


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date.min, "That date has already passed."),
        (date.max, "We take bookings up to 30 days ahead."),
        (datetime.min.replace(tzinfo=UTC), "That date has already passed."),
        (datetime.max.replace(tzinfo=UTC), "We take bookings up to 30 days ahead."),
        ("2026-06-14", "Tell us the day for the booking."),
        (None, "Tell us the day for the booking."),
    ],
)
def test_availability_for_a_day_out_of_reach_or_not_a_day_is_refused(business, morning, day, message):
    with pytest.raises(ValidationError) as exc:
        reservation_availability(business=business, date=day, party_size=2)
    assert exc.value.message_dict == {"date": [message]}


@pytest.mark.parametrize("day", [date.min, date.max, datetime.max.replace(tzinfo=UTC)])
def test_no_booking_is_found_at_the_ends_of_the_calendar(business, morning, day):
    book(business)
    assert reservation_find(business, CALLER, date=day) == []


def test_finding_bookings_on_a_day_that_is_not_a_date_is_refused(business, morning):
    with pytest.raises(ValidationError) as exc:
        reservation_find(business, CALLER, date="2026-06-13")
    assert exc.value.message_dict == {"date": ["Tell us the day for the booking."]}


def test_an_aware_datetime_finds_the_bookings_of_its_local_day(business, morning):
    booking = book(business, starts_at=datetime(2026, 6, 13, 20, 0, tzinfo=ROME))
    # 23:30 UTC on the 12th is already the 13th in Rome.
    assert reservation_find(business, CALLER, date=datetime(2026, 6, 12, 23, 30, tzinfo=UTC)) == [booking]


# --- Ids --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reservation_id", ["abc", "1", None, 3.5, True, 10**30])
def test_reservation_get_finds_nothing_for_an_id_that_is_not_one(business, morning, reservation_id):
    book(business)
    assert reservation_get(business, reservation_id) is None


def test_an_outsider_finds_nothing(business, outsider_business, morning):
    booking = book(business)
    assert reservation_get(outsider_business, booking.pk) is None
    assert reservation_find(outsider_business, CALLER, date=date(2026, 6, 13)) == []
    with pytest.raises(NotFound):
        reservation_update(business=outsider_business, reservation_id=booking.pk, party_size=3)
