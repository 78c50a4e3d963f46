"""A controlled clock for leases: move a live call into the past instead of waiting."""

from __future__ import annotations

from datetime import timedelta

from telephony.models import ActiveCall, CallRecord


def age_call(active_call_id: int, *, seconds: float) -> None:
    """Move a live call's start and last heartbeat `seconds` into the past (a controlled clock for leases)."""
    call = ActiveCall.objects.get(pk=active_call_id)
    shift = timedelta(seconds=seconds)
    ActiveCall.objects.filter(pk=call.pk).update(
        started_at=call.started_at - shift - timedelta(seconds=60), last_heartbeat_at=call.last_heartbeat_at - shift
    )
    CallRecord.objects.filter(pk=call.call_record_id).update(started_at=call.started_at - shift - timedelta(seconds=60))
