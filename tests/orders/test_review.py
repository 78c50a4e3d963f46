"""`order_review`: every rule an order must pass, in words a caller can hear, and prices from the server."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from orders.models import Order, OrderSettings
from orders.services import order_review
from restaurants import services as restaurant_services
from tests.conftest import ROME

pytestmark = pytest.mark.django_db

SATURDAY = (2026, 6, 13)  # a Saturday in summer time; the trattoria opens 12-15 and 19-23


def local(*args) -> datetime:
    return datetime(*args, tzinfo=ROME)


def pizza(menu, quantity=1, *modifiers, **extra):
    return {"item_id": menu.margherita.pk, "quantity": quantity, "modifier_ids": [m.pk for m in modifiers], **extra}


def review_errors(business, items, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        order_review(business=business, items=items, **kwargs)
    return exc.value.message_dict


# --- Prices -----------------------------------------------------------------------------------------------


def test_totals_include_modifiers_and_are_exact_decimals(business, menu, taking_orders, at):
    at(*SATURDAY, 18, 0)
    review = order_review(
        business=business,
        items=[pizza(menu, 2, menu.maxi, menu.burrata), {"item_id": menu.cola.pk, "quantity": 1}],
    )
    first, second = review.lines
    assert (first.name, first.quantity, first.unit_price, first.line_total) == (
        "Margherita", 2, Decimal("15.00"), Decimal("30.00"),
    )  # fmt: skip
    assert [(m.group, m.name, m.price_delta) for m in first.modifiers] == [
        ("Size", "Maxi", Decimal("4.00")),
        ("Extra toppings", "Burrata", Decimal("3.00")),
    ]
    assert (second.name, second.line_total) == ("Coca-Cola", Decimal("3.00"))
    assert review.subtotal == review.total == Decimal("33.00")
    assert isinstance(review.total, Decimal) and review.currency == "EUR"
    assert review.summary == (
        "2 Margherita (Maxi, Burrata): 30.00 EUR; 1 Coca-Cola: 3.00 EUR. Total 33.00 EUR. Pickup today at 19:20."
    )
    assert not Order.objects.exists()  # reviewing writes nothing


def test_cents_add_up_exactly(business, menu, taking_orders, at):
    at(*SATURDAY, 18, 0)
    menu.olive.price_delta = Decimal("0.10")
    menu.olive.save()
    menu.margherita.price = Decimal("0.20")
    menu.margherita.save()
    review = order_review(business=business, items=[pizza(menu, 3, menu.normale, menu.olive)])
    assert review.total == Decimal("0.90")  # 3 x 0.30, not 0.8999999


def test_a_price_sent_by_the_client_is_ignored(business, menu, taking_orders, at):
    at(*SATURDAY, 18, 0)
    review = order_review(
        business=business, items=[pizza(menu, 1, menu.normale, price="0.01", unit_price="0.01", line_total="0.01")]
    )
    assert review.total == Decimal("8.00")


def test_options_are_listed_in_menu_order_however_they_were_said(business, menu, taking_orders, at):
    at(*SATURDAY, 18, 0)
    review = order_review(business=business, items=[pizza(menu, 1, menu.olive, menu.burrata, menu.maxi)])
    assert [m.name for m in review.lines[0].modifiers] == ["Maxi", "Burrata", "Olive"]


def test_string_numbers_from_a_tool_call_are_accepted(business, menu, taking_orders, at):
    at(*SATURDAY, 18, 0)
    review = order_review(
        business=business,
        items=[{"item_id": str(menu.margherita.pk), "quantity": "2", "modifier_ids": [str(menu.normale.pk)]}],
    )
    assert review.total == Decimal("16.00")


def test_quantity_defaults_to_one_and_notes_are_kept(business, menu, taking_orders, at):
    at(*SATURDAY, 18, 0)
    review = order_review(business=business, items=[{"item_id": menu.cola.pk, "notes": "  very cold  "}])
    assert (review.lines[0].quantity, review.lines[0].notes) == (1, "very cold")
    assert review.summary.startswith("1 Coca-Cola (note: very cold): 3.00 EUR.")
    notes = order_review(business=business, items=[pizza(menu, 1, menu.normale, notes="well done")]).summary
    assert notes.startswith("1 Margherita (Normale; note: well done): 8.00 EUR.")


# --- Every rule, with its message ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_items", "message"),
    [
        (lambda m: [], "Add at least one item to the order."),
        (lambda m: "two pizzas", "Add at least one item to the order."),
        (lambda m: [{"item_id": m.cola.pk}] * 31, "An order can have at most 30 lines; please split it."),
        (lambda m: ["pizza"], "Line 1 of the order is not a menu item."),
        (lambda m: [{"quantity": 1}], "Line 1 of the order names no menu item."),
        (lambda m: [{"item_id": 999999}], "Item 999999 is not on our menu."),
        (lambda m: [{"item_id": m.lasagne.pk}], "Lasagne al forno is sold out today."),
        (lambda m: [pizza(m, 0, m.normale)], "Say how many Margherita you would like; at least 1."),
        (lambda m: [pizza(m, -2, m.normale)], "Say how many Margherita you would like; at least 1."),
        (lambda m: [pizza(m, True, m.normale)], "Say how many Margherita you would like; at least 1."),
        (lambda m: [pizza(m, 11, m.normale)], "We can take at most 10 Margherita in one order."),
        (lambda m: [pizza(m, 1)], "Margherita needs a choice of size."),
        (lambda m: [pizza(m, 1, m.normale, m.maxi)], "Margherita can have only one choice of size."),
        (lambda m: [pizza(m, 1, m.normale, m.acciughe)], "Acciughe is not available today for Margherita."),
        (lambda m: [pizza(m, 1, m.normale, m.olive, m.olive)],
         "Olive was chosen 2 times for Margherita; choose it once."),
        (lambda m: [{"item_id": m.cola.pk, "modifier_ids": [m.maxi.pk]}],
         "Option {maxi} is not offered with Coca-Cola."),
        (lambda m: [{"item_id": m.cola.pk, "modifier_ids": 5}],
         "The options for Coca-Cola must be a list of option ids."),
        (
            lambda m: [{"item_id": m.cola.pk, "notes": "x" * 201}],
            "The note on Coca-Cola is too long; keep it under 200 characters.",
        ),
    ],
)  # fmt: skip
def test_each_line_rule_has_its_message(business, menu, taking_orders, at, make_items, message):
    at(*SATURDAY, 18, 0)
    errors = review_errors(business, make_items(menu))
    assert errors == {"items": [message.format(maxi=menu.maxi.pk)]}


def test_a_required_group_with_more_minimum_choices_says_how_many(business, menu, taking_orders, at):
    at(*SATURDAY, 18, 0)
    menu.extras.min_selected = 2
    menu.extras.save()
    errors = review_errors(business, [pizza(menu, 1, menu.normale, menu.olive)])
    assert errors == {"items": ["Margherita needs at least 2 choices of extra toppings."]}


def test_too_many_options_in_a_group(business, menu, taking_orders, at):
    at(*SATURDAY, 18, 0)
    menu.acciughe.is_available = True
    menu.acciughe.save()
    errors = review_errors(business, [pizza(menu, 1, menu.normale, menu.burrata, menu.olive, menu.acciughe)])
    assert errors == {"items": ["Margherita can have at most 2 choices of extra toppings."]}


def test_modifier_of_another_item_is_refused(business, menu, taking_orders, at):
    at(*SATURDAY, 18, 0)
    errors = review_errors(business, [{"item_id": menu.diavola.pk, "modifier_ids": [menu.burrata.pk]}])
    assert errors == {"items": [f"Option {menu.burrata.pk} is not offered with Diavola."]}


def test_only_pickup_is_offered(business, menu, taking_orders, at):
    at(*SATURDAY, 18, 0)
    errors = review_errors(business, [{"item_id": menu.cola.pk}], fulfilment="delivery")
    assert errors == {"fulfilment": ["We only take orders for pickup."]}


@pytest.mark.parametrize("how", ["paused", "no settings", "inactive business"])
def test_a_restaurant_not_taking_orders_says_so(business, menu, taking_orders, at, how):
    at(*SATURDAY, 18, 0)
    if how == "paused":
        OrderSettings.objects.filter(pk=taking_orders.pk).update(accepting_orders=False)
    elif how == "no settings":
        OrderSettings.objects.filter(pk=taking_orders.pk).delete()
    else:
        business.is_active = False
        business.save()
    errors = review_errors(business, [{"item_id": menu.cola.pk}], pickup_at=local(*SATURDAY, 3, 0))
    # The pickup time (long past) is not judged: times would contradict "not taking orders".
    assert errors == {NON_FIELD_ERRORS: ["Trattoria Da Mario is not taking orders by phone right now."]}


def test_every_problem_is_reported_at_once_and_can_be_spoken(business, menu, taking_orders, at):
    at(*SATURDAY, 18, 0)
    with pytest.raises(ValidationError) as exc:
        order_review(
            business=business,
            items=[pizza(menu, 1), {"item_id": menu.lasagne.pk}, {"item_id": menu.cola.pk, "quantity": 50}],
            fulfilment="delivery",
            pickup_at=local(*SATURDAY, 18, 10),
        )
    assert exc.value.message_dict == {
        "items": [
            "Margherita needs a choice of size.",
            "Lasagne al forno is sold out today.",
            "We can take at most 10 Coca-Cola in one order.",
        ],
        "fulfilment": ["We only take orders for pickup."],
        "pickup_at": ["The earliest pickup is today at 19:20; we need 20 minutes to prepare an order."],
    }
    spoken = " ".join(exc.value.messages)
    assert "Margherita needs a choice of size." in spoken and "{" not in spoken


def test_errors_carry_codes_a_program_can_act_on(business, menu, taking_orders, at):
    at(*SATURDAY, 18, 0)
    with pytest.raises(ValidationError) as exc:
        order_review(
            business=business,
            items=[{"item_id": menu.lasagne.pk}, {"item_id": 999999}, pizza(menu, 1, menu.normale, menu.acciughe)],
            pickup_at=local(*SATURDAY, 19, 5),
        )
    codes = {field: [e.code for e in errors] for field, errors in exc.value.error_dict.items()}
    assert codes == {"items": ["sold_out", "not_on_menu", "sold_out"], "pickup_at": ["too_soon"]}
    with pytest.raises(ValidationError) as exc:
        order_review(business=business, items=[{"item_id": menu.cola.pk}], pickup_at=local(2026, 6, 14, 16, 0))
    assert exc.value.error_dict["pickup_at"][0].code == "closed"


def test_another_restaurants_item_is_just_not_on_the_menu(
    business, outsider_business, menu, make_menu, taking_orders, at
):
    at(*SATURDAY, 18, 0)
    theirs = make_menu(outsider_business)
    errors = review_errors(business, [{"item_id": theirs.cola.pk}])
    assert errors == {"items": [f"Item {theirs.cola.pk} is not on our menu."]}


# --- Pickup times ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ((18, 0), (19, 20)),  # before dinner: opening plus the kitchen's lead time
        ((20, 3), (20, 25)),  # during service: now plus lead time, rounded up to 5 minutes
        ((12, 10), (12, 30)),
    ],
)
def test_no_pickup_time_means_the_earliest_possible(business, menu, taking_orders, at, now, expected):
    at(*SATURDAY, *now)
    review = order_review(business=business, items=[{"item_id": menu.cola.pk}])
    assert review.pickup_at == local(*SATURDAY, *expected)
    assert review.pickup_at.tzinfo == ROME


def test_after_the_last_service_the_earliest_is_tomorrow(business, menu, taking_orders, at):
    at(*SATURDAY, 22, 45)
    review = order_review(business=business, items=[{"item_id": menu.cola.pk}])
    assert review.pickup_at == local(2026, 6, 14, 12, 20)
    assert review.summary.endswith("Pickup tomorrow at 12:20.")


TOO_SOON = "The earliest pickup is today at 20:20; we need 20 minutes to prepare an order."


@pytest.mark.parametrize(
    ("now", "pickup", "message"),
    [
        ((18, 0), (*SATURDAY, 18, 45), "We open at 19:00 today; the earliest pickup is 19:20."),
        ((18, 0), (*SATURDAY, 19, 5), "We open at 19:00 today; the earliest pickup is 19:20."),
        ((20, 0), (*SATURDAY, 20, 10), TOO_SOON),
        ((20, 0), (*SATURDAY, 9, 0), TOO_SOON),
        ((20, 0), (*SATURDAY, 23, 30), "We are closed today at 23:30; the next pickup time is tomorrow at 12:20."),
        ((20, 0), (2026, 6, 14, 16, 0), "We open at 19:00 tomorrow; the earliest pickup is 19:20."),
        ((20, 0), (2026, 6, 15, 13, 0), "We take pickup orders for today or tomorrow only."),
    ],
)  # fmt: skip
def test_pickup_outside_hours_or_too_soon_is_refused_with_the_next_time(
    business, menu, taking_orders, at, now, pickup, message
):
    at(*SATURDAY, *now)
    assert review_errors(business, [{"item_id": menu.cola.pk}], pickup_at=local(*pickup)) == {"pickup_at": [message]}


@pytest.mark.parametrize("pickup", [(19, 20), (21, 0), (23, 0)])
def test_pickup_inside_hours_is_kept_to_the_minute(business, menu, taking_orders, at, pickup):
    at(*SATURDAY, 18, 0)
    review = order_review(business=business, items=[{"item_id": menu.cola.pk}], pickup_at=local(*SATURDAY, *pickup))
    assert review.pickup_at == local(*SATURDAY, *pickup)


def test_naive_pickup_is_the_restaurants_local_time_and_utc_works_too(business, menu, taking_orders, at):
    at(*SATURDAY, 18, 0)
    naive = order_review(business=business, items=[{"item_id": menu.cola.pk}], pickup_at=datetime(*SATURDAY, 20, 0))
    utc = order_review(
        business=business, items=[{"item_id": menu.cola.pk}], pickup_at=datetime.fromisoformat("2026-06-13T18:00Z")
    )
    assert naive.pickup_at == utc.pickup_at == local(*SATURDAY, 20, 0)


def test_a_pickup_time_must_be_a_datetime(business, menu, taking_orders, at):
    at(*SATURDAY, 18, 0)
    assert review_errors(business, [{"item_id": menu.cola.pk}], pickup_at="19:30") == {
        "pickup_at": ["Tell us the pickup time as a date and time."]
    }


def test_a_closure_date_refuses_pickups_and_names_the_reason(business, menu, taking_orders, at):
    at(*SATURDAY, 20, 0)
    restaurant_services.closure_set(business=business, date=date(2026, 6, 14), reason="family wedding")
    errors = review_errors(business, [{"item_id": menu.cola.pk}], pickup_at=local(2026, 6, 14, 13, 0))
    assert errors == {"pickup_at": ["We are closed tomorrow (family wedding)."]}
    OrderSettings.objects.filter(pk=taking_orders.pk).update(max_days_ahead=3)
    errors = review_errors(business, [{"item_id": menu.cola.pk}], pickup_at=local(2026, 6, 14, 13, 0))
    assert errors == {
        "pickup_at": ["We are closed tomorrow (family wedding); the next pickup time is on Tuesday 16 June at 12:20."]
    }


def test_no_pickup_time_left_within_the_horizon(business, menu, taking_orders, at):
    OrderSettings.objects.filter(pk=taking_orders.pk).update(max_days_ahead=0)
    at(*SATURDAY, 22, 45)  # too late for tonight, and tomorrow is beyond today-only
    assert review_errors(business, [{"item_id": menu.cola.pk}]) == {
        "pickup_at": ["We have no pickup times left for today only."]
    }


def test_overnight_hours_take_pickups_after_midnight(business, menu, taking_orders, trattoria_hours, at):
    trattoria_hours(business, [(5, time(19), time(2))])  # Saturday 19:00 to Sunday 02:00
    at(*SATURDAY, 23, 50)
    review = order_review(business=business, items=[{"item_id": menu.cola.pk}], pickup_at=local(2026, 6, 14, 0, 30))
    assert review.pickup_at == local(2026, 6, 14, 0, 30)
    at(2026, 6, 14, 0, 30)  # after midnight the night's period is still open
    assert order_review(business=business, items=[{"item_id": menu.cola.pk}]).pickup_at == local(2026, 6, 14, 0, 50)


# --- Daylight saving time (Europe/Rome: 29 March 2026 02:00 -> 03:00, 25 October 2026 03:00 -> 02:00) ------


@pytest.fixture
def night_hours(business, taking_orders, trattoria_hours):
    trattoria_hours(business, [(5, time(22), time(4))])  # Saturday 22:00 to Sunday 04:00
    return business


def test_lead_time_across_the_spring_forward_gap(business, menu, night_hours, at):
    at(2026, 3, 29, 1, 50)  # winter time; 20 minutes later the clocks read 03:10
    review = order_review(business=business, items=[{"item_id": menu.cola.pk}])
    assert review.pickup_at.isoformat() == "2026-03-29T03:10:00+02:00"


def test_a_pickup_in_the_skipped_hour_is_refused(business, menu, night_hours, at):
    at(2026, 3, 29, 1, 0)
    errors = review_errors(business, [{"item_id": menu.cola.pk}], pickup_at=datetime(2026, 3, 29, 2, 30))
    assert errors == {"pickup_at": ["02:30 does not exist on Sunday 29 March: the clocks go forward that night."]}


def test_lead_time_across_the_fall_back_repeated_hour(business, menu, night_hours, at):
    at(2026, 10, 25, 2, 50)  # the first 02:50 (summer time); 20 minutes later the clocks read 02:10 again
    review = order_review(business=business, items=[{"item_id": menu.cola.pk}])
    # (isoformat: Python never calls a time in the repeated hour equal to one in another zone)
    assert review.pickup_at.isoformat() == "2026-10-25T02:10:00+01:00"
    # The first 02:30 has passed; the second one (fold=1, winter time) is still ahead.
    second = order_review(
        business=business, items=[{"item_id": menu.cola.pk}], pickup_at=datetime(2026, 10, 25, 2, 30, fold=1)
    )
    assert second.pickup_at.isoformat() == "2026-10-25T02:30:00+01:00"
    errors = review_errors(business, [{"item_id": menu.cola.pk}], pickup_at=datetime(2026, 10, 25, 2, 30))
    assert errors == {"pickup_at": ["The earliest pickup is today at 02:10; we need 20 minutes to prepare an order."]}
