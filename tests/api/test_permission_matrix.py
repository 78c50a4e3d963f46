"""Who may do what: every operation of the OpenAPI schema x every persona, with the status each must get.

A new endpoint fails `test_every_operation_is_in_the_matrix` until it has a row in MATRIX:

    "POST /api/v1/businesses/{business_id}/orders/": Row(STAFF_WRITE, body={...}),

The statuses are, in PERSONAS order: anonymous, outsider (owner of another business), staff,
manager, owner (all three of the URL's business), stakeholder (Django staff, no membership).
Pick a preset or write an `Expect(...)`; `body` is the JSON sent (a dict, or a function of the
persona's `Caller` for bodies made of its own credentials). Path ids are filled from
tests/api/operations.py PATH_OBJECTS. A success is whatever 2xx the row says; an error must be
JSON with "detail" and "code".
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pytest
from django.contrib.auth import get_user_model

from restaurants.models import Business
from tests.api.operations import METHODS, is_tenant, operation, operations, path_params, schema, url
from tests.api.world import PASSWORD, PERSONAS, World, evening, take_bookings

pytestmark = pytest.mark.django_db


class Expect(NamedTuple):
    anonymous: int
    outsider: int
    staff: int
    manager: int
    owner: int
    stakeholder: int


# Tenant operations (DESIGN.md "Roles"). Stakeholders are outsiders under /businesses/: their powers
# are in the platform API and the admin.
STAFF_READ = Expect(401, 404, 200, 200, 200, 404)  # live feed, today's orders, numbers (read)
STAFF_WRITE = Expect(401, 404, 200, 200, 200, 404)  # status changes, phone bookings, sold-out toggle
MANAGER_WRITE = Expect(401, 404, 403, 200, 200, 404)  # menu, FAQ, hours, settings, numbers' agent settings
MANAGER_READ = Expect(401, 404, 403, 200, 200, 404)  # call history, analytics, printers
OWNER_ONLY = Expect(401, 404, 403, 403, 200, 404)  # members
# Not tenant-scoped.
ANY_USER = Expect(401, 200, 200, 200, 200, 200)
STAKEHOLDER_ONLY = Expect(401, 403, 403, 403, 403, 200)  # /api/v1/platform/


@dataclass(frozen=True)
class Caller:
    """What a row's body function gets: the persona and its credentials (user None for anonymous)."""

    persona: str
    user: Any
    refresh: str
    world: Any = None  # for bodies naming the own business's objects (a menu item's id)


def login(caller: Caller) -> dict:
    if caller.user is None:
        return {"username": "nobody-at-all", "password": "wrong"}
    return {"username": caller.user.username, "password": PASSWORD}


def refresh(caller: Caller) -> dict:
    return {"refresh": caller.refresh or "not-a-token"}


def phone_booking(caller: Caller) -> dict:
    """A bookable table three days ahead; the caller's business (if any) is made to take bookings first."""
    for business in Business.objects.filter(memberships__user=caller.user) if caller.user else ():
        take_bookings(business)
    return {"starts_at": f"{evening(3):%Y-%m-%dT%H:%M}", "party_size": 2, "name": "Bianchi", "phone": "333 765 4321"}


def availability_query(caller: Caller) -> dict:
    phone_booking(caller)
    return {"date": f"{evening(3):%Y-%m-%d}", "party_size": 2}


def new_user() -> Any:
    return get_user_model().objects.create_user(username=f"new-{uuid.uuid4().hex[:8]}", password=PASSWORD)


@dataclass(frozen=True)
class Row:
    expect: Expect
    body: dict | Callable[[Caller], dict] | None = field(default=None)


# --- Orders, the menu, FAQ ---
STAFF_CREATE = Expect(401, 404, 201, 201, 201, 404)  # an order taken at the counter
MANAGER_CREATE = Expect(401, 404, 403, 201, 201, 404)  # menu rows, FAQ entries
MANAGER_DELETE = Expect(401, 404, 403, 204, 204, 404)  # FAQ entries
_B = "/api/v1/businesses/{business_id}"


def counter_order(caller: Caller) -> dict:
    caller.world.own.kitchen  # noqa: B018 (open and taking orders)
    item = caller.world.own.menu_item
    return {"items": [{"item_id": item.pk, "quantity": 2}], "customer_name": "Marco", "customer_phone": "+393339876543"}


ORDERS_MENU_FAQ: dict[str, Row] = {
    # Orders: live operations, staff and up.
    f"GET {_B}/orders/": Row(STAFF_READ),
    f"POST {_B}/orders/": Row(STAFF_CREATE, body=counter_order),
    f"GET {_B}/orders/{{order_id}}/": Row(STAFF_READ),
    f"POST {_B}/orders/{{order_id}}/transition/": Row(STAFF_WRITE, body={"to_status": "accepted", "prep_minutes": 15}),
    # The menu: staff read it and mark sold-outs; managers and owners write it.
    f"GET {_B}/menu/categories/": Row(STAFF_READ),
    f"POST {_B}/menu/categories/": Row(MANAGER_CREATE, body={"name": "Dolci"}),
    f"GET {_B}/menu/categories/{{category_id}}/": Row(STAFF_READ),
    f"PATCH {_B}/menu/categories/{{category_id}}/": Row(MANAGER_WRITE, body={"position": 3}),
    f"GET {_B}/menu/items/": Row(STAFF_READ),
    f"POST {_B}/menu/items/": Row(
        MANAGER_CREATE, body=lambda c: {"category_id": c.world.own.menu_category.pk, "name": "Diavola", "price": "9.50"}
    ),
    f"GET {_B}/menu/items/{{item_id}}/": Row(STAFF_READ),
    f"PATCH {_B}/menu/items/{{item_id}}/": Row(MANAGER_WRITE, body={"price": "8.50"}),
    f"POST {_B}/menu/items/{{item_id}}/availability/": Row(STAFF_WRITE, body={"is_available": False}),
    f"GET {_B}/menu/modifier-groups/": Row(STAFF_READ),
    f"POST {_B}/menu/modifier-groups/": Row(
        MANAGER_CREATE, body=lambda c: {"item_id": c.world.own.menu_item.pk, "name": "Size", "min_selected": 1}
    ),
    f"GET {_B}/menu/modifier-groups/{{group_id}}/": Row(STAFF_READ),
    f"PATCH {_B}/menu/modifier-groups/{{group_id}}/": Row(MANAGER_WRITE, body={"max_selected": 3}),
    f"GET {_B}/menu/modifiers/": Row(STAFF_READ),
    f"POST {_B}/menu/modifiers/": Row(
        MANAGER_CREATE, body=lambda c: {"group_id": c.world.own.modifier_group.pk, "name": "Olive", "price_delta": "1"}
    ),
    f"GET {_B}/menu/modifiers/{{modifier_id}}/": Row(STAFF_READ),
    f"PATCH {_B}/menu/modifiers/{{modifier_id}}/": Row(MANAGER_WRITE, body={"price_delta": "2.50"}),
    f"POST {_B}/menu/modifiers/{{modifier_id}}/availability/": Row(STAFF_WRITE, body={"is_available": False}),
    # FAQ: configuration, managers and owners.
    f"GET {_B}/faq/": Row(MANAGER_READ),
    f"POST {_B}/faq/": Row(MANAGER_CREATE, body={"question": "Are dogs allowed?", "answer": "Yes, on the terrace."}),
    f"GET {_B}/faq/{{entry_id}}/": Row(MANAGER_READ),
    f"PATCH {_B}/faq/{{entry_id}}/": Row(MANAGER_WRITE, body={"is_active": False}),
    f"DELETE {_B}/faq/{{entry_id}}/": Row(MANAGER_DELETE),
}


MATRIX: dict[str, Row] = {
    # Credentials in the body; anonymous sends wrong ones.
    "POST /api/v1/auth/token/": Row(Expect(401, 200, 200, 200, 200, 200), body=login),
    "POST /api/v1/auth/refresh/": Row(Expect(401, 200, 200, 200, 200, 200), body=refresh),
    "POST /api/v1/auth/logout/": Row(Expect(401, 204, 204, 204, 204, 204), body=refresh),
    "GET /api/v1/me/": Row(ANY_USER),
    # Numbers: everyone in the business reads; managers and owners configure.
    "GET /api/v1/businesses/{business_id}/numbers/": Row(STAFF_READ),
    "GET /api/v1/businesses/{business_id}/numbers/{number_id}/": Row(STAFF_READ),
    "PATCH /api/v1/businesses/{business_id}/numbers/{number_id}/": Row(
        MANAGER_WRITE, body={"label": "Front desk", "config_override": {"greeting": "Pronto!"}}
    ),
    **ORDERS_MENU_FAQ,
    # Business profile and settings: everyone reads; managers and owners change them.
    "GET /api/v1/businesses/{business_id}/": Row(STAFF_READ),
    "PATCH /api/v1/businesses/{business_id}/": Row(
        MANAGER_WRITE, body={"name": "Da Mario", "timezone": "Europe/Rome", "agent_greeting": "Pronto!"}
    ),
    "GET /api/v1/businesses/{business_id}/hours/": Row(STAFF_READ),
    "PUT /api/v1/businesses/{business_id}/hours/": Row(
        MANAGER_WRITE, body={"periods": [{"weekday": 4, "opens_at": "19:00", "closes_at": "01:00"}]}
    ),
    "GET /api/v1/businesses/{business_id}/closures/": Row(STAFF_READ),
    "POST /api/v1/businesses/{business_id}/closures/": Row(
        Expect(401, 404, 403, 201, 201, 404), body={"date": "2031-08-15", "reason": "Ferragosto"}
    ),
    "DELETE /api/v1/businesses/{business_id}/closures/{closure_id}/": Row(Expect(401, 404, 403, 204, 204, 404)),
    "GET /api/v1/businesses/{business_id}/order-settings/": Row(STAFF_READ),
    "PATCH /api/v1/businesses/{business_id}/order-settings/": Row(MANAGER_WRITE, body={"lead_time_minutes": 30}),
    "GET /api/v1/businesses/{business_id}/reservation-settings/": Row(STAFF_READ),
    "PATCH /api/v1/businesses/{business_id}/reservation-settings/": Row(
        MANAGER_WRITE, body={"accepting_reservations": True, "seats_per_slot": 30}
    ),
    # Reservations: the staff's.
    "GET /api/v1/businesses/{business_id}/reservations/": Row(STAFF_READ),
    "POST /api/v1/businesses/{business_id}/reservations/": Row(
        Expect(401, 404, 201, 201, 201, 404), body=phone_booking
    ),
    "GET /api/v1/businesses/{business_id}/reservations/availability/": Row(STAFF_READ, body=availability_query),
    "GET /api/v1/businesses/{business_id}/reservations/{reservation_id}/": Row(STAFF_READ),
    "PATCH /api/v1/businesses/{business_id}/reservations/{reservation_id}/": Row(STAFF_WRITE, body={"party_size": 3}),
    "POST /api/v1/businesses/{business_id}/reservations/{reservation_id}/cancel/": Row(
        STAFF_WRITE, body={"reason": "Called to cancel"}
    ),
    "POST /api/v1/businesses/{business_id}/reservations/{reservation_id}/transition/": Row(
        STAFF_WRITE, body={"to_status": "seated"}
    ),
    # Members: owners only.
    "GET /api/v1/businesses/{business_id}/members/": Row(OWNER_ONLY),
    "POST /api/v1/businesses/{business_id}/members/": Row(
        Expect(401, 404, 403, 403, 201, 404), body=lambda caller: {"user": new_user().username, "role": "staff"}
    ),
    "PATCH /api/v1/businesses/{business_id}/members/{user_id}/": Row(OWNER_ONLY, body={"role": "manager"}),
    "DELETE /api/v1/businesses/{business_id}/members/{user_id}/": Row(Expect(401, 404, 403, 403, 204, 404)),
}


def test_every_operation_is_in_the_matrix():
    missing = sorted(set(operations()) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(operations()))
    assert not missing, f"operations without a row in MATRIX (tests/api/test_permission_matrix.py): {missing}"
    assert not stale, f"rows in MATRIX for operations the schema no longer has: {stale}"


def _call(world: World, op: str, persona: str, *, objects=None):
    method, path = op.split(" ", 1)
    row = MATRIX[op]
    user = world.users[persona]
    body = row.body
    if callable(body):
        body = body(Caller(persona, user, world.tokens(persona).refresh if user else "", world))
    client = world.client(persona)
    return getattr(client, method.lower())(url(path, world, objects=objects), body, format="json")


def _assert_json_error(response) -> None:
    assert response["Content-Type"] == "application/json"
    if response.status_code >= 400 and response.status_code != 400:
        assert set(response.json()) == {"detail", "code"}, response.json()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("op", sorted(MATRIX))
def test_matrix(world, op, persona):
    response = _call(world, op, persona)
    expected = getattr(MATRIX[op].expect, persona)
    assert response.status_code == expected, (op, persona, response.content[:300])
    if response.status_code != 204:
        _assert_json_error(response)


def _object_operations() -> list[str]:
    return sorted(op for op in MATRIX if is_tenant(op) and len(path_params(op)) > 1)


@pytest.mark.parametrize("op", _object_operations())
def test_another_business_object_is_not_found_under_your_own_business(world, op):
    """An owner naming the outsider's object under their own business's URL gets 404, as if it did not exist."""
    response = _call(world, op, "owner", objects=world.foreign)
    assert response.status_code == 404, (op, response.content[:300])
    _assert_json_error(response)


def _absent_methods() -> list[str]:
    return sorted(
        f"{method.upper()} {path}"
        for path, item in schema()["paths"].items()
        if "{business_id}" in path
        for method in METHODS
        if method not in item
    )


@pytest.mark.parametrize("op", _absent_methods())
def test_what_a_tenant_path_does_not_offer_is_405_to_members_and_404_to_outsiders(world, op):
    method, path = op.split(" ", 1)
    for persona, status in (("owner", 405), ("staff", 405), ("outsider", 404)):
        response = getattr(world.client(persona), method.lower())(url(path, world), {}, format="json")
        assert response.status_code == status, (op, persona, response.content[:300])
        _assert_json_error(response)


def test_every_protected_operation_documents_its_errors():
    for op in operations():
        responses = operation(op)["responses"]
        if is_tenant(op):
            assert {"401", "403", "404"} <= set(responses), op
        if op.split(" ")[0] in {"POST", "PUT", "PATCH"}:
            assert {"400", "413", "415"} <= set(responses), op
