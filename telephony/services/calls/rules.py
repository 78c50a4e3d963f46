"""Calls: which restaurant a call is for, whether it may take a slot, and how the slot is given back.

These are the rules, the same on every database: what is refused and why, idempotency,
reclaiming ghosts, the end of a call. The three steps that must be atomic and fast
(routing with locks, taking a slot, ending a call) run in the backend chosen once for
the database (`backends.active`: PostgreSQL or the embedded SQLite default).

The call path is platform-wide by nature (`@runs_platform_wide`, panbot.tenancy): a dialed number
is routed to its business across every tenant, and heartbeats, endings and the reaper go by call.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.functions import Greatest, Now
from django.utils import timezone

from analytics.services import rollups_add_records
from panbot.events import emit
from panbot.tenancy import runs_platform_wide
from restaurants.agent_config import EffectiveConfig, effective_config
from restaurants.models import Business
from telephony.models import ActiveCall, CallRecord, PbxTrunk, SipNumber
from telephony.numbers import diversion_numbers, extract_number
from telephony.payloads import call_rejected_payload, call_started_payload
from telephony.services.calls import backends
from telephony.services.calls.records import (
    END_REASONS,
    Reason,
    Status,
    complete,
    emit_ended,
    loaded,
)


def _max_length(name: str) -> int:
    length = getattr(CallRecord._meta.get_field(name), "max_length", None)
    if not isinstance(length, int):
        raise TypeError(f"CallRecord.{name} has no max_length")
    return length


_SIP_CALL_ID_MAX = _max_length("sip_call_id")
_DIALED_MAX = _max_length("dialed_number")
_CALLER_MAX = _max_length("caller_number")
_ROOM_MAX = _max_length("room_name")
_WORKER_MAX = _max_length("worker_id")
_TRUNK_REF_MAX = _max_length("trunk_ref")
_LANGUAGE_MAX = _max_length("language")
CALLER_WINDOW = timedelta(minutes=1)
TRUNK_WINDOW = timedelta(seconds=1)
# Stale calls reclaimed per transaction by the reaper, so a backlog after an outage
# never holds thousands of row locks at once.
REAP_BATCH_SIZE = 500


@dataclasses.dataclass(frozen=True)
class Admission:
    """The answer to "may this call take a slot?", with what the agent needs either way.

    `config` is set whenever the call reached a business (rejected calls too: the
    overflow action and message live there) and None for unknown or unassigned numbers.
    `replayed` is True when `sip_call_id` had been admitted before and this is that
    earlier outcome (a retried INVITE, a re-dispatched job): no slot or record was added.
    A replayed call that has ended since is not admitted, and `reason` says how it ended
    (e.g. `caller_hangup`, `ghost`): the agent should close the room.
    """

    admitted: bool
    reason: str
    call_record_id: int
    dialed_number: str
    caller_number: str
    active_call_id: int | None = None
    business_id: int | None = None
    sip_number_id: int | None = None
    config: EffectiveConfig | None = None
    replayed: bool = False
    call_record: CallRecord | None = dataclasses.field(default=None, compare=False, repr=False)
    active_call: ActiveCall | None = dataclasses.field(default=None, compare=False, repr=False)
    sip_number: SipNumber | None = dataclasses.field(default=None, compare=False, repr=False)


@runs_platform_wide
def call_route(*, called: str | None, diversion: str | None = None, trunk: PbxTrunk | None = None) -> SipNumber | None:
    """The number (with its business) a call is for: a Diversion entry naming one of ours, else the called number.

    Read-only. Numbers are read in the trunk's default region, else PHONE_DEFAULT_REGION.
    A Diversion entry wins even when its number is inactive or unassigned: the call was
    forwarded from that number, and answering it as the called number's restaurant
    would put the caller through to the wrong business.
    """
    candidates = _candidates(called=called, diversion=diversion, trunk=trunk)
    if not candidates:
        return None
    return _preferred(SipNumber.objects.select_related("business").filter(number__in=candidates), candidates)


@runs_platform_wide
def call_admit(
    *,
    called: str | None,
    caller: str | None,
    sip_call_id: str,
    room_name: str,
    diversion: str | None = None,
    worker_id: str = "",
    trunk: PbxTrunk | None = None,
    trunk_id: str = "",
) -> Admission:
    """Route the call and take a concurrency slot for it, or refuse with a reason; always writes a CallRecord.

    One transaction. Garbage numbers are rejected as unknown_number, never raised.
    Floods are refused: a caller who already had CALLER_MAX_CALLS_PER_MINUTE calls admitted by the
    business within the last minute (every withheld or unreadable caller counts as one caller) gets
    `caller_rate_limited`; a trunk (`trunk_id`: LiveKit's `sip.trunkID`) that already brought
    TRUNK_MAX_CALLS_PER_SECOND admitted calls in the last second has the excess refused
    (`trunk_rate_limited`). Refusals of any kind count against neither.
    The same `sip_call_id` again returns the first admission's outcome (see Admission).
    Raises ValueError only for an empty `sip_call_id`, the idempotency key.
    """
    key = _call_key(sip_call_id)
    try:
        with transaction.atomic():
            return _admit(
                key=key,
                called=called,
                caller=caller,
                diversion=diversion,
                room_name=_text(room_name, _ROOM_MAX),
                worker_id=_text(worker_id, _WORKER_MAX),
                trunk=trunk,
                trunk_ref=_text(trunk_id, _TRUNK_REF_MAX),
            )
    except IntegrityError:
        # Two admissions of the same call raced (a retried INVITE, a duplicate dispatch)
        # and this one lost on CallRecord.sip_call_id: the winner's outcome is the answer.
        replay = _replay(key=key, worker_id=_text(worker_id, _WORKER_MAX))
        if replay is None:
            raise
        return replay


@runs_platform_wide
def call_heartbeat(*, active_call_id: int) -> bool:
    """Renew the call's lease; False when its slot is gone (ended, or reclaimed after the lease ran out)."""
    # One UPDATE, atomic on its own: no transaction block, so no extra round trips
    # for the most frequent write of a live call.
    # Greatest(): a database clock stepped backwards must not make the heartbeat
    # violate "heartbeat after start" and crash a live call.
    return ActiveCall.objects.filter(pk=active_call_id).update(last_heartbeat_at=Greatest(Now(), F("started_at"))) == 1


@runs_platform_wide
def call_end(
    *,
    active_call_id: int | None = None,
    call_record_id: int | None = None,
    reason: str,
    transcript: list[dict[str, Any]] | None = None,
    usage: dict[str, Any] | None = None,
    language: str | None = None,
) -> CallRecord | None:
    """Free the call's slot and complete its record (failed for reason `error`), exactly once.

    The call counts in its hourly rollup from the same statement. `language`: the one the
    conversation ended up in, when the agent switched from the configured one.

    Give `active_call_id`, `call_record_id` or both (the Admission has both; pass both).
    A second end changes nothing but, when the slot was already reclaimed (ghost) and
    the record has no transcript or usage yet, attaches the ones given here so the owner
    keeps the conversation; that needs `call_record_id`, since the ActiveCall row is gone.
    Returns the record, or None when no call matches.
    """
    if active_call_id is None and call_record_id is None:
        raise ValueError("call_end needs active_call_id or call_record_id")
    if reason not in END_REASONS:
        raise ValueError(f"'{reason}' is not a reason a call ends with; use one of {', '.join(sorted(END_REASONS))}")
    transcript = _json_safe(transcript) if transcript is not None else None
    usage = _json_safe(usage) if usage is not None else None

    # Deleting the slot is what makes this end the one that counts: a concurrent end,
    # reaper or admission finds the row gone (or skips it while it is locked).
    ended = backends.active.end(
        active_call_id=active_call_id,
        call_record_id=call_record_id,
        reason=reason,
        transcript=transcript,
        usage=usage,
        language=_text(language, _LANGUAGE_MAX) or None,
    )
    if ended is None:
        with transaction.atomic():
            return _attach_late(call_record_id=call_record_id, transcript=transcript, usage=usage)
    return ended


@runs_platform_wide
def calls_reap_stale(*, now: datetime | None = None) -> int:
    """End, with reason ghost, every call whose last heartbeat is older than the lease; the number ended.

    `now` defaults to the database clock. Idempotent, and safe to run concurrently with
    itself, admissions and call ends: each stale call is ended by exactly one of them.
    """
    lease = timedelta(seconds=settings.CALL_LEASE_SECONDS)
    cutoff = now - lease if now is not None else ExpressionWrapper(Now() - Value(lease), output_field=DateTimeField())
    total = 0
    while True:
        with transaction.atomic():
            reaped = _reclaim(ActiveCall.objects.filter(last_heartbeat_at__lt=cutoff).order_by("pk")[:REAP_BATCH_SIZE])
        total += len(reaped)
        if len(reaped) < REAP_BATCH_SIZE:
            return total


# --- admission -------------------------------------------------------------------------------


def _admit(
    *,
    key: str,
    called: str | None,
    caller: str | None,
    diversion: str | None,
    room_name: str,
    worker_id: str,
    trunk: PbxTrunk | None,
    trunk_ref: str,
) -> Admission:
    region = trunk.default_region if trunk is not None else None
    candidates = _candidates(called=called, diversion=diversion, trunk=trunk)
    forwarded = diversion_numbers(diversion, region=region)
    caller_e164 = extract_number(caller, region=region)
    call = {
        "sip_call_id": key,
        "dialed_number": candidates[0] if candidates else _text(called, _DIALED_MAX),
        "caller_number": caller_e164 or _text(caller, _CALLER_MAX),
        "caller_key": caller_e164 or "",
        "trunk_ref": trunk_ref,
        "room_name": room_name,
        "worker_id": worker_id,
        # The line that forwarded the call (the top Diversion entry): the restaurant's own
        # number or a PBX overflow. Reports count forwarded calls lost to limits.
        "forwarded_from": forwarded[0] if forwarded else "",
        "language": "",
        "config_version": "",
    }

    route = backends.active.route(candidates, key, trunk_ref) if candidates else None
    if route is not None and route.earlier_record_id is not None:
        replay = _replay(key=key, worker_id=worker_id)
        if replay is not None:
            return replay

    now = route.now if route is not None and route.now is not None else timezone.now()
    sip_number = route.sip_number if route is not None else None
    if sip_number is None:
        return _reject(Reason.UNKNOWN_NUMBER, call=call, now=now)
    call["dialed_number"] = sip_number.number
    if sip_number.business_id is None:
        return _reject(Reason.NUMBER_UNASSIGNED, call=call, now=now, sip_number=sip_number)
    # What the agent is told, as of this call: for reports comparing before and after a change.
    config = effective_config(sip_number.business, sip_number.config_override)
    call["language"], call["config_version"] = config.language, config.version
    if not sip_number.is_active:
        return _reject(Reason.NUMBER_INACTIVE, call=call, now=now, sip_number=sip_number)

    # The business row is the lock every admission for this business queues on (the
    # backend's route took it); with it and the number's row held, the slots counted by
    # take_slot are every slot committed before us.
    business = cast(Business, sip_number.business)  # business_id is set (above); route loaded and locked it
    if not business.is_active:
        return _reject(Reason.BUSINESS_INACTIVE, call=call, now=now, sip_number=sip_number)

    record_values: dict[str, Any] = {
        **call,
        "business_id": business.pk,
        "sip_number_id": sip_number.pk,
        "status": Status.IN_PROGRESS,
        "reason": Reason.ADMITTED,
        "started_at": now,
        "ended_at": None,
        "duration_seconds": None,
        "transcript": [],
        "usage": {},
    }
    cutoff = now - timedelta(seconds=settings.CALL_LEASE_SECONDS)
    # call.started without the ids, which the backend adds once it has them.
    started = call_started_payload(CallRecord(**record_values), active_call_id=None, label=sip_number.label)
    flood = backends.Flood(
        caller_key=call["caller_key"],
        caller_since=now - CALLER_WINDOW,
        caller_max=settings.CALLER_MAX_CALLS_PER_MINUTE,
        trunk_ref=trunk_ref,
        trunk_since=now - TRUNK_WINDOW,
        trunk_max=settings.TRUNK_MAX_CALLS_PER_SECOND,
    )

    def take_slot() -> backends.Taken:
        return backends.active.take_slot(
            record_values,
            number_limit=sip_number.max_concurrent_calls,
            business_limit=business.max_concurrent_calls,
            cutoff=cutoff,
            event_payload=started,
            flood=flood,
        )

    taken = take_slot()
    refused = _flood_reason(taken, flood)
    if refused is not None:
        return _reject(refused, call=call, now=now, sip_number=sip_number)
    if taken.record_id is None and taken.stale:
        # Full, but some slots are held by calls past their lease: reclaim them and try
        # again. Doing it here, not only in the reaper, keeps a restaurant whose agent
        # crashed mid-call answering even while Celery is down.
        slots = Q(business=business) | Q(sip_number=sip_number)
        if _reclaim(ActiveCall.objects.filter(slots, last_heartbeat_at__lt=cutoff)):
            taken = take_slot()
    if taken.record_id is None:
        busy = Reason.NUMBER_BUSY if taken.on_number >= sip_number.max_concurrent_calls else Reason.BUSINESS_BUSY
        return _reject(busy, call=call, now=now, sip_number=sip_number)

    record = loaded(CallRecord, id=taken.record_id, **record_values)
    active = loaded(
        ActiveCall,
        id=taken.active_call_id,
        business_id=business.pk,
        sip_number_id=sip_number.pk,
        call_record_id=record.pk,
        sip_call_id=key,
        room_name=room_name,
        caller_number=record.caller_number,
        started_at=now,
        last_heartbeat_at=now,
        worker_id=worker_id,
    )
    return _admission(record, sip_number=sip_number, active=active)


def _flood_reason(taken: backends.Taken, flood: backends.Flood) -> str | None:
    """Why a call was refused as a flood (the caller's calls first: they are the abuse), else None."""
    if taken.record_id is not None:
        return None
    if taken.caller_recent >= flood.caller_max:
        return Reason.CALLER_RATE_LIMITED
    if taken.trunk_recent >= flood.trunk_max:
        return Reason.TRUNK_RATE_LIMITED
    return None


def _reject(reason: str, *, call: dict[str, str], now: datetime, sip_number: SipNumber | None = None) -> Admission:
    business_id = sip_number.business_id if sip_number is not None else None
    record = backends.active.reject(
        {
            **call,
            "business_id": business_id,
            "sip_number_id": sip_number.pk if sip_number is not None else None,
            "status": Status.REJECTED,
            "reason": reason,
            "started_at": now,
        }
    )
    if business_id is not None:  # unknown and unassigned numbers have no feed to tell
        emit(business_id, "call.rejected", call_rejected_payload(record))
    return _admission(record, sip_number=sip_number)


def _replay(*, key: str, worker_id: str) -> Admission | None:
    """The earlier admission of `key`, or None. A live call re-dispatched to another worker moves to it."""
    record = CallRecord.objects.select_related("business", "sip_number", "active_call").filter(sip_call_id=key).first()
    if record is None:
        return None
    active = getattr(record, "active_call", None)
    if active is not None and worker_id and active.worker_id != worker_id:
        # LiveKit re-dispatched the job (the first worker died): the slot now counts
        # towards the new worker's load.
        ActiveCall.objects.filter(pk=active.pk).update(worker_id=worker_id)
        active.worker_id = worker_id
    sip_number = record.sip_number
    if sip_number is not None and record.business is not None:
        if sip_number.business_id != record.business_id:
            # Reassigned since the call was admitted: the number's settings are its new holder's
            # (greeting, prompt, transfer number). The call stays with the business it was
            # admitted for, on that business's own defaults.
            sip_number = copy.copy(sip_number)
            sip_number.config_override = {}
        sip_number.business = record.business  # the business the call was admitted for
    return _admission(record, sip_number=sip_number, active=active, replayed=True)


def _admission(
    record: CallRecord,
    *,
    sip_number: SipNumber | None,
    active: ActiveCall | None = None,
    replayed: bool = False,
) -> Admission:
    business = sip_number.business if sip_number is not None else None
    config = effective_config(business, sip_number.config_override) if sip_number and business else None
    return Admission(
        admitted=active is not None,
        reason=Reason.ADMITTED if active is not None else record.reason,
        call_record_id=record.pk,
        dialed_number=record.dialed_number,
        caller_number=record.caller_number,
        active_call_id=active.pk if active is not None else None,
        business_id=record.business_id,
        sip_number_id=record.sip_number_id,
        config=config,
        replayed=replayed,
        call_record=record,
        active_call=active,
        sip_number=sip_number,
    )


def _candidates(*, called: str | None, diversion: str | None, trunk: PbxTrunk | None) -> list[str]:
    """Numbers the call may be for, most preferred first: Diversion entries (top first), then the called number."""
    region = trunk.default_region if trunk is not None else None
    candidates = diversion_numbers(diversion, region=region)
    dialed = extract_number(called, region=region)
    if dialed is not None and dialed not in candidates:
        candidates.append(dialed)
    return candidates


def _preferred(numbers: Iterable[SipNumber], candidates: list[str]) -> SipNumber | None:
    by_number = {sip_number.number: sip_number for sip_number in numbers}
    return next((by_number[number] for number in candidates if number in by_number), None)


# --- ending calls ------------------------------------------------------------------------------


def _reclaim(stale: QuerySet[ActiveCall]) -> list[ActiveCall]:
    """End the stale calls in `stale` as ghosts; the ones ended. Call inside a transaction."""
    # SKIP LOCKED: a row locked by someone else is being heartbeated (alive) or ended
    # (by call_end, the reaper or another admission); either way it is not ours to end,
    # and waiting for it could deadlock two reclaimers taking rows in different orders.
    calls = list(stale.select_for_update(skip_locked=True, of=("self",)).select_related("call_record"))
    if not calls:
        return []
    ActiveCall.objects.filter(pk__in=[call.pk for call in calls]).delete()
    records = []
    for call in calls:
        # The call was last known alive at its last heartbeat: that is when it ended as far as anyone can tell.
        complete(call.call_record, reason=Reason.GHOST, ended_at=call.last_heartbeat_at)
        records.append(call.call_record)
    CallRecord.objects.bulk_update(records, ["status", "reason", "ended_at", "duration_seconds"])
    rollups_add_records(records)  # in the same transaction
    for record in records:
        emit_ended(record)
    return calls


def _attach_late(
    *, call_record_id: int | None, transcript: list[dict[str, Any]] | None, usage: dict[str, Any] | None
) -> CallRecord | None:
    """Second end of a call: keep its ending, but attach a transcript and usage it does not have yet."""
    if call_record_id is None:
        return None
    record = CallRecord.objects.select_for_update().filter(pk=call_record_id).first()
    if record is None:
        return None
    if record.status == Status.IN_PROGRESS:
        raise ValueError(f"call record {call_record_id} is live and its ActiveCall is not the one given")
    fields = []
    if transcript and not record.transcript:
        record.transcript = transcript
        fields.append("transcript")
    if usage and not record.usage:
        record.usage = usage
        fields.append("usage")
    if fields:
        record.save(update_fields=fields)
    return record


# --- input hygiene -------------------------------------------------------------------------------


def _call_key(sip_call_id: str) -> str:
    """The idempotency key stored for a SIP call id: the id itself, or a digest when it cannot be stored as is."""
    if not isinstance(sip_call_id, str) or not sip_call_id.strip():
        raise ValueError("sip_call_id is required: it is what makes a retried admission idempotent")
    if len(sip_call_id) <= _SIP_CALL_ID_MAX and sip_call_id.isprintable():
        return sip_call_id
    # Too long, or characters PostgreSQL refuses (NUL, lone surrogates): a digest keeps
    # the key deterministic, so a retry of the same call still finds its admission.
    return "sha256:" + hashlib.sha256(sip_call_id.encode("utf-8", "surrogatepass")).hexdigest()


def _text(value: object, max_length: int) -> str:
    """`value` as storable text: non-printable characters (NUL, controls, lone surrogates) dropped, truncated."""
    if value is None:
        return ""
    text = (value if isinstance(value, str) else str(value))[: max_length * 4]  # bound the work on hostile input
    return "".join(char for char in text if char.isprintable()).strip()[:max_length]


def _json_safe(value: Any) -> Any:
    """`value` with NUL characters removed from every string: PostgreSQL's jsonb refuses them."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_json_safe(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value
