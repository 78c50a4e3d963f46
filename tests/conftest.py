"""Shared fixtures: real PostgreSQL (pytest-django) and real Redis, small factories."""

from __future__ import annotations

import ipaddress
import itertools
import os
import sys
from collections.abc import Callable
from datetime import datetime, time
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection

from panbot.tenancy import platform_wide
from restaurants.models import Business, Membership
from telephony.models import SipNumber

_seq = itertools.count(1)

# Provider and LiveKit credentials from a developer's shell must never reach a test.
_CREDENTIALS = (
    "LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "OPENAI_API_KEY", "LLM_API_KEY", "DEEPGRAM_API_KEY",
    "LIVEKIT_INFERENCE_URL", "LIVEKIT_OBSERVABILITY_URL", "LIVEKIT_REMOTE_EOT_URL",
)  # fmt: skip
for _name in _CREDENTIALS:
    os.environ.pop(_name, None)


def _no_internet(event: str, args: tuple) -> None:
    """Fail any connection that leaves this machine: tests talk to local services and fakes only."""
    if event != "socket.connect":
        return
    address = args[1]
    if not isinstance(address, tuple):
        return  # unix sockets
    try:
        local = ipaddress.ip_address(address[0]).is_loopback
    except ValueError:
        local = address[0] == "localhost"
    if not local:
        raise ConnectionRefusedError(f"tests must not reach the network (tried {address[0]}:{address[1]})")


sys.addaudithook(_no_internet)


@pytest.fixture(autouse=True, scope="session")
def _tests_run_platform_wide():
    """Test code reads and writes any business's rows (panbot.tenancy); the code it calls sets its own scope,
    and every request of the test client starts with none, as in production (tests/tenancy.py)."""
    with platform_wide():
        yield


@pytest.fixture(autouse=True, scope="session")
def _postgres_only(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", "the suite must run on PostgreSQL"


@pytest.fixture
def make_user(db) -> Callable[..., object]:
    def make(username: str | None = None, *, is_staff: bool = False, password: str = "pw-for-tests-only"):
        user = get_user_model().objects.create_user(
            username=username or f"user{next(_seq)}", password=password, is_staff=is_staff
        )
        return user

    return make


@pytest.fixture
def stakeholder(make_user):
    return make_user("stakeholder", is_staff=True)


@pytest.fixture
def make_business(db) -> Callable[..., Business]:
    def make(name: str | None = None, **fields) -> Business:
        n = next(_seq)
        fields.setdefault("slug", f"business-{n}")
        fields.setdefault("max_concurrent_calls", 3)
        return Business.objects.create(name=name or f"Business {n}", **fields)

    return make


@pytest.fixture
def business(make_business) -> Business:
    return make_business("Trattoria Da Mario", slug="trattoria", agent_greeting="Buongiorno!")


@pytest.fixture
def outsider_business(make_business) -> Business:
    return make_business("Sushi Zen", slug="sushi")


@pytest.fixture
def member(make_user):
    def make(business: Business, role: str = Membership.Role.OWNER):
        user = make_user()
        Membership.objects.create(user=user, business=business, role=role)
        return user

    return make


@pytest.fixture
def make_number(db, stakeholder) -> Callable[..., SipNumber]:
    from telephony import services

    def make(number: str | None = None, business: Business | None = None, **fields) -> SipNumber:
        return services.number_create(
            number=number or f"+3905512{next(_seq):05d}", business=business, by=stakeholder, **fields
        )

    return make


@pytest.fixture
def make_live_call(db) -> Callable[..., object]:
    """A call holding a slot on `number` now (an ActiveCall with its CallRecord), as call_admit leaves it."""
    from django.utils import timezone

    from telephony.models import ActiveCall, CallRecord

    def make(number: SipNumber, caller: str = "+393331112222", business: Business | None = None):
        now = timezone.now()
        business = business or number.business
        record = CallRecord.objects.create(
            business=business, sip_number=number, sip_call_id=f"call-{next(_seq)}", caller_number=caller,
            started_at=now,
        )  # fmt: skip
        return ActiveCall.objects.create(
            business=business, sip_number=number, call_record=record, sip_call_id=record.sip_call_id,
            caller_number=caller, started_at=now, last_heartbeat_at=now,
        )  # fmt: skip

    return make


# --- API -----------------------------------------------------------------------------------------


@pytest.fixture
def world(make_user, make_business, make_number):
    """Personas and businesses for API tests (tests/api/world.py)."""
    from tests.api.world import World

    return World(make_user=make_user, make_business=make_business, make_number=make_number)


@pytest.fixture
def api_client(db):
    """An anonymous APIClient from an address of its own (login throttling counts per address)."""
    from tests.api.world import api_client

    return api_client()


# --- Menu, orders and bookings -------------------------------------------------------------------

ROME = ZoneInfo("Europe/Rome")
# Lunch and dinner Tuesday to Sunday; closed on Mondays (as the demo trattoria).
TRATTORIA_HOURS = [(day, *period) for day in range(1, 7) for period in ((time(12), time(15)), (time(19), time(23)))]


@pytest.fixture
def at():
    """Freeze the clock at a local time in Rome: `at(2026, 6, 13, 18, 0)` (a Saturday)."""
    travellers = []

    def travel(*args: int, tz: ZoneInfo = ROME):
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(datetime(*args, tzinfo=tz), tick=False)
        traveller.start()
        travellers.append(traveller)

    yield travel
    for traveller in travellers:
        traveller.stop()


@pytest.fixture
def make_menu(db) -> Callable[..., SimpleNamespace]:
    """A small menu: Margherita with a required size and optional extras, a sold-out item, a drink."""
    from orders.models import MenuCategory, MenuItem, Modifier, ModifierGroup

    def make(business: Business) -> SimpleNamespace:
        pizze = MenuCategory.objects.create(business=business, name="Pizze", position=0)
        drinks = MenuCategory.objects.create(business=business, name="Bevande", position=1)
        margherita = MenuItem.objects.create(
            business=business, category=pizze, name="Margherita", price=Decimal("8.00"), aliases=["marghe"],
            allergens=["gluten", "milk"], description="Tomato, mozzarella, basil",
        )  # fmt: skip
        size = ModifierGroup.objects.create(item=margherita, name="Size", min_selected=1, max_selected=1)
        normale = Modifier.objects.create(group=size, name="Normale", price_delta=Decimal("0.00"), position=0)
        maxi = Modifier.objects.create(group=size, name="Maxi", price_delta=Decimal("4.00"), position=1)
        extras = ModifierGroup.objects.create(
            item=margherita, name="Extra toppings", min_selected=0, max_selected=2, position=1
        )
        burrata = Modifier.objects.create(group=extras, name="Burrata", price_delta=Decimal("3.00"), position=0)
        olive = Modifier.objects.create(group=extras, name="Olive", price_delta=Decimal("1.00"), position=1)
        acciughe = Modifier.objects.create(
            group=extras, name="Acciughe", price_delta=Decimal("1.50"), is_available=False, position=2
        )
        diavola = MenuItem.objects.create(
            business=business, category=pizze, name="Diavola", price=Decimal("9.50"), position=1
        )
        lasagne = MenuItem.objects.create(
            business=business, category=pizze, name="Lasagne al forno", price=Decimal("11.00"), is_available=False,
            position=2,
        )  # fmt: skip
        tiramisu = MenuItem.objects.create(
            business=business, category=pizze, name="Tiramisù", price=Decimal("6.00"), position=3
        )
        cola = MenuItem.objects.create(
            business=business, category=drinks, name="Coca-Cola", price=Decimal("3.00"), aliases=["coke"]
        )
        return SimpleNamespace(
            margherita=margherita, size=size, normale=normale, maxi=maxi, extras=extras, burrata=burrata,
            olive=olive, acciughe=acciughe, diavola=diavola, lasagne=lasagne, tiramisu=tiramisu, cola=cola,
        )  # fmt: skip

    return make


@pytest.fixture
def menu(business, make_menu) -> SimpleNamespace:
    return make_menu(business)


@pytest.fixture
def trattoria_hours():
    from restaurants import services

    def apply(business: Business, periods=TRATTORIA_HOURS) -> Business:
        services.opening_hours_replace(business=business, periods=periods)
        return business

    return apply


@pytest.fixture
def taking_orders(business, trattoria_hours):
    """`business` open as the demo trattoria and taking orders (20 minutes' lead, up to 10 per line)."""
    from orders.models import OrderSettings

    trattoria_hours(business)
    return OrderSettings.objects.create(
        business=business, lead_time_minutes=20, max_quantity_per_line=10, max_days_ahead=1
    )


@pytest.fixture
def taking_bookings(business, trattoria_hours):
    """`business` open as the demo trattoria and taking bookings with small numbers that are easy to fill."""
    from reservations.models import ReservationSettings

    trattoria_hours(business)
    return ReservationSettings.objects.create(
        business=business, slot_minutes=30, seats_per_slot=10, max_party_size=6, dining_minutes=90,
        lead_minutes=60, horizon_days=30, last_seating_minutes=30,
    )  # fmt: skip


@pytest.fixture
def fake_livekit(settings):
    """A local fake of LiveKit's server API, with the settings pointing at it."""
    from tests.fakes.livekit import API_KEY, API_SECRET, FakeLiveKit

    server = FakeLiveKit().start()
    settings.LIVEKIT_URL = server.url
    settings.LIVEKIT_API_KEY = API_KEY
    settings.LIVEKIT_API_SECRET = API_SECRET
    yield server
    server.stop()
