"""The reservations endpoints: staff list, book by phone, change, cancel, move through statuses, see free tables."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db.models import Sum

from panbot.models import Event
from reservations.models import Reservation, ReservationSettings
from tests.concurrency import run_concurrently
from tests.conftest import ROME

pytestmark = pytest.mark.django_db


def local(*args) -> datetime:
    return datetime(*args, tzinfo=ROME)


def reservations_url(world, *tail) -> str:
    return "/".join([f"/api/v1/businesses/{world.own.business.pk}/reservations", *map(str, tail), ""])


@pytest.fixture
def bookings(world, at, trattoria_hours):
    """The own business open as the demo trattoria, 10 seats, up to 6 a party; Saturday 13 June 2026, 10:00."""
    at(2026, 6, 13, 10, 0)
    trattoria_hours(world.own.business)
    return ReservationSettings.objects.create(
        business=world.own.business, slot_minutes=30, seats_per_slot=10, max_party_size=6, dining_minutes=90,
        lead_minutes=60, horizon_days=30, last_seating_minutes=30,
    )  # fmt: skip


def booking(**overrides) -> dict:
    body = {"starts_at": "2026-06-13T20:00", "party_size": 2, "name": "Rossi", "phone": "333 123 4567"}
    return {**body, **overrides}


def book(world, persona="staff", **overrides):
    return world.client(persona).post(reservations_url(world), booking(**overrides), format="json")


def make(world, starts_at, *, business=None, party_size=2, phone="+393331234567", status="confirmed", name="Rossi"):
    return Reservation.objects.create(
        business=business or world.own.business, name=name, phone=phone, party_size=party_size,
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), status=status,
    )  # fmt: skip


# --- Booking by phone ------------------------------------------------------------------------------


def test_staff_book_a_table_in_local_time_with_its_history_and_an_event(world, bookings):
    response = book(world, notes="Window, please")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["starts_at"] == "2026-06-13T20:00:00+02:00"
    assert body["ends_at"] == "2026-06-13T21:30:00+02:00"
    assert (body["status"], body["phone"], body["notes"], body["call_id"]) == (
        "confirmed", "+393331234567", "Window, please", None,
    )  # fmt: skip
    assert [(h["from_status"], h["to_status"]) for h in body["history"]] == [("", "confirmed")]
    reservation = Reservation.objects.get(pk=body["id"])
    assert reservation.business == world.own.business
    assert reservation.starts_at == local(2026, 6, 13, 20, 0)
    assert Event.objects.get(type="reservation.created").payload["reservation_id"] == reservation.pk


def test_a_time_with_an_offset_is_that_instant(world, bookings):
    response = book(world, starts_at="2026-06-13T18:00:00Z")
    assert response.status_code == 201, response.content
    assert response.json()["starts_at"] == "2026-06-13T20:00:00+02:00"


def test_a_repeated_idempotency_key_returns_the_first_booking(world, bookings):
    first = book(world, idempotency_key="desk-1:42")
    again = book(world, idempotency_key="desk-1:42", party_size=4)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["party_size"] == 2
    assert Reservation.objects.count() == 1
    response = book(world, idempotency_key="k" * 101)
    assert response.status_code == 400
    assert response.json() == {"idempotency_key": ["The idempotency key is at most 100 characters."]}


def test_a_business_id_in_the_body_is_refused_not_used(world, bookings):
    response = book(world, business=world.foreign.business.pk)
    assert response.status_code == 400
    assert response.json() == {"business": ["Unknown field."]}
    assert not Reservation.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"party_size": 7}, "party_size", "We can book tables for up to 6 people by phone; "
                                          "for a larger group please speak with the restaurant."),
        ({"party_size": 0}, "party_size", "Tell us how many people the table is for; at least 1."),
        ({"starts_at": "2026-06-13T09:30"}, "starts_at", "That time has already passed."),
        ({"starts_at": "2026-06-13T10:45"}, "starts_at", "We do not take bookings today at 10:45; we have tables at"),
        ({"starts_at": "2026-06-15T20:00"}, "starts_at", "We are closed on Monday 15 June."),
        ({"starts_at": "2026-08-13T20:00"}, "starts_at", "We take bookings up to 30 days ahead."),
        ({"name": " "}, "name", "Tell us a name for the booking."),
        ({"phone": "12"}, "phone", "That phone number does not look right; please say it again with the area code."),
        ({"notes": "x" * 501}, "notes", "The note is too long; keep it under 500 characters."),
    ],
)  # fmt: skip
def test_booking_refusals_are_the_services_sentences_by_field(world, bookings, overrides, field, message):
    response = book(world, **overrides)
    assert response.status_code == 400, response.content
    assert response.json()[field][0].startswith(message), response.json()
    assert not Reservation.objects.exists()


def test_too_little_notice_offers_later_times(world, bookings, at):
    at(2026, 6, 13, 11, 30)
    response = book(world, starts_at="2026-06-13T12:00")
    assert response.status_code == 400
    assert response.json() == {
        "starts_at": ["We need at least 60 minutes' notice for a booking; we have tables at 12:30 or 13:00."]
    }


def test_a_time_the_clocks_skip_is_refused_in_words(world, bookings, at):
    at(2026, 3, 20, 10, 0)
    ReservationSettings.objects.filter(pk=bookings.pk).update(horizon_days=60)
    response = book(world, starts_at="2026-03-29T02:30")
    assert response.status_code == 400
    assert response.json() == {
        "starts_at": ["02:30 does not exist on Sunday 29 March: the clocks go forward that night."]
    }


@pytest.mark.parametrize("starts_at", ["2026-06-31T20:00", "tonight", 20, "2026-06-13"])
def test_a_starts_at_that_is_not_a_date_and_time_is_400(world, bookings, starts_at):
    response = book(world, starts_at=starts_at)
    assert response.status_code == 400
    assert set(response.json()) == {"starts_at"}


def test_a_full_slot_offers_the_nearest_free_times(world, bookings):
    make(world, local(2026, 6, 13, 20, 0), party_size=6)
    response = book(world, party_size=6)
    assert response.status_code == 400
    assert response.json() == {
        "starts_at": ["We have no table for 6 today at 20:00; we have tables at 21:00 or 21:30."]
    }


def test_a_business_not_taking_bookings_says_so(world, bookings):
    ReservationSettings.objects.filter(pk=bookings.pk).update(accepting_reservations=False)
    response = book(world)
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Trattoria Da Mario is not taking table reservations by phone right now."]
    }


# --- Listing ----------------------------------------------------------------------------------------


def test_list_shows_own_bookings_soonest_first_in_local_time(world, bookings):
    later = make(world, local(2026, 6, 14, 20, 0), name="Later")
    sooner = make(world, local(2026, 6, 13, 20, 0), name="Sooner")
    make(world, local(2026, 6, 13, 20, 0), business=world.foreign.business, name="Not ours")
    body = world.client("staff").get(reservations_url(world)).json()
    assert [r["id"] for r in body["results"]] == [sooner.pk, later.pk]
    assert body["results"][0]["starts_at"] == "2026-06-13T20:00:00+02:00"
    assert "history" not in body["results"][0]


def test_day_filter_is_the_businesss_calendar_day(world, bookings):
    late = make(world, local(2026, 6, 13, 23, 30))  # 21:30 UTC
    after_midnight = make(world, local(2026, 6, 14, 0, 30))  # still the 13th in UTC
    client = world.client("staff")
    assert [r["id"] for r in client.get(reservations_url(world), {"day": "2026-06-13"}).json()["results"]] == [late.pk]
    on_14th = client.get(reservations_url(world), {"day": "2026-06-14"}).json()["results"]
    assert [r["id"] for r in on_14th] == [after_midnight.pk]


def test_status_and_phone_filters(world, bookings):
    rossi = make(world, local(2026, 6, 13, 20, 0), phone="+393331234567")
    make(world, local(2026, 6, 13, 20, 0), phone="+393337654321")
    make(world, local(2026, 6, 13, 21, 0), phone="+393331234567", status="cancelled")
    client = world.client("staff")
    for typed in ("333 123 4567", "+39 333 123 4567", "0039 3331234567"):
        found = client.get(reservations_url(world), {"phone": typed, "status": "confirmed"}).json()["results"]
        assert [r["id"] for r in found] == [rossi.pk], typed


@pytest.mark.parametrize(
    ("query", "field"),
    [({"phone": "12"}, "phone"), ({"day": "13/06/2026"}, "day"), ({"day": "9999-12-31"}, "day"),
     ({"status": "eaten"}, "status")],
)  # fmt: skip
def test_bad_filters_are_400_by_field(world, bookings, query, field):
    response = world.client("staff").get(reservations_url(world), query)
    assert response.status_code == 400
    assert set(response.json()) == {field}


def test_the_list_pages_with_a_cursor_without_losing_bookings_at_the_same_time(world, bookings):
    made = {make(world, local(2026, 6, 13, 20, 0), name=f"Guest {i}").pk for i in range(5)}
    client = world.client("staff")
    first = client.get(reservations_url(world), {"page_size": 2}).json()
    seen = [r["id"] for r in first["results"]]
    page = first
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [r["id"] for r in page["results"]]
    assert sorted(seen) == sorted(made)


# --- Detail, changes and statuses --------------------------------------------------------------------


def test_seat_and_complete_with_the_history_saying_who(world, bookings):
    reservation = Reservation.objects.get(pk=book(world).json()["id"])
    client = world.client("staff")
    response = client.post(
        reservations_url(world, reservation.pk, "transition"), {"to_status": "seated"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "seated"
    client.post(reservations_url(world, reservation.pk, "transition"), {"to_status": "completed", "reason": "Paid"},
                format="json")  # fmt: skip
    detail = client.get(reservations_url(world, reservation.pk)).json()
    assert detail["status"] == "completed"
    staff = world.users["staff"]
    assert [(h["from_status"], h["to_status"], h["changed_by"], h["changed_by_username"], h["reason"])
            for h in detail["history"]] == [
        ("", "confirmed", None, None, "booked"),
        ("confirmed", "seated", staff.pk, staff.username, ""),
        ("seated", "completed", staff.pk, staff.username, "Paid"),
    ]  # fmt: skip
    assert detail["history"][1]["at"] == "2026-06-13T10:00:00+02:00"


@pytest.mark.parametrize(
    ("to_status", "message"),
    [
        ("completed", "A reservation that is confirmed cannot become completed."),
        ("confirmed", "This reservation is already confirmed."),
        ("eaten", "'eaten' is not a reservation status."),
    ],
)
def test_refused_moves_are_the_services_sentences(world, bookings, to_status, message):
    reservation_id = book(world).json()["id"]
    response = world.client("staff").post(
        reservations_url(world, reservation_id, "transition"), {"to_status": to_status}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"to_status": [message]}


def test_cancel_frees_the_seats_and_cannot_be_repeated(world, bookings):
    reservation_id = book(world, party_size=6).json()["id"]
    client = world.client("manager")
    url = reservations_url(world, reservation_id, "cancel")
    response = client.post(url, {"reason": "Called to cancel"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["history"][-1]["reason"] == "Called to cancel"
    assert book(world, party_size=6, phone="333 765 4321").status_code == 201  # the seats are free again
    again = client.post(url, {}, format="json")
    assert again.status_code == 400
    assert again.json() == {"to_status": ["This reservation is already cancelled."]}


def test_move_a_booking_and_change_its_party(world, bookings):
    reservation_id = book(world).json()["id"]
    client = world.client("staff")
    url = reservations_url(world, reservation_id)
    response = client.patch(url, {"starts_at": "2026-06-13T21:00", "party_size": 4}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["starts_at"], response.json()["party_size"]) == ("2026-06-13T21:00:00+02:00", 4)
    assert Event.objects.filter(type="reservation.updated").count() == 1


def test_a_change_into_a_full_slot_is_refused_and_changes_nothing(world, bookings):
    make(world, local(2026, 6, 13, 21, 0), party_size=6)
    reservation_id = book(world, party_size=4).json()["id"]
    url = reservations_url(world, reservation_id)
    response = world.client("staff").patch(url, {"party_size": 5}, format="json")
    assert response.status_code == 400
    assert response.json()["party_size"] == ["We have no table for 5 today at 20:00."]
    response = world.client("staff").patch(url, {"starts_at": "2026-06-13T21:00", "party_size": 5}, format="json")
    assert response.status_code == 400
    assert response.json()["starts_at"][0].startswith("We have no table for 5 today at 21:00")
    assert Reservation.objects.get(pk=reservation_id).party_size == 4


def test_another_businesss_booking_is_404_everywhere(world, bookings):
    theirs = make(world, local(2026, 6, 13, 20, 0), business=world.foreign.business)
    client = world.client("owner")
    assert client.get(reservations_url(world, theirs.pk)).status_code == 404
    assert client.patch(reservations_url(world, theirs.pk), {"party_size": 3}, format="json").status_code == 404
    assert client.post(reservations_url(world, theirs.pk, "cancel"), {}, format="json").status_code == 404
    response = client.post(reservations_url(world, theirs.pk, "transition"), {"to_status": "seated"}, format="json")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.status, theirs.party_size) == ("confirmed", 2)


def test_an_outsider_gets_404_for_the_list_and_cannot_book(world, bookings):
    client = world.client("outsider")
    assert client.get(reservations_url(world)).status_code == 404
    assert client.post(reservations_url(world), booking(), format="json").status_code == 404
    assert (
        client.get(reservations_url(world, "availability"), {"date": "2026-06-13", "party_size": 2}).status_code == 404
    )
    assert not Reservation.objects.exists()


# --- Availability -----------------------------------------------------------------------------------


def test_availability_lists_free_start_times_in_local_time(world, bookings):
    make(world, local(2026, 6, 13, 20, 0), party_size=10)  # the room is full 20:00-21:00
    response = world.client("staff").get(
        reservations_url(world, "availability"), {"date": "2026-06-13", "party_size": 2}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["date"], body["party_size"]) == ("2026-06-13", 2)
    starts = [s[11:16] for s in body["starts"]]
    assert starts[:3] == ["12:00", "12:30", "13:00"]
    assert "19:00" not in starts and "20:30" not in starts and "21:00" in starts  # 19:00 would dine into 20:00
    assert body["starts"][0] == "2026-06-13T12:00:00+02:00"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date": "2026-06-12", "party_size": 2}, "date", "That date has already passed."),
        ({"date": "2026-09-01", "party_size": 2}, "date", "We take bookings up to 30 days ahead."),
        ({"date": "2026-06-13", "party_size": 9}, "party_size", "We can book tables for up to 6 people by phone"),
        ({"date": "2026-06-13", "party_size": 0}, "party_size", "Tell us how many people the table is for"),
        ({"date": "tomorrow", "party_size": 2}, "date", "Date has wrong format."),
        ({"date": "2026-06-13"}, "party_size", "This field is required."),
    ],
)
def test_availability_refusals(world, bookings, query, field, message):
    response = world.client("staff").get(reservations_url(world, "availability"), query)
    assert response.status_code == 400
    assert response.json()[field][0].startswith(message), response.json()


# --- The last seats, raced through the API -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_staff_booking_the_last_seats_at_once_only_one_gets_them(world, bookings):
    make(world, local(2026, 6, 13, 20, 0), party_size=6)  # 4 of the 10 seats left at 20:00
    clients = [world.client("staff"), world.client("manager")]  # tokens minted before the race

    def attempt(i: int):
        response = clients[i].post(
            reservations_url(world), booking(party_size=4, phone=f"333 000 00{i}1"), format="json"
        )
        return response.status_code, response.json()

    results = run_concurrently(2, attempt)
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    statuses = sorted(status for _, (status, _) in results)
    assert statuses == [201, 400], results
    refused = next(body for _, (status, body) in results if status == 400)
    assert refused["starts_at"][0].startswith("We have no table for 4 today at 20:00")
    seats = Reservation.objects.filter(starts_at=local(2026, 6, 13, 20, 0)).aggregate(seats=Sum("party_size"))
    assert seats["seats"] == 10


def test_the_list_is_two_queries_and_a_detail_three(world, bookings, django_assert_num_queries):
    from tests.api.queries import assert_constant_queries
    from tests.api.test_queries import add_reservations

    counts = assert_constant_queries(world.client("staff"), reservations_url(world), add_reservations(world))
    assert counts[0] == 2  # the business (its time zone) and one page
    reservation_id = Reservation.objects.first().pk
    client = world.client("staff")
    with django_assert_num_queries(3):  # the business, the booking, its history with who changed it
        client.get(reservations_url(world, reservation_id))
