"""The calls endpoints: live calls for everyone in the business, the history and its details for managers up."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from orders.models import OrderSettings
from orders.services import order_place
from reservations.models import ReservationSettings
from reservations.services import reservation_book
from telephony import services
from telephony.models import ActiveCall, CallRecord
from tests.conftest import ROME

pytestmark = pytest.mark.django_db


def calls_url(world, suffix=""):
    return f"/api/v1/businesses/{world.own.business.pk}/calls/{suffix}"


_ids = iter(range(1, 10**6))


def record(number, *, started_at, business=None, caller="+393331112222", status="completed",
           reason="caller_hangup", **fields) -> CallRecord:  # fmt: skip
    """A finished (or rejected) call as the call services leave it."""
    ended = fields.pop("ended_at", started_at + timedelta(seconds=60))
    return CallRecord.objects.create(
        business=business or number.business, sip_number=number, dialed_number=number.number, caller_number=caller,
        sip_call_id=f"history-{next(_ids)}", started_at=started_at, ended_at=ended,
        duration_seconds=(ended - started_at).total_seconds(), status=status, reason=reason, **fields,
    )  # fmt: skip


def rome(*args) -> datetime:
    return datetime(*args, tzinfo=ROME)


# --- live calls ---------------------------------------------------------------------------------


def test_live_calls_show_caller_number_label_start_and_duration_so_far(world, make_number, make_live_call):
    orders = world.own.number
    live = make_live_call(orders, caller="+393339998888")
    ActiveCall.objects.filter(pk=live.pk).update(started_at=timezone.now() - timedelta(seconds=42))
    make_live_call(make_number(business=world.foreign.business))  # the outsider's, not shown
    response = world.client("staff").get(calls_url(world, "live/"))
    assert response.status_code == 200
    [call] = response.json()["results"]
    assert call["id"] == live.call_record_id  # the call's id in the history
    assert call["caller"] == "+393339998888"
    assert call["number"] == {"id": orders.pk, "number": orders.number, "label": "Orders"}
    assert 42 <= call["duration_seconds"] < 60  # measured on the database's clock
    assert call["stale"] is False


def test_a_live_call_without_heartbeat_past_the_lease_is_marked_stale(world, make_live_call, settings):
    live = make_live_call(world.own.number)
    past = timezone.now() - timedelta(seconds=settings.CALL_LEASE_SECONDS + 5)
    ActiveCall.objects.filter(pk=live.pk).update(started_at=past, last_heartbeat_at=past)
    [call] = world.client("staff").get(calls_url(world, "live/")).json()["results"]
    assert call["stale"] is True


def test_a_call_admitted_and_ended_through_the_services_appears_then_leaves_the_live_list(world):
    number = world.own.number
    admission = services.call_admit(called=number.number, caller="333 444 5555", sip_call_id="SCL_live", room_name="r")
    client = world.client("staff")
    [call] = client.get(calls_url(world, "live/")).json()["results"]
    assert call["caller"] == "+393334445555"
    services.call_end(active_call_id=admission.active_call_id, reason="caller_hangup")
    assert client.get(calls_url(world, "live/")).json()["results"] == []
    [ended] = world.client("manager").get(calls_url(world)).json()["results"]
    assert ended["id"] == admission.call_record_id
    assert (ended["status"], ended["reason"]) == ("completed", "caller_hangup")


def test_outsiders_get_404_for_live_calls_history_and_details(world):
    client = world.client("outsider")
    for url in (calls_url(world, "live/"), calls_url(world), calls_url(world, f"{world.own.call.pk}/")):
        assert client.get(url).status_code == 404, url


def test_staff_see_live_calls_but_not_the_history(world):
    client = world.client("staff")
    assert client.get(calls_url(world, "live/")).status_code == 200
    assert client.get(calls_url(world)).status_code == 403
    assert client.get(calls_url(world, f"{world.own.call.pk}/")).status_code == 403


# --- history --------------------------------------------------------------------------------------


def test_history_lists_the_business_calls_newest_first_rejected_ones_included(world, make_number):
    number = world.own.number
    old = record(number, started_at=timezone.now() - timedelta(hours=2))
    busy = record(number, started_at=timezone.now() - timedelta(hours=1), status="rejected", reason="number_busy",
                  ended_at=timezone.now() - timedelta(hours=1))  # fmt: skip
    record(make_number(business=world.foreign.business), started_at=timezone.now())  # the outsider's
    results = world.client("manager").get(calls_url(world)).json()["results"]
    assert [c["id"] for c in results] == [busy.pk, old.pk]
    assert results[0]["status"] == "rejected" and results[0]["reason"] == "number_busy"
    assert results[1]["number"] == {"id": number.pk, "number": number.number, "label": "Orders"}
    assert results[1]["duration_seconds"] == 60.0
    assert results[1]["orders_created"] == 0 and results[1]["reservations_created"] == 0
    assert "transcript" not in results[1]  # the detail has it


def test_history_pages_with_a_cursor_without_repeats(world):
    for minutes in range(5):
        record(world.own.number, started_at=timezone.now() - timedelta(minutes=minutes))
    client = world.client("owner")
    first = client.get(calls_url(world), {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    ids = [c["id"] for c in first["results"] + second["results"]]
    assert len(ids) == 5 == len(set(ids))
    assert second["next"] is None


def test_date_range_is_in_the_business_time_zone_both_days_included(world):
    number = world.own.number
    # 23:30 in Rome on 12 June is 21:30 UTC: a call of the 12th. 00:30 on the 14th is 22:30 UTC on the 13th.
    late_12th = record(number, started_at=rome(2026, 6, 12, 23, 30))
    early_13th = record(number, started_at=rome(2026, 6, 13, 0, 10))
    late_13th = record(number, started_at=rome(2026, 6, 13, 23, 59))
    early_14th = record(number, started_at=rome(2026, 6, 14, 0, 30))
    client = world.client("manager")

    def ids(**params):
        response = client.get(calls_url(world), params)
        assert response.status_code == 200, response.content
        return {c["id"] for c in response.json()["results"]}

    assert ids(**{"from": "2026-06-13", "to": "2026-06-13"}) == {early_13th.pk, late_13th.pk}
    assert ids(**{"from": "2026-06-13"}) == {early_13th.pk, late_13th.pk, early_14th.pk}
    assert ids(to="2026-06-12") == {late_12th.pk}


def test_filter_by_status_reason_and_number(world, make_number):
    orders = world.own.number
    bookings = make_number(business=world.own.business, label="Reservations")
    hung_up = record(orders, started_at=timezone.now() - timedelta(minutes=3))
    transferred = record(bookings, started_at=timezone.now() - timedelta(minutes=2), reason="transferred")
    busy = record(orders, started_at=timezone.now() - timedelta(minutes=1), status="rejected", reason="number_busy",
                  ended_at=timezone.now() - timedelta(minutes=1))  # fmt: skip
    client = world.client("manager")

    def ids(**params):
        return [c["id"] for c in client.get(calls_url(world), params).json()["results"]]

    assert ids(status="rejected") == [busy.pk]
    assert ids(reason="transferred") == [transferred.pk]
    assert ids(number=orders.pk) == [busy.pk, hung_up.pk]
    assert ids(number=orders.pk, status="completed") == [hung_up.pk]


def test_caller_filter_takes_the_number_in_any_format(world):
    mine = record(world.own.number, started_at=timezone.now(), caller="+393331234567")
    record(world.own.number, started_at=timezone.now(), caller="+393339999999")
    client = world.client("manager")
    for typed in ("333 123 4567", "+39 333 123 4567", "+39-333-1234567", "00393331234567"):
        results = client.get(calls_url(world), {"caller": typed}).json()["results"]
        assert [c["id"] for c in results] == [mine.pk], typed


def test_another_business_number_is_refused_as_unknown_like_a_number_that_does_not_exist(world, make_number):
    theirs = make_number(business=world.foreign.business, label="Theirs")
    record(theirs, started_at=timezone.now())
    client = world.client("manager")
    foreign = client.get(calls_url(world), {"number": theirs.pk})
    missing = client.get(calls_url(world), {"number": 10**9})
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json() == missing.json() == {"number": ["This business has no number with this id."]}


def test_a_number_the_business_held_before_still_filters_its_calls_without_the_new_holders_label(world, stakeholder):
    number = world.own.number
    ours = record(number, started_at=timezone.now() - timedelta(hours=1))
    services.number_assign(sip_number=number, business=world.foreign.business, by=stakeholder)
    services.number_update(sip_number=number, by=stakeholder, label="Sushi takeaway")
    results = world.client("manager").get(calls_url(world), {"number": number.pk}).json()["results"]
    assert [c["id"] for c in results] == [ours.pk]
    assert results[0]["number"] == {"id": number.pk, "number": number.number, "label": ""}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-06-14", "to": "2026-06-13"}, "to"),
        ({"from": "0001-01-01"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"number": "abc"}, "number"),
        ({"number": "0"}, "number"),
        ({"number": str(2**70)}, "number"),
        ({"status": "lost"}, "status"),
        ({"reason": "because"}, "reason"),
        ({"caller": "not a phone"}, "caller"),
        ({"caller": "1" * 65}, "caller"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_parameter(world, params, field):
    response = world.client("manager").get(calls_url(world), params)
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]


def test_unknown_parameters_and_pagination_ones_are_not_filters(world):
    record(world.own.number, started_at=timezone.now())
    response = world.client("manager").get(calls_url(world), {"page_size": 1, "colour": "blue"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


# --- detail ---------------------------------------------------------------------------------------


@pytest.fixture
def saturday_evening(world, at, make_menu, trattoria_hours):
    """The own business open, taking orders and bookings, on Saturday 13 June 2026 at 18:00 in Rome."""
    business = world.own.business
    trattoria_hours(business)
    OrderSettings.objects.create(business=business, lead_time_minutes=20, max_quantity_per_line=10, max_days_ahead=1)
    ReservationSettings.objects.create(
        business=business, slot_minutes=30, seats_per_slot=10, max_party_size=6, dining_minutes=90,
        lead_minutes=60, horizon_days=30, last_seating_minutes=30,
    )  # fmt: skip
    at(2026, 6, 13, 18, 0)
    return make_menu(business)


def test_detail_has_transcript_usage_and_what_the_call_made(world, saturday_evening):
    business, call, menu = world.own.business, world.own.call, saturday_evening
    first = order_place(business=business, items=[{"item_id": menu.cola.pk, "quantity": 2}], customer_name="Giulia",
                        customer_phone="333 123 4567", call=call)  # fmt: skip
    second = order_place(business=business, items=[{"item_id": menu.diavola.pk, "quantity": 1}],
                         customer_name="Giulia", customer_phone="333 123 4567", call=call)  # fmt: skip
    booking = reservation_book(business=business, starts_at=rome(2026, 6, 13, 20, 0), party_size=4, name="Rossi",
                               phone="333 123 4567", call=call)  # fmt: skip
    response = world.client("manager").get(calls_url(world, f"{call.pk}/"))
    assert response.status_code == 200
    body = response.json()
    assert body["transcript"] == [
        {"role": "caller", "text": "Una margherita, per favore."},
        {"role": "agent", "text": "Certo!"},
    ]
    assert body["usage"] == {"models": [{"model": "scripted", "input_tokens": 100}]}
    assert (body["status"], body["reason"], body["duration_seconds"]) == ("completed", "caller_hangup", 95.0)
    assert [(o["id"], o["ticket_number"]) for o in body["orders"]] == [(first.pk, 1), (second.pk, 2)]
    assert body["orders"][0]["total"] == "6.00" and body["orders"][0]["status"] == "new"
    assert body["reservations"] == [
        {"id": booking.pk, "name": "Rossi", "party_size": 4, "starts_at": body["reservations"][0]["starts_at"],
         "status": "confirmed"}
    ]  # fmt: skip
    assert datetime.fromisoformat(body["reservations"][0]["starts_at"]) == rome(2026, 6, 13, 20, 0)
    listed = world.client("manager").get(calls_url(world)).json()["results"]
    assert (listed[0]["orders_created"], listed[0]["reservations_created"]) == (2, 1)


def test_detail_of_another_business_call_is_404(world):
    response = world.client("owner").get(calls_url(world, f"{world.foreign.call.pk}/"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_detail_makes_a_fixed_number_of_queries(world, saturday_evening, django_assert_num_queries):
    business, call, menu = world.own.business, world.own.call, saturday_evening
    for _ in range(3):
        order_place(business=business, items=[{"item_id": menu.cola.pk, "quantity": 1}], customer_name="G",
                    customer_phone="333 123 4567", call=call)  # fmt: skip
    client = world.client("manager")
    with django_assert_num_queries(3):  # the call with its number, its orders, its reservations
        assert client.get(calls_url(world, f"{call.pk}/")).status_code == 200
