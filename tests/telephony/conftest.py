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
