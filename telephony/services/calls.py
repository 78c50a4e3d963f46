"""Calls: which restaurant a call is for, whether it may take a slot, and how the slot is given back.

Concurrency limits hold because every admission for a business runs under a lock on
that business's row: two agents admitting calls for the same restaurant at once are
serialised by PostgreSQL, so the second counts the first's ActiveCall. Numbers are
locked too, so a number's limit also holds while it moves between businesses.

Lease times (started_at, heartbeats, staleness) come from the database clock, not the
caller's: agent workers, web and Celery run on different hosts, and a host whose clock
runs ahead must not reclaim live calls.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, models, transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.functions import Greatest, Now
from django.utils import timezone

from panbot.events import announce, emit
from restaurants.agent_config import EffectiveConfig, effective_config
from restaurants.models import Business
from telephony.models import ActiveCall, CallRecord, PbxTrunk, SipNumber
from telephony.numbers import diversion_numbers, extract_number

Reason = CallRecord.Reason
Status = CallRecord.Status

# Outcomes of an admission; every other reason says how an admitted call ended.
ADMISSION_REASONS = frozenset(
    {
        Reason.ADMITTED,
        Reason.UNKNOWN_NUMBER,
        Reason.NUMBER_UNASSIGNED,
        Reason.NUMBER_INACTIVE,
        Reason.BUSINESS_INACTIVE,
        Reason.NUMBER_BUSY,
        Reason.BUSINESS_BUSY,
    }
)
END_REASONS = frozenset(Reason) - ADMISSION_REASONS

_SIP_CALL_ID_MAX = CallRecord._meta.get_field("sip_call_id").max_length
_DIALED_MAX = CallRecord._meta.get_field("dialed_number").max_length
_CALLER_MAX = CallRecord._meta.get_field("caller_number").max_length
_ROOM_MAX = CallRecord._meta.get_field("room_name").max_length
_WORKER_MAX = CallRecord._meta.get_field("worker_id").max_length
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


def call_admit(
    *,
    called: str | None,
    caller: str | None,
    sip_call_id: str,
    room_name: str,
    diversion: str | None = None,
    worker_id: str = "",
    trunk: PbxTrunk | None = None,
) -> Admission:
    """Route the call and take a concurrency slot for it, or refuse with a reason; always writes a CallRecord.

    One transaction. Garbage numbers are rejected as unknown_number, never raised.
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
            )
    except IntegrityError:
        # Two admissions of the same call raced (a retried INVITE, a duplicate dispatch)
        # and this one lost on CallRecord.sip_call_id: the winner's outcome is the answer.
        replay = _replay(key=key, worker_id=_text(worker_id, _WORKER_MAX))
        if replay is None:
            raise
        return replay


def call_heartbeat(*, active_call_id: int) -> bool:
    """Renew the call's lease; False when its slot is gone (ended, or reclaimed after the lease ran out)."""
    # One UPDATE, atomic on its own: no transaction block, so no extra round trips
    # for the most frequent write of a live call.
    # Greatest(): a database clock stepped backwards must not make the heartbeat
    # violate "heartbeat after start" and crash a live call.
    return ActiveCall.objects.filter(pk=active_call_id).update(last_heartbeat_at=Greatest(Now(), F("started_at"))) == 1


def call_end(
    *,
    active_call_id: int | None = None,
    call_record_id: int | None = None,
    reason: str,
    transcript: list[dict[str, Any]] | None = None,
    usage: dict[str, Any] | None = None,
) -> CallRecord | None:
    """Free the call's slot and complete its record (failed for reason `error`), exactly once.

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
    # `where` is built from the two fixed fragments below only; values are parameters.
    if _embedded():
        with transaction.atomic():
            ended = _end_embedded(active_call_id, call_record_id, reason=reason, transcript=transcript, usage=usage)
            if ended:
                _emit_ended(ended[0])
    else:
        # One statement, atomic on its own: it frees the slot, completes the record and
        # writes the call.ended event, so ending needs no transaction block around it.
        where = ["id = %(active_call_id)s"] if active_call_id is not None else []
        where += ["call_record_id = %(call_record_id)s"] if call_record_id is not None else []
        ended = _fetch(
            CallRecord,
            _END_SQL.format(where=" AND ".join(where), columns=_RECORD_COLUMNS),
            {
                "active_call_id": active_call_id,
                "call_record_id": call_record_id,
                "status": Status.FAILED if reason == Reason.ERROR else Status.COMPLETED,
                "reason": reason,
                "transcript": json.dumps(transcript) if transcript is not None else None,
                "usage": json.dumps(usage) if usage is not None else None,
            },
        )
        if ended and ended[0].event_id is not None:
            announce(
                event_id=ended[0].event_id,
                business_id=ended[0].business_id,
                type="call.ended",
                payload=ended[0].event_payload,
                created_at=ended[0].event_created_at,
            )
    if not ended:
        with transaction.atomic():
            return _attach_late(call_record_id=call_record_id, transcript=transcript, usage=usage)
    return ended[0]


# Free the slot and complete its record in one round trip. Times come from the
# database clock; greatest() keeps "ends after start" if that clock stepped back.
_END_SQL = """
    WITH slot AS (
        DELETE FROM telephony_activecall WHERE {where} RETURNING call_record_id
    ), ended AS (
        UPDATE telephony_callrecord r
           SET status = %(status)s,
               reason = %(reason)s,
               ended_at = greatest(statement_timestamp(), r.started_at),
               duration_seconds = extract(epoch FROM greatest(statement_timestamp(), r.started_at) - r.started_at),
               transcript = coalesce(%(transcript)s::jsonb, r.transcript),
               usage = coalesce(%(usage)s::jsonb, r.usage)
          FROM slot
         WHERE r.id = slot.call_record_id
        RETURNING {columns}
    ), event AS (
        INSERT INTO panbot_event (business_id, type, payload, created_at)
        SELECT ended.business_id, 'call.ended',
               jsonb_build_object(
                   'call_record_id', ended.id, 'sip_number', ended.dialed_number,
                   'sip_number_id', ended.sip_number_id, 'caller', ended.caller_number,
                   'status', ended.status, 'reason', ended.reason,
                   -- as DjangoJSONEncoder writes it, so every call.ended payload reads alike
                   'ended_at', to_char(ended.ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                   'duration_seconds', ended.duration_seconds
               ),
               statement_timestamp()
          FROM ended
         WHERE ended.business_id IS NOT NULL
        RETURNING id, payload, created_at
    )
    SELECT ended.*, event.id AS event_id, event.payload AS event_payload, event.created_at AS event_created_at
      FROM ended LEFT JOIN event ON true
"""


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
) -> Admission:
    region = trunk.default_region if trunk is not None else None
    candidates = _candidates(called=called, diversion=diversion, trunk=trunk)
    call = {
        "sip_call_id": key,
        "dialed_number": candidates[0] if candidates else _text(called, _DIALED_MAX),
        "caller_number": extract_number(caller, region=region) or _text(caller, _CALLER_MAX),
        "room_name": room_name,
        "worker_id": worker_id,
    }

    numbers: list[SipNumber] = []
    if candidates and _embedded():
        numbers = _route_embedded(candidates, key)
    elif candidates:
        numbers = _fetch(SipNumber, _ROUTE_SQL, {"candidates": candidates, "key": key})
    if numbers and numbers[0].earlier_record_id is not None:
        replay = _replay(key=key, worker_id=worker_id)
        if replay is not None:
            return replay

    now = numbers[0].db_now if numbers else timezone.now()
    sip_number = _preferred(numbers, candidates)
    if sip_number is None:
        return _reject(Reason.UNKNOWN_NUMBER, call=call, now=now)
    call["dialed_number"] = sip_number.number
    if sip_number.business_id is None:
        return _reject(Reason.NUMBER_UNASSIGNED, call=call, now=now, sip_number=sip_number)
    if not sip_number.is_active:
        return _reject(Reason.NUMBER_INACTIVE, call=call, now=now, sip_number=sip_number)

    # The business row is the lock every admission for this business queues on; with it
    # and the number's row held, the counts below see every slot committed before us.
    if _embedded():
        business = Business.objects.get(pk=sip_number.business_id)
    else:
        # Locked by the routing statement, in the same round trip as the number.
        business = _business_from_row(sip_number.business_row)
    sip_number.business = business
    if not business.is_active:
        return _reject(Reason.BUSINESS_INACTIVE, call=call, now=now, sip_number=sip_number)

    record_values = {
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
    taken = _take_slot(record_values, sip_number=sip_number, business=business)
    if taken.record_id is None and taken.stale:
        # Full, but some slots are held by calls past their lease: reclaim them and try
        # again. Doing it here, not only in the reaper, keeps a restaurant whose agent
        # crashed mid-call answering even while Celery is down.
        slots = Q(business=business) | Q(sip_number=sip_number)
        cutoff = now - timedelta(seconds=settings.CALL_LEASE_SECONDS)
        if _reclaim(ActiveCall.objects.filter(slots, last_heartbeat_at__lt=cutoff)):
            taken = _take_slot(record_values, sip_number=sip_number, business=business)
    if taken.record_id is None:
        busy = Reason.NUMBER_BUSY if taken.on_number >= sip_number.max_concurrent_calls else Reason.BUSINESS_BUSY
        return _reject(busy, call=call, now=now, sip_number=sip_number)

    record = _loaded(CallRecord, id=taken.record_id, **record_values)
    active = _loaded(
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
    if taken.event_id is None:  # the embedded default writes the event here; PostgreSQL did in _TAKE_SLOT_SQL
        emit(business, "call.started", _started_payload(record, active_call_id=active.pk, label=sip_number.label))
    else:
        announce(
            event_id=taken.event_id,
            business_id=business.pk,
            type="call.started",
            payload=taken.event_payload,
            created_at=taken.event_created_at,
        )
    return _admission(record, sip_number=sip_number, active=active)


def _started_payload(record: CallRecord, *, active_call_id: int | None, label: str) -> dict[str, Any]:
    return _payload(
        record, active_call_id=active_call_id, room_name=record.room_name, started_at=record.started_at, label=label
    )


@dataclasses.dataclass(frozen=True)
class _Taken:
    on_number: int
    on_business: int
    stale: int
    record_id: int | None
    active_call_id: int | None
    # The call.started Event row written in the same statement (PostgreSQL only).
    event_id: int | None = None
    event_payload: Any = None
    event_created_at: datetime | None = None


def _take_slot(record_values: dict[str, Any], *, sip_number: SipNumber, business: Business) -> _Taken:
    """Count the slots held and, if the number and the business each have one free, take it (one round trip)."""
    cutoff = record_values["started_at"] - timedelta(seconds=settings.CALL_LEASE_SECONDS)
    params = {
        **record_values,
        "number_limit": sip_number.max_concurrent_calls,
        "business_limit": business.max_concurrent_calls,
        "cutoff": cutoff,
        # call.started without the ids, which the statement adds once it has them.
        "event_payload": json.dumps(
            _started_payload(CallRecord(**record_values), active_call_id=None, label=sip_number.label),
            cls=DjangoJSONEncoder,
        ),
    }
    if _embedded():
        return _take_slot_embedded(params)
    with connection.cursor() as cursor:
        cursor.execute(_TAKE_SLOT_SQL, params)
        return _Taken(*cursor.fetchone())


# Explicit column lists, not `*`: with prepared statements a `*` that gains a column in a
# migration makes every connection's cached plan fail once ("cached plan must not change
# result type") on the next admission or call end after the deploy.
_NUMBER_COLUMNS = ", ".join(f"n.{f.column}" for f in SipNumber._meta.concrete_fields)
_RECORD_COLUMNS = ", ".join(f"r.{f.column}" for f in CallRecord._meta.concrete_fields)

# The preferred number (the first candidate that exists: a Diversion entry before the
# called number) locked, then its business locked, the database time, and whether this
# call was admitted before: one round trip. Every admission takes its locks in this one
# order, number then business, and only those two rows, so admissions never deadlock on
# each other. The business is locked in a sub-select because a number's business may be
# NULL, and PostgreSQL cannot lock the nullable side of an outer join.
#
# NO KEY UPDATE rather than UPDATE: admissions still queue on each other (and on edits
# of the row), but rows being inserted elsewhere that merely reference the business
# or the number (orders, events, records: their foreign-key checks take KEY SHARE)
# neither wait for an admission nor make it wait.
_ROUTE_SQL = f"""
    WITH n AS (
        SELECT {_NUMBER_COLUMNS}
          FROM telephony_sipnumber n
         WHERE n.number = ANY(%(candidates)s)
         ORDER BY array_position(%(candidates)s, n.number)
         LIMIT 1
           FOR NO KEY UPDATE
    )
    SELECT n.*,
           statement_timestamp() AS db_now,
           (SELECT r.id FROM telephony_callrecord r WHERE r.sip_call_id = %(key)s) AS earlier_record_id,
           (SELECT to_jsonb(b) FROM restaurants_business b WHERE b.id = n.business_id FOR NO KEY UPDATE)
               AS business_row
      FROM n
"""

# Runs with the number and the business locked, as a statement of its own: its
# snapshot is taken after the locks were granted, so it counts every slot committed
# by the admissions that held them before us. Slots of the number are counted across
# businesses (a previous holder's calls keep theirs until they end). Stale slots
# still count; the caller reclaims them only when they are what stands in the way.
_TAKE_SLOT_SQL = """
    WITH held AS (
        SELECT count(*) FILTER (WHERE sip_number_id = %(sip_number_id)s) AS on_number,
               count(*) FILTER (WHERE business_id = %(business_id)s) AS on_business,
               count(*) FILTER (WHERE last_heartbeat_at < %(cutoff)s) AS stale
          FROM telephony_activecall
         WHERE business_id = %(business_id)s OR sip_number_id = %(sip_number_id)s
    ), record AS (
        INSERT INTO telephony_callrecord
               (business_id, sip_number_id, dialed_number, caller_number, sip_call_id, room_name, worker_id,
                status, reason, started_at, transcript, usage)
        SELECT %(business_id)s, %(sip_number_id)s, %(dialed_number)s, %(caller_number)s, %(sip_call_id)s,
               %(room_name)s, %(worker_id)s, %(status)s, %(reason)s, %(started_at)s, '[]', '{}'
          FROM held
         WHERE held.on_number < %(number_limit)s AND held.on_business < %(business_limit)s
        RETURNING id
    ), slot AS (
        INSERT INTO telephony_activecall
               (business_id, sip_number_id, call_record_id, sip_call_id, room_name, caller_number,
                started_at, last_heartbeat_at, worker_id)
        SELECT %(business_id)s, %(sip_number_id)s, record.id, %(sip_call_id)s, %(room_name)s, %(caller_number)s,
               %(started_at)s, %(started_at)s, %(worker_id)s
          FROM record
        RETURNING call_record_id, id
    ), event AS (
        INSERT INTO panbot_event (business_id, type, payload, created_at)
        SELECT %(business_id)s, 'call.started',
               %(event_payload)s::jsonb
                   || jsonb_build_object('call_record_id', slot.call_record_id, 'active_call_id', slot.id),
               statement_timestamp()
          FROM slot
        RETURNING id, payload, created_at
    )
    SELECT held.on_number, held.on_business, held.stale, slot.call_record_id, slot.id,
           event.id, event.payload, event.created_at
      FROM held LEFT JOIN slot ON true LEFT JOIN event ON true
"""


def _reject(reason: str, *, call: dict[str, str], now: datetime, sip_number: SipNumber | None = None) -> Admission:
    business_id = sip_number.business_id if sip_number is not None else None
    record = CallRecord.objects.create(
        business_id=business_id,
        sip_number=sip_number,
        status=Status.REJECTED,
        reason=reason,
        started_at=now,
        ended_at=now,
        duration_seconds=0,
        **call,
    )
    if business_id is not None:  # unknown and unassigned numbers have no feed to tell
        emit(business_id, "call.rejected", _payload(record, started_at=now))
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
    config = effective_config(business, sip_number.config_override) if business is not None else None
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


def _fetch(model: type[models.Model], sql: str, params: dict[str, Any]) -> list[Any]:
    """Instances of `model` for the rows of a hand-written statement; extra columns become attributes.

    A plain cursor rather than Model.objects.raw(): on the admission path RawQuerySet's
    per-query set-up costs as much as the statement itself.
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        rows = cursor.fetchall()
    fields = {f.column: f for f in model._meta.concrete_fields}
    instances = []
    for row in rows:
        values = dict(zip(names, row, strict=True))
        instance = _loaded(
            model,
            **{
                f.attname: f.from_db_value(values[c], None, connection) if hasattr(f, "from_db_value") else values[c]
                for c, f in fields.items()
            },
        )
        for name in names:
            if name not in fields:
                setattr(instance, name, values[name])
        instances.append(instance)
    return instances


def _business_from_row(row: Any) -> Business:
    """The Business a routing statement returned as JSON (to_jsonb of the locked row)."""
    data = row if isinstance(row, dict) else json.loads(row)
    return _loaded(Business, **{f.attname: f.to_python(data[f.column]) for f in Business._meta.concrete_fields})


def _loaded(model: type[models.Model], **values: Any) -> Any:
    """An instance of `model` for a row written with raw SQL, as if the ORM had loaded it."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(DEFAULT_DB_ALIAS, names, [values[name] for name in names])


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
        _complete(call.call_record, reason=Reason.GHOST, ended_at=call.last_heartbeat_at)
        records.append(call.call_record)
    CallRecord.objects.bulk_update(records, ["status", "reason", "ended_at", "duration_seconds"])
    for record in records:
        _emit_ended(record)
    return calls


def _complete(record: CallRecord, *, reason: str, ended_at: datetime) -> None:
    ended_at = max(ended_at, record.started_at)
    record.status = Status.FAILED if reason == Reason.ERROR else Status.COMPLETED
    record.reason = reason
    record.ended_at = ended_at
    record.duration_seconds = (ended_at - record.started_at).total_seconds()


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


def _emit_ended(record: CallRecord) -> None:
    if record.business_id is not None:
        emit(
            record.business_id,
            "call.ended",
            _payload(record, ended_at=record.ended_at, duration_seconds=record.duration_seconds),
        )


def _payload(record: CallRecord, **extra: Any) -> dict[str, Any]:
    return {
        "call_record_id": record.pk,
        "sip_number": record.dialed_number,
        "sip_number_id": record.sip_number_id,
        "caller": record.caller_number,
        "status": record.status,
        "reason": record.reason,
        **extra,
    }


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


# --- the embedded default --------------------------------------------------------------------
# `make run` and `simulate_call` run on SQLite, which has none of the statements above
# (row locks, DML in CTEs, statement_timestamp). It needs none of their locking either:
# PanBot opens SQLite transactions with BEGIN IMMEDIATE, which takes the database's one
# write lock up front, so admissions and ends are serialised whole. Plain ORM statements
# inside the same transaction keep every count-then-insert race-free there.


def _embedded() -> bool:
    return connection.vendor != "postgresql"


def _route_embedded(candidates: list[str], key: str) -> list[SipNumber]:
    numbers = list(SipNumber.objects.filter(number__in=candidates).order_by("number"))
    if numbers:
        numbers[0].db_now = timezone.now()
        numbers[0].earlier_record_id = CallRecord.objects.filter(sip_call_id=key).values_list("pk", flat=True).first()
    return numbers


def _take_slot_embedded(params: dict[str, Any]) -> _Taken:
    held = ActiveCall.objects.filter(Q(business_id=params["business_id"]) | Q(sip_number_id=params["sip_number_id"]))
    counts = held.aggregate(
        on_number=models.Count("pk", filter=Q(sip_number_id=params["sip_number_id"])),
        on_business=models.Count("pk", filter=Q(business_id=params["business_id"])),
        stale=models.Count("pk", filter=Q(last_heartbeat_at__lt=params["cutoff"])),
    )
    if counts["on_number"] >= params["number_limit"] or counts["on_business"] >= params["business_limit"]:
        return _Taken(counts["on_number"], counts["on_business"], counts["stale"], None, None)
    record = CallRecord.objects.create(**{field: params[field] for field in _RECORD_FIELDS}, transcript=[], usage={})
    active = ActiveCall.objects.create(
        business_id=params["business_id"],
        sip_number_id=params["sip_number_id"],
        call_record=record,
        sip_call_id=params["sip_call_id"],
        room_name=params["room_name"],
        caller_number=params["caller_number"],
        started_at=params["started_at"],
        last_heartbeat_at=params["started_at"],
        worker_id=params["worker_id"],
    )
    return _Taken(counts["on_number"], counts["on_business"], counts["stale"], record.pk, active.pk)


_RECORD_FIELDS = ("business_id", "sip_number_id", "dialed_number", "caller_number", "sip_call_id", "room_name",
                  "worker_id", "status", "reason", "started_at")  # fmt: skip


def _end_embedded(
    active_call_id: int | None,
    call_record_id: int | None,
    *,
    reason: str,
    transcript: list[dict[str, Any]] | None,
    usage: dict[str, Any] | None,
) -> list[CallRecord]:
    slot = ActiveCall.objects.select_related("call_record")
    if active_call_id is not None:
        slot = slot.filter(pk=active_call_id)
    if call_record_id is not None:
        slot = slot.filter(call_record_id=call_record_id)
    active = slot.first()
    if active is None:
        return []
    record = active.call_record
    active.delete()
    _complete(record, reason=reason, ended_at=timezone.now())
    if transcript is not None:
        record.transcript = transcript
    if usage is not None:
        record.usage = usage
    record.save(update_fields=["status", "reason", "ended_at", "duration_seconds", "transcript", "usage"])
    return [record]
