"""Database work per request: none to authenticate and authorise, and a fixed amount per list page.

- Every operation that needs a token is authenticated and authorised with ZERO queries: the
  claims say who the user is and their role in each business (the handler is replaced by a stub,
  so what is counted is the middleware, authentication and the permission).
- Every list operation makes as many queries for 50 rows as for 1. A new list endpoint fails
  `test_every_list_has_a_row_maker` until LIST_ROWS says how to add rows to its list.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import resolve
from rest_framework.response import Response

from tests.api.operations import is_list, is_tenant, needs_token, operations, url
from tests.api.queries import assert_constant_queries
from tests.api.world import World

pytestmark = pytest.mark.django_db


def add_numbers(world: World, make_number, make_live_call) -> Callable[[int], None]:
    def add(n: int) -> None:
        for _ in range(n):
            make_live_call(make_number(business=world.own.business, label="Line"))

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


# list operation -> factory(world, make_number, make_live_call) of `add(n)`, which adds n rows to that list
LIST_ROWS = {
    "GET /api/v1/businesses/{business_id}/numbers/": add_numbers,
    "GET /api/v1/businesses/{business_id}/printers/": add_printers,
    "GET /api/v1/businesses/{business_id}/print-agents/": add_print_agents,
    "GET /api/v1/businesses/{business_id}/orders/{order_id}/print-jobs/": add_print_jobs,
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
