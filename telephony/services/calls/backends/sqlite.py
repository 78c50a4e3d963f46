"""Admission on the embedded default (SQLite: `make run`, `simulate_call`): plain ORM statements, the process clock.

SQLite has none of the PostgreSQL backend's statements (row locks, DML in CTEs,
statement_timestamp) and needs none of its locking: PanBot opens SQLite transactions
with BEGIN IMMEDIATE (panbot/settings/base.py), which takes the database's one write
lock up front, so an admission's or an end's transaction is serialised whole and every
count-then-insert inside it is race-free. The same holds for the hourly rollups, which
refusals and ends add to with analytics.facts' Python definition (PostgreSQL's upsert in SQL).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from analytics.services import rollups_add_records
from panbot.events import emit
from restaurants.models import Business
from restaurants.schedule import Schedule
from telephony.models import ActiveCall, CallRecord, SipNumber
from telephony.payloads import CallStartedPayload
from telephony.services.calls.backends import Flood, Route, Taken
from telephony.services.calls.records import complete, emit_ended

_RECORD_FIELDS = ("business_id", "sip_number_id", "dialed_number", "caller_number", "caller_key", "trunk_ref",
                  "sip_call_id", "room_name", "worker_id", "status", "reason", "started_at", "forwarded_from",
                  "language", "config_version")  # fmt: skip


def route(candidates: list[str], key: str, trunk_ref: str = "") -> Route:
    # No trunk lock needed: BEGIN IMMEDIATE serialises every admission whole.
    by_number = {n.number: n for n in SipNumber.objects.filter(number__in=candidates)}
    sip_number = next((by_number[number] for number in candidates if number in by_number), None)
    if sip_number is None:
        return Route(sip_number=None, now=None, earlier_record_id=None)
    if sip_number.business_id is not None:
        sip_number.business = Business.objects.get(pk=sip_number.business_id)
    earlier = CallRecord.objects.filter(sip_call_id=key).values_list("pk", flat=True).first()
    return Route(sip_number=sip_number, now=timezone.now(), earlier_record_id=earlier)


def take_slot(
    values: dict[str, Any],
    *,
    number_limit: int,
    business_limit: int,
    cutoff: datetime,
    event_payload: CallStartedPayload,
    flood: Flood,
) -> Taken:
    held = ActiveCall.objects.filter(Q(business_id=values["business_id"]) | Q(sip_number_id=values["sip_number_id"]))
    counts = held.aggregate(
        on_number=Count("pk", filter=Q(sip_number_id=values["sip_number_id"])),
        on_business=Count("pk", filter=Q(business_id=values["business_id"])),
        stale=Count("pk", filter=Q(last_heartbeat_at__lt=cutoff)),
    )
    admitted = CallRecord.objects.exclude(status=CallRecord.Status.REJECTED)
    caller_recent = admitted.filter(
        business_id=values["business_id"], caller_key=flood.caller_key, started_at__gt=flood.caller_since
    ).count()
    trunk_recent = (
        admitted.filter(trunk_ref=flood.trunk_ref, started_at__gt=flood.trunk_since).count() if flood.trunk_ref else 0
    )
    on_number, on_business, stale = counts["on_number"], counts["on_business"], counts["stale"]
    if (
        counts["on_number"] >= number_limit
        or counts["on_business"] >= business_limit
        or caller_recent >= flood.caller_max
        or trunk_recent >= flood.trunk_max
    ):
        return Taken(on_number, on_business, stale, None, None, caller_recent, trunk_recent)
    record = CallRecord.objects.create(
        **{field: values[field] for field in _RECORD_FIELDS},
        transcript=[],
        usage={},
        in_opening_hours=_in_opening_hours(values["business_id"], values["started_at"]),
    )
    active = ActiveCall.objects.create(
        business_id=values["business_id"],
        sip_number_id=values["sip_number_id"],
        call_record=record,
        sip_call_id=values["sip_call_id"],
        room_name=values["room_name"],
        caller_number=values["caller_number"],
        started_at=values["started_at"],
        last_heartbeat_at=values["started_at"],
        worker_id=values["worker_id"],
    )
    payload: CallStartedPayload = {**event_payload, "call_record_id": record.pk, "active_call_id": active.pk}
    emit(values["business_id"], "call.started", payload)
    return Taken(on_number, on_business, stale, record.pk, active.pk, caller_recent, trunk_recent)


def reject(values: dict[str, Any]) -> CallRecord:
    record = CallRecord.objects.create(
        **{field: values[field] for field in _RECORD_FIELDS},
        ended_at=values["started_at"],
        duration_seconds=0,
        in_opening_hours=_in_opening_hours(values["business_id"], values["started_at"]),
    )
    rollups_add_records([record])  # in the admission's transaction
    return record


def _in_opening_hours(business_id: int | None, at: datetime) -> bool | None:
    if business_id is None:
        return None
    business = Business.objects.get(pk=business_id)
    return Schedule(business, at.astimezone(business.tz).date()).period_at(at) is not None


def end(
    *,
    active_call_id: int | None,
    call_record_id: int | None,
    reason: str,
    transcript: list[dict[str, Any]] | None,
    usage: dict[str, Any] | None,
    language: str | None = None,
) -> CallRecord | None:
    with transaction.atomic():
        slot = ActiveCall.objects.select_related("call_record__business")  # its zone, for the rollup
        if active_call_id is not None:
            slot = slot.filter(pk=active_call_id)
        if call_record_id is not None:
            slot = slot.filter(call_record_id=call_record_id)
        active = slot.first()
        if active is None:
            return None
        record = active.call_record
        active.delete()
        complete(record, reason=reason, ended_at=timezone.now())
        if transcript is not None:
            record.transcript = transcript
        if usage is not None:
            record.usage = usage
        if language is not None:
            record.language = language
        record.save(
            update_fields=["status", "reason", "ended_at", "duration_seconds", "transcript", "usage", "language"]
        )
        rollups_add_records([record])  # in the same transaction: counted once, with the end
        emit_ended(record)
        return record
