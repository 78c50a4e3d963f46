"""Database work per request: none to authenticate and authorise, and a fixed amount per list page.

- Every operation that needs a token is authenticated and authorised with ZERO queries: the
  claims say who the user is and their role in each business (the handler is replaced by a stub,
  so what is counted is the middleware, authentication and the permission).
- Every list operation makes as many queries for 50 rows as for 1. A new list endpoint fails
  `test_every_list_has_a_row_maker` until LIST_ROWS says how to add rows to its list.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.urls import resolve
from rest_framework.response import Response

from restaurants import services as restaurant_services
from telephony import services as telephony_services
from telephony.models import ActiveCall, CallRecord
from tests.api.operations import is_list, is_platform, is_tenant, needs_token, operations, url
from tests.api.queries import assert_constant_queries
from tests.api.world import World

pytestmark = pytest.mark.django_db


def add_numbers(world: World, make_number, make_live_call) -> Callable[[int], None]:
    def add(n: int) -> None:
        for _ in range(n):
            make_live_call(make_number(business=world.own.business, label="Line"))

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
