"""The API's operations as the OpenAPI schema lists them, and how tests fill their paths.

Tests over "every operation" (the permission matrix, the fuzzing, zero queries for authorisation,
constant list queries, 405 for what a path does not offer) read the operations from the schema
generated in-process, so a new endpoint is covered the moment it is routed.

A new path parameter (`{order_id}`) needs one row in PATH_OBJECTS: the `Tenant` attribute whose
object's id fills it (tests/api/world.py gives each business such objects).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from drf_spectacular.generators import SchemaGenerator

from tests.api.world import Tenant, World

METHODS = ("get", "post", "put", "patch", "delete")

# path parameter -> the Tenant attribute whose object's primary key fills it
PATH_OBJECTS: dict[str, str] = {
    "number_id": "number",
    # Orders, the menu, FAQ
    "order_id": "order",
    "category_id": "menu_category",
    "item_id": "menu_item",
    "group_id": "modifier_group",
    "modifier_id": "modifier",
    "entry_id": "faq_entry",
    # Business settings, reservations, members
    "closure_id": "closure",
    "user_id": "member",
    "reservation_id": "reservation",
}


@cache
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations() -> list[str]:
    """Every operation, as "METHOD /api/v1/path/{param}/"."""
    return [
        f"{method.upper()} {path}" for path, item in schema()["paths"].items() for method in METHODS if method in item
    ]


def operation(op: str) -> dict[str, Any]:
    method, path = op.split(" ", 1)
    return schema()["paths"][path][method.lower()]


def is_tenant(op: str) -> bool:
    return "{business_id}" in op


def needs_token(op: str) -> bool:
    return any("bearerAuth" in requirement for requirement in operation(op).get("security", []))


def is_list(op: str) -> bool:
    """A cursor-paginated list (its 200 is a Paginated...List)."""
    ok = operation(op)["responses"].get("200", {})
    ref = ok.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    return op.startswith("GET ") and ref.rsplit("/", 1)[-1].startswith("Paginated")


def path_params(path: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", path)


def url(path: str, world: World, *, objects: Tenant | None = None) -> str:
    """`path` with the own business's id and object ids from `objects` (default: the own business's too)."""
    objects = objects or world.own
    values = {}
    for name in path_params(path):
        if name == "business_id":
            values[name] = world.own.business.pk
        elif name in PATH_OBJECTS:
            values[name] = getattr(objects, PATH_OBJECTS[name]).pk
        else:
            raise AssertionError(f"{path}: add {{{name}}} to PATH_OBJECTS in tests/api/operations.py")
    return path.format(**values)
