"""`order_place`: what is saved, ticket numbers, idempotency, and finding a caller's orders."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.models import Order, OrderItem, OrderItemModifier, OrderStatusChange, TicketCounter
from orders.selectors import order_find_for_caller, order_get
from orders.services import order_place
from panbot.models import Event
from telephony.models import CallRecord
from tests.conftest import ROME

pytestmark = pytest.mark.django_db

SATURDAY = (2026, 6, 13)
CALLER = "+393331234567"


def place(business, menu, **overrides):
    fields = {
        "business": business,
        "items": [
            {"item_id": menu.margherita.pk, "quantity": 2, "modifier_ids": [menu.maxi.pk, menu.burrata.pk],
             "notes": "well done"},
            {"item_id": menu.cola.pk, "quantity": 1},
        ],
        "customer_name": "Giulia",
        "customer_phone": "333 123 4567",
    }  # fmt: skip
    fields.update(overrides)
    return order_place(**fields)


@pytest.fixture
def saturday(at, taking_orders):
    at(*SATURDAY, 18, 0)


def test_order_is_saved_with_snapshots_history_and_an_event(business, menu, saturday):
    order = place(business, menu, notes="  ring the bell  ")
    order.refresh_from_db()
    assert (order.status, order.channel, order.fulfilment) == ("new", "phone", "pickup")
    assert (order.customer_name, order.customer_phone) == ("Giulia", CALLER)  # stored in E.164
    assert (order.subtotal, order.total, order.currency) == (Decimal("33.00"), Decimal("33.00"), "EUR")
    assert order.pickup_at == datetime(*SATURDAY, 19, 20, tzinfo=ROME)
    assert (order.ticket_date.isoformat(), order.ticket_number) == ("2026-06-13", 1)
    assert order.notes == "ring the bell"
    lines = list(order.lines.order_by("position"))
    assert [(ln.name, ln.quantity, ln.unit_price, ln.line_total, ln.notes) for ln in lines] == [
        ("Margherita", 2, Decimal("15.00"), Decimal("30.00"), "well done"),
        ("Coca-Cola", 1, Decimal("3.00"), Decimal("3.00"), ""),
    ]
    assert [(m.group_name, m.name, m.price_delta) for m in lines[0].modifiers.all()] == [
        ("Size", "Maxi", Decimal("4.00")),
        ("Extra toppings", "Burrata", Decimal("3.00")),
    ]
    assert list(order.status_changes.values_list("from_status", "to_status")) == [("", "new")]
    event = Event.objects.get(type="order.created")
    assert event.business_id == business.pk
    assert event.payload["order_id"] == order.pk
    assert event.payload["ticket_number"] == 1 and event.payload["total"] == "33.00"
    assert event.payload["pickup_at"] == "2026-06-13T19:20:00+02:00"
    assert event.payload["lines"][0] == {
        "name": "Margherita", "quantity": 2, "modifiers": ["Maxi", "Burrata"], "notes": "well done",
        "unit_price": "15.00", "line_total": "30.00",
    }  # fmt: skip


def test_later_price_changes_do_not_touch_placed_orders(business, menu, saturday):
    order = place(business, menu)
    menu.margherita.price = Decimal("99.00")
    menu.margherita.save()
    menu.margherita.delete()  # even gone from the menu, the line keeps its name and price
    line = OrderItem.objects.get(order=order, name="Margherita")
    assert (line.menu_item_id, line.unit_price) == (None, Decimal("15.00"))


def test_order_is_linked_to_its_call(business, menu, saturday):
    call = CallRecord.objects.create(business=business, sip_call_id="call-1", started_at=timezone.now())
    order = place(business, menu, call=call)
    assert list(call.orders.all()) == [order]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"customer_name": "  "}, "customer_name", "Tell us a name for the order."),
        ({"customer_name": "x" * 101}, "customer_name", "Give a shorter name for the order; at most 100 characters."),
        ({"customer_phone": ""}, "customer_phone", "We need a phone number to reach you about the order."),
        ({"customer_phone": "12"}, "customer_phone",
         "That phone number does not look right; please say it again with the area code."),
        ({"notes": "x" * 501}, "notes", "The order note is too long; keep it under 500 characters."),
        ({"idempotency_key": "k" * 101}, "idempotency_key", "The idempotency key is at most 100 characters."),
        ({"channel": "fax"}, "channel", "Channel must be one of phone, staff, online."),
    ],
)  # fmt: skip
def test_customer_details_are_validated(business, menu, saturday, overrides, field, message):
    with pytest.raises(ValidationError) as exc:
        place(business, menu, **overrides)
    assert exc.value.message_dict == {field: [message]}


def test_a_call_to_another_restaurant_is_refused(business, outsider_business, menu, saturday):
    call = CallRecord.objects.create(business=outsider_business, sip_call_id="call-2", started_at=timezone.now())
    with pytest.raises(ValidationError) as exc:
        place(business, menu, call=call)
    assert exc.value.message_dict == {"call": ["This call was not made to this restaurant."]}


def test_a_refused_order_writes_nothing(business, menu, saturday):
    with pytest.raises(ValidationError) as exc:
        place(business, menu, items=[{"item_id": menu.lasagne.pk}], customer_name="")
    assert set(exc.value.message_dict) == {"items", "customer_name"}
    assert not Order.objects.exists() and not Event.objects.exists() and not TicketCounter.objects.exists()


# --- Ticket numbers --------------------------------------------------------------------------------------


def test_ticket_numbers_count_per_business_and_restart_each_local_day(
    business, outsider_business, menu, make_menu, taking_orders, trattoria_hours, at
):
    from orders.models import OrderSettings

    theirs = make_menu(outsider_business)
    trattoria_hours(outsider_business)
    OrderSettings.objects.create(business=outsider_business)
    at(*SATURDAY, 18, 0)
    assert [place(business, menu).ticket_number for _ in range(3)] == [1, 2, 3]
    assert place(outsider_business, theirs).ticket_number == 1
    at(*SATURDAY, 23, 59)  # still Saturday in Rome (21:59 UTC)
    assert place(business, menu).ticket_number == 4
    at(2026, 6, 14, 0, 1)  # Sunday in Rome, though still Saturday in UTC
    sunday = place(business, menu)
    assert (sunday.ticket_date.isoformat(), sunday.ticket_number) == ("2026-06-14", 1)


def test_the_database_refuses_a_duplicate_ticket(business, menu, saturday):
    order = place(business, menu)
    clone = Order.objects.get(pk=order.pk)
    clone.pk = None
    clone.idempotency_key = None
    with pytest.raises(IntegrityError, match="order_unique_daily_ticket"), transaction.atomic():
        clone.save()


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("total", Decimal("-1"), "order_totals_non_negative"),
        ("status", "lost", "order_status_valid"),
        ("customer_phone", "333", "order_phone_e164"),
        ("idempotency_key", "", "order_idempotency_key_not_empty"),
    ],
)
def test_database_refuses_impossible_orders(business, menu, saturday, field, value, constraint):
    order = place(business, menu)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(**{field: value})


def test_database_refuses_an_inconsistent_line_total(business, menu, saturday):
    line = place(business, menu).lines.first()
    with pytest.raises(IntegrityError, match="orderitem_line_total_consistent"), transaction.atomic():
        OrderItem.objects.filter(pk=line.pk).update(line_total=Decimal("1.00"))


# --- Idempotency -------------------------------------------------------------------------------------------


def test_the_same_key_returns_the_same_order_once(business, menu, saturday):
    first = place(business, menu, idempotency_key="call-7:order-1")
    again = place(business, menu, idempotency_key="call-7:order-1")
    assert again.pk == first.pk
    assert Order.objects.count() == 1 and OrderItem.objects.count() == 2
    assert OrderItemModifier.objects.count() == 2 and OrderStatusChange.objects.count() == 1
    assert Event.objects.filter(type="order.created").count() == 1
    assert place(business, menu, idempotency_key="call-7:order-2").pk != first.pk


def test_a_repeated_call_gets_its_order_even_after_an_item_sells_out(business, menu, saturday, at):
    first = place(business, menu, idempotency_key="k1")
    menu.margherita.is_available = False
    menu.margherita.save()
    at(*SATURDAY, 23, 30)  # and after closing
    assert place(business, menu, idempotency_key="k1").pk == first.pk


def test_keys_belong_to_one_business(business, outsider_business, menu, make_menu, saturday, trattoria_hours):
    from orders.models import OrderSettings

    theirs = make_menu(outsider_business)
    trattoria_hours(outsider_business)
    OrderSettings.objects.create(business=outsider_business)
    mine = place(business, menu, idempotency_key="same-key")
    other = place(outsider_business, theirs, idempotency_key="same-key")
    assert other.pk != mine.pk and other.business == outsider_business


# --- Finding a caller's orders -------------------------------------------------------------------------------


def test_order_find_for_caller_recent_first_in_any_phone_format(business, outsider_business, menu, at, taking_orders):
    at(*SATURDAY, 12, 0)
    older = place(business, menu)
    at(*SATURDAY, 18, 0)
    newer = place(business, menu)
    place(business, menu, customer_phone="+39 333 765 4321")
    for phone in (CALLER, "333 123 4567", "+39-333-123-4567", "0039 333 1234567"):
        assert order_find_for_caller(business, phone) == [newer, older]
    assert order_find_for_caller(outsider_business, CALLER) == []
    assert order_find_for_caller(business, "not a number") == []
    assert order_find_for_caller(business, CALLER, limit=1) == [newer]


def test_order_find_for_caller_forgets_orders_after_a_week(business, menu, at, taking_orders):
    at(*SATURDAY, 18, 0)
    place(business, menu)
    at(2026, 6, 20, 18, 1)
    assert order_find_for_caller(business, CALLER) == []


def test_order_find_for_caller_prefetches_lines(business, menu, saturday, django_assert_num_queries):
    place(business, menu)
    place(business, menu)
    with django_assert_num_queries(3):
        orders = order_find_for_caller(business, CALLER)
        assert [m.name for o in orders for ln in o.lines.all() for m in ln.modifiers.all()] == ["Maxi", "Burrata"] * 2


def test_order_get_never_returns_another_business_order(business, outsider_business, menu, saturday):
    order = place(business, menu)
    assert order_get(business, order.pk) == order
    assert order_get(outsider_business, order.pk) is None


def test_orders_are_kept_a_week_back_from_now(business, menu, saturday):
    order = place(business, menu)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=6, hours=23))
    assert order_find_for_caller(business, CALLER) == [order]


def test_placing_costs_the_same_queries_for_one_line_or_many(business, menu, saturday):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(items):
        with CaptureQueriesContext(connection) as captured:
            order_place(business=business, items=items, customer_name="Q", customer_phone=CALLER)
        return len(captured.captured_queries)

    pizza = {"item_id": menu.margherita.pk, "modifier_ids": [menu.maxi.pk, menu.burrata.pk, menu.olive.pk]}
    one = queries([pizza])
    many = queries([pizza] * 10 + [{"item_id": menu.cola.pk}, {"item_id": menu.diavola.pk}])
    assert one == many <= 20
