"""The orders endpoints: staff list and read a business's orders, move them on, and place counter orders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from orders import services
from orders.models import MenuCategory, MenuItem, Modifier, ModifierGroup, Order, OrderStatusChange
from panbot.models import Event
from tests.api.world import api_client
from tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")


def orders_url(world, business=None):
    return f"/api/v1/businesses/{(business or world.own.business).pk}/orders/"


def order_url(world, order, suffix=""):
    return f"{orders_url(world)}{order.pk}/{suffix}"


def place(tenant, **overrides):
    """An order of `tenant` placed as the phone agent does (one Margherita with burrata unless told)."""
    tenant.kitchen  # noqa: B018 (open and taking orders)
    fields = {
        "items": [{"item_id": tenant.menu_item.pk, "modifier_ids": [tenant.modifier.pk]}],
        "customer_name": "Giulia",
        "customer_phone": "+393331234567",
    }
    return services.order_place(business=tenant.business, **{**fields, **overrides})


def move(world, order, persona="staff", **body):
    return world.client(persona).post(order_url(world, order, "transition/"), body, format="json")


# --- Reading -----------------------------------------------------------------------------------------


def test_list_shows_the_business_orders_newest_first_with_lines_and_totals(world):
    first = place(world.own)
    second = place(world.own, items=[{"item_id": world.own.menu_item.pk, "quantity": 3, "notes": "well done"}])
    place(world.foreign)
    response = world.client("staff").get(orders_url(world))
    assert response.status_code == 200
    body = response.json()
    assert [o["id"] for o in body["results"]] == [second.pk, first.pk]
    shown = body["results"][1]
    assert shown["status"] == "new"
    assert shown["channel"] == "phone"
    assert shown["customer_name"] == "Giulia"
    assert shown["customer_phone"] == "+393331234567"
    assert shown["subtotal"] == shown["total"] == "11.00"  # 8.00 + burrata 3.00
    assert shown["lines"] == [
        {
            "item_id": world.own.menu_item.pk,
            "name": "Margherita",
            "quantity": 1,
            "unit_price": "11.00",
            "line_total": "11.00",
            "notes": "",
            "modifiers": [
                {"modifier_id": world.own.modifier.pk, "group": "Extras", "name": "Burrata", "price_delta": "3.00"}
            ],
        }
    ]
    assert body["results"][0]["lines"][0]["line_total"] == "24.00"
    assert body["results"][0]["lines"][0]["notes"] == "well done"
    assert "history" not in shown


def test_times_are_shown_in_the_business_zone(world):
    order = place(world.own)
    shown = world.client("staff").get(order_url(world, order)).json()
    pickup = datetime.fromisoformat(shown["pickup_at"])
    assert pickup == order.pickup_at
    assert pickup.utcoffset() == order.pickup_at.astimezone(ROME).utcoffset()


def test_status_filter_takes_one_or_several_statuses(world):
    new = place(world.own)
    accepted = place(world.own)
    cancelled = place(world.own)
    services.order_transition(business=world.own.business, order_id=accepted.pk, to_status="accepted")
    services.order_transition(business=world.own.business, order_id=cancelled.pk, to_status="cancelled")
    client = world.client("staff")

    def ids(query):
        response = client.get(orders_url(world) + query)
        assert response.status_code == 200, response.content
        return {o["id"] for o in response.json()["results"]}

    assert ids("?status=new") == {new.pk}
    assert ids("?status=new&status=accepted") == {new.pk, accepted.pk}
    assert ids("") == {new.pk, accepted.pk, cancelled.pk}


def test_an_unknown_status_or_day_in_the_filter_is_a_400_naming_it(world):
    client = world.client("staff")
    response = client.get(orders_url(world) + "?status=lost")
    assert response.status_code == 400
    assert response.json() == {"status": {"0": ['"lost" is not a valid choice.']}}
    response = client.get(orders_url(world) + "?day=13-06-2026")
    assert response.status_code == 400
    assert list(response.json()) == ["day"]


def test_day_filter_is_the_pickup_date_on_the_business_calendar(world, at):
    at(2026, 6, 13, 22, 0)  # Saturday evening in Rome (20:00 UTC)
    late = place(world.own, pickup_at=datetime(2026, 6, 13, 23, 30))  # naive: Rome's clock
    after_midnight = place(world.own, pickup_at=datetime(2026, 6, 14, 0, 30))  # still the 13th in UTC
    assert after_midnight.pickup_at.astimezone(ZoneInfo("UTC")).date().isoformat() == "2026-06-13"
    client = world.client("staff")

    def ids(day):
        return {o["id"] for o in client.get(orders_url(world), {"day": day}).json()["results"]}

    assert ids("2026-06-13") == {late.pk}
    assert ids("2026-06-14") == {after_midnight.pk}
    assert ids("2026-06-15") == set()
    assert ids("0001-01-01") == set()  # the ends of the calendar are empty days, not errors


def test_detail_shows_the_call_and_the_status_history(world, make_live_call, at):
    at(2026, 6, 13, 18, 0)
    call = make_live_call(world.own.number, caller="+393331234567").call_record
    order = place(world.own, call=call)
    at(2026, 6, 13, 18, 2)
    move(world, order, to_status="accepted")
    at(2026, 6, 13, 18, 3)
    move(world, order, to_status="preparing")
    shown = world.client("manager").get(order_url(world, order)).json()
    assert shown["call"] == {"id": call.pk, "caller_number": "+393331234567", "started_at": "2026-06-13T18:00:00+02:00"}
    assert shown["status"] == "preparing"
    assert shown["history"] == [
        {"from_status": "", "to_status": "new", "changed_by": None, "reason": "placed",
         "at": "2026-06-13T18:00:00+02:00"},
        {"from_status": "new", "to_status": "accepted", "changed_by": world.users["staff"].username, "reason": "",
         "at": "2026-06-13T18:02:00+02:00"},
        {"from_status": "accepted", "to_status": "preparing", "changed_by": world.users["staff"].username,
         "reason": "", "at": "2026-06-13T18:03:00+02:00"},
    ]  # fmt: skip


def test_outsiders_see_none_of_it(world):
    order = place(world.own)
    outsider = world.client("outsider")
    for response in (
        outsider.get(orders_url(world)),
        outsider.get(order_url(world, order)),
        outsider.post(order_url(world, order, "transition/"), {"to_status": "accepted"}, format="json"),
        outsider.post(orders_url(world), {}, format="json"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    # Nor can a member reach another business's order through their own business's URL.
    foreign = place(world.foreign)
    owner = world.client("owner")
    assert owner.get(order_url(world, foreign)).status_code == 404
    response = move(world, foreign, "owner", to_status="cancelled")
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "new"


# --- Moving orders on ---------------------------------------------------------------------------------


def test_accept_with_a_prep_time_moves_an_earlier_pickup_later(world, at):
    at(2026, 6, 13, 18, 0)
    order = place(world.own)  # the earliest: now (no lead time in this kitchen)
    assert order.pickup_at.astimezone(ROME) == datetime(2026, 6, 13, 18, 0, tzinfo=ROME)
    at(2026, 6, 13, 18, 1)
    response = move(world, order, to_status="accepted", prep_minutes=22)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert response.json()["pickup_at"] == "2026-06-13T18:25:00+02:00"  # 18:23 rounded up to 5 minutes
    event = Event.objects.filter(type="order.updated").get()
    assert event.payload["pickup_at"] == "2026-06-13T18:25:00+02:00"
    assert event.payload["previous_status"] == "new"


def test_accept_with_a_prep_time_keeps_a_later_pickup(world, at):
    at(2026, 6, 13, 18, 0)
    order = place(world.own, pickup_at=datetime(2026, 6, 13, 20, 0))
    response = move(world, order, to_status="accepted", prep_minutes=30)
    assert response.status_code == 200
    assert response.json()["pickup_at"] == "2026-06-13T20:00:00+02:00"


def test_reject_with_a_reason_keeps_the_reason_in_the_history(world):
    order = place(world.own)
    response = move(world, order, to_status="cancelled", reason="Out of mozzarella")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["history"][-1]["reason"] == "Out of mozzarella"
    step = OrderStatusChange.objects.filter(order=order).last()
    assert (step.from_status, step.to_status, step.changed_by) == ("new", "cancelled", world.users["staff"])


def test_the_kitchen_path_to_completed(world):
    order = place(world.own)
    for status in ("accepted", "preparing", "ready", "completed"):
        response = move(world, order, to_status=status)
        assert response.status_code == 200, response.content
        assert response.json()["status"] == status
    assert Event.objects.filter(type="order.updated").count() == 4


@pytest.mark.parametrize(
    ("setup", "body", "errors"),
    [
        ([], {"to_status": "ready"},
         {"to_status": ["Order #1 is new; it can move to accepted or cancelled, not ready."]}),
        (["accepted"], {"to_status": "accepted"}, {"to_status": ["Order #1 is already accepted."]}),
        (["cancelled"], {"to_status": "accepted"},
         {"to_status": ["Order #1 was cancelled; it cannot change any more."]}),
        ([], {"to_status": "eaten"}, {"to_status": ["'eaten' is not an order status."]}),
        ([], {"to_status": "preparing", "prep_minutes": 10},
         {"prep_minutes": ["A prep time goes only with accepting an order."]}),
        ([], {"to_status": "accepted", "prep_minutes": 0},
         {"prep_minutes": ["Give the prep time in minutes, from 1 to 240."]}),
        ([], {"to_status": "accepted", "prep_minutes": 241},
         {"prep_minutes": ["Give the prep time in minutes, from 1 to 240."]}),
        ([], {"to_status": "cancelled", "reason": "x" * 201}, {"reason": ["Keep the reason under 200 characters."]}),
        ([], {"to_status": "accepted", "prep_minutes": "10"}, {"prep_minutes": ["A valid integer is required."]}),
        ([], {"status": "accepted"}, {"status": ["Unknown field."], "to_status": ["This field is required."]}),
    ],
)  # fmt: skip
def test_a_refused_move_is_a_400_with_the_lifecycle_sentence_and_changes_nothing(world, setup, body, errors):
    order = place(world.own)
    for status in setup:
        services.order_transition(business=world.own.business, order_id=order.pk, to_status=status)
    before = Order.objects.get(pk=order.pk)
    events = Event.objects.count()
    response = move(world, order, **body)
    assert response.status_code == 400
    assert response.json() == errors
    after = Order.objects.get(pk=order.pk)
    assert (after.status, after.pickup_at) == (before.status, before.pickup_at)
    assert Event.objects.count() == events


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_of_one_order_let_exactly_one_win(world):
    order = place(world.own)
    clients = [world.client("staff"), world.client("manager"), world.client("owner"), world.client("staff")]
    results = run_concurrently(
        len(clients),
        lambda i: move_with(clients[i], world, order, {"to_status": "accepted", "prep_minutes": 10 + i}),
    )
    statuses = sorted(status for kind, (status, _body) in results if kind == "ok")
    assert statuses == [200, 400, 400, 400], results
    refusals = [body for kind, (status, body) in results if status == 400]
    assert all(body == {"to_status": [f"Order #{order.ticket_number} is already accepted."]} for body in refusals)
    assert list(OrderStatusChange.objects.filter(order=order).values_list("to_status", flat=True)) == [
        "new",
        "accepted",
    ]
    assert Event.objects.filter(type="order.updated").count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_accept_racing_a_cancel_never_revives_a_cancelled_order(world):
    """Applied one after the other under the row lock: cancel then accept (refused), or accept then cancel."""
    outcomes = set()
    for _round in range(6):
        order = place(world.own)
        calls = [
            (world.client("staff"), {"to_status": "accepted"}),
            (world.client("manager"), {"to_status": "cancelled", "reason": "Customer called back"}),
        ]
        results = run_concurrently(2, lambda i, o=order, calls=calls: move_with(calls[i][0], world, o, calls[i][1]))
        assert all(kind == "ok" for kind, _ in results), results
        accepted, cancelled = (status for _kind, (status, _body) in results)
        assert cancelled == 200  # a new or an accepted order may always be cancelled
        order.refresh_from_db()
        assert order.status == "cancelled"
        steps = list(OrderStatusChange.objects.filter(order=order).values_list("from_status", "to_status"))
        if accepted == 200:  # the accept went first
            assert steps == [("", "new"), ("new", "accepted"), ("accepted", "cancelled")]
        else:  # the cancel went first and won alone
            assert accepted == 400
            assert steps == [("", "new"), ("new", "cancelled")]
        outcomes.add(accepted)
    assert outcomes <= {200, 400}


def move_with(client, world, order, body):
    response = client.post(order_url(world, order, "transition/"), body, format="json")
    return response.status_code, response.json()


# --- Placing an order at the counter -------------------------------------------------------------------


def counter_body(world, **overrides):
    world.own.kitchen  # noqa: B018 (open and taking orders)
    body = {
        "items": [
            {"item_id": world.own.menu_item.pk, "quantity": 2, "modifier_ids": [world.own.modifier.pk]},
            {"item_id": world.own.menu_item.pk, "notes": "no basil"},
        ],
        "customer_name": "Marco",
        "customer_phone": "333 987 6543",
        "notes": "Pays cash",
    }
    return {**body, **overrides}


def test_staff_place_a_counter_order_priced_from_the_menu(world, at):
    at(2026, 6, 13, 18, 0)
    body = counter_body(world, pickup_at="2026-06-13T19:30")  # naive: the business's clock
    body["items"][0]["unit_price"] = "0.01"  # not a field: refused below; a price is never taken from a client
    response = world.client("staff").post(orders_url(world), body, format="json")
    assert response.status_code == 400
    assert response.json() == {"items": {"0": {"unit_price": ["Unknown field."]}}}

    del body["items"][0]["unit_price"]
    response = world.client("staff").post(orders_url(world), body, format="json")
    assert response.status_code == 201, response.content
    shown = response.json()
    assert shown["channel"] == "staff"
    assert shown["status"] == "new"
    assert shown["customer_phone"] == "+393339876543"
    assert shown["pickup_at"] == "2026-06-13T19:30:00+02:00"
    assert shown["total"] == "30.00"  # 2 x (8.00 + 3.00) + 8.00
    assert [(line["quantity"], line["notes"]) for line in shown["lines"]] == [(2, ""), (1, "no basil")]
    assert shown["call"] is None
    assert shown["history"][0]["reason"] == "placed"
    order = Order.objects.get(pk=shown["id"])
    assert (order.business, order.channel, order.notes) == (world.own.business, "staff", "Pays cash")
    assert Event.objects.filter(type="order.created", business=world.own.business).count() == 1


def test_a_retried_counter_order_with_its_key_is_placed_once(world):
    body = counter_body(world, idempotency_key="till-1:order-77")
    client = world.client("staff")
    first = client.post(orders_url(world), body, format="json")
    again = client.post(orders_url(world), body, format="json")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Order.objects.count() == 1


def test_an_item_or_option_of_another_business_is_refused_exactly_like_an_unknown_one(world):
    theirs_item = MenuItem.objects.create(
        business=world.foreign.business,
        category=MenuCategory.objects.create(business=world.foreign.business, name="Sushi"),
        name="Nigiri",
        price=Decimal("4.00"),
    )
    theirs_option = Modifier.objects.create(
        group=ModifierGroup.objects.create(item=theirs_item, name="Sauce"), name="Wasabi"
    )
    unknown = max(MenuItem.objects.latest("pk").pk, Modifier.objects.latest("pk").pk) + 1000
    client = world.client("staff")

    def refusal(item_id, modifier_ids=()):
        body = counter_body(world, items=[{"item_id": item_id, "modifier_ids": list(modifier_ids)}])
        response = client.post(orders_url(world), body, format="json")
        assert response.status_code == 400
        return response.json()

    assert refusal(theirs_item.pk) == {"items": [f"Item {theirs_item.pk} is not on our menu."]}
    assert refusal(unknown) == {"items": [f"Item {unknown} is not on our menu."]}
    mine = world.own.menu_item.pk
    option = theirs_option.pk
    assert refusal(mine, [option]) == {"items": [f"Option {option} is not offered with Margherita."]}
    assert refusal(mine, [unknown]) == {"items": [f"Option {unknown} is not offered with Margherita."]}
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"items": []}, {"items": ["Add at least one item to the order."]}),
        ({"customer_name": " "}, {"customer_name": ["Tell us a name for the order."]}),
        ({"customer_phone": "12"},
         {"customer_phone": ["That phone number does not look right; please say it again with the area code."]}),
        ({"pickup_at": "2026-06-20T19:30"}, {"pickup_at": ["We take pickup orders for today or tomorrow only."]}),
        ({"items": "Margherita"}, {"items": {"non_field_errors": ['Expected a list of items but got type "str".']}}),
        ({"business": 1}, {"business": ["Unknown field."]}),
        ({"channel": "phone"}, {"channel": ["Unknown field."]}),
    ],
)  # fmt: skip
def test_a_refused_counter_order_is_a_400_with_the_service_sentences(world, at, overrides, errors):
    at(2026, 6, 13, 18, 0)
    response = world.client("staff").post(orders_url(world), counter_body(world, **overrides), format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert not Order.objects.exists()


def test_a_sold_out_item_cannot_be_ordered_at_the_counter_either(world):
    services.menu_item_set_available(business=world.own.business, item_id=world.own.menu_item.pk, is_available=False)
    response = world.client("staff").post(orders_url(world), counter_body(world), format="json")
    assert response.status_code == 400
    assert response.json() == {"items": ["Margherita is sold out today."]}


def test_anonymous_is_401(world):
    assert api_client().get(orders_url(world)).status_code == 401
