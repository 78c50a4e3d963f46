"""Booking, finding, changing and cancelling tables, with every refusal in words a caller can hear."""

from datetime import date, datetime, time

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from panbot.errors import NotFound
from panbot.models import Event
from reservations.models import Reservation, ReservationSettings
from reservations.selectors import reservation_find, reservation_get
from reservations.services import (
    reservation_book,
    reservation_cancel,
    reservation_transition,
    reservation_update,
)
from restaurants import services as restaurant_services
from telephony.models import CallRecord
from tests.conftest import ROME

pytestmark = pytest.mark.django_db

CALLER = "+393331234567"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=ROME)


def book(business, hour=20, minute=0, party_size=2, day=(2026, 6, 13), **overrides):
    fields = {"name": "Rossi", "phone": "333 123 4567", "starts_at": local(*day, hour, minute)}
    fields.update(overrides)
    return reservation_book(business=business, party_size=party_size, **fields)


def book_errors(business, **kwargs):
    with pytest.raises(ValidationError) as exc:
        book(business, **kwargs)
    return exc.value


@pytest.fixture
def morning(at, taking_bookings):
    at(2026, 6, 13, 10, 0)  # a Saturday
    return taking_bookings


def test_booking_is_saved_confirmed_with_history_and_an_event(business, morning):
    call = CallRecord.objects.create(business=business, sip_call_id="call-1", started_at=timezone.now())
    reservation = book(business, notes="  window table  ", call=call)
    reservation.refresh_from_db()
    assert (reservation.name, reservation.phone, reservation.party_size) == ("Rossi", CALLER, 2)
    assert reservation.starts_at == local(2026, 6, 13, 20, 0)
    assert reservation.ends_at == local(2026, 6, 13, 21, 30)
    assert (reservation.status, reservation.notes, reservation.call) == ("confirmed", "window table", call)
    assert list(reservation.status_changes.values_list("from_status", "to_status")) == [("", "confirmed")]
    event = Event.objects.get(type="reservation.created")
    assert event.payload == {
        "reservation_id": reservation.pk, "status": "confirmed", "name": "Rossi", "phone": CALLER, "party_size": 2,
        "starts_at": "2026-06-13T20:00:00+02:00", "ends_at": "2026-06-13T21:30:00+02:00", "notes": "window table",
        "call_id": call.pk,
    }  # fmt: skip


def test_without_auto_confirm_bookings_wait_for_staff(business, morning):
    ReservationSettings.objects.update(auto_confirm=False)
    assert book(business).status == "pending"


def test_a_naive_time_is_the_restaurants_local_time(business, morning):
    reservation = book(business, starts_at=datetime(2026, 6, 13, 20, 0))
    assert reservation.starts_at == local(2026, 6, 13, 20, 0)


def test_the_slot_returned_by_availability_can_be_booked_as_is(business, morning):
    from reservations.selectors import reservation_availability

    slot = reservation_availability(business=business, date=date(2026, 6, 14), party_size=4)[3]
    assert book(business, starts_at=slot, party_size=4).starts_at == slot


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": " "}, "name", "Tell us a name for the booking."),
        ({"name": "x" * 101}, "name", "Give a shorter name for the booking; at most 100 characters."),
        ({"phone": ""}, "phone", "We need a phone number to reach you about the booking."),
        ({"phone": "12"}, "phone", "That phone number does not look right; please say it again with the area code."),
        ({"notes": "x" * 501}, "notes", "The note is too long; keep it under 500 characters."),
        ({"party_size": 0}, "party_size", "Tell us how many people the table is for; at least 1."),
        ({"starts_at": "tonight"}, "starts_at", "Tell us the day and time for the booking."),
        ({"idempotency_key": "k" * 101}, "idempotency_key", "The idempotency key is at most 100 characters."),
    ],
)
def test_details_are_validated(business, morning, overrides, field, message):
    assert book_errors(business, **overrides).message_dict == {field: [message]}
    assert not Reservation.objects.exists()


def test_a_large_party_is_referred_to_the_restaurant(business, morning):
    exc = book_errors(business, party_size=7)
    assert exc.message_dict == {
        "party_size": [
            "We can book tables for up to 6 people by phone; for a larger group please speak with the restaurant."
        ]
    }
    assert exc.error_dict["party_size"][0].code == "party_too_large"


@pytest.mark.parametrize(
    ("when", "message", "code"),
    [
        ((2026, 6, 13, 9, 0), "That time has already passed.", "past"),
        ((2026, 6, 13, 19, 15), "We do not take bookings today at 19:15; we have tables at 19:00 or 19:30.",
         "not_a_slot"),
        ((2026, 6, 13, 16, 0), "We do not take bookings today at 16:00; we have tables at 14:00 or 14:30.",
         "not_a_slot"),
        ((2026, 6, 13, 22, 45), "We do not take bookings today at 22:45; we have tables at 22:00 or 22:30.",
         "not_a_slot"),
        ((2026, 6, 15, 20, 0), "We are closed on Monday 15 June.", "closed"),
        ((2026, 7, 14, 20, 0), "We take bookings up to 30 days ahead.", "beyond_horizon"),
        ((2026, 6, 13, 10, 30), "We do not take bookings today at 10:30; we have tables at 12:00 or 12:30.",
         "not_a_slot"),
    ],
)  # fmt: skip
def test_times_that_cannot_be_booked_say_why(business, morning, when, message, code):
    exc = book_errors(business, starts_at=local(*when))
    assert exc.message_dict == {"starts_at": [message]}
    assert exc.error_dict["starts_at"][0].code == code


def test_bookings_need_the_minimum_notice(business, taking_bookings, at):
    at(2026, 6, 13, 12, 10)
    exc = book_errors(business, hour=12, minute=30)
    assert exc.message_dict == {
        "starts_at": ["We need at least 60 minutes' notice for a booking; we have tables at 13:30 or 14:00."]
    }
    assert exc.error_dict["starts_at"][0].code == "too_soon"


def test_a_closure_is_named(business, morning):
    restaurant_services.closure_set(business=business, date=date(2026, 6, 14), reason="private party")
    assert book_errors(business, day=(2026, 6, 14)).message_dict == {
        "starts_at": ["We are closed tomorrow (private party)."]
    }


def test_a_full_slot_offers_the_nearest_free_times(business, morning):
    book(business, hour=19, party_size=6)
    book(business, hour=19, party_size=2, phone="+393330000001")
    exc = book_errors(business, hour=19, party_size=4)
    assert exc.message_dict == {
        "starts_at": ["We have no table for 4 today at 19:00; we have tables at 20:30 or 21:00."]
    }
    assert exc.error_dict["starts_at"][0].code == "full"
    assert book(business, hour=19, party_size=2, phone="+393330000002").party_size == 2  # the last two seats
    assert (
        book_errors(business, hour=19, party_size=1)
        .message_dict["starts_at"][0]
        .startswith("We have no table for 1 today at 19:00")
    )


def test_a_day_with_no_table_left_says_so(business, morning):
    ReservationSettings.objects.update(horizon_days=30, max_party_size=6)
    for hour, minute in [(12, 0), (13, 30), (19, 0), (20, 30), (22, 0)]:
        for n in range(2):
            book(business, hour=hour, minute=minute, party_size=5, phone=f"+3933300{hour:02d}{minute:02d}{n}")
    assert book_errors(business, hour=19, party_size=1).message_dict == {
        "starts_at": ["We have no table for 1 today at 19:00; we have no table left for 1 that day."]
    }


def test_every_problem_is_reported_at_once(business, morning):
    exc = book_errors(business, name="", phone="12", party_size=9, starts_at=local(2026, 6, 13, 19, 15))
    assert set(exc.message_dict) == {"name", "phone", "party_size"}  # a time is judged once the party is bookable


def test_not_taking_bookings(business, morning):
    ReservationSettings.objects.update(accepting_reservations=False)
    assert book_errors(business).message_dict == {
        NON_FIELD_ERRORS: ["Trattoria Da Mario is not taking table reservations by phone right now."]
    }


def test_a_call_to_another_restaurant_is_refused(business, outsider_business, morning):
    call = CallRecord.objects.create(business=outsider_business, sip_call_id="call-9", started_at=timezone.now())
    assert book_errors(business, call=call).message_dict == {"call": ["This call was not made to this restaurant."]}


def test_the_same_key_returns_the_same_booking(business, morning):
    first = book(business, idempotency_key="call-3:book")
    again = book(business, idempotency_key="call-3:book", hour=21)  # a repeated tool call, even a garbled one
    assert again.pk == first.pk and Reservation.objects.count() == 1
    assert Event.objects.filter(type="reservation.created").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("party_size", 0, "reservation_party_positive"),
        ("status", "lost", "reservation_status_valid"),
        ("phone", "333", "reservation_phone_e164"),
    ],
)
def test_database_refuses_impossible_bookings(business, morning, field, value, constraint):
    reservation = book(business)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Reservation.objects.filter(pk=reservation.pk).update(**{field: value})


def test_database_refuses_a_booking_ending_before_it_starts(business, morning):
    reservation = book(business)
    with pytest.raises(IntegrityError, match="reservation_ends_after_start"), transaction.atomic():
        Reservation.objects.filter(pk=reservation.pk).update(ends_at=reservation.starts_at)


def test_settings_refuse_a_party_larger_than_the_room(business, morning):
    from reservations.services import reservation_settings_save

    morning.max_party_size = 12
    morning.dining_minutes = 10
    with pytest.raises(ValidationError) as exc:
        reservation_settings_save(settings=morning)
    assert exc.value.message_dict == {
        "max_party_size": ["The largest party cannot exceed the seats per slot."],
        "dining_minutes": ["A booking lasts at least one slot."],
    }
    with pytest.raises(IntegrityError, match="resettings_party_fits_room"), transaction.atomic():
        ReservationSettings.objects.filter(pk=morning.pk).update(max_party_size=11)


# --- Finding -------------------------------------------------------------------------------------------------


def test_reservation_find_by_phone_and_date(business, outsider_business, morning):
    tonight = book(business, hour=20)
    tomorrow = book(business, day=(2026, 6, 14), hour=13)
    book(business, phone="+393330000009")
    for phone in (CALLER, "333 1234567", "+39 333 123 4567"):
        assert reservation_find(business, phone) == [tonight, tomorrow]
    assert reservation_find(business, CALLER, date=date(2026, 6, 14)) == [tomorrow]
    assert reservation_find(business, CALLER, date=date(2026, 6, 16)) == []
    assert reservation_find(outsider_business, CALLER) == []
    assert reservation_find(business, "nonsense") == []
    assert reservation_get(business, tonight.pk) == tonight
    assert reservation_get(outsider_business, tonight.pk) is None


def test_reservation_find_includes_cancelled_but_not_past_days(business, morning, at):
    first = book(business, hour=13)
    reservation_cancel(business=business, reservation_id=first.pk)
    at(2026, 6, 14, 9, 0)
    later = book(business, day=(2026, 6, 14), hour=20)
    assert reservation_find(business, CALLER) == [later]
    assert [r.status for r in reservation_find(business, CALLER, date=date(2026, 6, 13))] == ["cancelled"]


# --- Changing ---------------------------------------------------------------------------------------------------


def test_move_a_booking_to_a_free_time(business, morning):
    reservation = book(business, hour=20)
    moved = reservation_update(business=business, reservation_id=reservation.pk, starts_at=local(2026, 6, 13, 21, 0))
    assert (moved.starts_at, moved.ends_at) == (local(2026, 6, 13, 21, 0), local(2026, 6, 13, 22, 30))
    event = Event.objects.get(type="reservation.updated")
    assert event.payload["starts_at"] == "2026-06-13T21:00:00+02:00"


def test_a_change_counts_the_bookings_own_seats_as_free(business, morning):
    mine = book(business, hour=19, party_size=4)
    book(business, hour=19, party_size=6, phone="+393330000001")  # the room (10) is full at 19:00
    moved = reservation_update(business=business, reservation_id=mine.pk, starts_at=local(2026, 6, 13, 19, 30))
    assert moved.starts_at == local(2026, 6, 13, 19, 30)  # 19:30 overlaps the six, and its own old seats are free
    with pytest.raises(ValidationError) as exc:
        reservation_update(business=business, reservation_id=mine.pk, party_size=5)
    assert exc.value.message_dict == {"party_size": ["We have no table for 5 today at 19:30."]}
    assert reservation_update(business=business, reservation_id=mine.pk, party_size=3).party_size == 3


def test_a_change_to_a_full_or_invalid_time_is_refused_and_changes_nothing(business, morning):
    mine = book(business, hour=21, party_size=2)
    book(business, hour=19, party_size=6, phone="+393330000001")
    book(business, hour=19, party_size=4, phone="+393330000002")
    with pytest.raises(ValidationError) as exc:
        reservation_update(business=business, reservation_id=mine.pk, starts_at=local(2026, 6, 13, 19, 0), party_size=7)
    assert set(exc.value.message_dict) == {"party_size"}
    with pytest.raises(ValidationError) as exc:
        reservation_update(business=business, reservation_id=mine.pk, starts_at=local(2026, 6, 13, 19, 0))
    assert exc.value.error_dict["starts_at"][0].code == "full"
    mine.refresh_from_db()
    assert mine.starts_at == local(2026, 6, 13, 21, 0)
    assert not Event.objects.filter(type="reservation.updated").exists()


def test_a_change_that_changes_nothing_writes_nothing(business, morning):
    mine = book(business)
    same = reservation_update(business=business, reservation_id=mine.pk, starts_at=mine.starts_at, party_size=2)
    assert same.updated_at == mine.updated_at
    assert not Event.objects.filter(type="reservation.updated").exists()


def test_cancelled_or_started_bookings_cannot_change(business, morning, at):
    mine = book(business, hour=13)
    at(2026, 6, 13, 13, 5)
    with pytest.raises(ValidationError) as exc:
        reservation_update(business=business, reservation_id=mine.pk, party_size=3)
    assert exc.value.messages == ["This reservation has already started; it cannot be changed."]
    other = book(business, hour=20)
    reservation_cancel(business=business, reservation_id=other.pk)
    with pytest.raises(ValidationError) as exc:
        reservation_update(business=business, reservation_id=other.pk, party_size=3)
    assert exc.value.messages == ["This reservation is cancelled; it cannot be changed."]


# --- Cancelling and statuses ------------------------------------------------------------------------------------


def test_cancelling_frees_the_seats_and_is_recorded(business, morning, member):
    full = book(business, hour=19, party_size=6)
    book(business, hour=19, party_size=4, phone="+393330000001")
    staff = member(business, "staff")
    cancelled = reservation_cancel(business=business, reservation_id=full.pk, by=staff, reason="caller cancelled")
    assert cancelled.status == "cancelled"
    assert list(cancelled.status_changes.values_list("from_status", "to_status", "changed_by", "reason")) == [
        ("", "confirmed", None, "booked"),
        ("confirmed", "cancelled", staff.pk, "caller cancelled"),
    ]
    assert Event.objects.filter(type="reservation.updated").get().payload["previous_status"] == "confirmed"
    assert book(business, hour=19, party_size=6, phone="+393330000002").party_size == 6
    with pytest.raises(ValidationError) as exc:
        reservation_cancel(business=business, reservation_id=full.pk)
    assert exc.value.messages == ["This reservation is already cancelled."]


def test_a_started_booking_cannot_be_cancelled(business, morning, at):
    mine = book(business, hour=13)
    at(2026, 6, 13, 13, 0)
    with pytest.raises(ValidationError) as exc:
        reservation_cancel(business=business, reservation_id=mine.pk)
    assert exc.value.messages == ["This reservation has already started; it cannot be cancelled."]


def test_the_evening_of_a_booking(business, morning, member):
    staff = member(business, "manager")
    ReservationSettings.objects.update(auto_confirm=False)
    mine = book(business)
    for status in ("confirmed", "seated", "completed"):
        mine = reservation_transition(business=business, reservation_id=mine.pk, to_status=status, by=staff)
    assert list(mine.status_changes.values_list("to_status", flat=True)) == [
        "pending",
        "confirmed",
        "seated",
        "completed",
    ]


@pytest.mark.parametrize(
    ("path", "to_status", "message"),
    [
        ([], "completed", "A reservation that is confirmed cannot become completed."),
        (["seated"], "cancelled", "A reservation that is seated cannot become cancelled."),
        (["seated"], "no_show", "A reservation that is seated cannot become a no-show."),
        (["seated", "completed"], "no_show", "This reservation is completed; it cannot change any more."),
        (["no_show"], "seated", "This reservation is marked as a no-show; it cannot change any more."),
        ([], "confirmed", "This reservation is already confirmed."),
        ([], "lost", "'lost' is not a reservation status."),
    ],
)
def test_refused_status_changes(business, morning, path, to_status, message):
    mine = book(business)
    for status in path:
        reservation_transition(business=business, reservation_id=mine.pk, to_status=status)
    with pytest.raises(ValidationError) as exc:
        reservation_transition(business=business, reservation_id=mine.pk, to_status=to_status)
    assert exc.value.message_dict == {"to_status": [message]}


# --- Another restaurant -----------------------------------------------------------------------------------------


def test_another_restaurant_can_neither_see_nor_touch_a_booking(business, outsider_business, morning, member):
    mine = book(business)
    for call in (
        lambda: reservation_cancel(business=outsider_business, reservation_id=mine.pk),
        lambda: reservation_update(business=outsider_business, reservation_id=mine.pk, party_size=3),
        lambda: reservation_transition(business=outsider_business, reservation_id=mine.pk, to_status="seated"),
        lambda: reservation_cancel(business=business, reservation_id=mine.pk, by=member(outsider_business, "owner")),
        lambda: reservation_cancel(business=business, reservation_id=999999),
        lambda: reservation_cancel(business=business, reservation_id="1"),
    ):
        with pytest.raises(NotFound) as exc:
            call()
        assert exc.value.messages == ["We could not find that reservation."]
    mine.refresh_from_db()
    assert (mine.status, mine.party_size) == ("confirmed", 2)


def test_after_midnight_starts_belong_to_the_evening_before_even_on_the_horizon(business, morning, trattoria_hours, at):
    from reservations.selectors import reservation_availability

    trattoria_hours(business, [(5, time(22), time(2))])  # Saturday 22:00 to Sunday 02:00
    ReservationSettings.objects.update(horizon_days=1)
    at(2026, 6, 12, 10, 0)  # Friday: Saturday's service is the last one within the horizon
    starts = reservation_availability(business=business, date=date(2026, 6, 13), party_size=2)
    assert starts[-1] == local(2026, 6, 14, 1, 30)
    assert book(business, day=(2026, 6, 14), hour=1, minute=30).starts_at == local(2026, 6, 14, 1, 30)
    assert book_errors(business, day=(2026, 6, 14), hour=22).message_dict == {
        "starts_at": ["We take bookings up to 1 day ahead."]
    }
