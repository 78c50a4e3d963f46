"""The reservations page in a real browser: a booking taken by phone lands in its slot with the covers
updated, a cancel keeps its reason, seated is one tap, and another screen sees it live."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from reservations.models import Reservation, ReservationStatusChange
from reservations.selectors import reservation_availability
from reservations.services import reservation_book
from tests.dashboard.conftest import screenshot


def next_bookable_day(business, party_size: int = 4) -> tuple[dt.date, list[dt.datetime]]:
    """The first day from tomorrow (in the business's zone) with free times for the party."""
    day = timezone.now().astimezone(business.tz).date()
    for _ in range(14):
        day += dt.timedelta(days=1)
        starts = reservation_availability(business=business, date=day, party_size=party_size)
        if len(starts) >= 2:
            return day, starts
    raise AssertionError("the demo restaurant has no bookable day in two weeks")


def test_staff_book_a_party_of_four_see_the_slot_covers_then_cancel_it_and_seat_another(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    day, starts = next_bookable_day(business)
    walk_in = reservation_book(
        business=business, starts_at=starts[0], party_size=2, name="Rossi", phone="+39 333 111 2222"
    )
    slot = f"{starts[0]:%H:%M}"

    staff = live.sign_in("staff-trattoria", "panbot-dev-staff-trattoria")
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Reservations").click()
    expect(staff.locator("[data-summary]")).to_contain_text("covers: 0")  # today: nothing booked
    other = live.sign_in("owner-trattoria", "panbot-dev-owner-trattoria")
    other.goto(f"/app/b/{business.pk}/reservations/?day={day.isoformat()}")
    staff.get_by_label("Day", exact=True).fill(day.isoformat())
    staff.get_by_label("Day", exact=True).dispatch_event("change")

    section = staff.locator(f"[data-slot='{slot}']")
    expect(section.locator("[data-covers]")).to_have_attribute("data-covers", "2")
    form = staff.locator("[data-book-form]")
    form.get_by_label("Guests").fill("4")
    form.get_by_label("Guests").dispatch_event("change")
    expect(form.get_by_label("Time").locator("option")).not_to_have_count(0)
    form.get_by_label("Time").select_option(value=starts[0].isoformat())
    form.get_by_role("button", name="Book").click()
    expect(form.locator("[data-error-for=name]")).to_contain_text(re.compile(r"\S"))  # name and phone are required
    expect(form.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    assert not Reservation.objects.filter(business=business, party_size=4).exists()

    form.get_by_label("Name").fill("Bianchi")
    form.get_by_label("Phone").fill("+39 333 444 5555")
    form.get_by_label("Notes").fill("Window table, one high chair")
    form.get_by_role("button", name="Book").click()
    expect(form.locator("[data-save-status]")).to_have_text("Saved.")
    row = section.locator("tr", has_text="Bianchi")
    expect(row).to_contain_text("+393334445555")  # E.164, as the API keeps it
    expect(row).to_contain_text("Window table")
    expect(row.locator(".party")).to_have_text("4")
    expect(section.locator("[data-covers]")).to_have_attribute("data-covers", "6")
    booking = Reservation.objects.get(business=business, name="Bianchi")
    assert booking.party_size == 4 and f"{booking.starts_at.astimezone(business.tz):%H:%M}" == slot
    # the other screen saw it arrive on the feed
    expect(other.locator(f"[data-slot='{slot}'] tr", has_text="Bianchi")).to_be_visible()
    expect(other.locator(f"[data-slot='{slot}'] [data-covers]")).to_have_attribute("data-covers", "6")
    screenshot(staff, "reservations")

    row.get_by_role("button", name="Cancel…").click()
    dialog = staff.locator("[data-cancel-dialog]")
    dialog.get_by_label("The guest called to cancel").check()
    dialog.get_by_role("button", name="Cancel booking").click()
    expect(row.locator(".badge")).to_have_text("Cancelled")
    expect(section.locator("[data-covers]")).to_have_attribute("data-covers", "2")
    booking.refresh_from_db()
    assert booking.status == Reservation.Status.CANCELLED
    assert ReservationStatusChange.objects.filter(reservation=booking, reason="The guest called to cancel").exists()

    rossi = section.locator(f"tr[data-reservation-id='{walk_in.pk}']")
    rossi.get_by_role("button", name="Seated").click()
    expect(rossi.locator(".badge")).to_have_text("Seated")
    expect(rossi.get_by_role("button", name="Completed")).to_be_visible()
    walk_in.refresh_from_db()
    assert walk_in.status == Reservation.Status.SEATED
    expect(other.locator(f"tr[data-reservation-id='{walk_in.pk}'] .badge")).to_have_text("Seated")
    assert [e for e in staff.errors if "status of 400" not in e] == []  # the refused first try is a 400
    assert other.errors == []


def test_an_outsider_cannot_open_another_business_reservations(live, demo):
    business = demo.businesses["trattoria-da-mario"]
    day, starts = next_bookable_day(business, party_size=2)
    reservation_book(business=business, starts_at=starts[0], party_size=2, name="Verdi", phone="+39 333 999 8888")
    page = live.sign_in("owner-sushi", "panbot-dev-owner-sushi")
    page.goto(f"/app/b/{business.pk}/reservations/?day={day.isoformat()}")
    expect(page.get_by_text("belongs to a business you are not a member of")).to_be_visible()
    expect(page.get_by_text("Verdi")).to_have_count(0)
