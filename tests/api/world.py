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
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import TokenPair, tokens_issue
from orders import services as order_services
from orders.models import MenuCategory, MenuItem, Modifier, ModifierGroup, Order, OrderSettings
from reservations.models import Reservation, ReservationSettings, ReservationStatus
from restaurants import services as restaurant_services
from restaurants.models import Business, Closure, FaqEntry, Membership
from telephony import services as telephony_services
from telephony.models import CallRecord, PbxTrunk, SipNumber

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

    # --- Business settings, reservations, members ---

    @cached_property
    def closure(self) -> Closure:
        return restaurant_services.closure_set(business=self.business, date=date(2031, 12, 25), reason="Christmas")

    @cached_property
    def member(self) -> Any:
        """A staff member beside the personas (one a test may demote or remove)."""
        user = get_user_model().objects.create_user(username=f"member{next(_addresses)}", password=PASSWORD)
        restaurant_services.membership_set(business=self.business, user=user, role=Membership.Role.STAFF)
        return user

    @cached_property
    def reservation(self) -> Reservation:
        """A confirmed booking for two, three days ahead at 20:00 local, in a business taking bookings."""
        take_bookings(self.business)
        return Reservation.objects.create(
            business=self.business, name="Rossi", phone="+393331234567", party_size=2, starts_at=(start := evening(3)),
            ends_at=start + timedelta(minutes=90), status=ReservationStatus.CONFIRMED,
        )  # fmt: skip

    # --- calls and the platform's objects (api-calls) ---

    @cached_property
    def call(self) -> CallRecord:
        """A finished call on `number`, as call_end leaves it."""
        ended = timezone.now()
        started = ended - timedelta(seconds=95)
        return CallRecord.objects.create(
            business=self.business, sip_number=self.number, dialed_number=self.number.number,
            caller_number="+393331112222", sip_call_id=f"world-call-{self.business.pk}", started_at=started,
            ended_at=ended, duration_seconds=95.0, status=CallRecord.Status.COMPLETED,
            reason=CallRecord.Reason.CALLER_HANGUP,
            transcript=[{"role": "caller", "text": "Una margherita, per favore."}, {"role": "agent", "text": "Certo!"}],
            usage={"models": [{"model": "scripted", "input_tokens": 100}]},
        )  # fmt: skip

    @cached_property
    def trunk(self) -> PbxTrunk:
        """A PBX trunk (trunks are the platform's, not a business's; one per Tenant so ids differ)."""
        return telephony_services.trunk_create(name=f"PBX {self.business.slug}", allowed_addresses=["203.0.113.10"])

    # --- Orders, the menu, FAQ ---

    @cached_property
    def kitchen(self) -> OrderSettings:
        """Open around the clock and taking orders with no lead time, so an order can be placed at any hour."""
        restaurant_services.opening_hours_replace(
            business=self.business,
            periods=[(day, *hours) for day in range(7) for hours in ((time(0), time(12)), (time(12), time(0)))],
        )
        return OrderSettings.objects.create(business=self.business, lead_time_minutes=0, max_days_ahead=1)

    @cached_property
    def menu_category(self) -> MenuCategory:
        return MenuCategory.objects.create(business=self.business, name="Pizze")

    @cached_property
    def menu_item(self) -> MenuItem:
        return MenuItem.objects.create(
            business=self.business, category=self.menu_category, name="Margherita", price=Decimal("8.00")
        )

    @cached_property
    def modifier_group(self) -> ModifierGroup:
        return ModifierGroup.objects.create(item=self.menu_item, name="Extras", min_selected=0, max_selected=2)

    @cached_property
    def modifier(self) -> Modifier:
        return Modifier.objects.create(group=self.modifier_group, name="Burrata", price_delta=Decimal("3.00"))

    @cached_property
    def order(self) -> Order:
        """A new order of one Margherita with burrata, placed on the phone."""
        self.kitchen  # noqa: B018 (open the kitchen first)
        return order_services.order_place(
            business=self.business,
            items=[{"item_id": self.menu_item.pk, "quantity": 1, "modifier_ids": [self.modifier.pk]}],
            customer_name="Giulia",
            customer_phone="+393331234567",
        )

    @cached_property
    def faq_entry(self) -> FaqEntry:
        return FaqEntry.objects.create(
            business=self.business, question="Do you have parking?", answer="Yes, behind the restaurant."
        )

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

        order = self.order  # placed before the printer exists: no automatic job of its own to collide with
        return PrintJob.objects.create(business=self.business, printer=self.printer, order=order, kind="kitchen")

    @cached_property
    def print_agent(self) -> Any:
        from printing import services

        return services.print_agent_create(business_id=self.business.pk, name="Kitchen PC")[0]


def evening(days_ahead: int, tz: str = "Europe/Rome") -> datetime:
    """20:00 local, `days_ahead` days from today (UTC-aware)."""
    day = timezone.now().astimezone(ZoneInfo(tz)).date() + timedelta(days=days_ahead)
    return datetime.combine(day, time(20), tzinfo=ZoneInfo(tz))


def take_bookings(business: Business) -> None:
    """Open every day 12:00-23:00 and take bookings (the defaults: 40 seats, up to 8 a party), once."""
    if not ReservationSettings.objects.filter(business=business).exists():
        restaurant_services.opening_hours_replace(
            business=business, periods=[(day, time(12), time(23)) for day in range(7)]
        )
        ReservationSettings.objects.create(business=business)


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
