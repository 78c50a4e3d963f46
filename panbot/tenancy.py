"""Tenancy that fails loudly: a tenant model is read only inside one business's scope.

Every model that belongs to a business (orders, bookings, menus, calls, numbers, printers, feed
events, ...) has `tenant_manager()` as its default manager, on django-scopes' scope state. Outside
a scope its queries raise `ScopeError` (when they reach the database, however they are run)
instead of reading every tenant's rows; inside `business_scope(id)` they read that business's
rows only, whatever the query forgot to filter (another business's id gives DoesNotExist, a 404
at the API). Creating rows needs no scope: a service writes what its caller
hands it.

Each way into the code sets the scope once, where the business is known:

- the tenant API (`restaurants.api.tenancy`): the URL's business, once `BusinessPermission` lets the
  request through;
- the feed consumer: its business, around each read;
- the voice agent: the admitted call's business, around each tool and the prompt;
- a print agent: its own business; a print task: its job's business.

The few reads that are platform-wide by nature say so with `platform_wide()` (a context manager)
or `@runs_platform_wide` (a function's whole body): the stakeholder admin and the platform API;
routing a dialed number to its business, and the rest of the call path keyed by call (admission,
heartbeat, end, the reaper); beat's sweeps (unacknowledged orders, event pruning, print jobs to
resume) and a print job's attempt (keyed by job); a print agent's device token; the management
commands. Anything else that queries a tenant model with no scope is a bug, and raises.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, ClassVar, ParamSpec, TypeVar

from django.db import models
from django.db.models import BooleanField, Expression
from django_scopes import ScopeError, get_scope, scope, scopes_disabled

__all__ = ["ScopeError", "business_scope", "in_business_scope", "platform_wide", "runs_platform_wide", "tenant_manager"]

P = ParamSpec("P")
R = TypeVar("R")

# The dimension's name in django-scopes' state.
_DIMENSION = "business"


class _OutsideScope(Expression):
    """A WHERE clause that cannot be compiled: any SQL of a tenant model's query outside a scope raises,
    whichever way it is run (iteration, count, exists, update, a subquery, async, explain)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        raise ScopeError(
            f"A query of {self.label} outside a business scope: run it in business_scope(business_id), "
            "or in platform_wide() if it is platform-wide by nature (panbot.tenancy)."
        )


class TenantManager(models.Manager[Any]):
    """The default manager of a tenant model; `path` (a class attribute: related managers subclass the
    class and take no arguments) leads from the model to its Business.

    Reads django-scopes' state (`business_scope`, `platform_wide`): in a business scope, the rows
    whose `path` is that business; platform-wide, every row; otherwise a query that raises
    ScopeError as soon as it reaches the database. Creating rows needs no scope.
    """

    path: ClassVar[str] = "business"

    def get_queryset(self) -> models.QuerySet[Any]:
        queryset = super().get_queryset()
        state = get_scope()
        if not state.get("_enabled", True):
            return queryset
        business_id = state.get(_DIMENSION)
        if business_id is None:
            return queryset.filter(_OutsideScope(self.model._meta.label))
        return queryset.filter(**{self.path: business_id})


def tenant_manager(path: str = "business") -> Any:
    """A tenant model's `objects` (typed Any: models annotate it with their own Manager type)."""
    manager_class = type("TenantManager", (TenantManager,), {"path": path, "__module__": __name__})
    return manager_class()


@contextmanager
def business_scope(business_id: int) -> Iterator[None]:
    """Tenant models read `business_id`'s rows only, and nothing else, until the block ends.

    Refuses anything but a positive id here, where the mistake is (a None would surface later as a
    ScopeError far from it).
    """
    if isinstance(business_id, bool) or not isinstance(business_id, int) or business_id <= 0:
        raise ValueError(f"business_scope() needs a business id, not {business_id!r}")
    with scope(**{_DIMENSION: business_id}):
        yield


def in_business_scope(business_id: int, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """`fn(*args, **kwargs)` in `business_scope(business_id)`: for work handed to another thread."""
    with business_scope(business_id):
        return fn(*args, **kwargs)


def platform_wide() -> AbstractContextManager[None]:
    """Tenant models read every business's rows until the block ends.

    For the reads that are platform-wide by nature (see the module's docstring), never to silence
    a ScopeError in tenant code.
    """
    manager: AbstractContextManager[None] = scopes_disabled()
    return manager


def runs_platform_wide(fn: Callable[P, R]) -> Callable[P, R]:
    """`fn`'s whole body runs `platform_wide()`, whoever calls it (an entry point keyed by a platform-wide id)."""

    @functools.wraps(fn)
    def platform(*args: P.args, **kwargs: P.kwargs) -> R:
        with platform_wide():
            return fn(*args, **kwargs)

    return platform
