"""Admission on PostgreSQL: one hand-written statement per step, row locks, the database clock.

Concurrency limits hold because every admission for a business runs under a lock on
that business's row: two agents admitting calls for the same restaurant at once are
serialised by PostgreSQL, so the second counts the first's ActiveCall. Numbers are
locked too, so a number's limit also holds while it moves between businesses.

Lease times (started_at, heartbeats, ends) come from the database clock, not the
caller's: agent workers, web and Celery run on different hosts, and a host whose clock
runs ahead must not reclaim live calls.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

from analytics import sql as rollup_sql
from panbot.events import announce
from restaurants.models import Business
from telephony.models import CallRecord, SipNumber
from telephony.payloads import CALL_ENDED_SQL, CALL_STARTED_IDS_SQL, CallStartedPayload
from telephony.services.calls.backends import Flood, Route, Taken
from telephony.services.calls.records import ended_status, loaded

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
# Admissions from one trunk for different businesses hold different business locks, so the
# trunk's rate limit is counted under a lock of the trunk's own: a transaction-scoped advisory
# lock, taken last in the routing statement (after number and business: one order for every
# admission, so none deadlock) and counted in the next statement, whose snapshot sees every
# call the trunk's earlier admissions committed.
TRUNK_LOCK_SPACE = 0x7A4B  # the first key of PanBot's advisory locks: trunks
ROUTE_SQL = f"""
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
               AS business_row,
           CASE WHEN %(trunk_ref)s <> '' THEN
               (SELECT true FROM pg_advisory_xact_lock({TRUNK_LOCK_SPACE}, hashtext(%(trunk_ref)s)))
           END AS trunk_locked
      FROM n
"""

# Runs with the number and the business locked, as a statement of its own: its
# snapshot is taken after the locks were granted, so it counts every slot committed
# by the admissions that held them before us. Slots of the number are counted across
# businesses (a previous holder's calls keep theirs until they end). Stale slots
# still count; the rules reclaim them only when they are what stands in the way.
# Whether the business is open when the call arrives, read in the statement that writes the record.
_IN_HOURS = rollup_sql.in_opening_hours(business_id="%(business_id)s", at="%(started_at)s")

TAKE_SLOT_SQL = f"""
    WITH held AS (
        SELECT count(*) FILTER (WHERE sip_number_id = %(sip_number_id)s) AS on_number,
               count(*) FILTER (WHERE business_id = %(business_id)s) AS on_business,
               count(*) FILTER (WHERE last_heartbeat_at < %(cutoff)s) AS stale,
               -- Flood limits, counting admitted calls only (a refusal costs no agent, and must not
               -- use up another tenant's share of a trunk or lock out a caller redialing a busy
               -- line): this caller's to the business in the last minute (under the business
               -- lock), the trunk's in the last second (under its lock).
               (SELECT count(*) FROM telephony_callrecord r
                 WHERE r.business_id = %(business_id)s AND r.caller_key = %(caller_key)s
                   AND r.started_at > %(caller_since)s AND r.status <> 'rejected') AS caller_recent,
               CASE WHEN %(trunk_ref)s = '' THEN 0 ELSE
                   (SELECT count(*) FROM telephony_callrecord r
                     WHERE r.trunk_ref = %(trunk_ref)s AND r.trunk_ref <> '' AND r.started_at > %(trunk_since)s
                       AND r.status <> 'rejected')
               END AS trunk_recent
          FROM telephony_activecall
         WHERE business_id = %(business_id)s OR sip_number_id = %(sip_number_id)s
    ), record AS (
        INSERT INTO telephony_callrecord
               (business_id, sip_number_id, dialed_number, caller_number, caller_key, trunk_ref, sip_call_id,
                room_name, worker_id, status, reason, started_at, transcript, usage, forwarded_from, language,
                config_version, in_opening_hours)
        SELECT %(business_id)s, %(sip_number_id)s, %(dialed_number)s, %(caller_number)s, %(caller_key)s,
               %(trunk_ref)s, %(sip_call_id)s, %(room_name)s, %(worker_id)s, %(status)s, %(reason)s,
               %(started_at)s, '[]', '{{}}', %(forwarded_from)s, %(language)s, %(config_version)s, {_IN_HOURS}
          FROM held
         WHERE held.on_number < %(number_limit)s AND held.on_business < %(business_limit)s
           AND held.caller_recent < %(caller_max)s AND held.trunk_recent < %(trunk_max)s
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
               %(event_payload)s::jsonb || {CALL_STARTED_IDS_SQL},
               statement_timestamp()
          FROM slot
        RETURNING id, payload, created_at
    )
    SELECT held.on_number, held.on_business, held.stale, held.caller_recent, held.trunk_recent,
           slot.call_record_id, slot.id, event.id, event.payload, event.created_at
      FROM held LEFT JOIN slot ON true LEFT JOIN event ON true
"""

# A refused call's record, and its count in the hourly rollup, in one round trip.
REJECT_SQL = f"""
    WITH r AS (
        INSERT INTO telephony_callrecord AS r
               (business_id, sip_number_id, dialed_number, caller_number, caller_key, trunk_ref, sip_call_id,
                room_name, worker_id, status, reason, started_at, ended_at, duration_seconds, transcript, usage,
                forwarded_from, language, config_version, in_opening_hours)
        VALUES (%(business_id)s, %(sip_number_id)s, %(dialed_number)s, %(caller_number)s, %(caller_key)s,
                %(trunk_ref)s, %(sip_call_id)s, %(room_name)s, %(worker_id)s, %(status)s, %(reason)s, %(started_at)s,
                %(started_at)s, 0, '[]', '{{}}',
                %(forwarded_from)s, %(language)s, %(config_version)s,
                CASE WHEN %(business_id)s::bigint IS NOT NULL THEN {_IN_HOURS} END)
        RETURNING {_RECORD_COLUMNS}
    ), rollup AS ({rollup_sql.rollup_add("r")})
    SELECT * FROM r
"""

# Free the slot and complete its record in one round trip, and add the call to its
# hourly rollup in the same statement (so the rollup can never miss or double an end).
# Times come from the database clock; greatest() keeps "ends after start" if that
# clock stepped back.
# `where` is one or both of the fixed fragments in _END_STATEMENTS; values are parameters.
END_SQL = f"""
    WITH slot AS (
        DELETE FROM telephony_activecall WHERE {{where}} RETURNING call_record_id
    ), ended AS (
        UPDATE telephony_callrecord r
           SET status = %(status)s,
               reason = %(reason)s,
               ended_at = greatest(statement_timestamp(), r.started_at),
               duration_seconds = extract(epoch FROM greatest(statement_timestamp(), r.started_at) - r.started_at),
               transcript = coalesce(%(transcript)s::jsonb, r.transcript),
               usage = coalesce(%(usage)s::jsonb, r.usage),
               language = coalesce(%(language)s, r.language)
          FROM slot
         WHERE r.id = slot.call_record_id
        RETURNING {_RECORD_COLUMNS}
    ), event AS (
        INSERT INTO panbot_event (business_id, type, payload, created_at)
        SELECT ended.business_id, 'call.ended', {CALL_ENDED_SQL}, statement_timestamp()
          FROM ended
         WHERE ended.business_id IS NOT NULL
        RETURNING id, payload, created_at
    ), rollup AS ({rollup_sql.rollup_add("ended")})
    SELECT ended.*, event.id AS event_id, event.payload AS event_payload, event.created_at AS event_created_at
      FROM ended LEFT JOIN event ON true
"""
_END_STATEMENTS = {
    (True, True): END_SQL.format(where="id = %(active_call_id)s AND call_record_id = %(call_record_id)s"),
    (True, False): END_SQL.format(where="id = %(active_call_id)s"),
    (False, True): END_SQL.format(where="call_record_id = %(call_record_id)s"),
}


def route(candidates: list[str], key: str, trunk_ref: str = "") -> Route:
    rows = _fetch(SipNumber, ROUTE_SQL, {"candidates": candidates, "key": key, "trunk_ref": trunk_ref})
    if not rows:
        return Route(sip_number=None, now=None, earlier_record_id=None)
    sip_number = rows[0]
    if sip_number.business_row is not None:
        # Locked by the same statement, in the same round trip as the number.
        sip_number.business = _business_from_row(sip_number.business_row)
    return Route(sip_number=sip_number, now=sip_number.db_now, earlier_record_id=sip_number.earlier_record_id)


def take_slot(
    values: dict[str, Any],
    *,
    number_limit: int,
    business_limit: int,
    cutoff: datetime,
    event_payload: CallStartedPayload,
    flood: Flood,
) -> Taken:
    params = {
        **values,
        "number_limit": number_limit,
        "business_limit": business_limit,
        "cutoff": cutoff,
        "event_payload": json.dumps(event_payload, cls=DjangoJSONEncoder),
        "caller_since": flood.caller_since,
        "caller_max": flood.caller_max,
        "trunk_since": flood.trunk_since,
        "trunk_max": flood.trunk_max,
    }
    with connection.cursor() as cursor:
        cursor.execute(TAKE_SLOT_SQL, params)
        row = cursor.fetchone()
    on_number, on_business, stale, caller_recent, trunk_recent, record_id, active_call_id = row[:7]
    event_id, payload, created_at = row[7:]
    if event_id is not None:
        announce(
            event_id=event_id, business_id=values["business_id"], type="call.started", payload=payload,
            created_at=created_at,
        )  # fmt: skip
    return Taken(on_number, on_business, stale, record_id, active_call_id, caller_recent, trunk_recent)


def reject(values: dict[str, Any]) -> CallRecord:
    (record,) = _fetch(CallRecord, REJECT_SQL, values)
    if not isinstance(record, CallRecord):  # _fetch builds instances of the model it is given
        raise TypeError(f"REJECT_SQL returned {record!r}")
    return record


def end(
    *,
    active_call_id: int | None,
    call_record_id: int | None,
    reason: str,
    transcript: list[dict[str, Any]] | None,
    usage: dict[str, Any] | None,
    language: str | None = None,
) -> CallRecord | None:
    # One statement, atomic on its own: it frees the slot, completes the record and
    # writes the call.ended event, so ending needs no transaction block around it.
    ended = _fetch(
        CallRecord,
        _END_STATEMENTS[active_call_id is not None, call_record_id is not None],
        {
            "active_call_id": active_call_id,
            "call_record_id": call_record_id,
            "status": ended_status(reason),
            "reason": reason,
            "transcript": json.dumps(transcript) if transcript is not None else None,
            "usage": json.dumps(usage) if usage is not None else None,
            "language": language,
        },
    )
    if not ended:
        return None
    record = ended[0]  # a CallRecord, with the event's columns as extra attributes
    if record.event_id is not None:
        announce(
            event_id=record.event_id,
            business_id=record.business_id,
            type="call.ended",
            payload=record.event_payload,
            created_at=record.event_created_at,
        )
    return cast(CallRecord, record)


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
        instance = loaded(
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
    return loaded(Business, **{f.attname: f.to_python(data[f.column]) for f in Business._meta.concrete_fields})
