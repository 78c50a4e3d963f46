"""Telephony fixtures: a call admitted with sensible defaults and a fresh SIP call id each time."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from telephony import services

_calls = itertools.count(1)


@pytest.fixture
def admit() -> Callable[..., services.Admission]:
    def admit(called: str | None, **kwargs) -> services.Admission:
        n = next(_calls)
        kwargs.setdefault("caller", "+393331234567")
        kwargs.setdefault("sip_call_id", f"SCL_test{n}")
        kwargs.setdefault("room_name", f"call-test{n}")
        return services.call_admit(called=called, **kwargs)

    return admit


# --- both admission backends ------------------------------------------------------------------------
# Call admission runs on PostgreSQL (production, the suite's database) and on the embedded
# default's SQLite (`make run`, simulate_call), one backend per database chosen once at start-up.
# Tests whose behaviour is the same on both take `call_backend` and run twice. For "sqlite"
# the fixture makes the test database `embedded` (SQLite, configured as the embedded default,
# panbot/settings/test.py) the process's default connection and the sqlite backend the active
# one, for the test's duration: every service, factory and assertion then reads and writes
# SQLite, inside pytest-django's per-test transaction on that database. Tests that race
# threads stay on PostgreSQL here; the embedded race is tests/telephony/test_call_embedded.py.
# The marks to use are in tests/telephony/backends.py.


@pytest.fixture(params=["postgresql", "sqlite"])
def call_backend(request, monkeypatch) -> str:
    from django.db import connections

    from telephony.services.calls import backends

    request.getfixturevalue("db")  # both test transactions open before the swap
    if request.param == "postgresql":
        assert backends.active is backends.for_vendor("postgresql")
        yield request.param
        return
    default = connections["default"]
    connections["default"] = connections["embedded"]
    monkeypatch.setattr(backends, "active", backends.for_vendor("sqlite"))
    try:
        assert connections["default"].vendor == "sqlite"
        yield request.param
    finally:
        connections["default"] = default
