"""Inputs a client can send that must be refused with a ValidationError, never another exception.

NUL characters (PostgreSQL refuses them with a DataError), datetimes at the ends of Python's
calendar (OverflowError), numbers too long for int() (ValueError) and ids that are not ints.
"""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from orders import services
from orders.models import Order, validate_aliases
from orders.selectors import menu_item_match, order_find_for_caller, order_get
from orders.services import order_place, order_review, order_transition
from panbot.errors import NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def saturday(at, taking_orders):
    at(2026, 6, 13, 18, 0)


def place(business, menu, **overrides):
    fields = {"business": business, "items": [{"item_id": menu.cola.pk}], "customer_name": "Giulia",
              "customer_phone": "333 123 4567"}  # fmt: skip
    fields.update(overrides)
    return order_place(**fields)


# --- NUL characters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (lambda m: {"customer_name": "Giulia\x00"}, "customer_name",
         "The name for the order contains characters we cannot store."),
        (lambda m: {"notes": "ring\x00"}, "notes", "The order note contains characters we cannot store."),
        (lambda m: {"items": [{"item_id": m.cola.pk, "notes": "no ice\x00"}]}, "items",
         "The note on Coca-Cola contains characters we cannot store."),
        (lambda m: {"idempotency_key": "call-1\x00"}, "idempotency_key",
         "The idempotency key contains characters we cannot store."),
    ],
)  # fmt: skip
def test_text_with_a_nul_is_refused_naming_the_field(business, menu, saturday, overrides, field, message):
    with pytest.raises(ValidationError) as exc:
        place(business, menu, **overrides(menu))
    assert exc.value.message_dict == {field: [message]}
    assert exc.value.error_dict[field][0].code == "null_characters_not_allowed"
    assert not Order.objects.exists()


def test_a_nul_in_a_reason_is_refused(business, menu, saturday):
    order = place(business, menu)
    with pytest.raises(ValidationError) as exc:
        order_transition(
            business=order.business, order_id=order.pk, to_status="cancelled", by=None, reason="changed mind\x00"
        )
    assert exc.value.message_dict == {"reason": ["The reason contains characters we cannot store."]}
    order.refresh_from_db()
    assert order.status == "new"


def test_a_key_that_is_not_a_string_is_read_as_text(business, menu, saturday):
    assert place(business, menu, idempotency_key=42).idempotency_key == "42"


def test_an_alias_with_a_nul_is_refused(menu):
    with pytest.raises(ValidationError) as exc:
        validate_aliases(["ok\x00"])
    assert exc.value.messages == ["An alias contains characters we cannot store."]
    menu.cola.aliases = ["coke\x00"]
    with pytest.raises(ValidationError) as exc:
        services.menu_item_save(item=menu.cola)
    assert exc.value.message_dict == {"aliases": ["An alias contains characters we cannot store."]}


@pytest.mark.parametrize(
    ("save", "argument", "row", "field"),
    [
        (services.menu_item_save, "item", lambda m: m.cola, "name"),
        (services.menu_item_save, "item", lambda m: m.cola, "description"),
        (services.menu_category_save, "category", lambda m: m.cola.category, "name"),
        (services.modifier_group_save, "group", lambda m: m.size, "name"),
        (services.modifier_save, "modifier", lambda m: m.maxi, "name"),
    ],
)
def test_menu_text_with_a_nul_is_a_validation_error(menu, save, argument, row, field):
    instance = row(menu)
    setattr(instance, field, "Coca\x00")
    with pytest.raises(ValidationError) as exc:
        save(**{argument: instance})
    assert exc.value.message_dict == {field: ["This text contains characters we cannot store."]}


# --- Times at the ends of the calendar --------------------------------------------------------------------


@pytest.mark.parametrize(
    "pickup_at", [datetime.min, datetime.max, datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)]
)
def test_a_pickup_time_at_the_ends_of_the_calendar_is_refused(business, menu, saturday, pickup_at):
    with pytest.raises(ValidationError) as exc:
        order_review(business=business, items=[{"item_id": menu.cola.pk}], pickup_at=pickup_at)
    assert exc.value.message_dict == {"pickup_at": ["That date is too far from today."]}


def test_a_pickup_time_far_ahead_but_computable_is_beyond_the_horizon(business, menu, saturday):
    with pytest.raises(ValidationError) as exc:
        order_review(business=business, items=[{"item_id": menu.cola.pk}], pickup_at=datetime(9990, 1, 1, 12, 0))
    assert exc.value.error_dict["pickup_at"][0].code == "beyond_horizon"


# --- Numbers and ids --------------------------------------------------------------------------------------

HOW_MANY_COLA = "Say how many Coca-Cola you would like; at least 1."


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (lambda m: {"item_id": m.cola.pk, "quantity": "9" * 5000}, HOW_MANY_COLA),
        (lambda m: {"item_id": m.cola.pk, "quantity": "²"}, HOW_MANY_COLA),
        (lambda m: {"item_id": "9" * 5000}, "Line 1 of the order names no menu item."),
        (lambda m: {"item_id": m.margherita.pk, "modifier_ids": [m.normale.pk, "9" * 5000]},
         f"Option {'9' * 5000} is not offered with Margherita."),
    ],
)  # fmt: skip
def test_numbers_too_long_for_int_are_not_numbers(business, menu, saturday, line, message):
    with pytest.raises(ValidationError) as exc:
        order_review(business=business, items=[line(menu)])
    assert exc.value.message_dict == {"items": [message]}


@pytest.mark.parametrize("order_id", ["abc", "1", None, 3.5, True, 10**30])
def test_order_get_finds_nothing_for_an_id_that_is_not_one(business, menu, saturday, order_id):
    place(business, menu)
    assert order_get(business, order_id) is None


def test_order_get_never_returns_an_outsiders_order(business, outsider_business, menu, saturday):
    order = place(business, menu)
    assert order_get(outsider_business, order.pk) is None


@pytest.mark.parametrize("item_id", ["abc", None, 10**30])
def test_marking_an_item_that_is_not_an_id_sold_out_is_not_found(business, menu, item_id):
    with pytest.raises(NotFound):
        services.menu_item_set_available(business=business, item_id=item_id, is_available=False)


def test_lookups_take_any_input_without_crashing(business, menu, saturday):
    place(business, menu)
    assert order_find_for_caller(business, "333 123 4567", limit=0) == []
    assert order_find_for_caller(business, "333\x001234567") == []
    assert menu_item_match(business, 123) == []
    assert menu_item_match(business, "marghe\x00rita")[0].item == menu.margherita
