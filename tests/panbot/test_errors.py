"""The error convention: every problem at once, general ones first; NotFound apart from ValidationError."""

from datetime import datetime

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from rest_framework import serializers

from orders.services import menu_item_set_available, order_place, order_transition
from panbot.errors import ErrorCollector, NotFound
from reservations.services import reservation_book, reservation_transition
from tests.conftest import ROME


def test_collector_raises_every_problem_with_general_ones_first():
    errors = ErrorCollector()
    assert not errors
    errors.raise_if_any()  # nothing to raise
    errors.add("items", "Margherita is sold out today.")
    errors.add("items", "Margherita is sold out today.")  # said once
    errors.add(None, "We are not taking orders right now.", code="not_accepting")
    assert errors and errors.has("items")
    with pytest.raises(ValidationError) as exc:
        errors.raise_if_any()
    assert exc.value.messages == ["We are not taking orders right now.", "Margherita is sold out today."]
    assert exc.value.error_dict[NON_FIELD_ERRORS][0].code == "not_accepting"


def test_not_found_reads_like_a_validation_error_but_is_not_one():
    exc = NotFound({"order_id": ["We could not find that order."]})
    assert not isinstance(exc, ValidationError)
    assert exc.messages == ["We could not find that order."]
    assert exc.message_dict == {"order_id": ["We could not find that order."]}
    assert exc.error_dict["order_id"][0].message == "We could not find that order."
    assert str(exc) == "We could not find that order."
    assert NotFound("That item is not on our menu.").messages == ["That item is not on our menu."]


def _missing_order(value):
    raise NotFound({"order_id": ["We could not find that order."]})


def test_a_lookup_that_finds_nothing_while_validating_is_not_turned_into_a_400():
    # DRF serializers and Django forms catch every ValidationError raised while validating and
    # report it as a field error: a subclass would become a 400, never the 404 it is.
    class OrderInput(serializers.Serializer):
        order_id = serializers.IntegerField(validators=[_missing_order])

    class OrderForm(forms.Form):
        order_id = forms.IntegerField(validators=[_missing_order])

    with pytest.raises(NotFound):
        OrderInput(data={"order_id": 1}).is_valid()
    with pytest.raises(NotFound):
        OrderForm(data={"order_id": 1}).is_valid()


def respond(service, **kwargs) -> int:
    """What an API's exception handler answers, written in the natural order (no NotFound first)."""
    try:
        service(**kwargs)
    except ValidationError:
        return 400
    except NotFound:
        return 404
    return 200


@pytest.mark.django_db
def test_an_api_tells_an_outsiders_404_from_a_bad_requests_400(
    business, outsider_business, menu, taking_orders, taking_bookings, at
):
    at(2026, 6, 13, 18, 0)
    order = order_place(
        business=business, items=[{"item_id": menu.cola.pk}], customer_name="Giulia", customer_phone="+393331234567"
    )
    booking = reservation_book(
        business=business, starts_at=datetime(2026, 6, 13, 20, 0, tzinfo=ROME), party_size=2, name="Giulia",
        phone="+393331234567",
    )  # fmt: skip
    move_order = {"service": order_transition, "order_id": order.pk}
    move_booking = {"service": reservation_transition, "reservation_id": booking.pk}
    assert respond(**move_order, business=outsider_business, to_status="accepted") == 404
    assert respond(**move_order, business=business, to_status="eaten") == 400
    assert respond(**move_booking, business=outsider_business, to_status="seated") == 404
    assert respond(**move_booking, business=business, to_status="lost") == 400
    item = {"service": menu_item_set_available, "item_id": menu.cola.pk, "is_available": False}
    assert respond(**item, business=outsider_business) == 404
    assert respond(**move_order, business=business, to_status="accepted") == 200
