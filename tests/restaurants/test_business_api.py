"""The business's profile, agent defaults, opening hours, closures, order and booking settings, through the API."""

from __future__ import annotations

from datetime import date, time

import pytest

from orders.models import OrderSettings
from reservations.models import ReservationSettings
from restaurants.models import Business, Closure, OpeningHours

pytestmark = pytest.mark.django_db


def url(world, tail: str = "") -> str:
    return f"/api/v1/businesses/{world.own.business.pk}/{tail}"


# --- Profile and agent defaults ------------------------------------------------------------------------


def test_everyone_in_the_business_reads_its_profile(world):
    body = world.client("staff").get(url(world)).json()
    assert body["id"] == world.own.business.pk
    assert (body["name"], body["timezone"], body["default_language"], body["currency"]) == (
        "Trattoria Da Mario", "Europe/Rome", "it", "EUR",
    )  # fmt: skip
    assert body["agent_greeting"] == "Buongiorno!"
    assert body["other_languages"] == []


def test_manager_changes_profile_and_agent_defaults(world):
    response = world.client("manager").patch(
        url(world),
        {
            "name": "Da Mario", "address": "Via Roma 1, Firenze", "public_phone": "055 123 4567",
            "timezone": "Europe/London", "default_language": "en", "other_languages": ["it", "de"],
            "agent_greeting": "Hello, Da Mario!", "agent_system_prompt": "Be brief.", "agent_voice": "nova",
            "overflow_action": "transfer", "transfer_number": "+39 333 123 4567",
        },
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["public_phone"], body["transfer_number"]) == ("+390551234567", "+393331234567")
    business = Business.objects.get(pk=world.own.business.pk)
    assert (business.name, business.timezone, business.default_language, business.agent_voice) == (
        "Da Mario", "Europe/London", "en", "nova",
    )  # fmt: skip
    assert business.other_languages == ["it", "de"]
    assert business.slug == world.own.business.slug  # untouched


def test_only_the_fields_sent_change(world):
    world.client("owner").patch(url(world), {"agent_voice": "alloy"}, format="json")
    business = Business.objects.get(pk=world.own.business.pk)
    assert (business.agent_voice, business.agent_greeting, business.name) == ("alloy", "Buongiorno!",
                                                                              "Trattoria Da Mario")  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "'Mars/Olympus' is not an IANA time zone (e.g. Europe/Rome)."),
        ({"default_language": "xx"}, "default_language", "Value 'xx' is not a valid choice."),
        ({"other_languages": ["xx"]}, "other_languages", "Give a list of language codes among it, en, de, fr, es, "
                                                         "pt, nl, ja, zh."),
        ({"overflow_action": "transfer"}, "transfer_number", "Set a transfer number to transfer callers on overflow."),
        ({"public_phone": "not a phone"}, "public_phone", "Enter a valid phone number"),
        ({"max_call_minutes": 61}, "max_call_minutes", "Ensure this value is less than or equal to 60."),
        ({"agent_greeting": "x" * 501}, "agent_greeting", "Ensure this value has at most 500 characters"),
        ({"name": ""}, "name", "This field cannot be blank."),
        ({"name": "   "}, "name", "This field cannot be blank."),
        ({"currency": "USD"}, "currency", "Unknown field."),
        ({"max_concurrent_calls": 50}, "max_concurrent_calls", "Unknown field."),
        ({"is_active": False}, "is_active", "Unknown field."),
    ],
)  # fmt: skip
def test_profile_refusals_are_the_admins_sentences(world, body, field, message):
    response = world.client("owner").patch(url(world), body, format="json")
    assert response.status_code == 400
    assert response.json()[field][0].startswith(message), response.json()
    business = Business.objects.get(pk=world.own.business.pk)
    assert (business.timezone, business.currency, business.is_active) == ("Europe/Rome", "EUR", True)


def test_staff_cannot_change_the_profile_and_outsiders_cannot_see_it(world):
    assert world.client("staff").patch(url(world), {"name": "Mine"}, format="json").status_code == 403
    assert world.client("outsider").get(url(world)).status_code == 404
    assert world.client("outsider").patch(url(world), {"name": "Mine"}, format="json").status_code == 404
    assert Business.objects.get(pk=world.own.business.pk).name == "Trattoria Da Mario"


# --- Opening hours ------------------------------------------------------------------------------


def period(weekday, opens_at, closes_at) -> dict:
    return {"weekday": weekday, "opens_at": opens_at, "closes_at": closes_at}


def test_manager_replaces_the_week_and_a_close_before_the_open_runs_past_midnight(world):
    OpeningHours.objects.create(business=world.own.business, weekday=0, opens_at=time(9), closes_at=time(17))
    week = [period(4, "19:00", "01:30"), period(1, "12:00", "15:00")]
    response = world.client("manager").put(url(world, "hours/"), {"periods": week}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "periods": [
            {"weekday": 1, "weekday_name": "Tuesday", "opens_at": "12:00", "closes_at": "15:00", "overnight": False},
            {"weekday": 4, "weekday_name": "Friday", "opens_at": "19:00", "closes_at": "01:30", "overnight": True},
        ]
    }
    assert world.client("staff").get(url(world, "hours/")).json() == response.json()
    assert not OpeningHours.objects.filter(weekday=0, business=world.own.business).exists()


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ([period(4, "19:00", "01:30"), period(5, "01:00", "03:00")], "Friday 19:00-01:30 overlaps Saturday "
                                                                     "01:00-03:00."),
        ([period(6, "20:00", "02:00"), period(0, "01:00", "09:00")], "Sunday 20:00-02:00 overlaps Monday 01:00-09:00."),
        ([period(2, "12:00", "15:00"), period(2, "14:00", "16:00")], "Wednesday 12:00-15:00 overlaps Wednesday "
                                                                     "14:00-16:00."),
    ],
)  # fmt: skip
def test_overlapping_hours_are_refused_with_the_admins_sentence(world, trattoria_hours, week, message):
    trattoria_hours(world.own.business)
    before = OpeningHours.objects.filter(business=world.own.business).count()
    response = world.client("owner").put(url(world, "hours/"), {"periods": week}, format="json")
    assert response.status_code == 400
    assert response.json() == {"periods": [message]}
    assert OpeningHours.objects.filter(business=world.own.business).count() == before


@pytest.mark.parametrize(
    ("week", "field"),
    [([period(7, "12:00", "15:00")], "weekday"), ([period(1, "25:00", "15:00")], "periods"),
     ([period(1, "12:00", "12:00")], "closes_at"), ({"weekday": 1}, "periods")],
)  # fmt: skip
def test_bad_periods_are_400(world, week, field):
    response = world.client("owner").put(url(world, "hours/"), {"periods": week}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not OpeningHours.objects.filter(business=world.own.business).exists()


def test_an_empty_week_closes_every_day(world, trattoria_hours):
    trattoria_hours(world.own.business)
    response = world.client("owner").put(url(world, "hours/"), {"periods": []}, format="json")
    assert response.json() == {"periods": []}
    assert not OpeningHours.objects.filter(business=world.own.business).exists()


def test_hours_of_another_business_are_untouched_by_ours(world, trattoria_hours):
    trattoria_hours(world.foreign.business)
    before = OpeningHours.objects.filter(business=world.foreign.business).count()
    world.client("owner").put(url(world, "hours/"), {"periods": [period(1, "12:00", "15:00")]}, format="json")
    assert OpeningHours.objects.filter(business=world.foreign.business).count() == before
    assert world.client("outsider").get(url(world, "hours/")).status_code == 404
    assert world.client("outsider").put(url(world, "hours/"), {"periods": []}, format="json").status_code == 404
    assert world.client("staff").put(url(world, "hours/"), {"periods": []}, format="json").status_code == 403


# --- Closures ------------------------------------------------------------------------------------


def test_manager_closes_a_date_lists_it_and_reopens_it(world):
    client = world.client("manager")
    response = client.post(url(world, "closures/"), {"date": "2026-12-25", "reason": "Christmas"}, format="json")
    assert response.status_code == 201, response.content
    closure_id = response.json()["id"]
    assert response.json() == {"id": closure_id, "date": "2026-12-25", "reason": "Christmas"}
    again = client.post(url(world, "closures/"), {"date": "2026-12-25", "reason": "Natale"}, format="json")
    assert again.json() == {"id": closure_id, "date": "2026-12-25", "reason": "Natale"}  # the same date, new reason
    client.post(url(world, "closures/"), {"date": "2026-08-15"}, format="json")
    listed = world.client("staff").get(url(world, "closures/")).json()["results"]
    assert [c["date"] for c in listed] == ["2026-08-15", "2026-12-25"]
    assert client.delete(url(world, f"closures/{closure_id}/")).status_code == 204
    assert not Closure.objects.filter(pk=closure_id).exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"date": "2026-02-30"}, "date", "Date has wrong format."),
        ({"date": "2026-12-25", "reason": "x" * 201}, "reason", "Ensure this value has at most 200 characters"),
        ({"reason": "Holiday"}, "date", "This field is required."),
    ],
)
def test_bad_closures_are_400_by_field(world, body, field, message):
    response = world.client("owner").post(url(world, "closures/"), body, format="json")
    assert response.status_code == 400
    assert response.json()[field][0].startswith(message), response.json()
    assert not Closure.objects.exists()


def test_closures_of_another_business_are_neither_listed_nor_removable(world):
    theirs = Closure.objects.create(business=world.foreign.business, date=date(2026, 12, 25))
    client = world.client("owner")
    assert client.get(url(world, "closures/")).json()["results"] == []
    assert client.delete(url(world, f"closures/{theirs.pk}/")).status_code == 404
    assert Closure.objects.filter(pk=theirs.pk).exists()
    assert world.client("outsider").get(url(world, "closures/")).status_code == 404


# --- Order and booking settings ------------------------------------------------------------------------


def test_a_business_without_order_settings_shows_it_takes_no_orders_and_a_change_creates_them(world):
    client = world.client("manager")
    assert client.get(url(world, "order-settings/")).json() == {
        "accepting_orders": False, "lead_time_minutes": 20, "max_quantity_per_line": 20, "max_days_ahead": 1,
    }  # fmt: skip
    response = client.patch(url(world, "order-settings/"), {"lead_time_minutes": 30}, format="json")
    assert response.status_code == 200
    assert response.json()["accepting_orders"] is False  # still off until someone says so
    response = client.patch(url(world, "order-settings/"), {"accepting_orders": True}, format="json")
    settings = OrderSettings.objects.get(business=world.own.business)
    assert (settings.accepting_orders, settings.lead_time_minutes) == (True, 30)
    assert world.client("staff").get(url(world, "order-settings/")).json()["accepting_orders"] is True


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"lead_time_minutes": 241}, "lead_time_minutes", "Ensure this value is less than or equal to 240."),
        ({"max_quantity_per_line": 0}, "max_quantity_per_line", "Ensure this value is greater than or equal to 1."),
        ({"max_days_ahead": -1}, "max_days_ahead", "Ensure this value is greater than or equal to 0."),
        ({"max_days_ahead": "1"}, "max_days_ahead", "A valid integer is required."),
        ({"accepting_orders": "yes"}, "accepting_orders", "Must be a valid boolean."),
    ],
)
def test_order_settings_refusals(world, body, field, message):
    response = world.client("owner").patch(url(world, "order-settings/"), body, format="json")
    assert response.status_code == 400
    assert response.json()[field][0].startswith(message), response.json()
    assert not OrderSettings.objects.exists()


def test_reservation_settings_change_and_their_rules(world, taking_bookings):
    ReservationSettings.objects.create(business=world.own.business, accepting_reservations=True)
    client = world.client("manager")
    response = client.patch(url(world, "reservation-settings/"), {"seats_per_slot": 20, "auto_confirm": False},
                            format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    assert (response.json()["seats_per_slot"], response.json()["auto_confirm"]) == (20, False)
    response = client.patch(url(world, "reservation-settings/"), {"max_party_size": 21}, format="json")
    assert response.status_code == 400
    assert response.json() == {"max_party_size": ["The largest party cannot exceed the seats per slot."]}
    response = client.patch(url(world, "reservation-settings/"), {"dining_minutes": 10, "slot_minutes": 15},
                            format="json")  # fmt: skip
    assert response.json() == {"dining_minutes": ["A booking lasts at least one slot."]}
    settings = ReservationSettings.objects.get(business=world.own.business)
    assert (settings.max_party_size, settings.dining_minutes, settings.slot_minutes) == (8, 90, 30)
    other = ReservationSettings.objects.get(business=taking_bookings.business)  # another business's, untouched
    assert other.seats_per_slot == 10


def test_reservation_settings_start_off_and_are_staff_readable(world):
    assert world.client("staff").get(url(world, "reservation-settings/")).json()["accepting_reservations"] is False
    response = world.client("owner").patch(url(world, "reservation-settings/"), {"horizon_days": 90}, format="json")
    assert response.json()["accepting_reservations"] is False
    assert ReservationSettings.objects.get(business=world.own.business).horizon_days == 90


def test_settings_are_managers_and_hidden_from_outsiders(world):
    for tail in ("order-settings/", "reservation-settings/"):
        assert world.client("staff").patch(url(world, tail), {}, format="json").status_code == 403
        assert world.client("outsider").get(url(world, tail)).status_code == 404
        assert world.client("outsider").patch(url(world, tail), {}, format="json").status_code == 404
    assert not OrderSettings.objects.exists()
    assert not ReservationSettings.objects.exists()
