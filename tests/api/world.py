"""A small world for API tests: a business with a user in each role, an outsider's business, a stakeholder.

`world.client("manager")` is an APIClient holding that persona's access token (anonymous: none);
`world.own` is the business the personas work for and `world.foreign` the outsider's, each a
`Tenant` whose objects are made on first use (`world.own.number`).

Adding a resource (an order, a menu item): give `Tenant` a cached_property making one, and name
its path parameter in `tests/api/operations.py` PATH_OBJECTS; the permission matrix, the fuzzing
and the zero-query test then address it in both businesses.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import cached_property
from typing import Any

from rest_framework.test import APIClient

from accounts.services import TokenPair, tokens_issue
from restaurants import services as restaurant_services
from restaurants.models import Business, Membership
from telephony.models import SipNumber

PASSWORD = "pw-for-tests-only"
# The columns of the permission matrix, in its order.
PERSONAS = ("anonymous", "outsider", "staff", "manager", "owner", "stakeholder")

_addresses = itertools.count(1)


def api_client(**defaults: Any) -> APIClient:
    """An APIClient from an address of its own, so login-throttle counters never carry over between tests."""
    n = next(_addresses)
    return APIClient(REMOTE_ADDR=f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", **defaults)


class Tenant:
    """One business and the objects API tests address by id; each is created on first use."""

    def __init__(self, business: Business, *, make_number: Callable[..., SipNumber]) -> None:
        self.business = business
        self._make_number = make_number

    @cached_property
    def number(self) -> SipNumber:
        return self._make_number(business=self.business, label="Orders")

    @cached_property
    def order(self) -> Any:
        from datetime import date

        from django.utils import timezone

        from orders.models import Order

        self.printer  # noqa: B018  (the kitchen printer its tickets go to: reprints have somewhere to print)
        return Order.objects.create(
            business=self.business, customer_name="Giulia", customer_phone="+393331234567",
            pickup_at=timezone.now(), currency="EUR", subtotal=8, total=8, ticket_date=date.today(), ticket_number=1,
        )  # fmt: skip

    @cached_property
    def printer(self) -> Any:
        from printing import services
        from printing.models import Printer

        # Reached through a print agent: API tests never send bytes anywhere.
        printer = Printer(business=self.business, name="Kitchen", host="192.168.1.50", connection="relay")
        return services.printer_save(printer=printer)

    @cached_property
    def print_job(self) -> Any:
        from printing.models import PrintJob

        return PrintJob.objects.create(business=self.business, printer=self.printer, order=self.order, kind="kitchen")

    @cached_property
    def print_agent(self) -> Any:
        from printing import services

        return services.print_agent_create(business_id=self.business.pk, name="Kitchen PC")[0]


class World:
    def __init__(self, *, make_user: Callable[..., Any], make_business: Callable[..., Business],
                 make_number: Callable[..., SipNumber]) -> None:  # fmt: skip
        self.own = Tenant(make_business("Trattoria Da Mario", agent_greeting="Buongiorno!"), make_number=make_number)
        self.foreign = Tenant(make_business("Sushi Zen"), make_number=make_number)
        self.users: dict[str, Any] = {"anonymous": None, "stakeholder": make_user(is_staff=True)}
        self.users["outsider"] = self._member(make_user(), self.foreign.business, Membership.Role.OWNER)
        for role in (Membership.Role.STAFF, Membership.Role.MANAGER, Membership.Role.OWNER):
            self.users[str(role)] = self._member(make_user(), self.own.business, role)
        self._tokens: dict[str, TokenPair] = {}

    @staticmethod
    def _member(user: Any, business: Business, role: str) -> Any:
        restaurant_services.membership_set(business=business, user=user, role=role)
        return user

    def tokens(self, persona: str) -> TokenPair:
        """The persona's token pair, minted once (anonymous has none)."""
        if persona not in self._tokens:
            self._tokens[persona] = tokens_issue(user_id=self.users[persona].pk)
        return self._tokens[persona]

    def client(self, persona: str) -> APIClient:
        client = api_client()
        if self.users[persona] is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.tokens(persona).access}")
        return client
