"""Database work per request: none to authenticate and authorise, and a fixed amount per list page.

- Every operation that needs a token is authenticated and authorised with ZERO queries: the
  claims say who the user is and their role in each business (the handler is replaced by a stub,
  so what is counted is the middleware, authentication and the permission).
- Every list operation makes as many queries for 50 rows as for 1. A new list endpoint fails
  `test_every_list_has_a_row_maker` until LIST_ROWS says how to add rows to its list.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import resolve
from rest_framework.response import Response

from orders import services as order_services
from orders.models import MenuCategory, MenuItem, Modifier, ModifierGroup
from reservations.models import Reservation
from restaurants.models import Closure, FaqEntry, Membership
from tests.api.operations import is_list, is_tenant, needs_token, operations, url
from tests.api.queries import assert_constant_queries
from tests.api.world import World, evening

pytestmark = pytest.mark.django_db


def add_numbers(world: World, make_number, make_live_call) -> Callable[[int], None]:
    def add(n: int) -> None:
        for _ in range(n):
            make_live_call(make_number(business=world.own.business, label="Line"))

    return add


# --- Orders, the menu, FAQ ---


def add_orders(world: World, make_number, make_live_call) -> Callable[[int], None]:
    """Orders with two lines and an option, half of them placed on a call, half moved on once."""
    own = world.own

    def add(n: int) -> None:
        for _ in range(n):
            call = make_live_call(own.number).call_record if len(added) % 2 else None
            order = order_services.order_place(
                business=own.business, call=call, customer_name="Giulia", customer_phone="+393331234567",
                items=[{"item_id": own.menu_item.pk, "modifier_ids": [own.modifier.pk]},
                       {"item_id": own.menu_item.pk, "quantity": 2}],
            )  # fmt: skip
            if len(added) % 2:
                order_services.order_transition(business=own.business, order_id=order.pk, to_status="accepted")
            added.append(order)

    added: list = []
    own.kitchen  # noqa: B018 (open and taking orders)
    return add


def add_menu_rows(kind: str) -> Callable[..., Callable[[int], None]]:
    """Rows of one menu list; items and groups each with options, so their nested lists are filled too."""

    def factory(world: World, make_number, make_live_call) -> Callable[[int], None]:
        own, counter = world.own, itertools.count()

        def add(n: int) -> None:
            for _ in range(n):
                i = next(counter)
                if kind == "categories":
                    MenuCategory.objects.create(business=own.business, name=f"Category {i}")
                elif kind == "items":
                    item = MenuItem.objects.create(
                        business=own.business, category=own.menu_category, name=f"Item {i}", price=Decimal("5.00")
                    )
                    group = ModifierGroup.objects.create(item=item, name="Size")
                    Modifier.objects.create(group=group, name="Maxi")
                elif kind == "groups":
                    group = ModifierGroup.objects.create(item=own.menu_item, name=f"Group {i}")
                    Modifier.objects.create(group=group, name="One")
                else:
                    Modifier.objects.create(group=own.modifier_group, name=f"Option {i}")

        return add

    return factory


def add_faq_entries(world: World, make_number, make_live_call) -> Callable[[int], None]:
    counter = itertools.count()

    def add(n: int) -> None:
        for _ in range(n):
            FaqEntry.objects.create(business=world.own.business, question=f"Question {next(counter)}?", answer="Yes.")

    return add


def add_closures(world: World, *_) -> Callable[[int], None]:
    days = itertools.count()

    def add(n: int) -> None:
        for _ in range(n):
            Closure.objects.create(business=world.own.business, date=date(2032, 1, 1) + timedelta(days=next(days)))

    return add


def add_members(world: World, *_) -> Callable[[int], None]:
    def add(n: int) -> None:
        for _ in range(n):
            user = get_user_model().objects.create_user(username=f"crew-{uuid.uuid4().hex[:10]}")
            Membership.objects.create(user=user, business=world.own.business, role=Membership.Role.STAFF)

    return add


def add_reservations(world: World, *_) -> Callable[[int], None]:
    def add(n: int) -> None:
        start = evening(3)
        Reservation.objects.bulk_create(
            Reservation(
                business=world.own.business,
                name=f"Guest {i}",
                phone="+393331234567",
                party_size=2,
                starts_at=start,
                ends_at=start + timedelta(minutes=90),
            )
            for i in range(n)
        )

    return add


# list operation -> factory(world, make_number, make_live_call) of `add(n)`, which adds n rows to that list
LIST_ROWS = {
    "GET /api/v1/businesses/{business_id}/numbers/": add_numbers,
    # Orders, the menu, FAQ
    "GET /api/v1/businesses/{business_id}/orders/": add_orders,
    "GET /api/v1/businesses/{business_id}/menu/categories/": add_menu_rows("categories"),
    "GET /api/v1/businesses/{business_id}/menu/items/": add_menu_rows("items"),
    "GET /api/v1/businesses/{business_id}/menu/modifier-groups/": add_menu_rows("groups"),
    "GET /api/v1/businesses/{business_id}/menu/modifiers/": add_menu_rows("modifiers"),
    "GET /api/v1/businesses/{business_id}/faq/": add_faq_entries,
    # Business settings, reservations, members
    "GET /api/v1/businesses/{business_id}/closures/": add_closures,
    "GET /api/v1/businesses/{business_id}/members/": add_members,
    "GET /api/v1/businesses/{business_id}/reservations/": add_reservations,
}


def _handler_name(match, method: str) -> str:
    actions = getattr(match.func, "actions", None)
    return actions[method] if actions else method


@pytest.mark.parametrize("op", [op for op in operations() if needs_token(op)])
def test_authentication_and_permission_make_no_query(world, op, monkeypatch, django_assert_num_queries):
    method, path = op.split(" ", 1)
    address = url(path, world)
    match = resolve(address)
    seen = {}

    def stub(view, request, *args, **kwargs):
        seen["business_id"] = getattr(request, "business_id", None)
        return Response(status=204)

    monkeypatch.setattr(match.func.cls, _handler_name(match, method.lower()), stub)
    client = world.client("owner")  # minted before counting: login and refresh do query
    with django_assert_num_queries(0):
        response = getattr(client, method.lower())(address, {}, format="json")
    assert response.status_code == 204, response.content[:300]
    if is_tenant(op):
        assert seen["business_id"] == world.own.business.pk


def test_every_list_has_a_row_maker():
    missing = sorted(op for op in operations() if is_list(op) and op not in LIST_ROWS)
    assert not missing, f"list operations without a row maker in LIST_ROWS (tests/api/test_queries.py): {missing}"


@pytest.mark.parametrize("op", sorted(LIST_ROWS))
def test_list_queries_do_not_grow_with_rows(world, op, make_number, make_live_call):
    add = LIST_ROWS[op](world, make_number, make_live_call)
    assert_constant_queries(world.client("owner"), url(op.split(" ", 1)[1], world), add)


def test_numbers_list_is_two_queries(world, make_number, make_live_call):
    counts = assert_constant_queries(
        world.client("staff"),
        url("/api/v1/businesses/{business_id}/numbers/", world),
        add_numbers(world, make_number, make_live_call),
    )
    assert counts[0] == 2  # the business (for effective settings) and one page of numbers with live counts
