"""What a business's live feed receives about its calls and numbers (`call.*` and `number.*` event payloads).

Each payload is defined once, here. The PostgreSQL admission backend writes `call.started`
and `call.ended` inside its own statements (no extra round trip); it builds them from
`CALL_STARTED_IDS_SQL` and `CALL_ENDED_SQL` below, which are generated from the same
TypedDicts as the Python builders and checked against them at import, so the two paths
cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypedDict

from telephony.models import CallRecord, SipNumber


class CallPayload(TypedDict):
    """What every `call.*` event says about the call."""

    call_record_id: int
    sip_number: str  # the number dialed (E.164), or what was dialed when it is not one of ours
    sip_number_id: int | None
    caller: str
    status: str
    reason: str


class CallStartedPayload(CallPayload):
    """`call.started`: a call took a slot."""

    active_call_id: int
    room_name: str
    started_at: str  # instant(): UTC, milliseconds
    label: str  # the number's label


class CallRejectedPayload(CallPayload):
    """`call.rejected`: a call was refused (inactive, busy); `reason` says why."""

    started_at: str


class CallEndedPayload(CallPayload):
    """`call.ended`: a call gave its slot back; `reason` says how it ended."""

    ended_at: str
    duration_seconds: float


class NumberPayload(TypedDict):
    """`number.assigned`, `number.unassigned`, `number.updated`."""

    sip_number_id: int
    number: str
    label: str


def instant(value: datetime) -> str:
    """A moment as every call payload writes it: UTC, milliseconds, `Z` (PostgreSQL's to_char below agrees)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z"


def call_started_payload(record: CallRecord, *, active_call_id: int | None, label: str) -> CallStartedPayload:
    """`call.started` for `record`; ids may be None when SQL fills them in (CALL_STARTED_IDS_SQL)."""
    return {
        "call_record_id": record.pk,
        "sip_number": record.dialed_number,
        "sip_number_id": record.sip_number_id,
        "caller": record.caller_number,
        "status": record.status,
        "reason": record.reason,
        "active_call_id": active_call_id,  # type: ignore[typeddict-item]  # None until SQL adds the id
        "room_name": record.room_name,
        "started_at": instant(record.started_at),
        "label": label,
    }


def call_rejected_payload(record: CallRecord) -> CallRejectedPayload:
    return {
        "call_record_id": record.pk,
        "sip_number": record.dialed_number,
        "sip_number_id": record.sip_number_id,
        "caller": record.caller_number,
        "status": record.status,
        "reason": record.reason,
        "started_at": instant(record.started_at),
    }


def call_ended_payload(record: CallRecord) -> CallEndedPayload:
    if record.ended_at is None or record.duration_seconds is None:
        raise ValueError(f"call record {record.pk} has not ended")
    return {
        "call_record_id": record.pk,
        "sip_number": record.dialed_number,
        "sip_number_id": record.sip_number_id,
        "caller": record.caller_number,
        "status": record.status,
        "reason": record.reason,
        "ended_at": instant(record.ended_at),
        "duration_seconds": record.duration_seconds,
    }


def number_payload(sip_number: SipNumber) -> NumberPayload:
    return {"sip_number_id": sip_number.pk, "number": sip_number.number, "label": sip_number.label}


def _jsonb_object(payload: type, expressions: dict[str, str]) -> str:
    """`jsonb_build_object(...)` with exactly the keys of the TypedDict `payload` (checked at import)."""
    keys = set(payload.__annotations__)
    if set(expressions) != keys:
        raise AssertionError(f"{payload.__name__} SQL keys differ: {sorted(set(expressions) ^ keys)}")
    return "jsonb_build_object(" + ", ".join(f"'{key}', {expr}" for key, expr in expressions.items()) + ")"


# `call.ended` from the `ended` row (a telephony_callrecord row RETURNING from the end statement).
CALL_ENDED_SQL = _jsonb_object(
    CallEndedPayload,
    {
        "call_record_id": "ended.id",
        "sip_number": "ended.dialed_number",
        "sip_number_id": "ended.sip_number_id",
        "caller": "ended.caller_number",
        "status": "ended.status",
        "reason": "ended.reason",
        "ended_at": """to_char(ended.ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')""",
        "duration_seconds": "ended.duration_seconds",
    },
)

# The ids `call.started` gets once the admission statement has inserted the record and the slot
# (merged over call_started_payload(..., active_call_id=None), whose other keys are final).
CALL_STARTED_IDS_SQL = "jsonb_build_object('call_record_id', slot.call_record_id, 'active_call_id', slot.id)"
