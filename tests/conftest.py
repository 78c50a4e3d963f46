"""Shared fixtures: real PostgreSQL (pytest-django) and real Redis, small factories."""

from __future__ import annotations

import ipaddress
import itertools
import os
import sys
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

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
def fake_livekit(settings):
    """A local fake of LiveKit's server API, with the settings pointing at it."""
    from tests.fakes.livekit import API_KEY, API_SECRET, FakeLiveKit

    server = FakeLiveKit().start()
    settings.LIVEKIT_URL = server.url
    settings.LIVEKIT_API_KEY = API_KEY
    settings.LIVEKIT_API_SECRET = API_SECRET
    yield server
    server.stop()
