"""Telephony fixtures: a call admitted with sensible defaults and a fresh SIP call id each time."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest

from telephony import services
from telephony.models import ActiveCall, CallRecord

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


def age_call(active_call_id: int, *, seconds: float) -> None:
    """Move a live call's start and last heartbeat `seconds` into the past (a controlled clock for leases)."""
    call = ActiveCall.objects.get(pk=active_call_id)
    shift = timedelta(seconds=seconds)
    ActiveCall.objects.filter(pk=call.pk).update(
        started_at=call.started_at - shift - timedelta(seconds=60), last_heartbeat_at=call.last_heartbeat_at - shift
    )
    CallRecord.objects.filter(pk=call.call_record_id).update(started_at=call.started_at - shift - timedelta(seconds=60))
