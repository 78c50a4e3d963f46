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
from restaurants import services as restaurant_services
from restaurants.models import Closure, FaqEntry, Membership
from telephony import services as telephony_services
from telephony.models import ActiveCall, CallRecord
from tests.api.operations import is_list, is_platform, is_tenant, needs_token, operations, url
from tests.api.queries import assert_constant_queries
from tests.api.world import World, evening

pytestmark = pytest.mark.django_db


def add_numbers(world: World, make_number, make_live_call) -> Callable[[int], None]:
    def add(n: int) -> None:
        for _ in range(n):
            make_live_call(make_number(business=world.own.business, label="Line"))

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


def add_printers(world: World, make_number, make_live_call) -> Callable[[int], None]:
    from printing import services
    from printing.models import Printer

    def add(n: int) -> None:
        for _ in range(n):
            count = Printer.objects.count()
            printer = Printer(business=world.own.business, name=f"Printer {count}", host="10.0.0.9", connection="relay")
            services.printer_save(printer=printer)

    return add


def add_print_agents(world: World, make_number, make_live_call) -> Callable[[int], None]:
    from printing import services

    def add(n: int) -> None:
        for _ in range(n):
            services.print_agent_create(business_id=world.own.business.pk, name="PC")

    return add


def add_print_jobs(world: World, make_number, make_live_call) -> Callable[[int], None]:
    from printing.models import PrintJob

    def add(n: int) -> None:
        for _ in range(n):
            PrintJob.objects.create(business=world.own.business, printer=world.own.printer, order=world.own.order,
                                    kind="kitchen", requested_by=world.users["staff"])  # fmt: skip

    return add


# --- api-calls: calls and the platform's lists ---


def add_live_calls(world: World, make_number, make_live_call) -> Callable[[int], None]:
    """Live calls on numbers of their own (and a trunk each), so every related row differs."""

    def add(n: int) -> None:
        for _ in range(n):
            make_live_call(make_number(business=world.own.business, label="Line", trunk=_trunk()))

    return add


def add_calls(world: World, make_number, make_live_call) -> Callable[[int], None]:
    """Finished calls on numbers of their own, each with an order-free record (counts come from subqueries)."""

    def add(n: int) -> None:
        for _ in range(n):
            number = make_number(business=world.own.business, label="Line")
            record = make_live_call(number).call_record
            ActiveCall.objects.filter(call_record=record).delete()
            CallRecord.objects.filter(pk=record.pk).update(
                status="completed", reason="caller_hangup", ended_at=record.started_at, duration_seconds=0
            )

    return add


def add_platform_businesses(world: World, make_number, make_live_call) -> Callable[[int], None]:
    def add(n: int) -> None:
        for _ in range(n):
            business = restaurant_services.business_create(name="Osteria")
            make_live_call(make_number(business=business))

    return add


def add_trunks(world: World, make_number, make_live_call) -> Callable[[int], None]:
    def add(n: int) -> None:
        for _ in range(n):
            make_number(trunk=_trunk())

    return add


_trunks = itertools.count(1)


def _trunk():
    return telephony_services.trunk_create(name=f"Trunk {next(_trunks)}", allowed_addresses=["192.0.2.1"])


# list operation -> factory(world, make_number, make_live_call) of `add(n)`, which adds n rows to that list
LIST_ROWS = {
    "GET /api/v1/businesses/{business_id}/numbers/": add_numbers,
    # Business settings, reservations, members
    "GET /api/v1/businesses/{business_id}/closures/": add_closures,
    "GET /api/v1/businesses/{business_id}/members/": add_members,
    "GET /api/v1/businesses/{business_id}/reservations/": add_reservations,
    # Orders, the menu, FAQ
    "GET /api/v1/businesses/{business_id}/orders/": add_orders,
    "GET /api/v1/businesses/{business_id}/menu/categories/": add_menu_rows("categories"),
    "GET /api/v1/businesses/{business_id}/menu/items/": add_menu_rows("items"),
    "GET /api/v1/businesses/{business_id}/menu/modifier-groups/": add_menu_rows("groups"),
    "GET /api/v1/businesses/{business_id}/menu/modifiers/": add_menu_rows("modifiers"),
    "GET /api/v1/businesses/{business_id}/faq/": add_faq_entries,
    "GET /api/v1/businesses/{business_id}/printers/": add_printers,
    "GET /api/v1/businesses/{business_id}/print-agents/": add_print_agents,
    "GET /api/v1/businesses/{business_id}/orders/{order_id}/print-jobs/": add_print_jobs,
    # api-calls
    "GET /api/v1/businesses/{business_id}/calls/live/": add_live_calls,
    "GET /api/v1/businesses/{business_id}/calls/": add_calls,
    "GET /api/v1/platform/numbers/": add_live_calls,
    "GET /api/v1/platform/businesses/": add_platform_businesses,
    "GET /api/v1/platform/trunks/": add_trunks,
    "GET /api/v1/platform/calls/live/": add_live_calls,
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
    # Minted before counting: login and refresh do query. The platform's operations as the stakeholder.
    client = world.client("stakeholder" if is_platform(op) else "owner")
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
    client = world.client("stakeholder" if is_platform(op) else "owner")
    # One page holds every row, those the world already has (its businesses on the platform's lists) too.
    assert_constant_queries(client, url(op.split(" ", 1)[1], world) + "?page_size=200", add)


def test_numbers_list_is_two_queries(world, make_number, make_live_call):
    counts = assert_constant_queries(
        world.client("staff"),
        url("/api/v1/businesses/{business_id}/numbers/", world),
        add_numbers(world, make_number, make_live_call),
    )
    assert counts[0] == 2  # the business (for effective settings) and one page of numbers with live counts
