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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pytest

from tests.api.operations import METHODS, is_tenant, operation, operations, path_params, schema, url
from tests.api.world import PASSWORD, PERSONAS, World

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


def login(caller: Caller) -> dict:
    if caller.user is None:
        return {"username": "nobody-at-all", "password": "wrong"}
    return {"username": caller.user.username, "password": PASSWORD}


def refresh(caller: Caller) -> dict:
    return {"refresh": caller.refresh or "not-a-token"}


@dataclass(frozen=True)
class Row:
    expect: Expect
    body: dict | Callable[[Caller], dict] | None = field(default=None)


MATRIX: dict[str, Row] = {
    # Credentials in the body; anonymous sends wrong ones.
    "POST /api/v1/auth/token/": Row(Expect(401, 200, 200, 200, 200, 200), body=login),
    "POST /api/v1/auth/refresh/": Row(Expect(401, 200, 200, 200, 200, 200), body=refresh),
    "POST /api/v1/auth/logout/": Row(Expect(401, 204, 204, 204, 204, 204), body=refresh),
    "GET /api/v1/me/": Row(ANY_USER),
    # Numbers: everyone in the business reads; managers and owners configure.
    "GET /api/v1/businesses/{business_id}/numbers/": Row(STAFF_READ),
    "GET /api/v1/businesses/{business_id}/numbers/{number_id}/": Row(STAFF_READ),
    "GET /api/v1/businesses/{business_id}/analytics/": Row(MANAGER_READ),
    "GET /api/v1/businesses/{business_id}/calls/export.csv": Row(MANAGER_READ),
    "PATCH /api/v1/businesses/{business_id}/numbers/{number_id}/": Row(
        MANAGER_WRITE, body={"label": "Front desk", "config_override": {"greeting": "Pronto!"}}
    ),
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
        body = body(Caller(persona, user, world.tokens(persona).refresh if user else ""))
    client = world.client(persona)
    return getattr(client, method.lower())(url(path, world, objects=objects), body, format="json")


def _assert_json_error(response, op: str = "") -> None:
    if op.endswith(".csv") and response.status_code < 400:  # a download: CSV when allowed, JSON errors otherwise
        assert response["Content-Type"].startswith("text/csv")
        return
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
        _assert_json_error(response, op)


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
