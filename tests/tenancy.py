"""The tenancy guard under pytest (panbot.tenancy).

Test code sets up and inspects any business's rows freely: the suite runs `platform_wide()` as its
ambient state (tests/conftest.py). The code under test must not inherit that: in production a
request, a socket or a task starts with no scope at all, and sets its own. `production_tenancy()`
puts a block back in that state, and `ProductionTenancyMiddleware` (test settings) runs every
request of the test client in it, so a view that forgot its scope raises in the tests as it would
in production.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django_scopes.state import state


@contextmanager
def production_tenancy() -> Iterator[None]:
    """The state a production request or task starts in, whatever the caller's: the guard on, no business."""
    token = state.set(None)
    try:
        yield
    finally:
        state.reset(token)


class ProductionTenancyMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[..., Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        if iscoroutinefunction(self):
            return self._acall(request)
        with production_tenancy():
            return self.get_response(request)

    async def _acall(self, request: Any) -> Any:
        with production_tenancy():
            return await self.get_response(request)
