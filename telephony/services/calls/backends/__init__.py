"""Where admission's three database steps run: routing with locks, taking a slot, ending a call.

The rules (`rules.py`) decide; a backend executes. There is one backend per database vendor,
chosen once, at import, from the default database's vendor (`active`):

- `postgres`: hand-written statements, one round trip each, row locks, the database clock;
- `sqlite`: the embedded default (`make run`, `simulate_call`): plain ORM statements inside
  transactions that SQLite serialises whole (BEGIN IMMEDIATE), the process clock.

Every backend is a module with the functions of `Backend`.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections

from telephony.models import CallRecord, SipNumber
from telephony.payloads import CallStartedPayload


@dataclasses.dataclass(frozen=True)
class Route:
    """Where a call goes: the preferred number that exists (locked, `.business` loaded and locked when it has one)."""

    sip_number: SipNumber | None
    now: datetime | None  # the backend's clock at routing; None when no number was found
    earlier_record_id: int | None  # this sip_call_id's CallRecord, if it was admitted before


@dataclasses.dataclass(frozen=True)
class Flood:
    """The flood limits a call must pass: its caller's admitted calls to the business in the last minute, its
    trunk's admitted calls in the last second (counted only when the call came in on a known trunk)."""

    caller_key: str  # E.164, or "" for a withheld or unreadable caller (one bucket)
    caller_since: datetime
    caller_max: int
    trunk_ref: str  # LiveKit's trunk id, or ""
    trunk_since: datetime
    trunk_max: int


@dataclasses.dataclass(frozen=True)
class Taken:
    """What take_slot found (slots held, recent calls) and did (the ids of the record and slot it wrote, else None)."""

    on_number: int
    on_business: int
    stale: int
    record_id: int | None
    active_call_id: int | None
    caller_recent: int = 0
    trunk_recent: int = 0


class Backend(Protocol):
    def route(self, candidates: list[str], key: str, trunk_ref: str = "") -> Route:
        """The first of `candidates` (E.164, most preferred first) that is one of ours, locked with its business;
        then the trunk's lock when `trunk_ref` is given (its rate limit is counted under it)."""
        ...

    def take_slot(
        self,
        values: dict[str, Any],
        *,
        number_limit: int,
        business_limit: int,
        cutoff: datetime,
        event_payload: CallStartedPayload,
        flood: Flood,
    ) -> Taken:
        """Count the slots held and the recent calls; if the number and business each have a slot free and the
        caller and trunk are under their limits, write the record, the slot and `call.started` (with the new ids),
        pushed on commit. Call inside the admission's transaction, after route()."""
        ...

    def reject(self, values: dict[str, Any]) -> CallRecord:
        """Write a refused call's record (ended as it started, with whether the business was open then) and, when
        it has a business, count it in its hourly rollup. Call inside the admission's transaction."""
        ...

    def end(
        self,
        *,
        active_call_id: int | None,
        call_record_id: int | None,
        reason: str,
        transcript: list[dict[str, Any]] | None,
        usage: dict[str, Any] | None,
        language: str | None = None,
    ) -> CallRecord | None:
        """Free the slot matching the ids given, complete its record (`language` replaces the one set at
        admission when given), add it to its hourly rollup and write `call.ended`; None when no slot matches
        (ended before, reclaimed, unknown). Atomic on its own."""
        ...


def for_vendor(vendor: str) -> Backend:
    """The backend for a database vendor (`connection.vendor`)."""
    if vendor == "postgresql":
        from telephony.services.calls.backends import postgres

        return postgres
    if vendor == "sqlite":
        from telephony.services.calls.backends import sqlite

        return sqlite
    raise ImproperlyConfigured(f"Call admission runs on PostgreSQL or SQLite, not {vendor}.")


# Chosen once: every admission, end and heartbeat of this process goes through it.
active: Backend = for_vendor(connections[DEFAULT_DB_ALIAS].vendor)
